// Reads a catalog file (YAML or JSON: metrics and customers) and validates it
// with the ledger's own schema, reporting every problem with its path in the
// file, before anything is written.
import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { CatalogInputSchema, type CatalogInput } from '../../lambdas/domain/ledger/catalog';
import { EngineError } from '../../lambdas/domain/errors/engine-error';

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

function pathText(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), '');
}

/** Parses and validates catalog text; `file` names it in errors. */
export function parseCatalogText(text: string, file: string): CatalogInput {
  // Duplicate keys are errors: a second `billable:` silently winning would change billing.
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new CatalogFileInvalidError(file, document.errors.map((e) => `cannot parse as YAML/JSON: ${e.message.split('\n')[0]}`));
  }
  const parsed = CatalogInputSchema.safeParse(document.toJS());
  if (!parsed.success) {
    throw new CatalogFileInvalidError(
      file,
      parsed.error.issues.map((issue) => `${pathText(issue.path) || '(top level)'}: ${issue.message}`),
      { cause: parsed.error },
    );
  }
  // The raw input goes on: the ledger service applies defaults itself.
  return document.toJS() as CatalogInput;
}

export async function readCatalogFile(file: string): Promise<CatalogInput> {
  return parseCatalogText(await readFile(file, 'utf8'), file);
}
