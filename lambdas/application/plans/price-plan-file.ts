import { parse as parseYaml } from 'yaml';
import { describeSchemaIssues, formatIssuePath } from '../../domain/plans/describe-schema-issues';
import { loadPlanSource, type PlanSource } from '../../domain/plans/load-plan-files';
import { PlanFileInvalidError, type PlanFileIssue } from '../../domain/plans/plan-errors';
import { priceUsage, UsageFileSchema, type PriceUsageResult, type UsageFile } from '../../domain/rating/price-usage';

// `outcome-engine price --plan FILE --usage FILE`: prices a usage file against
// a plan file with no store, for trying a plan before it is loaded. Both files
// are validated with errors naming the file and the path inside it.

/** Parses a usage file (YAML or JSON); throws PlanFileInvalidError naming the file and each path. */
export function parseUsageSource(source: PlanSource): UsageFile {
  let data: unknown;
  try {
    data = parseYaml(source.text, { uniqueKeys: true });
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    throw new PlanFileInvalidError([{ file: source.path, path: '', code: 'unparsable', message: `cannot parse as YAML/JSON: ${reason}` }], {
      cause: error,
    });
  }
  const result = UsageFileSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    const issues: PlanFileIssue[] = describeSchemaIssues(result.error.issues).map((issue) => ({
      file: source.path,
      path: formatIssuePath(issue.path),
      code: issue.code,
      message: issue.message,
    }));
    throw new PlanFileInvalidError(issues, { cause: result.error });
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
