import { describe, expect, it } from 'vitest';
import { MetricDefinitionSchema, type MetricDefinition } from '../../../../../lambdas/domain/ledger/catalog';
import {
  definitionInForceAt,
  definitionVersionsOf,
  definitionsInForceDuring,
  storedDefinitionChanges,
} from '../../../../../lambdas/domain/ledger/outcome-definitions';
import { CatalogFileInvalidError, parseCatalogText } from '../../../../../lib/local/catalog-file';

const metric = (definitions?: unknown): MetricDefinition =>
  MetricDefinitionSchema.parse({
    code: 'ticket.resolved',
    name: 'Resolved ticket',
    unit: 'resolution',
    aggregation: 'count',
    billable: { when: 'quiet-window', hours: 72 },
    description: 'A ticket the bot resolved.',
    ...(definitions === undefined ? {} : { definitions }),
  });

const v1 = { version: 1, effectiveFrom: '2026-01-01T00:00:00Z', counts: 'A ticket closed by the bot.' };
const v2 = {
  version: 2,
  effectiveFrom: '2026-03-01T00:00:00-05:00',
  counts: 'A ticket closed by the bot and not reopened within 72 h.',
  qualityRule: 'Sampled weekly by a reviewer.',
  billable: { when: 'verified' },
  dispute: { windowDays: 14, whileOpen: 'hold' },
};

describe('outcome definition versions', () => {
  it('gives a metric without definitions one implicit version 1 from its own fields', () => {
    expect(definitionVersionsOf(metric())).toEqual([
      expect.objectContaining({
        version: 1,
        implicit: true,
        counts: 'A ticket the bot resolved.',
        billable: { when: 'quiet-window', hours: 72 },
        dispute: { windowDays: 30, whileOpen: 'bill' },
      }),
    ]);
  });

  it('picks the version in force at occurredAt (the first one before any), with its defaults resolved', () => {
    const versioned = metric([v1, v2]);
    const march = Date.parse('2026-03-01T05:00:00Z');
    expect(definitionInForceAt(versioned, march - 1)).toMatchObject({ version: 1, billable: { when: 'quiet-window', hours: 72 }, dispute: { windowDays: 30, whileOpen: 'bill' } });
    expect(definitionInForceAt(versioned, march)).toMatchObject({ version: 2, billable: { when: 'verified' }, dispute: { windowDays: 14, whileOpen: 'hold' } });
    expect(definitionInForceAt(versioned, Date.parse('2025-06-01T00:00:00Z'))).toMatchObject({ version: 1 });
    expect(definitionsInForceDuring(versioned, Date.parse('2026-02-01T00:00:00Z'), Date.parse('2026-03-01T00:00:00Z')).map((d) => d.version)).toEqual([1]);
    expect(definitionsInForceDuring(versioned, Date.parse('2026-02-01T00:00:00Z'), Date.parse('2026-04-01T00:00:00Z')).map((d) => d.version)).toEqual([1, 2]);
    expect(definitionsInForceDuring(versioned, Date.parse('2026-04-01T00:00:00Z'), Date.parse('2026-05-01T00:00:00Z')).map((d) => d.version)).toEqual([2]);
  });

  it('refuses versions out of order, effective dates that do not increase, and local times without a zone', () => {
    const issues = (definitions: unknown) => MetricDefinitionSchema.safeParse({ ...metric(), definitions }).error?.issues.map((i) => i.message) ?? [];
    expect(issues([v2, v1])).toEqual(['versions must be listed in increasing order without repeats: version 1 follows version 2']);
    expect(issues([v1, { ...v2, effectiveFrom: '2025-12-31T00:00:00Z' }])[0]).toContain('version 2 must take effect after version 1');
    expect(issues([{ ...v1, effectiveFrom: '2026-01-01T00:00:00' }])[0]).toContain('RFC 3339 instant with offset');
    expect(issues([{ ...v1, dispute: { windowDays: 10, whileOpen: 'maybe' } }])[0]).toContain('dispute.whileOpen must be "hold" or "bill"');
  });

  it('names every stored version a catalog would change or remove, and allows additions', () => {
    const stored = [metric([v1, v2])];
    expect(storedDefinitionChanges(stored, [metric([v1, v2, { version: 3, effectiveFrom: '2026-06-01T00:00:00Z', counts: 'x' }])])).toEqual([]);
    expect(storedDefinitionChanges(stored, [metric([v1, { ...v2, counts: 'Anything closed.', billable: { when: 'immediately' } }])])).toEqual([
      'metric "ticket.resolved" definition version 2 is stored and cannot change (counts, billable differ); add a new version with a later effectiveFrom instead',
    ]);
    expect(storedDefinitionChanges(stored, [metric()])[0]).toContain('definition version 1 is stored and cannot be removed');
    // A metric's own billable rule is a term of versions that do not set theirs.
    expect(storedDefinitionChanges(stored, [{ ...metric([v1, v2]), billable: { when: 'immediately' } }])[0]).toContain('version 1 is stored and cannot change (billable differ)');
    // Nothing was stored explicitly for a metric without definitions.
    expect(storedDefinitionChanges([metric()], [metric([{ ...v1, counts: 'new words' }])])).toEqual([]);
  });
});

describe('catalog files with definitions', () => {
  it('reports each problem with its file, path and line', () => {
    const text = [
      'metrics:',
      '  - code: ticket.resolved',
      '    name: Resolved ticket',
      '    unit: resolution',
      '    aggregation: count',
      '    definitions:',
      '      - version: 1',
      '        effectiveFrom: 2026-01-01T00:00:00',
      '        counts: A ticket closed by the bot.',
      '        dispute: { windowDays: 14, whileOpen: later }',
    ].join('\n');
    try {
      parseCatalogText(text, 'catalog.yaml');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CatalogFileInvalidError);
      const problems = (error as CatalogFileInvalidError).problems;
      expect(problems).toContainEqual(expect.stringMatching(/^catalog\.yaml: metrics\[0\]\.definitions\[0\]\.effectiveFrom: .*\(line 8\)$/));
      expect(problems).toContainEqual(expect.stringMatching(/^catalog\.yaml: metrics\[0\]\.definitions\[0\]\.dispute\.whileOpen: .*\(line 10\)$/));
    }
  });
});
