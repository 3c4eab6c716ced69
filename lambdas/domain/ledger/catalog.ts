import { z } from 'zod';
import { CurrencyCodeSchema } from '../money/currency-schema';
import { InstantSchema } from '../periods/time-schemas';

// The metric catalog says which outcome types exist and when each becomes
// billable; plans reference metrics by code. Customers are listed so outcomes
// for a customer the engine does not know yet can be flagged unattributed
// (they are still recorded: nothing a producer sends in good faith is lost).

// No "#": metric codes are embedded in ledger keys (see ledger-keys.ts).
const METRIC_CODE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** When outcomes of a metric become billable. */
export const BillableRuleSchema = z.discriminatedUnion(
  'when',
  [
    z.strictObject({ when: z.literal('immediately') }),
    z.strictObject({ when: z.literal('verified') }),
    z.strictObject({
      when: z.literal('quiet-window'),
      /** Hours after occurredAt without a reversal. */
      hours: z.number().int().min(1).max(24 * 366),
    }),
  ],
  { error: 'billable.when must be "immediately", "verified" or "quiet-window" (with hours)' },
);
export type BillableRule = z.infer<typeof BillableRuleSchema>;

/**
 * What a customer may dispute and what an open dispute does to billing:
 * `hold` keeps a disputed outcome out of billing until the dispute is
 * resolved, `bill` bills it and credits it if the dispute is upheld.
 */
export const DisputeTermsSchema = z.strictObject({
  /** Days after the outcome occurred during which it may be disputed (0: never). */
  windowDays: z.int({ error: 'dispute.windowDays must be a whole number of days' }).min(0).max(366),
  whileOpen: z.enum(['hold', 'bill'], { error: 'dispute.whileOpen must be "hold" or "bill"' }),
});
export type DisputeTerms = z.infer<typeof DisputeTermsSchema>;

/** The terms a version without `dispute`, and the implicit version, carry. */
export const DEFAULT_DISPUTE_TERMS: DisputeTerms = { windowDays: 30, whileOpen: 'bill' };

const definitionText = (field: string, max: number) =>
  z
    .string({ error: `${field} must be text` })
    .trim()
    .min(1, { error: `${field} must not be empty` })
    .max(max, { error: `${field} must be at most ${max} characters` });

/**
 * One version of a metric's definition: the contract terms of what counts.
 * Immutable once stored (see outcome-definitions.ts); change it by adding a
 * version with a later effectiveFrom.
 */
export const DefinitionVersionSchema = z.strictObject({
  version: z.int({ error: 'version must be a whole number' }).min(1).max(1_000_000),
  /** The instant from which outcomes that occur are counted under this version. */
  effectiveFrom: InstantSchema,
  /** What counts as one outcome, in plain words. */
  counts: definitionText('counts', 2000),
  qualityRule: definitionText('qualityRule', 2000).optional(),
  attribution: definitionText('attribution', 2000).optional(),
  /** What never counts, in plain words. */
  exclusions: definitionText('exclusions', 2000).optional(),
  /** When outcomes under this version become billable; the metric's `billable` when absent. */
  billable: BillableRuleSchema.optional(),
  dispute: DisputeTermsSchema.optional(),
});
export type DefinitionVersion = z.infer<typeof DefinitionVersionSchema>;

export const METRIC_AGGREGATIONS = ['count', 'sum', 'value', 'max', 'latest', 'unique'] as const;

