import { EngineError } from '../errors/engine-error';

/** An amount has more decimal places than its currency's minor unit allows. */
export class MoneyPrecisionError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'amount_too_precise';
  constructor(
    readonly amount: string,
    readonly currency: string,
    readonly exponent: number,
  ) {
    super(
      `amount "${amount}" has more decimal places than ${currency} allows (${exponent}); ` +
        `amounts are whole ${currency} minor units`,
    );
    this.name = 'MoneyPrecisionError';
  }
}
