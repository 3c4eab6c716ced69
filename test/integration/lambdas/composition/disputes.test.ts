// Disputes on DynamoDB Local: opened and decided entries next to the outcome,
// conditional writes, the dispute listing, the reversal of an upheld dispute
// through the ledger's reversal rules, holds in usage, and the events.
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, NOVEMBER, createLedgerKit, recorded, reversed, type LedgerKit } from '../../../support/ledger-test-kit';

const DAY = 86_400_000;

describe('disputes (DynamoDB Local)', () => {
  let kit: LedgerKit;
  beforeAll(async () => {
    kit = await createLedgerKit({
      start: '2026-11-05T12:00:00Z',
      catalog: {
        ...CATALOG,
        metrics: (CATALOG.metrics ?? []).map((metric) =>
          metric.code === 'ticket.resolved' ? { ...metric, dispute: { windowDays: 10, whileOpen: 'hold' as const } } : metric,
        ),
      },
    });
    for (let index = 1; index <= 6; index += 1) {
      await kit.service.ingestMessage(
        recorded({ outcomeId: `t-${index}`, customerId: 'acme', metric: 'ticket.resolved', occurredAt: `2026-11-0${index < 4 ? 2 : 4}T09:00:00Z` }),
      );
    }
    await kit.service.ingestMessage(
      recorded({ outcomeId: 'ord-1', customerId: 'globex', metric: 'order.recovered', value: { amount: '40.00', currency: 'USD' }, occurredAt: '2026-10-20T09:00:00Z' }),
    );
    await kit.service.ingestMessage(reversed({ outcomeId: 't-6', reason: 'reopened by the customer' }));
  });
  afterAll(async () => {
    await kit.destroy();
  });

  const published = (detailType: string) =>
    kit.eventBridge
      .commandCalls(PutEventsCommand)
      .flatMap((call) => call.args[0].input.Entries ?? [])
      .filter((entry) => entry.DetailType === detailType)
      .map((entry) => JSON.parse(entry.Detail ?? '{}') as Record<string, unknown>);
  const billableCount = async (customerId: string, metric: string) => (await kit.service.getUsage({ customerId, metric, ...NOVEMBER, basis: 'billable' })).count;

  it('opens the good ids of a bulk dispute and refuses each bad one with its code and reason', async () => {
    kit.clock.set('2026-11-10T12:00:00Z');
    expect(await billableCount('acme', 'ticket.resolved')).toBe(5);
    const result = await kit.service.openDispute({
      disputeId: 'D-100',
      outcomeIds: ['t-1', 't-2', 'ghost', 't-6', 't-4', 't-1'],
      reason: 'these tickets were reopened',
      raisedBy: 'finance@acme',
    });
    expect(result.opened.map((outcome) => outcome.outcomeId)).toEqual(['t-1', 't-2', 't-4']);
    expect(result.opened.every((outcome) => outcome.created && outcome.hold)).toBe(true);
    expect(result.refused).toEqual([
      { outcomeId: 'ghost', code: 'UNKNOWN_OUTCOME', message: 'no outcome "ghost" has been recorded, so there is nothing to dispute' },
      { outcomeId: 't-6', code: 'ALREADY_REVERSED', message: expect.stringContaining('("reopened by the customer")') },
      { outcomeId: 't-1', code: 'NAMED_TWICE', message: 'outcome "t-1" is named again at position 6; it is disputed once' },
    ]);
    // 'hold': the three are out of billing while open, and stay counted under basis all.
    expect(await billableCount('acme', 'ticket.resolved')).toBe(2);
    expect((await kit.service.getUsage({ customerId: 'acme', metric: 'ticket.resolved', ...NOVEMBER, basis: 'all' })).count).toBe(5);
    expect(published('Dispute Opened')).toHaveLength(3);
    expect(published('Dispute Opened')[0]).toMatchObject({ schemaVersion: 1, disputeId: 'D-100', customerId: 'acme', metric: 'ticket.resolved', hold: true, raisedBy: 'finance@acme' });
  });

  it('refuses outside the window and a second dispute while one is open; a resend opens nothing twice', async () => {
    const late = await kit.service.openDispute({ disputeId: 'D-101', outcomeIds: ['t-3', 't-2'], reason: 'late', raisedBy: 'finance@acme' });
    expect(late.refused.map((refusal) => [refusal.outcomeId, refusal.code])).toEqual([['t-2', 'DISPUTE_ALREADY_OPEN']]);
    expect(late.opened.map((outcome) => outcome.outcomeId)).toEqual(['t-3']);

    kit.clock.set('2026-11-14T09:00:00.001Z'); // t-5 occurred 2026-11-04T09:00Z: 10 days and 1 ms ago
    const outside = await kit.service.openDispute({ disputeId: 'D-102', outcomeIds: ['t-5'], reason: 'late', raisedBy: 'finance@acme' });
    expect(outside.refused).toEqual([{ outcomeId: 't-5', code: 'OUTSIDE_DISPUTE_WINDOW', message: expect.stringContaining('until 2026-11-14T09:00:00.000Z') }]);

    const again = await kit.service.openDispute({ disputeId: 'D-100', outcomeIds: ['t-1', 't-2'], reason: 'these tickets were reopened', raisedBy: 'finance@acme' });
    expect(again.opened.map((outcome) => [outcome.outcomeId, outcome.created])).toEqual([['t-1', false], ['t-2', false]]);
    expect((await kit.service.getOutcome('t-1'))?.disputes).toHaveLength(1);
  });

  it('lists disputes by customer and status', async () => {
    const all = await kit.service.listDisputes();
    expect(all.map((row) => `${row.disputeId}/${row.outcomeId}/${row.status}`)).toEqual(['D-100/t-1/open', 'D-100/t-2/open', 'D-100/t-4/open', 'D-101/t-3/open']);
    expect(await kit.service.listDisputes({ customerIds: ['globex'] })).toEqual([]);
    expect(await kit.service.listDisputes({ status: 'upheld' })).toEqual([]);
  });

  it('decides per outcome: upheld reverses through the ledger with the dispute in the reason, rejected releases the hold; decisions are final', async () => {
    kit.clock.set('2026-11-15T12:00:00Z');
    const upheld = await kit.service.resolveDispute({ disputeId: 'D-100', upheld: true, note: 'tickets reopened within a day', resolvedBy: 'csm@vendor', outcomeIds: ['t-1', 't-2'] });
    expect(upheld.decided.map((outcome) => [outcome.outcomeId, outcome.decision, outcome.reversed])).toEqual([
      ['t-1', 'upheld', true],
      ['t-2', 'upheld', true],
    ]);
    const rejected = await kit.service.resolveDispute({ disputeId: 'D-100', upheld: false, note: 'resolved for good', resolvedBy: 'csm@vendor' });
    // Without outcome ids, every outcome the dispute names; the two decided already are refused as such.
    expect(rejected.decided.map((outcome) => [outcome.outcomeId, outcome.decision])).toEqual([['t-4', 'rejected']]);
    expect(rejected.refused.map((refusal) => [refusal.outcomeId, refusal.code])).toEqual([
      ['t-1', 'ALREADY_DECIDED'],
      ['t-2', 'ALREADY_DECIDED'],
    ]);
    expect(await kit.service.getOutcome('t-1')).toMatchObject({
      status: 'reversed',
      reversal: { reason: 'dispute D-100 upheld: tickets reopened within a day' },
      disputes: [{ disputeId: 'D-100', status: 'upheld', resolution: { resolvedBy: 'csm@vendor' } }],
    });
    expect(await kit.service.getOutcome('t-4')).toMatchObject({ status: 'counted', billable: true, held: false, disputes: [{ status: 'rejected', resolution: { note: 'resolved for good' } }] });
    // t-3 (D-101) still held; t-1 and t-2 reversed; t-4 and t-5 bill.
    expect(await billableCount('acme', 'ticket.resolved')).toBe(2);
    expect(published('Dispute Resolved').map((detail) => [detail.outcomeId, detail.decision])).toEqual([
      ['t-1', 'upheld'],
      ['t-2', 'upheld'],
      ['t-4', 'rejected'],
    ]);
    // A resend of the same decision is a duplicate and writes nothing new.
    const resend = await kit.service.resolveDispute({ disputeId: 'D-100', upheld: true, note: 'tickets reopened within a day', resolvedBy: 'csm@vendor', outcomeIds: ['t-1'] });
    expect(resend.decided).toEqual([expect.objectContaining({ outcomeId: 't-1', created: false, reversed: false })]);
    expect((await kit.service.listDisputes({ status: 'upheld' })).map((row) => row.outcomeId)).toEqual(['t-1', 't-2']);
  });

  it("announces decisions of outcomes older than the close grace, so an invoiced period is corrected", async () => {
    const notices = published('Outcome Adjustment Recorded');
    // At least once: the resend of D-100 announced its (held) dispute again.
    expect([...new Set(notices.filter((notice) => notice.outcomeId === 't-1').map((notice) => notice.kind))].sort()).toEqual(['dispute-resolved', 'disputed', 'late', 'reversed']);

  });

  it("'bill' terms (the default): an open dispute bills, an upheld one reverses; an unknown dispute id is not found", async () => {
    kit.clock.set(new Date(Date.parse('2026-10-20T09:00:00Z') + 30 * DAY - 1000));
    const opened = await kit.service.openDispute({ disputeId: 'G-1', outcomeIds: ['ord-1'], reason: 'order was cancelled', raisedBy: 'ap@globex' });
    expect(opened.opened).toEqual([{ outcomeId: 'ord-1', customerId: 'globex', metric: 'order.recovered', hold: false, created: true }]);
    const october = { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-11-01T00:00:00Z') };
    expect((await kit.service.getUsage({ customerId: 'globex', metric: 'order.recovered', ...october })).count).toBe(1);
    // Under 'bill' terms an open dispute changes nothing billed, so it is not announced.
    expect(published('Outcome Adjustment Recorded').filter((notice) => notice.outcomeId === 'ord-1' && notice.kind === 'disputed')).toEqual([]);
    await kit.service.resolveDispute({ disputeId: 'G-1', upheld: true, note: 'confirmed cancelled', resolvedBy: 'csm@vendor' });
    expect((await kit.service.getUsage({ customerId: 'globex', metric: 'order.recovered', ...october })).count).toBe(0);
    await expect(kit.service.resolveDispute({ disputeId: 'nope', upheld: true, note: 'x', resolvedBy: 'y' })).rejects.toMatchObject({ code: 'dispute_not_found' });
    await expect(kit.service.openDispute({ disputeId: 'bad#id', outcomeIds: ['ord-1'], reason: 'x', raisedBy: 'y' })).rejects.toMatchObject({ code: 'invalid_dispute' });
  });

  it('two disputes racing for one outcome: exactly one opens', async () => {
    await kit.service.ingestMessage(recorded({ outcomeId: 'race-1', customerId: 'acme', metric: 'order.recovered', value: { amount: '1', currency: 'USD' }, occurredAt: '2026-11-18T09:00:00Z' }));
    kit.clock.set('2026-11-18T10:00:00Z');
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, index) => kit.service.openDispute({ disputeId: `R-${index}`, outcomeIds: ['race-1'], reason: 'r', raisedBy: 'x' })),
    );
    expect(results.filter((result) => result.opened.length === 1)).toHaveLength(1);
    expect(results.flatMap((result) => result.refused.map((refusal) => refusal.code))).toEqual(Array(5).fill('DISPUTE_ALREADY_OPEN'));
  });
});
