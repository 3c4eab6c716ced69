import { describe, expect, it } from 'vitest';
import { derivedDisputeId, formatOpened, outcomeIdsFromCsv } from '../../../../bin/cli/disputes-command';
import { disputeCountsOf } from '../../../../bin/cli/invoice-explain';
import type { UsageQuery } from '../../../../lambdas/domain/rating/usage';

describe('disputes CLI helpers', () => {
  it('reads outcome ids from the first CSV column, skipping a header, quotes and blank lines', () => {
    expect(outcomeIdsFromCsv('outcomeId,note\nt-1,late\n"t-2",x\r\n\n t-3 \n')).toEqual(['t-1', 't-2', 't-3']);
    expect(outcomeIdsFromCsv('t-9\nt-10\n')).toEqual(['t-9', 't-10']);
  });

  it('derives the same dispute id for the same outcomes in any order, another for another reason', () => {
    expect(derivedDisputeId(['b', 'a'], 'r', 'me')).toBe(derivedDisputeId(['a', 'b'], 'r', 'me'));
    expect(derivedDisputeId(['a', 'b'], 'r2', 'me')).not.toBe(derivedDisputeId(['a', 'b'], 'r', 'me'));
    expect(derivedDisputeId(['a'], 'r', 'me')).toMatch(/^D-[0-9a-f]{16}$/);
  });

  it('prints each opened outcome and each refusal with its code and reason', () => {
    const text = formatOpened({
      disputeId: 'D-1',
      opened: [{ outcomeId: 't-1', customerId: 'acme', metric: 'ticket.resolved', hold: true, created: true }],
      refused: [{ outcomeId: 'ghost', code: 'UNKNOWN_OUTCOME', message: 'no outcome "ghost" has been recorded, so there is nothing to dispute' }],
    });
    expect(text).toBe(
      'dispute D-1: 1 opened, 1 refused\n' +
        '  opened   t-1 (acme, ticket.resolved; held out of billing until decided)\n' +
        '  refused  ghost UNKNOWN_OUTCOME: no outcome "ghost" has been recorded, so there is nothing to dispute\n',
    );
  });
});

describe('invoice explain: disputes beside each line', () => {
  const query = {
    customerId: 'acme',
    ledgerMetric: 'ticket.resolved',
    from: '2026-11-01T00:00:00.000Z',
    to: '2026-12-01T00:00:00.000Z',
  } as UsageQuery;
  const row = (status: 'open' | 'upheld' | 'rejected', occurredAt: string, metric = 'ticket.resolved', customerId = 'acme') => ({ status, occurredAt, metric, customerId });

  it("counts the disputes of the line's customer, metric and period by status", () => {
    expect(
      disputeCountsOf(
        [
          row('open', '2026-11-01T00:00:00.000Z'),
          row('upheld', '2026-11-20T00:00:00.000Z'),
          row('upheld', '2026-11-30T23:59:59.999Z'),
          row('rejected', '2026-11-05T00:00:00.000Z'),
          row('upheld', '2026-12-01T00:00:00.000Z'),
          row('upheld', '2026-11-05T00:00:00.000Z', 'order.recovered'),
          row('upheld', '2026-11-05T00:00:00.000Z', 'ticket.resolved', 'globex'),
        ],
        query,
      ),
    ).toEqual({ open: 1, upheld: 2, rejected: 1 });
  });
});
