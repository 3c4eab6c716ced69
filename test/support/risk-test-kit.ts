// Shared pieces of the renewal-risk integration tests: a contract, a ledger
// stand-in whose usage per period the test sets, and a recording bus.
import type { RiskUsageReader } from '../../lambdas/application/risk/ports';
import type { EventPublisher, OutboundEvent } from '../../lambdas/application/ports';
import { DEFAULT_RENEWAL_RISK_SETTINGS } from '../../lambdas/application/risk/risk-settings';
import { ContractSchema, type Contract } from '../../lambdas/domain/plans/contract-schema';
import type { RenewalCheckpointPayload } from '../../lambdas/domain/risk/checkpoint-payload';

export const TERM_ID = '2026-01-01';

export function riskContract(overrides: Partial<Record<string, unknown>> = {}): Contract {
  return ContractSchema.parse({
    kind: 'contract',
    contractId: 'ctr-risk',
    customerId: 'acme',
    plan: { code: 'support-automation', version: 'latest' },
    termStart: TERM_ID,
    termEnd: '2027-01-01',
    billingPeriod: { cadence: 'monthly' },
    timeZone: 'UTC',
    currency: 'USD',
    successTargets: [{ metric: 'energy.saved', measure: 'sum_quantity', targetPerPeriod: '1000' }],
    ...overrides,
  });
}

/** Usage per period start (YYYY-MM-DD) the test sets as the story goes on; the last outcome's time too. */
export class ScriptedUsage implements RiskUsageReader {
  readonly byPeriodStart = new Map<string, string>();
  lastOutcomeAt: string | undefined;

  set(values: Record<string, string>, lastOutcomeAt?: string): void {
    for (const [start, quantity] of Object.entries(values)) this.byPeriodStart.set(start, quantity);
    if (lastOutcomeAt) this.lastOutcomeAt = lastOutcomeAt;
  }

  async measure(query: Parameters<RiskUsageReader['measure']>[0]): Promise<string> {
    return this.byPeriodStart.get(query.from.toISOString().slice(0, 10)) ?? '0';
  }

  /** Scripted quantities only: no outcome values. */
  async summarize(query: Parameters<RiskUsageReader['summarize']>[0]): Promise<{ quantity: string; values: [] }> {
    return { quantity: await this.measure(query), values: [] };
  }

  async outcomes(query: Parameters<RiskUsageReader['outcomes']>[0]): Promise<{ occurredAt: string; quantity: string }[]> {
    if (query.metric !== 'energy.saved' || !this.lastOutcomeAt) return [];
    const at = Date.parse(this.lastOutcomeAt);
    return at >= query.from.getTime() && at < query.to.getTime() ? [{ occurredAt: this.lastOutcomeAt, quantity: '1' }] : [];
  }
}

export class RecordingBus implements EventPublisher {
  readonly events: OutboundEvent[] = [];
  failNext = 0;
  async publish(events: readonly OutboundEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('bus unavailable');
    }
    this.events.push(...events);
  }
  types(): string[] {
    return this.events.map((event) => event.detailType);
  }
}

export function payload(checkpointDays: number, contractId = 'ctr-risk'): RenewalCheckpointPayload {
  return { schemaVersion: 1, contractId, termId: TERM_ID, checkpointDays, scheduledFor: '2026-09-03T09:00:00.000Z', catchUp: false };
}

export const SETTINGS = DEFAULT_RENEWAL_RISK_SETTINGS;

/** The story the tests walk through: healthy spring, a drop over the summer, a strong October. */
export const HEALTHY_SPRING = {
  '2026-01-01': '1000',
  '2026-02-01': '1000',
  '2026-03-01': '1000',
  '2026-04-01': '1000',
  '2026-05-01': '1000',
  '2026-06-01': '1000',
};
