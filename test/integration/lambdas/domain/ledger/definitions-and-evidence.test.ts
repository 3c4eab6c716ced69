import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DefinitionVersionImmutableError } from '../../../../../lambdas/application/errors';
import type { CatalogInput } from '../../../../../lambdas/domain/ledger/catalog';
import { CATALOG, createLedgerKit, recorded, verified, type LedgerKit } from '../../../../support/ledger-test-kit';

const SHA = 'a'.repeat(64);

const versioned: CatalogInput = {
  metrics: [
    ...(CATALOG.metrics ?? []),
    {
      code: 'chat.resolved',
      name: 'Resolved chat',
      unit: 'resolution',
      aggregation: 'count',
      definitions: [
        {
          version: 1,
          effectiveFrom: '2026-01-01T00:00:00Z',
          counts: 'A chat the assistant closed and the customer did not reopen.',
          billable: { when: 'immediately' },
          dispute: { windowDays: 30, whileOpen: 'bill' },
        },
        {
          version: 2,
          effectiveFrom: '2026-11-10T00:00:00+01:00',
          counts: 'A chat the assistant closed, confirmed by the customer.',
          exclusions: 'Chats handed over to a person.',
          billable: { when: 'verified' },
          dispute: { windowDays: 14, whileOpen: 'hold' },
        },
      ],
    },
  ],
  customers: CATALOG.customers ?? [],
};

describe('definition versions, evidence and verification (DynamoDB Local)', () => {
  let kit: LedgerKit;
  beforeAll(async () => {
    kit = await createLedgerKit({ catalog: versioned });
  });
  afterAll(async () => {
    await kit.destroy();
  });

  it('records the definition version in force at occurredAt, with its billable rule', async () => {
    await kit.service.ingestMessage(recorded({ outcomeId: 'chat-old', customerId: 'acme', metric: 'chat.resolved', occurredAt: '2026-11-09T22:00:00Z' }));
    await kit.service.ingestMessage(recorded({ outcomeId: 'chat-new', customerId: 'acme', metric: 'chat.resolved', occurredAt: '2026-11-09T23:00:00Z' }));
    expect(await kit.service.getOutcome('chat-old')).toMatchObject({ definitionVersion: 1, billableRule: { when: 'immediately' }, billable: true });
    // 23:00Z is midnight in +01:00: version 2 is in force, billable once verified.
    expect(await kit.service.getOutcome('chat-new')).toMatchObject({ definitionVersion: 2, billableRule: { when: 'verified' }, billable: false });
    // A metric without definitions counts under its implicit version 1.
    await kit.service.ingestMessage(recorded({ outcomeId: 'plain-1', customerId: 'acme', metric: 'ticket.resolved', occurredAt: '2026-11-14T10:00:00Z' }));
    expect(await kit.service.getOutcome('plain-1')).toMatchObject({ definitionVersion: 1 });
  });

  it('keeps evidence and the verifier, shows them, and treats other evidence as a conflict', async () => {
    const evidence = { reference: 'https://help.example.com/chats/77', sha256: SHA, summary: 'Refund explained; customer said thanks.' };
    const outcome = { outcomeId: 'chat-ev', customerId: 'acme', metric: 'chat.resolved', occurredAt: '2026-11-14T10:00:00Z', evidence };
    expect(await kit.service.ingestMessage(recorded(outcome))).toMatchObject({ status: 'recorded' });
    expect(await kit.service.ingestMessage(recorded(outcome))).toMatchObject({ status: 'duplicate' });
    const conflict = await kit.service.ingestMessage(recorded({ ...outcome, evidence: { ...evidence, summary: 'Something else.' } }));
    expect(conflict).toMatchObject({ status: 'rejected', code: 'OUTCOME_CONFLICT' });
    expect(JSON.stringify(conflict)).toContain('evidence.summary');

    kit.clock.advance(60_000);
    const verifiedBy = { kind: 'customer', id: 'user-9', method: 'thumbs up in the chat' };
    expect(await kit.service.ingestMessage(verified({ outcomeId: 'chat-ev', verifiedBy }))).toMatchObject({ status: 'recorded' });
    const view = await kit.service.getOutcome('chat-ev');
    expect(view).toMatchObject({ evidence, definitionVersion: 2, verified: true, billable: true, verification: { verifiedBy } });
    expect(await kit.service.ingestMessage(verified({ outcomeId: 'chat-ev', verifiedBy: { kind: 'model' } }))).toMatchObject({
      status: 'rejected',
      code: 'OUTCOME_CONFLICT',
    });
  });

  it('refuses evidence over its limits with a code, and keeps the rejection', async () => {
    const tooLong = await kit.service.ingestMessage(
      recorded({ outcomeId: 'chat-big', customerId: 'acme', metric: 'chat.resolved', occurredAt: '2026-11-14T10:00:00Z', evidence: { reference: 'r'.repeat(513), summary: 's' } }),
    );
    expect(tooLong).toMatchObject({ status: 'rejected', code: 'EVIDENCE_TOO_LARGE' });
    const badHash = await kit.service.ingestMessage(
      recorded({ outcomeId: 'chat-hash', customerId: 'acme', metric: 'chat.resolved', occurredAt: '2026-11-14T10:00:00Z', evidence: { reference: 'r', sha256: SHA.toUpperCase(), summary: 's' } }),
    );
    expect(badHash).toMatchObject({ status: 'rejected', code: 'INVALID_FIELD' });
    const badVerifier = await kit.service.ingestMessage(verified({ outcomeId: 'chat-old', verifiedBy: { kind: 'robot' } }));
    expect(badVerifier).toMatchObject({ status: 'rejected', code: 'INVALID_FIELD' });
    const stored = await kit.service.listRejected({ from: new Date('2026-11-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z'), code: 'EVIDENCE_TOO_LARGE' });
    expect(stored.items.map((rejection) => rejection.outcomeId)).toEqual(['chat-big']);
    expect(stored.items[0]?.message).toContain('evidence.reference must be at most 512 characters');
  });

  it('refuses a catalog that changes or drops a stored version, and accepts a new one', async () => {
    const chat = versioned.metrics!.find((metric) => metric.code === 'chat.resolved')!;
    const [v1, v2] = chat.definitions!;
    const changed: CatalogInput = { metrics: [{ ...chat, definitions: [v1!, { ...v2!, dispute: { windowDays: 60, whileOpen: 'hold' } }] }] };
    await expect(kit.service.loadCatalog(changed)).rejects.toThrow(DefinitionVersionImmutableError);
    await expect(kit.service.loadCatalog(changed)).rejects.toThrow(
      'metric "chat.resolved" definition version 2 is stored and cannot change (dispute.windowDays differ)',
    );
    await expect(kit.service.loadCatalog({ metrics: [{ ...chat, definitions: [v2!] }] })).rejects.toThrow(
      'metric "chat.resolved" definition version 1 is stored and cannot be removed',
    );
    // The same instant written in another offset is the same term.
    const sameV2 = { ...v2!, effectiveFrom: '2026-11-09T23:00:00Z' };
    const v3 = { version: 3, effectiveFrom: '2026-12-01T00:00:00Z', counts: 'As version 2, chats in any language.' };
    await expect(kit.service.loadCatalog({ metrics: [{ ...chat, definitions: [v1!, sameV2, v3] }] })).resolves.toEqual({ metrics: 1, customers: 0 });
  });
});
