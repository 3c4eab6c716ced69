import { DEFAULT_CHECKPOINT_DAYS } from '../../domain/risk/checkpoint-plan';
import type { RiskConfig } from '../../domain/risk/risk-config';
import type { RiskTier } from '../../domain/risk/risk-tiers';
import type { TaskContentOptions } from '../../domain/risk/task-rules';

/** How the engine runs renewal-risk checks; one object shared by the scheduler, the check and the CLI. */
export interface RenewalRiskSettings {
  /** Days before term end at which checks run. */
  readonly checkpointsDays: readonly number[];
  /** Local time of day the checks run in the contract's zone. */
  readonly localTime: string;
  /** Tasks are created at this tier or worse. */
  readonly minimumTier: RiskTier;
  readonly riskConfig?: RiskConfig;
  readonly taskOptions?: Partial<TaskContentOptions>;
  /**
   * What one outcome of a metric is worth to the customer (major units of the
   * contract's currency, decimal string), for the value summary. Metrics not
   * listed use the values producers reported with their outcomes.
   */
  readonly outcomeValuesPerUnit?: Readonly<Record<string, string>>;
  /** Ledger metrics producers send customer feedback as (the outcome's quantity is the answer). */
  readonly feedback: {
    readonly npsMetric: string;
    readonly csatMetric: string;
    /** Top of the CSAT scale the producer answers on. */
    readonly csatScaleMax: string;
    readonly windowDays: number;
  };
}

export const DEFAULT_RENEWAL_RISK_SETTINGS: RenewalRiskSettings = {
  checkpointsDays: [...DEFAULT_CHECKPOINT_DAYS],
  localTime: '09:00',
  minimumTier: 'at_risk',
  feedback: { npsMetric: 'feedback.nps', csatMetric: 'feedback.csat', csatScaleMax: '5', windowDays: 180 },
};

/** A contract term's id: its first local day. A renewal starts a new term (new id); moving the end keeps it. */
export function termIdOf(contract: { readonly termStart: string }): string {
  return contract.termStart;
}
