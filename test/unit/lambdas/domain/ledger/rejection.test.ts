import { describe, expect, it } from 'vitest';
import {
  MAX_STORED_RAW_BYTES,
  buildRejectedOutcome,
  rejectionIdOf,
  toOutcomeRejectedDetail,
  truncateUtf8,
  OutcomeRejectedDetailSchema,
} from '../../../../../lambdas/domain/ledger/rejection';
import { envelope, validDetail } from '../../../../support/ledger-fixtures';

describe('rejections', () => {
  it('identify the event, not the envelope, so redelivery and resends map to one rejection', () => {
    const body = envelope({ ...validDetail, quantity: -1 });
    expect(rejectionIdOf(body)).toBe(rejectionIdOf(body.replace('"evt-1"', '"evt-99"')));
    expect(rejectionIdOf(body)).not.toBe(rejectionIdOf(envelope({ ...validDetail, quantity: -2 })));
    expect(rejectionIdOf('{broken')).toBe(rejectionIdOf('{broken'));
    expect(rejectionIdOf('{broken')).not.toBe(rejectionIdOf('{broken!'));
  });

  it('cut huge bodies at a byte limit without splitting a character', () => {
    const text = `a${'€'.repeat(20)}`; // € is 3 bytes
    expect(truncateUtf8(text, 5)).toEqual({ text: 'a€', bytes: 61, truncated: true });
    expect(truncateUtf8('short', 10)).toEqual({ text: 'short', bytes: 5, truncated: false });
    const emoji = '😀'.repeat(10); // 4 bytes each, surrogate pairs in JS
    expect(truncateUtf8(emoji, 6).text).toBe('😀');
  });

  it('are stored with a capped body and announced with the published detail schema', () => {
    const rejected = buildRejectedOutcome(
      { code: 'MALFORMED_JSON', message: 'm'.repeat(5000), detailType: 'Outcome Recorded' },
      { body: 'x'.repeat(MAX_STORED_RAW_BYTES + 10), messageId: 'msg-1', receivedAtMs: Date.parse('2026-11-15T12:00:00Z'), rejectionId: 'r-1' },
    );
    expect(rejected).toMatchObject({ rawBytes: MAX_STORED_RAW_BYTES + 10, truncated: true, receivedAt: '2026-11-15T12:00:00.000Z' });
    expect(rejected.rawBody).toHaveLength(MAX_STORED_RAW_BYTES);
    expect(rejected.message.length).toBeLessThanOrEqual(2000);
    const detail = toOutcomeRejectedDetail(rejected);
    expect(OutcomeRejectedDetailSchema.parse(detail)).toEqual({
      schemaVersion: 1,
      rejectionId: 'r-1',
      code: 'MALFORMED_JSON',
      message: rejected.message,
      receivedAt: '2026-11-15T12:00:00.000Z',
      rawDetailType: 'Outcome Recorded',
    });
  });
});
