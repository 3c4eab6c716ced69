import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventDetailJsonSchemas, formatJsonSchema } from '../../../../../lambdas/domain/ledger/event-json-schemas';

// Producers validate against docs/events/*.json; they must say exactly what
// the ledger accepts. Regenerate with `npm run docs:events`.
const docsDir = join(import.meta.dirname, '..', '..', '..', '..', '..', 'docs', 'events');

describe('docs/events JSON Schemas', () => {
  const schemas = eventDetailJsonSchemas();

  it('has one committed file per event, and no stale ones', () => {
    expect(readdirSync(docsDir).filter((name) => name.endsWith('.json')).sort()).toEqual(Object.keys(schemas).sort());
  });

  it.each(Object.keys(schemas))('%s matches the zod schema (run `npm run docs:events` after changing it)', (fileName) => {
    expect(readFileSync(join(docsDir, fileName), 'utf8')).toBe(formatJsonSchema(schemas[fileName] as Record<string, unknown>));
  });

  it('describes the producer contract: required fields, no unknown fields, offsets required', () => {
    const recorded = schemas['outcome-recorded.json'] as {
      required: string[];
      additionalProperties: boolean;
      properties: Record<string, { pattern?: string; default?: unknown }>;
    };
    expect(recorded.required).toEqual(['outcomeId', 'customerId', 'metric', 'occurredAt']);
    expect(recorded.additionalProperties).toBe(false);
    expect(recorded.properties.quantity?.default).toBe('1');
    expect(new RegExp(recorded.properties.occurredAt?.pattern ?? '').test('2026-11-15T10:00:00')).toBe(false);
    expect(new RegExp(recorded.properties.occurredAt?.pattern ?? '').test('2026-11-15T10:00:00+01:00')).toBe(true);
  });

  it('describes a batch as 1..100 items that are each exactly an Outcome Recorded detail', () => {
    const batch = schemas['outcomes-recorded.json'] as {
      required: string[];
      additionalProperties: boolean;
      properties: { outcomes: { minItems: number; maxItems: number; items: Record<string, unknown> } };
    };
    const { $schema: _schema, $id: _id, title: _title, description: _description, ...single } = schemas['outcome-recorded.json'] as Record<string, unknown>;
    expect(batch.required).toEqual(['outcomes']);
    expect(batch.additionalProperties).toBe(false);
    expect(batch.properties.outcomes).toMatchObject({ minItems: 1, maxItems: 100 });
    expect(batch.properties.outcomes.items).toMatchObject(single);
  });
});
