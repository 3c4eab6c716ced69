import type { RiskTier } from './risk-tiers';

/**
 * The risk signals, in scoring and reporting order. A name added here does
 * not compile until it has a weight (DEFAULT_RISK_CONFIG), a scorer
 * (RISK_SIGNALS in risk-signals.ts) and a play (RECOMMENDED_PLAYS); the
 * settings schema takes its weight key from this list.
 */
export const SIGNAL_CODES = [
  'outcome_attainment',
  'outcome_trend',
  'commitment_burn',
  'payment_health',
  'signal_gap',
  'customer_feedback',
  'outcome_disputes',
] as const;

export type SignalCode = (typeof SIGNAL_CODES)[number];

/**
 * Every number the score depends on, in one place (docs/renewal-risk.md has
 * the table). Decimal strings, never floats. Weights are points out of 100;
 * weights of signals that do not apply are shared out over the others in
 * proportion, so a contract without a commitment is scored on what it has.
 */
export interface RiskConfig {
  readonly weights: Readonly<Record<SignalCode, number>>;
  /** Lowest score of each tier; below `watch` is healthy. */
  readonly tierFloors: { readonly watch: number; readonly at_risk: number; readonly critical: number };
  /** One applicable signal at or above this risk lifts the tier to at least `severeSignalTier`. */
  readonly severeSignalRisk: string;
  readonly severeSignalTier: RiskTier;
  readonly attainment: { readonly healthyAt: string; readonly failingAt: string; readonly reasonBelow: string; readonly minElapsedFraction: string; readonly runRatePeriods: number };
  readonly trend: { readonly recentPeriods: number; readonly baselinePeriods: number; readonly healthyAt: string; readonly failingAt: string; readonly reasonBelow: string };
  readonly burn: { readonly healthyAt: string; readonly failingAt: string; readonly reasonBelow: string; readonly minElapsedDays: number };
  readonly payment: {
    readonly windowDays: number;
    readonly unrecoveredFailureRisk: string;
    readonly recoveredFailureRisk: string;
    readonly pastDueBaseRisk: string;
    readonly pastDueFullRiskDays: number;
  };
  readonly gap: { readonly healthyDays: number; readonly failingDays: number; readonly reasonAfterDays: number; readonly staleAfterHours: number };
  readonly feedback: {
    readonly windowDays: number;
    readonly npsHealthyAt: string;
    readonly npsFailingAt: string;
    readonly npsReasonBelow: string;
    readonly csatHealthyAt: string;
    readonly csatFailingAt: string;
    readonly csatReasonBelow: string;
  };
  /** Share of billed outcomes disputed in the term (ratios). */
  readonly disputes: { readonly healthyAt: string; readonly failingAt: string; readonly reasonAt: string };
}

export const DEFAULT_RISK_CONFIG: RiskConfig = {
  weights: {
    outcome_attainment: 30,
    outcome_trend: 20,
    commitment_burn: 15,
    payment_health: 15,
    signal_gap: 10,
    customer_feedback: 10,
    outcome_disputes: 10,
  },
  tierFloors: { watch: 25, at_risk: 45, critical: 65 },
  severeSignalRisk: '0.9',
  severeSignalTier: 'at_risk',
  attainment: { healthyAt: '1', failingAt: '0.6', reasonBelow: '0.9', minElapsedFraction: '0.25', runRatePeriods: 3 },
  trend: { recentPeriods: 1, baselinePeriods: 3, healthyAt: '-0.05', failingAt: '-0.4', reasonBelow: '-0.15' },
  burn: { healthyAt: '1', failingAt: '0.5', reasonBelow: '0.85', minElapsedDays: 30 },
  payment: {
    windowDays: 90,
    unrecoveredFailureRisk: '0.35',
    recoveredFailureRisk: '0.1',
    pastDueBaseRisk: '0.6',
    pastDueFullRiskDays: 30,
  },
  gap: { healthyDays: 7, failingDays: 30, reasonAfterDays: 14, staleAfterHours: 48 },
  feedback: {
    windowDays: 180,
    npsHealthyAt: '30',
    npsFailingAt: '-30',
    npsReasonBelow: '0',
    csatHealthyAt: '0.8',
    csatFailingAt: '0.5',
    csatReasonBelow: '0.7',
  },
  disputes: { healthyAt: '0.01', failingAt: '0.1', reasonAt: '0.02' },
};

export type RiskConfigOverrides = {
  readonly [K in keyof RiskConfig]?: RiskConfig[K] extends string | number ? RiskConfig[K] : Partial<RiskConfig[K]>;
};

/** Merges overrides one section deep (a plan can change one threshold without restating the rest). */
export function resolveRiskConfig(overrides: RiskConfigOverrides = {}): RiskConfig {
  const merged: Record<string, unknown> = { ...DEFAULT_RISK_CONFIG };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const base = (DEFAULT_RISK_CONFIG as unknown as Record<string, unknown>)[key];
    merged[key] = typeof value === 'object' && typeof base === 'object' ? { ...base, ...value } : value;
  }
  return merged as unknown as RiskConfig;
}
