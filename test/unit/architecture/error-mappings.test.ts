// The two places failures become reactions: handlers (HTTP status, queue
// disposition) and the CLI (exit code). Each category must map, and the
// retry decisions that differ from a category's default must hold.
import { describe, expect, it } from 'vitest';
import { CreditNoteRefusedError, PeriodCloseInProgressError } from '../../../lambdas/application/billing/billing-errors';
import { InfrastructureError, LedgerDataError, OutcomeNotYetRecordedError } from '../../../lambdas/application/errors';
import { PlanVersionConflictError } from '../../../lambdas/application/plans/plan-store-errors';
import { RenewalTaskNotFoundError, TaskStateError, TaskVersionConflictError } from '../../../lambdas/application/risk/risk-errors';
import { ERROR_CATEGORIES, EngineError, type ErrorCategory } from '../../../lambdas/domain/errors/engine-error';
import {
  HTTP_STATUS_BY_CATEGORY,
  httpErrorResponse,
  httpStatusOf,
  isAnsweredToCaller,
  queueFailureDispositionOf,
} from '../../../lambdas/shared/error-responses';
import { CliError, EXIT_CODE_BY_CATEGORY, InvoiceTotalsDifferError, exitCodeOf } from '../../../bin/cli/cli-io';
import { runCli } from '../../../bin/cli/program';

class ExampleError extends EngineError {
  readonly code = 'example';
  constructor(readonly category: ErrorCategory) {
    super(`an example ${category} error`);
  }
}

const one = (category: ErrorCategory) => new ExampleError(category);

describe('retry decisions', () => {
  it('follow the category: infrastructure and conflict are retryable, the rest are not', () => {
    expect(Object.fromEntries(ERROR_CATEGORIES.map((category) => [category, one(category).retryable]))).toEqual({
      invalid_input: false,
      not_found: false,
      conflict: true,
      state: false,
      infrastructure: true,
      internal: false,
    });
    expect(new TaskVersionConflictError('t-1', 2).retryable).toBe(true);
    expect(new PeriodCloseInProgressError('closing').retryable).toBe(true);
    expect(new TaskStateError('resolved').retryable).toBe(false);
    expect(new LedgerDataError('unreadable').retryable).toBe(false);
  });

  it('differ from the category only where the error says why', () => {
    expect(new InfrastructureError('missing table', { operation: 'DynamoDB PutItem', retryable: false }).retryable).toBe(false);
    expect(new InfrastructureError('throttled', { operation: 'DynamoDB PutItem' }).retryable).toBe(true);
    expect(new OutcomeNotYetRecordedError('o-1', 1)).toMatchObject({ category: 'not_found', retryable: true });
    expect(new CreditNoteRefusedError('original_invoice_draft', 'draft').retryable).toBe(true);
    expect(new CreditNoteRefusedError('original_invoice_void', 'void').retryable).toBe(false);
  });

  it('keep the cause', () => {
    const cause = new Error('ThrottlingException');
    expect(new InfrastructureError('throttled', { operation: 'DynamoDB PutItem', cause }).cause).toBe(cause);
  });
});

describe('handler mapping', () => {
  it('gives every category its HTTP status', () => {
    expect(Object.fromEntries(ERROR_CATEGORIES.map((category) => [category, httpStatusOf(one(category))]))).toEqual({
      invalid_input: 400,
      not_found: 404,
      conflict: 409,
      state: 422,
      infrastructure: 503,
      internal: 500,
    });
    expect(Object.keys(HTTP_STATUS_BY_CATEGORY).sort()).toEqual([...ERROR_CATEGORIES].sort());
    expect(httpStatusOf(new Error('a bug'))).toBe(500);
  });

  it('answers with the code, the message and whether to retry, never a stack', () => {
    const response = httpErrorResponse(new RenewalTaskNotFoundError('t-9'));
    expect(response.statusCode).toBe(404);
    expect(JSON.parse(String(response.body))).toEqual({ code: 'task_not_found', message: 'no renewal task "t-9"', retryable: false });
  });

  it('answers callers only with errors they can act on; the engine\'s own failures are thrown', () => {
    expect(ERROR_CATEGORIES.filter((category) => isAnsweredToCaller(one(category)))).toEqual(['invalid_input', 'not_found', 'conflict', 'state']);
    expect(isAnsweredToCaller(new Error('a bug'))).toBe(false);
  });

  it('retries a queue record only when another delivery may succeed', () => {
    expect(queueFailureDispositionOf(new InfrastructureError('throttled', { operation: 'DynamoDB PutItem' }))).toBe('retry');
    expect(queueFailureDispositionOf(new OutcomeNotYetRecordedError('o-1', 1))).toBe('retry');
    expect(queueFailureDispositionOf(new LedgerDataError('unreadable'))).toBe('dead_letter');
    expect(queueFailureDispositionOf(new PlanVersionConflictError('p', 1))).toBe('dead_letter');
    expect(queueFailureDispositionOf(new Error('a bug'))).toBe('dead_letter');
  });
});

describe('CLI mapping', () => {
  it('gives every category its exit code, 1 for anything else, 4 for differing Stripe totals', () => {
    expect(Object.fromEntries(ERROR_CATEGORIES.map((category) => [category, exitCodeOf(one(category))]))).toEqual({
      infrastructure: 1,
      internal: 1,
      invalid_input: 2,
      state: 2,
      not_found: 3,
      conflict: 5,
    });
    expect(Object.keys(EXIT_CODE_BY_CATEGORY).sort()).toEqual([...ERROR_CATEGORIES].sort());
    expect(exitCodeOf(new Error('a bug'))).toBe(1);
    expect(exitCodeOf(new InvoiceTotalsDifferError('differs'))).toBe(4);
    expect(exitCodeOf(new CliError('bad flag', 'invalid_input'))).toBe(2);
  });

  it('reports a refusal and exits by its category', async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (text: string) => void err.push(text), env: {}, now: () => new Date('2026-11-05T10:00:00Z') };
    // Refused before any engine is reached: invalid input, exit 2.
    expect(await runCli(['clock', 'advance', '30d', '--to', '2026-12-01T00:00:00Z', '--url', 'http://127.0.0.1:9'], io)).toBe(2);
    expect(err.join('')).toBe('error: give either a duration (e.g. 30d) or --to <instant>\n');
  });
});
