import { z } from 'zod';
import {
  OutcomeCorrectedDetailSchema,
  OutcomeRecordedDetailSchema,
  OutcomeReversedDetailSchema,
  OutcomeVerifiedDetailSchema,
  OutcomesRecordedDetailSchema,
} from './outcome-events';
import { OutcomeAdjustmentRecordedDetailSchema } from './outcome-adjustment-notice';
import { OutcomeRejectedDetailSchema } from './rejection';
import { DisputeOpenedDetailSchema, DisputeResolvedDetailSchema } from '../disputes/dispute-events';
import { OutcomeDisputedDetailSchema } from '../disputes/dispute-request';
import {
  CapReachedDetailSchema,
  CreditBalanceLowDetailSchema,
  SpendThresholdReachedDetailSchema,
  UsageDroppedDetailSchema,
  UsageThresholdReachedDetailSchema,
} from '../events/spend-alert-events';

// JSON Schemas of the event details, generated from the zod schemas so the
// documentation producers read can never drift from what the ledger accepts.
// Inbound schemas describe the input (what a producer may send: defaults
// optional, quantity as string or number); the outbound one the output.

const SCHEMA_BASE_URL = 'https://outcome-engine.dev/events/';

/**
 * zod leaves out the default of a field whose schema transforms (quantity's
 * default "1" sits on a pipe); producers should still see it.
 */
const keepDefaults: NonNullable<Parameters<typeof z.toJSONSchema>[1]>['override'] = (context) => {
  const def = (context.zodSchema as unknown as { _zod: { def: { type: string; defaultValue?: unknown } } })._zod.def;
  if (def.type === 'default' && context.jsonSchema.default === undefined) context.jsonSchema.default = def.defaultValue;
};

function withId(fileName: string, schema: Record<string, unknown>): Record<string, unknown> {
  const { $schema, ...rest } = schema;
  return { $schema, $id: `${SCHEMA_BASE_URL}${fileName}`, ...rest };
}

/** File name (under docs/events/) -> JSON Schema of that event's detail. */
export function eventDetailJsonSchemas(): Record<string, Record<string, unknown>> {
  const inbound = {
    'outcome-recorded.json': OutcomeRecordedDetailSchema,
    'outcome-reversed.json': OutcomeReversedDetailSchema,
    'outcome-corrected.json': OutcomeCorrectedDetailSchema,
    'outcome-verified.json': OutcomeVerifiedDetailSchema,
    'outcomes-recorded.json': OutcomesRecordedDetailSchema,
    'outcome-disputed.json': OutcomeDisputedDetailSchema,
  };
  const schemas: Record<string, Record<string, unknown>> = {};
  for (const [fileName, schema] of Object.entries(inbound)) {
    schemas[fileName] = withId(fileName, z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', override: keepDefaults }) as Record<string, unknown>);
  }
  schemas['outcome-rejected.json'] = withId(
    'outcome-rejected.json',
    z.toJSONSchema(OutcomeRejectedDetailSchema, { io: 'output', target: 'draft-2020-12' }) as Record<string, unknown>,
  );
  schemas['outcome-adjustment-recorded.json'] = withId(
    'outcome-adjustment-recorded.json',
    z.toJSONSchema(OutcomeAdjustmentRecordedDetailSchema, { io: 'output', target: 'draft-2020-12' }) as Record<string, unknown>,
  );
  const engineEvents = {
    'dispute-opened.json': DisputeOpenedDetailSchema,
    'dispute-resolved.json': DisputeResolvedDetailSchema,
    'usage-threshold-reached.json': UsageThresholdReachedDetailSchema,
    'spend-threshold-reached.json': SpendThresholdReachedDetailSchema,
    'credit-balance-low.json': CreditBalanceLowDetailSchema,
    'cap-reached.json': CapReachedDetailSchema,
    'usage-dropped.json': UsageDroppedDetailSchema,
  };
  for (const [fileName, schema] of Object.entries(engineEvents)) {
    schemas[fileName] = withId(fileName, z.toJSONSchema(schema, { io: 'output', target: 'draft-2020-12' }) as Record<string, unknown>);
  }
  return schemas;
}

/** The exact text written to each file (stable formatting, trailing newline). */
export function formatJsonSchema(schema: Record<string, unknown>): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
