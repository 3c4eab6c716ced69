import { z } from 'zod';
import { isCurrencyCode } from '../../domain/money/currencies';
import { CheckpointDaysSchema, DEFAULT_CHECKPOINT_DAYS, LocalTimeOfDaySchema } from '../../domain/risk/checkpoint-plan';
import { SIGNAL_CODES, resolveRiskConfig, type RiskConfig, type RiskConfigOverrides, type SignalCode } from '../../domain/risk/risk-config';
import { RISK_TIERS, RiskTierSchema, type RiskTier } from '../../domain/risk/risk-tiers';
import { DEFAULT_TASK_CONTENT_OPTIONS, type TaskContentOptions } from '../../domain/risk/task-rules';
import { engineErrorClass } from '../../domain/errors/engine-error';

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

// Settings as an operator writes them (CDK context `stages.<stage>.renewalRisk`,
// the RENEWAL_RISK_SETTINGS variable): every field optional, merged over the
// defaults. Validated with the same schema at `cdk synth` and when a function
// starts, so a typo never reaches a check.

const Decimal = z.string().regex(/^-?\d+(\.\d+)?$/, { error: 'expected a decimal string, e.g. "0.85"' });
const Ratio = Decimal.refine((text) => Number(text) >= 0 && Number(text) <= 1, { error: 'expected a decimal string from 0 to 1' });
const PositiveDecimal = z.string().regex(/^\d+(\.\d+)?$/, { error: 'expected a non-negative decimal string, e.g. "25.00"' });
const Days = z.int({ error: 'expected a whole number of days' }).min(0).max(3660);
const Points = z.int({ error: 'expected whole points from 0 to 100' }).min(0).max(100);

const section = <T extends z.ZodRawShape>(shape: T) => z.strictObject(shape).partial().optional();

/**
 * One entry per field of RiskConfig, each with the range an operator may set:
 * typed by RiskConfig, so a new signal's thresholds section missing here does not compile.
 */
const RISK_CONFIG_OVERRIDES = {
  weights: z
    .strictObject(Object.fromEntries(SIGNAL_CODES.map((code) => [code, Points])) as Record<SignalCode, typeof Points>)
    .partial()
    .optional(),
  tierFloors: section({ watch: Points, at_risk: Points, critical: Points }),
  severeSignalRisk: Ratio.optional(),
  severeSignalTier: RiskTierSchema.optional(),
  attainment: section({ healthyAt: PositiveDecimal, failingAt: PositiveDecimal, reasonBelow: PositiveDecimal, minElapsedFraction: Ratio, runRatePeriods: z.int().min(1).max(24) }),
  trend: section({ recentPeriods: z.int().min(1).max(12), baselinePeriods: z.int().min(1).max(12), healthyAt: Decimal, failingAt: Decimal, reasonBelow: Decimal }),
  burn: section({ healthyAt: PositiveDecimal, failingAt: PositiveDecimal, reasonBelow: PositiveDecimal, minElapsedDays: Days }),
  payment: section({ windowDays: Days, unrecoveredFailureRisk: Ratio, recoveredFailureRisk: Ratio, pastDueBaseRisk: Ratio, pastDueFullRiskDays: Days }),
  gap: section({ healthyDays: Days, failingDays: Days, reasonAfterDays: Days, staleAfterHours: z.int().min(1).max(24 * 366) }),
  feedback: section({
    windowDays: Days,
    npsHealthyAt: Decimal,
    npsFailingAt: Decimal,
    npsReasonBelow: Decimal,
    csatHealthyAt: Ratio,
    csatFailingAt: Ratio,
    csatReasonBelow: Ratio,
  }),
  disputes: section({ healthyAt: Ratio, failingAt: Ratio, reasonAt: Ratio }),
} satisfies Record<keyof RiskConfig, z.ZodType>;

export const RiskConfigOverridesSchema = z
  .strictObject(RISK_CONFIG_OVERRIDES)
  .superRefine((overrides, ctx) => {
    // Checked on the merged config: an override of one floor must still fit the defaults of the others.
    const config = resolveRiskConfig(overrides as RiskConfigOverrides);
    const { watch, at_risk: atRisk, critical } = config.tierFloors;
    if (!(watch < atRisk && atRisk < critical)) {
      ctx.addIssue({ code: 'custom', path: ['tierFloors'], message: `tier floors must rise: watch ${watch} < at_risk ${atRisk} < critical ${critical}` });
    }
    if (Object.values(config.weights).every((weight) => weight === 0)) {
      ctx.addIssue({ code: 'custom', path: ['weights'], message: 'at least one signal needs a weight above 0' });
    }
  });