export const MetricDefinitionSchema = z
  .strictObject({
    code: z.string().regex(METRIC_CODE, {
      error: 'metric code: letters, digits, ".", "_", ":" or "-" (starting with a letter or digit), at most 128 characters',
    }),
    name: z.string().min(1).max(200),
    /** What one unit is, e.g. "resolution", "kWh". */
    unit: z.string().min(1).max(50),
    /** What is summed by default: outcomes, their quantity or their value (plans may choose otherwise). */
    aggregation: z.enum(METRIC_AGGREGATIONS),
    billable: BillableRuleSchema.default({ when: 'immediately' }),
    /** When set, outcome values of this metric must be in this currency. */
    valueCurrency: CurrencyCodeSchema.optional(),
    /** Attribute counted by the `unique` aggregation. */
    uniqueAttribute: z.string().min(1).max(64).optional(),
    description: z.string().max(1000).optional(),
    /**
     * How sentences name one and several of it ("resolution" / "resolutions");
     * the unit, pluralized, when absent (metric-display-name.ts).
     */
    displayName: z
      .strictObject({
        singular: z.string().trim().min(1, { error: 'displayName.singular must not be empty' }).max(64),
        plural: z.string().trim().min(1, { error: 'displayName.plural must not be empty' }).max(64),
      })
      .optional(),
    /**
     * The metric's dispute terms: the implicit version's, and those of any
     * version that states none (DEFAULT_DISPUTE_TERMS when absent).
     */
    dispute: DisputeTermsSchema.optional(),
    /**
     * Versions of what counts, with effective dates. Absent: one implicit
     * version 1 built from the fields above (outcome-definitions.ts).
     */
    definitions: z.array(DefinitionVersionSchema).min(1, { error: 'definitions must list at least one version (or be left out)' }).optional(),
  })
  .superRefine((metric, ctx) => {
    const versions = metric.definitions ?? [];
    versions.forEach((definition, index) => {
      if (index === 0) return;
      const previous = versions[index - 1]!;
      if (definition.version <= previous.version) {
        ctx.addIssue({
          code: 'custom',
          path: ['definitions', index, 'version'],
          message: `versions must be listed in increasing order without repeats: version ${definition.version} follows version ${previous.version}`,
        });
      } else if (Date.parse(definition.effectiveFrom) <= Date.parse(previous.effectiveFrom)) {
        ctx.addIssue({
          code: 'custom',
          path: ['definitions', index, 'effectiveFrom'],
          message: `version ${definition.version} must take effect after version ${previous.version} (${previous.effectiveFrom}), got ${definition.effectiveFrom}`,
        });
      }
    });
  });
export type MetricDefinition = z.infer<typeof MetricDefinitionSchema>;

export const CatalogCustomerSchema = z.looseObject({
  customerId: z.string().min(1).max(255),
  name: z.string().min(1).max(200),
});
export type CatalogCustomer = z.infer<typeof CatalogCustomerSchema>;

export const CatalogInputSchema = z
  .strictObject({
    metrics: z.array(MetricDefinitionSchema).default([]),
    customers: z.array(CatalogCustomerSchema).default([]),
  })
  .superRefine((catalog, ctx) => {
    const seenMetrics = new Set<string>();
    catalog.metrics.forEach((metric, index) => {
      if (seenMetrics.has(metric.code)) {
        ctx.addIssue({ code: 'custom', path: ['metrics', index, 'code'], message: `metric "${metric.code}" is listed twice` });
      }
      seenMetrics.add(metric.code);
    });
    const seenCustomers = new Set<string>();
    catalog.customers.forEach((customer, index) => {
      if (seenCustomers.has(customer.customerId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['customers', index, 'customerId'],
          message: `customer "${customer.customerId}" is listed twice`,
        });
      }
      seenCustomers.add(customer.customerId);
    });
  });
export type CatalogInput = z.input<typeof CatalogInputSchema>;
export type Catalog = z.infer<typeof CatalogInputSchema>;

/** The catalog as ingest reads it: constant-time lookups. */
export interface CatalogSnapshot {
  readonly metrics: ReadonlyMap<string, MetricDefinition>;
  readonly customers: ReadonlySet<string>;
}

export function toCatalogSnapshot(catalog: Catalog): CatalogSnapshot {
  return {
    metrics: new Map(catalog.metrics.map((metric) => [metric.code, metric])),
    customers: new Set(catalog.customers.map((customer) => customer.customerId)),
  };
}

export const EMPTY_CATALOG: CatalogSnapshot = { metrics: new Map(), customers: new Set() };

/** Compact, stable text for a billable rule, kept on each entry so old answers never depend on today's catalog. */
export function encodeBillableRule(rule: BillableRule): string {
  switch (rule.when) {
    case 'immediately':
      return 'I';
    case 'verified':
      return 'V';
    case 'quiet-window':
      return `Q${rule.hours}`;
    default: {
      const unknown: never = rule;
      throw new TypeError(`unknown billable rule ${JSON.stringify(unknown)}`);
    }
  }
}

export function decodeBillableRule(code: string | undefined): BillableRule {
  if (code === undefined || code === 'I') return IMMEDIATELY;
  if (code === 'V') return VERIFIED;
  if (code.startsWith('Q')) {
    const hours = Number(code.slice(1));
    if (Number.isInteger(hours) && hours > 0) return { when: 'quiet-window', hours };
  }
  throw new TypeError(`unknown billable rule code "${code}"`);
}

const IMMEDIATELY: BillableRule = { when: 'immediately' };
const VERIFIED: BillableRule = { when: 'verified' };

export function describeBillableRule(rule: BillableRule): string {
  switch (rule.when) {
    case 'immediately':
      return 'billable when recorded';
    case 'verified':
      return 'billable once verified';
    case 'quiet-window':
      return `billable ${rule.hours} h after it occurred unless reversed`;
    default: {
      const unknown: never = rule;
      return String(unknown);
    }
  }
}
