// The shapes the console API answers with (see lambdas/application/console).

export interface Amount {
  minor: string;
  decimal: string;
}

export interface Reason {
  code: string;
  message: string;
}

export interface Task {
  id: string;
  contractId: string;
  customerId: string;
  customerName?: string;
  termId: string;
  termEnd: string;
  status: 'open' | 'acknowledged' | 'resolved';
  tier: string;
  score: number;
  dueDate: string;
  owner: string;
  acknowledgedBy?: string;
  priority: { rank: string; revenueAtRiskMinor?: string; currency: string; revenueAtRiskExplanation?: string };
  reasons: Reason[];
  recommendedPlay?: { code: string; title: string };
  valueSummary: { sentence: string };
  resolution?: { kind: string; result?: string };
}

export interface ProgressPeriod {
  periodStart: string;
  periodEnd: string;
  outcomes?: Record<string, string>;
  state: 'complete' | 'in_progress' | 'future';
}

export interface CheckpointMark {
  checkpointDays: number;
  at: string;
  tier: string;
  score: number;
  periodStart?: string;
}

export interface ContractProgress {
  contractId: string;
  customerId: string;
  currency: string;
  termStart: string;
  termEnd: string;
  targets: { metric: string; label: string; targetPerPeriod: string }[];
  periods: ProgressPeriod[];
  value: { sentence: string; totalValueMinor?: string; pricePaidMinor?: string; currency: string };
  commitment?: { committed: Amount; spent: Amount };
  spentToDate?: Amount;
  checkpoints?: CheckpointMark[];
}

export interface ContractSummary {
  contractId: string;
  customerId: string;
  plan: { code: string; version: number | 'latest' };
  currency: string;
  termStart: string;
  termEnd: string;
  cadence: string;
  csmOwner?: string;
  commitment?: string;
}

export interface InvoiceSummary {
  invoiceRecordId: string;
  contractId: string;
  customerId: string;
  periodId: string;
  periodStart: string;
  periodEnd: string;
  total: Amount;
  currency: string;
  status: string | null;
  stripeStatus: string | null;
}

export interface ExplainedLine {
  lineId: string;
  kind: string;
  description: string;
  chargeId: string | null;
  metric: string | null;
  quantity: string;
  amount: Amount;
  amountDue: Amount;
  tiers: Record<string, unknown>[];
  ledgerQuery: { ledgerMetric: string; from: string; to: string; asOf: string | null; eligibility: string; rerun: string } | null;
  /** Disputes of the line's outcomes by status; null for a line without usage. */
  disputes?: DisputeCounts | null;
}

export type DisputeStatus = 'open' | 'upheld' | 'rejected';
export type DisputeCounts = Record<DisputeStatus, number>;

export interface DisputeRow {
  disputeId: string;
  outcomeId: string;
  customerId: string;
  metric: string;
  occurredAt: string;
  status: DisputeStatus;
  reason: string;
  raisedBy: string;
  openedAt: string;
  hold: boolean;
  decision?: { note: string; resolvedBy: string; resolvedAt: string };
}

export interface OpenDisputeAnswer {
  disputeId: string;
  opened: { outcomeId: string; hold: boolean; created: boolean }[];
  refused: { outcomeId: string; code: string; message: string }[];
}

export interface StatementRowView {
  lineId: string;
  outcomeId: string;
  occurredAt: string;
  quantity: string;
  definitionVersion: number;
  evidence: { reference?: string; summary?: string } | null;
  laterReversal: { recordedAt: string; reason: string } | null;
  disputeStatus: DisputeStatus | null;
}

export interface StatementLineTotalView {
  lineId: string;
  description: string;
  outcomes: number;
  measured: string | null;
  lineQuantity: string;
  amount: { minor: string; decimal: string };
  reconciles: boolean;
  pricing: string;
}

export interface Statement {
  invoiceRecordId: string | null;
  currency: string;
  cutoff: string;
  rows: StatementRowView[];
  totalRows: number;
  lines: StatementLineTotalView[];
  reconciles: boolean;
}

export interface CorrectionLineView {
  lineId?: string;
  description?: string;
  amount: Amount;
}

export interface InvoiceExplanation {
  invoiceRecordId: string;
  contractId: string;
  customerId: string;
  periodId: string;
  cutoff: string;
  plan: { code: string; version: number };
  currency: string;
  totals: Record<'subtotal' | 'commitmentTrueUp' | 'creditsApplied' | 'ratedTotal' | 'adjustmentsTotal' | 'total', Amount>;
  stripe: { invoiceId: string | null; status: string | null; reconciled: boolean | null };
  lines: ExplainedLine[];
  followedBy: {
    correctionId: string;
    sequence: number;
    adjustments: { lines: CorrectionLineView[]; billedOn: string | null };
    creditNote: { lines: CorrectionLineView[]; creditNoteId: string | null; credited: boolean };
  }[];
}

export interface LineOutcomes {
  lineId: string;
  description: string;
  quantity: string;
  outcomes: { outcomeId: string; occurredAt: string; quantity: string; billable: boolean; verified: boolean; corrected: boolean }[];
}

export interface RejectedGroups {
  byCode: { code: string; count: number; items: { outcomeId?: string; code: string; message: string; receivedAt: string }[] }[];
  more: boolean;
}

export interface SimulationRow {
  contractId: string;
  customerId: string;
  currency: string;
  periods: string;
  current: string;
  proposed: string;
  difference: string;
  differencePercent: string;
}

export interface PortalOverview {
  customerId: string;
  linkExpiresAt?: string;
  contracts: (ContractSummary & { progress: ContractProgress })[];
  invoices: InvoiceSummary[];
}

export interface SpendLine {
  chargeId: string;
  description: string;
  metric: string | null;
  quantity: string;
  amount: Amount;
  creditApplied: Amount;
  amountDue: Amount;
}

export interface AlertLevel {
  thresholdId: string;
  kind: 'usage' | 'spend' | 'credits' | 'cap';
  description: string;
  configured: boolean;
  reachedNow: boolean;
  firedAt: string | null;
  published: boolean | null;
}

export interface CapStatus {
  thresholdId: string;
  kind: 'metric' | 'spend';
  metric: string | null;
  cap: string;
  usedToDate: string;
  remaining: string;
  currency: string | null;
  allowsMore: boolean;
  reason: string | null;
}

/** `GET /api/contracts/<id>/spend`: the open period as `outcome-engine spend` reports it, with alerts, caps and threshold invoices. */
export type LiveSpend =
  | {
      contractId: string;
      customerId: string;
      open: true;
      periodId: string;
      asOf: string;
      spend: {
        currency: string;
        period: { id: string; startDate: string; endDate: string };
        usage: { chargeId: string; metric: string; quantity: string }[];
        ratedToDate: { subtotal: Amount; total: Amount };
        commitment: { trueUp: string; committed: Amount; burned: Amount; remaining: Amount; burnedPercent: string | null } | null;
        creditsLeft: Amount | null;
        forecast: { rule: string; elapsedPercent: string; subtotal: Amount; total: Amount };
        preview: { lines: SpendLine[]; commitmentTrueUp: SpendLine | null; total: Amount };
      };
      alerts: AlertLevel[];
      caps: CapStatus[];
      thresholdInvoicing: {
        threshold: Amount;
        invoices: { invoiceRecordId: string; sequence: number; total: Amount; status: string | null }[];
        billed: Amount;
        unbilled: Amount;
      } | null;
    }
  | { contractId: string; customerId: string; open: false; asOf: string; message: string };
