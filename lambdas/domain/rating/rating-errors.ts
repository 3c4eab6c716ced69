import { EngineError, engineErrorClass } from '../errors/engine-error';

/** Base class of rating errors; each carries a machine code for CLI/API output. */
export abstract class RatingError extends EngineError {}

/** Usage handed to rating is malformed or incomplete for the plan version. */
export class UsageInputError extends RatingError {
  readonly category = 'invalid_input';
  constructor(
    readonly code:
      | 'invalid_quantity'
      | 'usage_missing'
      | 'usage_aggregate_missing'
      | 'outcome_values_missing'
      | 'duplicate_usage'
      | 'mixed_value_currencies'
      | 'invalid_usage',
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'UsageInputError';
  }
}

/** Amounts in two currencies met where no conversion is allowed. */
export class CurrencyMismatchError extends engineErrorClass('CurrencyMismatchError', 'invalid_input', 'currency_mismatch', RatingError) {}

/** A rating input the contract needs was not passed (credit balance, term-to-date subtotal). */
export class RatingInputMissingError extends RatingError {
  readonly category = 'invalid_input';
  constructor(
    readonly code: 'credit_balance_required' | 'term_to_date_required',
    message: string,
  ) {
    super(message);
    this.name = 'RatingInputMissingError';
  }
}

/** Period and contract disagree (another time zone, outside the term). */
export class RatingPeriodError extends engineErrorClass('RatingPeriodError', 'invalid_input', 'period_mismatch', RatingError) {}
