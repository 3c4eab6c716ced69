import { EngineError, engineErrorClass } from '../errors/engine-error';

/** Base class of period errors, each with a machine code for CLI/API output. */
export abstract class PeriodError extends EngineError {}

export class InvalidBillingScheduleError extends engineErrorClass('InvalidBillingScheduleError', 'invalid_input', 'invalid_billing_schedule', PeriodError) {}

export class InvalidPeriodIdError extends PeriodError {
  readonly category = 'invalid_input';
  readonly code = 'invalid_period_id';
  constructor(
    readonly periodId: string,
    expected: string,
  ) {
    super(`period id "${periodId}" is not valid here: expected ${expected}`);
    this.name = 'InvalidPeriodIdError';
  }
}

export class InvalidInstantError extends PeriodError {
  readonly category = 'invalid_input';
  readonly code = 'invalid_instant';
  constructor(readonly instant: string) {
    super(`"${instant}" is not an RFC 3339 instant with an offset (e.g. 2026-11-05T10:00:00Z)`);
    this.name = 'InvalidInstantError';
  }
}

export class PeriodOutsideTermError extends PeriodError {
  readonly category = 'invalid_input';
  readonly code = 'period_outside_term';
  constructor(
    readonly what: string,
    readonly termStart: string,
    readonly termEnd: string,
  ) {
    super(`${what} is outside the contract term ${termStart} .. ${termEnd} (end exclusive)`);
    this.name = 'PeriodOutsideTermError';
  }
}
