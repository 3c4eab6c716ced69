// What a command may touch, passed in so tests run commands in-process and
// read exactly what a user would see on stdout and stderr.
import { EngineError, type ErrorCategory } from '../../lambdas/domain/errors/engine-error';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** The clock for defaults such as `--as-of` (now). */
  now: () => Date;
  /**
   * Commands against the running local engine take its clock instead of `now`
   * (moved by `clock advance`), so a walk through a term closes, previews and
   * checks at the engine's time. Off for in-process callers that pass a clock.
   */
  followLocalEngineClock?: boolean;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  env: process.env,
  now: () => new Date(),
  followLocalEngineClock: true,
};

/**
 * A user-facing failure: its message is printed as is, without a stack, and
 * its category decides the exit code (exitCodeOf). `code` defaults to the
 * category; give a specific one when a script may want to tell it apart.
 */
export class CliError extends EngineError {
  readonly code: string;
  readonly category: ErrorCategory;
  constructor(message: string, category: ErrorCategory, options?: ErrorOptions & { readonly code?: string }) {
    super(message, options);
    this.name = 'CliError';
    this.category = category;
    this.code = options?.code ?? category;
  }
}

/**
 * A reconciliation found a Stripe invoice total that differs from the
 * engine's. Its own exit code (4) on purpose: scripts that reconcile tell
 * "the totals differ" from "the command failed".
 */
export class InvoiceTotalsDifferError extends CliError {
  constructor(message: string) {
    super(message, 'conflict', { code: 'invoice_totals_differ' });
    this.name = 'InvoiceTotalsDifferError';
  }
}

/**
 * `caps check` answered no: the customer is at a cap. Its own exit code (6)
 * so a producer's script tells "refused" from "the check failed".
 */
export class CapRefusedError extends CliError {
  constructor(message: string) {
    super(message, 'state', { code: 'cap_reached' });
    this.name = 'CapRefusedError';
  }
}

/** The CLI's exit code of each category: the one place commands' failures become exit codes (docs/cli.md). */
export const EXIT_CODE_BY_CATEGORY: Readonly<Record<ErrorCategory, number>> = {
  infrastructure: 1,
  internal: 1,
  invalid_input: 2,
  state: 2,
  not_found: 3,
  conflict: 5,
};

export const INVOICE_TOTALS_DIFFER_EXIT_CODE = 4;
export const CAP_REFUSED_EXIT_CODE = 6;

/** The exit code for any thrown value; anything that is not an engine error exits 1. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof InvoiceTotalsDifferError) return INVOICE_TOTALS_DIFFER_EXIT_CODE;
  if (error instanceof CapRefusedError) return CAP_REFUSED_EXIT_CODE;
  return error instanceof EngineError ? EXIT_CODE_BY_CATEGORY[error.category] : 1;
}

/** Machine-readable output: JSON only, one document. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}
