// What the console API needs from the world: link keys, staff sign-in, and
// the stores and use cases the command line reads. The risk service, the plan
// store, the invoice store and the ledger satisfy these as they are.
import type { InvoiceStore } from '../billing/ports';
import type { FiredAlertStore, PlanStore } from '../plans/ports';
import type { ReportSpendDeps } from '../plans/report-spend';
import type { SimulatePlansDeps } from '../plans/simulate-plans';
import type { GatherRiskInputDeps } from '../risk/gather-risk-input';
import type { ListRenewalTasksRequest, RenewalTaskView, ResolveRenewalTaskRequest } from '../risk/manage-renewal-tasks';
import type { RenewalTask } from '../risk/ports';
import type { RecordRenewalResultOutcome, RecordRenewalResultRequest } from '../risk/record-renewal-result';
import type { RejectedOutcome } from '../../domain/ledger/rejection';
import type { RejectionCode } from '../../domain/ledger/rejection-codes';
import type { NetOutcome } from '../../domain/ledger/net-outcomes';
import type { UsageQuery } from '../../domain/ledger/summarize-usage';
import type { CatalogRepository, Page } from '../ports';
import type { StatementLedger } from '../billing/stream-outcome-statement';
import type { DisputeListQuery, DisputeRow } from '../disputes/list-disputes';
import type { DisputeScope, OpenDisputeResult } from '../disputes/open-dispute';
import type { ResolveDisputeResult } from '../disputes/resolve-dispute';

export interface PortalLinkKeyring {
  /** The key new links are signed with. */
  signingKey(): Promise<{ keyId: string; secret: Uint8Array }>;
  /** Any key still accepted for verification (current and previous during rotation). */
  verificationKey(keyId: string): Promise<Uint8Array | undefined>;
}

export interface StaffIdentity {
  staffId: string;
  email?: string;
  groups: readonly string[];
}

export interface StaffAuthenticator {
  /** undefined when the request carries no valid staff credential. */
  authenticate(authorizationHeader: string | undefined): Promise<StaffIdentity | undefined>;
}

/** Renewal-risk tasks as the CLI's `tasks` commands work them (the risk service). */
export interface ConsoleRenewalTasks {
  listTasks(request: ListRenewalTasksRequest): Promise<RenewalTaskView[]>;
  showTask(taskId: string): Promise<RenewalTaskView>;
  acknowledgeTask(request: { taskId: string; by?: string }): Promise<RenewalTask>;
  resolveTask(request: ResolveRenewalTaskRequest): Promise<RenewalTask>;
  recordRenewalResult(request: RecordRenewalResultRequest): Promise<RecordRenewalResultOutcome>;
  /** What a risk check reads (usage per period, value, spend), reused for the progress charts. */
  readonly deps: GatherRiskInputDeps;
}

export interface ConsoleRejectedOutcomes {
  listRejected(query: { from?: Date; to?: Date; code?: RejectionCode; limit?: number; cursor?: string }): Promise<Page<RejectedOutcome>>;
}

/** Everything the console reads and changes, as the command line does. */
export interface ConsoleStores {
  readonly tasks: ConsoleRenewalTasks;
  readonly plans: Pick<PlanStore, 'listContracts' | 'getStoredContract' | 'getPlan' | 'listPlanCodes'>;
  readonly invoices: Pick<InvoiceStore, 'listRecords' | 'getRecord' | 'getStatus' | 'listCorrections'>;
  readonly rejected: ConsoleRejectedOutcomes;
  /** The net outcomes behind a usage query (an invoice line traced to its outcomes). */
  readonly outcomes: { listNetOutcomes(query: UsageQuery): Promise<NetOutcome[]> };
  /** The catalog's customers: a portal link is only made for a customer the engine knows. */
  readonly catalog: Pick<CatalogRepository, 'readCatalog'>;
  /** The plan store and usage reader `simulate` replays contracts with. */
  readonly simulation: Omit<SimulatePlansDeps, 'now'>;
  readonly now: () => Date;
}

/** Disputes as the CLI's `disputes` commands work them (the ledger service). */
export interface ConsoleDisputes {
  openDispute(request: unknown, scope?: DisputeScope): Promise<OpenDisputeResult>;
  resolveDispute(request: unknown): Promise<ResolveDisputeResult>;
  listDisputes(query?: DisputeListQuery): Promise<DisputeRow[]>;
}

/**
 * Live spend as `spend`, `caps check` and `invoice list` read it (the plan
 * store, usage through the rollups, the invoice store), and the fired-alert
 * markers the ledger stream writes.
 */
export interface ConsoleLiveSpend extends Omit<ReportSpendDeps, 'invoices' | 'now'> {
  readonly invoices: Pick<InvoiceStore, 'listRecords' | 'getRecord' | 'getStatus'>;
  readonly fired: Pick<FiredAlertStore, 'listFired'>;
}

/** The ledger's raw entries, read outcome by outcome for itemised statements (`invoice statement`). */
export type ConsoleStatements = StatementLedger;

/** A file written somewhere the browser can fetch it from, not through the API's answer. */
export interface StoredFileLink {
  /** A short-lived URL that downloads the file as an attachment. */
  readonly downloadUrl: string;
  readonly expiresAt: string;
}

/**
 * Where a statement's CSV goes when the API cannot answer it whole (in AWS a
 * Lambda answer is at most 6 MB): the file is written chunk by chunk as it is
 * produced, then handed out through a short-lived link. Not wired locally,
 * where the console server streams the file itself.
 */
export interface StatementFileStore {
  /** `scope`: what the file belongs to (the invoice id); the stored name also carries a random part, so no link is guessable or reused. */
  store(file: { readonly scope: string; readonly fileName: string; readonly contentType: string; readonly chunks: AsyncIterable<string> }): Promise<StoredFileLink>;
}

/**
 * Extension points for capabilities being built beside the console: live
 * spend against thresholds and caps, disputes, and outcome statements. Each
 * is optional; the console shows a section only when its reader is wired.
 */
export interface ConsoleExtensions {
  readonly spend?: ConsoleLiveSpend;
  readonly disputes?: ConsoleDisputes;
  readonly statements?: ConsoleStatements;
  /** Set in AWS: statement CSVs are stored and answered as a download link instead of streamed in the answer. */
  readonly statementFiles?: StatementFileStore;
}
