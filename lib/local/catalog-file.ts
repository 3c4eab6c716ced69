// Reads a catalog file (YAML or JSON: metrics with their definition versions,
// and customers) and validates it with the ledger's own schema, reporting
// every problem with its file, path and line, before anything is written.
import { readFile } from 'node:fs/promises';
import { CatalogInputSchema, type CatalogInput } from '../../lambdas/domain/ledger/catalog';
import { EngineError } from '../../lambdas/domain/errors/engine-error';
import { describeSchemaIssues } from '../../lambdas/domain/plans/describe-schema-issues';
import { parseSourceText, toFileIssues } from '../../lambdas/domain/plans/load-plan-files';
import { PlanFileInvalidError, formatPlanFileIssue } from '../../lambdas/domain/plans/plan-errors';

export class CatalogFileInvalidError extends EngineError {
  readonly category = 'invalid_input';
  readonly code = 'catalog_file_invalid';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`${file} is not a valid catalog:\n${problems.map((p) => `  - ${p}`).join('\n')}`, options);
    this.name = 'CatalogFileInvalidError';
  }
}

/** Parses and validates catalog text; `file` names it in errors. */
export function parseCatalogText(text: string, file: string): CatalogInput {
  // The plan files' reader: YAML or JSON, duplicate keys refused (a second
  // `billable:` silently winning would change billing), lines for every path.
  let parsed: ReturnType<typeof parseSourceText>;
  try {
    parsed = parseSourceText({ path: file, text });
  } catch (error) {
    if (error instanceof PlanFileInvalidError) throw new CatalogFileInvalidError(file, error.issues.map(formatPlanFileIssue), { cause: error });
    throw error;
  }
  const result = CatalogInputSchema.safeParse(parsed.data, { reportInput: true });
  if (!result.success) {
    const issues = toFileIssues(file, describeSchemaIssues(result.error.issues), parsed);
    throw new CatalogFileInvalidError(file, issues.map(formatPlanFileIssue), { cause: result.error });
  }
  // The raw input goes on: the ledger service applies defaults itself.
  return parsed.data as CatalogInput;
}

export async function readCatalogFile(file: string): Promise<CatalogInput> {
  return parseCatalogText(await readFile(file, 'utf8'), file);
}
