import type { SignalCode } from './risk-config';
import type { MoneyDecimal } from '../money/decimal';

/** A reason: a stable machine code and one sentence with the numbers. */
export interface RiskReason {
  readonly code: string;
  readonly signal: SignalCode | 'data_quality';
  readonly message: string;
}

export type SignalUnit = 'ratio' | 'change' | 'count' | 'days' | 'nps' | 'csat';

/** What one signal evaluator produces before weights are applied. */
export interface SignalEvaluation {
  readonly code: SignalCode;
  readonly applicable: boolean;
  /** Why the signal could not be read (missing input); its weight goes to the others. */
  readonly notApplicableReason?: string;
  readonly value?: MoneyDecimal;
  readonly unit: SignalUnit;
  /** The value at which a reason is raised, in the same unit. */
  readonly threshold: MoneyDecimal;
  /** 0 (no risk) .. 1 (full risk). */
  readonly risk: MoneyDecimal;
  readonly reasons: readonly RiskReason[];
  readonly details: Readonly<Record<string, string | number | boolean | null | readonly Record<string, string | number | null>[]>>;
}

export function notApplicable(code: SignalCode, unit: SignalUnit, threshold: MoneyDecimal, zero: MoneyDecimal, why: string): SignalEvaluation {
  return { code, applicable: false, notApplicableReason: why, unit, threshold, risk: zero, reasons: [], details: {} };
}
