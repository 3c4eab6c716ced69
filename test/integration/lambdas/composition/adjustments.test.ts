import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOVEMBER, corrected, createLedgerKit, recorded, reversed, verified, type LedgerKit } from '../../../support/ledger-test-kit';

const HOUR = 3_600_000;

describe('append-only adjustments and lifecycle (DynamoDB Local)', () => {
  let kit: LedgerKit;
  beforeAll(async () => {
    kit = await createLedgerKit();
  });
  afterAll(async () => {
    await kit.destroy();
  });

  const usage = (customerId: string, metric: string, extra: Record<string, unknown> = {}) =>
    kit.service.getUsage({ customerId, metric, ...NOVEMBER, ...extra });

  it('nets reversals (count zero) and corrections (latest wins) while keeping every entry', async () => {
    const outcome = { customerId: 'acme', metric: 'order.recovered', occurredAt: '2026-11-14T10:00:00Z' };
    await kit.service.ingestMessage(recorded({ ...outcome, outcomeId: 'ord-1', value: { amount: '100.00', currency: 'USD' } }));
    await kit.service.ingestMessage(recorded({ ...outcome, outcomeId: 'ord-2', value: { amount: '50.00', currency: 'USD' } }));
    await kit.service.ingestMessage(recorded({ ...outcome, outcomeId: 'ord-3', quantity: 2, value: { amount: '10', currency: 'USD' } }));
    expect(await usage('acme', 'order.recovered')).toMatchObject({ count: 3, quantity: '4', value: [{ amount: '160', currency: 'USD' }] });

    kit.clock.advance(60_000);
    expect(await kit.service.ingestMessage(reversed({ outcomeId: 'ord-2', reason: 'order refunded' }))).toEqual({
      status: 'recorded',
      outcomeId: 'ord-2',
      kind: 'reversed',
    });
    kit.clock.advance(60_000);
    await kit.service.ingestMessage(corrected({ outcomeId: 'ord-1', correctionId: 'fix-1', value: { amount: '80.00', currency: 'USD' }, reason: 'partial refund' }));
    kit.clock.advance(60_000);
    await kit.service.ingestMessage(corrected({ outcomeId: 'ord-1', correctionId: 'fix-2', value: { amount: '75.00', currency: 'USD' }, reason: 'second partial refund' }));
    await kit.service.ingestMessage(corrected({ outcomeId: 'ord-3', correctionId: 'qty', quantity: '5', reason: 'miscounted' }));

    expect(await usage('acme', 'order.recovered')).toMatchObject({
      count: 2,
      quantity: '6',
      value: [{ amount: '85', currency: 'USD' }],
      max: '5',
    });
    const view = await kit.service.getOutcome('ord-1');
    expect(view).toMatchObject({
      status: 'counted',
      value: { amount: '75', currency: 'USD' },
      original: { quantity: '1', value: { amount: '100', currency: 'USD' } },
    });
    expect(view?.corrections.map((correction) => correction.correctionId)).toEqual(['fix-1', 'fix-2']);
    expect(await kit.service.getOutcome('ord-2')).toMatchObject({ status: 'reversed', billable: false, reversal: { reason: 'order refunded' } });
  });

  it('acknowledges resent adjustments as duplicates and refuses what no longer applies', async () => {
    const again = await kit.service.ingestMessage(reversed({ outcomeId: 'ord-2', reason: 'order refunded' }));
    expect(again).toEqual({ status: 'duplicate', outcomeId: 'ord-2', kind: 'reversed' });
    expect(await kit.service.ingestMessage(reversed({ outcomeId: 'ord-2', reason: 'another reason' }))).toMatchObject({
      status: 'rejected',
      code: 'ALREADY_REVERSED',
    });
    expect(
      await kit.service.ingestMessage(corrected({ outcomeId: 'ord-2', correctionId: 'late-fix', quantity: '3', reason: 'x' })),
    ).toMatchObject({ status: 'rejected', code: 'ALREADY_REVERSED' });
    expect(
      await kit.service.ingestMessage(corrected({ outcomeId: 'ord-1', correctionId: 'fix-1', value: { amount: '1.00', currency: 'USD' }, reason: 'other' })),
    ).toMatchObject({ status: 'rejected', code: 'OUTCOME_CONFLICT' });
    expect(
      await kit.service.ingestMessage(corrected({ outcomeId: 'ord-1', correctionId: 'fix-2', value: { amount: '75.00', currency: 'USD' }, reason: 'second partial refund' })),
    ).toEqual({ status: 'duplicate', outcomeId: 'ord-1', kind: 'corrected' });
    expect(
      await kit.service.ingestMessage(corrected({ outcomeId: 'ord-1', correctionId: 'eur', value: { amount: '1.00', currency: 'EUR' }, reason: 'wrong' })),
    ).toMatchObject({ status: 'rejected', code: 'INVALID_FIELD' });
  });

  it('rejects a reversal of an unknown outcome with UNKNOWN_OUTCOME and stores it', async () => {
    const result = await kit.service.ingestMessage(reversed({ outcomeId: 'never-recorded', reason: 'oops' }));
    expect(result).toMatchObject({ status: 'rejected', code: 'UNKNOWN_OUTCOME' });
    const stored = await kit.service.listRejected({ code: 'UNKNOWN_OUTCOME' });
    expect(stored.items.map((item) => item.outcomeId)).toContain('never-recorded');
  });

  it('counts verified-only metrics once verified, and reads usage by basis', async () => {
    const lead = { customerId: 'acme', metric: 'lead.qualified', occurredAt: '2026-11-15T08:00:00Z' };
    await kit.service.ingestMessage(recorded({ ...lead, outcomeId: 'lead-1' }));
    await kit.service.ingestMessage(recorded({ ...lead, outcomeId: 'lead-2' }));
    expect(await usage('acme', 'lead.qualified')).toMatchObject({ count: 0, basis: 'billable' });
    expect(await usage('acme', 'lead.qualified', { basis: 'all' })).toMatchObject({ count: 2 });

    kit.clock.advance(60_000);
    const verifiedAt = kit.clock.now();
    expect(await kit.service.ingestMessage(verified({ outcomeId: 'lead-1', verifiedAt: '2026-11-15T11:00:00Z' }))).toMatchObject({
      status: 'recorded',
      kind: 'verified',
    });
    expect(await usage('acme', 'lead.qualified')).toMatchObject({ count: 1 });
    expect(await usage('acme', 'lead.qualified', { basis: 'verified' })).toMatchObject({ count: 1 });
    // As of just before the verification was recorded, nothing was billable yet.
    expect(await usage('acme', 'lead.qualified', { asOf: new Date(verifiedAt.getTime() - 1) })).toMatchObject({ count: 0 });
    expect(await kit.service.getOutcome('lead-1')).toMatchObject({ verified: true, billable: true, verification: { verifiedAt: '2026-11-15T11:00:00.000Z' } });
  });

  it('makes quiet-window metrics billable only after the window passes without a reversal', async () => {
    const saving = { customerId: 'globex', metric: 'energy.saved', occurredAt: '2026-11-15T11:00:00Z' };
    await kit.service.ingestMessage(recorded({ ...saving, outcomeId: 'kwh-1', quantity: '12.5' }));
    await kit.service.ingestMessage(recorded({ ...saving, outcomeId: 'kwh-2', quantity: '7.5' }));
    expect(await usage('globex', 'energy.saved')).toMatchObject({ count: 0, quantity: '0' });
    kit.clock.advance(2 * HOUR);
    await kit.service.ingestMessage(reversed({ outcomeId: 'kwh-2', reason: 'meter fault' }));
    kit.clock.advance(24 * HOUR);
    expect(await usage('globex', 'energy.saved')).toMatchObject({ count: 1, quantity: '12.5' });
    expect(await usage('globex', 'energy.saved', { asOf: new Date('2026-11-16T10:59:59.999Z') })).toMatchObject({ count: 0 });
    expect(await usage('globex', 'energy.saved', { asOf: new Date('2026-11-16T11:00:00.000Z') })).toMatchObject({ count: 1 });
  });
});
