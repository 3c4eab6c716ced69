import { describeSchemaIssues } from '../../domain/plans/describe-schema-issues';
import { loadPlanSource, parseSourceText, toFileIssues, type PlanSource } from '../../domain/plans/load-plan-files';
import { PlanFileInvalidError } from '../../domain/plans/plan-errors';
import { priceUsage, UsageFileSchema, type PriceUsageResult, type UsageFile } from '../../domain/rating/price-usage';

// `outcome-engine price --plan FILE --usage FILE`: prices a usage file against
// a plan file with no store, for trying a plan before it is loaded. Both files
// are validated with errors naming the file, the path inside it and the line.

/** Parses a usage file (YAML or JSON); throws PlanFileInvalidError naming the file, each path and its line. */
export function parseUsageSource(source: PlanSource): UsageFile {
  const parsed = parseSourceText(source);
  if (parsed.data === null || parsed.data === undefined) {
    throw new PlanFileInvalidError([
      { file: source.path, path: '', code: 'missing_field', message: 'the file is empty; a usage file holds a period, metrics and/or outcomes', line: 1, column: 1 },
    ]);
  }
  const result = UsageFileSchema.safeParse(parsed.data, { reportInput: true });
  if (!result.success) {
    throw new PlanFileInvalidError(toFileIssues(source.path, describeSchemaIssues(result.error.issues), parsed), {
      cause: result.error,
    });
  }
  return result.data;
}

export interface PricePlanFileInput {
  readonly plan: PlanSource;
  readonly usage: PlanSource;
  readonly version?: number;
  /** Overrides the usage file's period: dates (UTC midnights) or instants. */
  readonly period?: { readonly start: string; readonly end: string };
  readonly now?: Date;
}

export function pricePlanFile(input: PricePlanFileInput): PriceUsageResult {
  const plan = loadPlanSource(input.plan);
  const usage = parseUsageSource(input.usage);
  return priceUsage({
    plan,
    usage,
    ...(input.version !== undefined ? { version: input.version } : {}),
    ...(input.period ? { period: input.period } : {}),
    ...(input.now ? { now: input.now } : {}),
  });
}
