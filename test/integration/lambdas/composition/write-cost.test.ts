import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLedgerKit, recorded, type LedgerKit } from '../../../support/ledger-test-kit';

// Cost is a contract: one accepted outcome of up to 1 KB is one conditional
// PutItem costing at most 2 write units (base table + usage index).

const LONG_CUSTOMER_ID = `customer-${'c'.repeat(40)}`;

describe('write cost per accepted outcome (DynamoDB Local, ReturnConsumedCapacity)', () => {
  let kit: LedgerKit;
  beforeAll(async () => {
    kit = await createLedgerKit();
    await kit.service.loadCatalog({ customers: [{ customerId: LONG_CUSTOMER_ID, name: 'Long-named customer' }] });
  });
  afterAll(async () => {
    await kit.destroy();
  });

  function largeOutcome(index: number) {
    // About 1 KB of detail JSON: long ids, a value and attributes near the bound.
    const attributes = Object.fromEntries(
      Array.from({ length: 10 }, (_, attribute) => [`attribute-${attribute}`, `value-${index}-${'x'.repeat(40)}`]),
    );
    return {
      outcomeId: `cost-${index}-${'k'.repeat(60)}`,
      customerId: LONG_CUSTOMER_ID,
      metric: 'order.recovered',
      quantity: '12.345678901234'.slice(0, 12),
      value: { amount: '1234.56', currency: 'USD' },
      occurredAt: '2026-11-15T09:30:00.123+01:00',
      attributes,
    };
  }

  it('costs at most 2 write units and exactly one write request per accepted outcome of up to 1 KB', async () => {
    kit.service.consumedCapacity({ reset: true });
    const count = 20;
    for (let index = 0; index < count; index += 1) {
      const input = recorded(largeOutcome(index));
      const detailBytes = Buffer.byteLength(JSON.stringify(largeOutcome(index)));
      expect(detailBytes).toBeLessThanOrEqual(1024);
      expect(detailBytes).toBeGreaterThan(800);
      expect(await kit.service.ingestMessage(input)).toMatchObject({ status: 'recorded' });
    }
    const capacity = kit.service.consumedCapacity();
    expect(capacity.writeRequests).toBe(count);
    expect(capacity.readRequests).toBe(0);
    expect(capacity.writeUnits).toBeGreaterThan(0);
    expect(capacity.writeUnits / count).toBeLessThanOrEqual(2);
    // Attributed outcomes stay out of the sparse listing index.
    expect(capacity.writeUnitsByTarget).toEqual({ table: count, 'index:usage': count });
  });

  it('tells a duplicate from the failed conditional write alone, without a read', async () => {
    await kit.service.ingestMessage(recorded(largeOutcome(1000)));
    kit.service.consumedCapacity({ reset: true });
    expect(await kit.service.ingestMessage(recorded(largeOutcome(1000)))).toMatchObject({ status: 'duplicate' });
    expect(kit.service.consumedCapacity().readRequests).toBe(0);
  });

  it('writes an unattributed outcome to the sparse listing index as well', async () => {
    kit.service.consumedCapacity({ reset: true });
    await kit.service.ingestMessage(recorded({ ...largeOutcome(2000), customerId: 'nobody-knows-me' }));
    const capacity = kit.service.consumedCapacity();
    expect(capacity.writeUnitsByTarget['index:listing']).toBeGreaterThan(0);
  });
});
