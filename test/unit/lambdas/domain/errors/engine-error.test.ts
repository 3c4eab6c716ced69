import { describe, expect, it } from 'vitest';
import { EngineError, codedEngineErrorClass, engineErrorClass } from '../../../../../lambdas/domain/errors/engine-error';
import { InvoiceRecordInvalidError, InvoicingError } from '../../../../../lambdas/domain/invoicing/invoicing-errors';
import { CheckpointPlanError, RiskInputError } from '../../../../../lambdas/domain/risk/risk-errors';

class ExampleConflictError extends engineErrorClass('ExampleConflictError', 'conflict', 'example_conflict') {}
class ExampleCodedError extends codedEngineErrorClass('ExampleCodedError', 'not_found') {}

describe('engine error classes', () => {
  it('an engineErrorClass error carries its fixed category, code and name, the message and the cause', () => {
    const cause = new Error('underneath');
    const error = new ExampleConflictError('someone got there first', { cause });
    expect(error).toBeInstanceOf(ExampleConflictError);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'ExampleConflictError', category: 'conflict', code: 'example_conflict', message: 'someone got there first', retryable: true });
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('ExampleConflictError: someone got there first');
  });

  it('sits under its family base when one is given', () => {
    const error = new InvoiceRecordInvalidError('lines do not add up');
    expect(error).toBeInstanceOf(InvoicingError);
    expect(error).toMatchObject({ name: 'InvoiceRecordInvalidError', category: 'invalid_input', code: 'invoice_record_invalid', retryable: false });
  });

  it('a codedEngineErrorClass error takes its code where it is thrown; classes of one factory stay apart', () => {
    const error = new ExampleCodedError('thing_missing', 'no thing "t-1"');
    expect(error).toMatchObject({ name: 'ExampleCodedError', category: 'not_found', code: 'thing_missing', message: 'no thing "t-1"' });
    const risk = new RiskInputError('unknown_zone', 'zone "Mars/Base" is unknown');
    expect(risk).toMatchObject({ name: 'RiskInputError', category: 'invalid_input', code: 'unknown_zone' });
    expect(risk).not.toBeInstanceOf(CheckpointPlanError);
    expect(new CheckpointPlanError('bad_days', 'no days')).not.toBeInstanceOf(RiskInputError);
  });
});