const CurrencyCodeSchema = z.string().refine(isCurrencyCode, { error: 'expected an ISO 4217 currency code, e.g. USD' });

export const RenewalRiskSettingsInputSchema = z.strictObject({
  /** Days before term end at which checks run, unless a plan or contract names its own. */
  checkpointsDays: CheckpointDaysSchema.optional(),
  /** Local time of day the checks run in the contract's zone. */
  localTime: LocalTimeOfDaySchema.optional(),
  /** Tasks are created at this tier or worse. */
  minimumTier: RiskTierSchema.optional(),
  /** Owner of tasks for contracts without a CSM. */
  fallbackOwner: z.string().min(1).max(320).optional(),
  /** Days from the check to a task's due date, by tier. */
  dueInDays: z.strictObject(Object.fromEntries(RISK_TIERS.map((tier) => [tier, z.int().min(0).max(365)])) as Record<RiskTier, z.ZodInt>).partial().optional(),
  /** At-risk tasks whose expected revenue at risk reaches this (integer minor units per currency) are P1; replaces the default map. */
  p1ExpectedRevenueAtRiskMinor: z.record(CurrencyCodeSchema, z.string().regex(/^\d+$/, { error: 'expected integer minor units, e.g. "5000000"' })).optional(),
  /** Weights and thresholds of the score (docs/renewal-risk.md), merged one section deep. */
  riskConfig: RiskConfigOverridesSchema.optional(),
  /** What one outcome of a metric is worth to the customer (major units of the contract's currency). */
  outcomeValuesPerUnit: z.record(z.string().min(1).max(128), PositiveDecimal).optional(),
  feedback: section({ npsMetric: z.string().min(1).max(128), csatMetric: z.string().min(1).max(128), csatScaleMax: PositiveDecimal, windowDays: Days }),
});
export type RenewalRiskSettingsInput = z.input<typeof RenewalRiskSettingsInputSchema>;

export class RenewalRiskSettingsError extends engineErrorClass('RenewalRiskSettingsError', 'invalid_input', 'invalid_renewal_risk_settings') {}

/** The settings an operator wrote, over the defaults. Throws RenewalRiskSettingsError naming every bad field. */
export function resolveRenewalRiskSettings(input: unknown, source = 'renewal-risk settings'): RenewalRiskSettings {
  const parsed = RenewalRiskSettingsInputSchema.safeParse(input ?? {});
  if (!parsed.success) throw new RenewalRiskSettingsError(`invalid ${source}:\n${z.prettifyError(parsed.error)}`, { cause: parsed.error });
  const given = parsed.data;
  const defaults = DEFAULT_RENEWAL_RISK_SETTINGS;
  const taskOptions: TaskContentOptions = {
    fallbackOwner: given.fallbackOwner ?? DEFAULT_TASK_CONTENT_OPTIONS.fallbackOwner,
    dueInDays: { ...DEFAULT_TASK_CONTENT_OPTIONS.dueInDays, ...given.dueInDays },
    p1ExpectedRevenueAtRiskMinor: given.p1ExpectedRevenueAtRiskMinor ?? DEFAULT_TASK_CONTENT_OPTIONS.p1ExpectedRevenueAtRiskMinor ?? {},
  };
  return {
    checkpointsDays: given.checkpointsDays ?? defaults.checkpointsDays,
    localTime: given.localTime ?? defaults.localTime,
    minimumTier: given.minimumTier ?? defaults.minimumTier,
    ...(given.riskConfig ? { riskConfig: resolveRiskConfig(given.riskConfig as RiskConfigOverrides) } : {}),
    taskOptions,
    ...(given.outcomeValuesPerUnit ? { outcomeValuesPerUnit: given.outcomeValuesPerUnit } : {}),
    feedback: { ...defaults.feedback, ...given.feedback },
  };
}

/** Where deployed functions read their renewal-risk settings (JSON of RenewalRiskSettingsInputSchema); set by the stack from the stage config. */
export const RENEWAL_RISK_SETTINGS_ENV = 'RENEWAL_RISK_SETTINGS';

/**
 * The settings from the environment: the defaults when RENEWAL_RISK_SETTINGS
 * is unset or blank; otherwise its JSON, validated, over the defaults. Bad
 * JSON or a bad value throws (the function then fails on its first event,
 * loudly, instead of checking with settings nobody chose).
 */
export function renewalRiskSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): RenewalRiskSettings {
  const text = env[RENEWAL_RISK_SETTINGS_ENV]?.trim();
  if (!text) return resolveRenewalRiskSettings({});
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RenewalRiskSettingsError(`${RENEWAL_RISK_SETTINGS_ENV} is not JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return resolveRenewalRiskSettings(json, `${RENEWAL_RISK_SETTINGS_ENV}`);
}
