import { LineCounter, parseDocument } from 'yaml';
import type { z } from 'zod';
import { PlanSchema, type Plan } from './plan-schema';
import { ContractSchema, type Contract } from './contract-schema';
import { PlanFileInvalidError, type PlanFileIssue } from './plan-errors';
import { describeSchemaIssues, formatIssuePath, type DescribedIssue } from './describe-schema-issues';
import { checkContractAgainstPlan } from './contract-plan';

/** The text of one plan or contract file and the name to report it under. */
export interface PlanSource {
  readonly path: string;
  readonly text: string;
}

export type PlanFileContent =
  | { readonly kind: 'plan'; readonly path: string; readonly plan: Plan }
  | { readonly kind: 'contract'; readonly path: string; readonly contract: Contract };

/** A parsed YAML/JSON file and a way to find the line of any path inside it. */
export interface ParsedText {
  readonly data: unknown;
  /** The position of the deepest node on the path that exists (the start of the file when none does). */
  readonly locate: (path: readonly PropertyKey[]) => { line: number; column: number };
}

// YAML 1.2 is a superset of JSON, so one parser reads both and reports line
// numbers for both. Duplicate keys are errors: the second one silently winning
// would change a price without anyone noticing.
/** Parses YAML or JSON text; throws PlanFileInvalidError (with lines) when it cannot be parsed. */
export function parseSourceText(source: PlanSource): ParsedText {
  const lineCounter = new LineCounter();
  const document = parseDocument(source.text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    const issues = document.errors.map((error): PlanFileIssue => {
      const position = lineCounter.linePos(error.pos[0]);
      return {
        file: source.path,
        path: '',
        code: 'unparsable',
        message: `cannot parse as YAML/JSON: ${error.message.split('\n')[0] ?? error.code}`,
        line: position.line,
        column: position.col,
      };
    });
    throw new PlanFileInvalidError(issues);
  }
  const locate = (path: readonly PropertyKey[]) => {
    for (let length = path.length; length >= 0; length -= 1) {
      const node = document.getIn(path.slice(0, length) as unknown[], true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && Array.isArray(node.range)) {
        const position = lineCounter.linePos(node.range[0]);
        return { line: position.line, column: position.col };
      }
    }
    return { line: 1, column: 1 };
  };
  return { data: document.toJS({ maxAliasCount: 100 }) as unknown, locate };
}

/** Described issues as file issues, each with the line of its path. */
export function toFileIssues(path: string, described: readonly DescribedIssue[], parsed: ParsedText): PlanFileIssue[] {
  return described.map((issue) => {
    const position = parsed.locate(issue.path);
    return {
      file: path,
      path: formatIssuePath(issue.path),
      code: issue.code,
      message: issue.message,
      line: position.line,
      column: position.column,
    };
  });
}

function validateWith<T>(schema: z.ZodType<T>, source: PlanSource, parsed: ParsedText): T {
  const result = schema.safeParse(parsed.data, { reportInput: true });
  if (!result.success) {
    throw new PlanFileInvalidError(toFileIssues(source.path, describeSchemaIssues(result.error.issues), parsed), {
      cause: result.error,
    });
  }
  return result.data;
}

/**
 * Parses and validates one file's text. The top-level `kind` says what it holds
 * (`plan` or `contract`). Throws PlanFileInvalidError listing every issue.
 */
export function parsePlanSource(source: PlanSource): PlanFileContent {
  return parseWithPositions(source).content;
}

function parseWithPositions(source: PlanSource): { content: PlanFileContent; parsed: ParsedText } {
  const parsed = parseSourceText(source);
  const data = parsed.data;
  const kind = data && typeof data === 'object' && !Array.isArray(data) ? (data as Record<string, unknown>)['kind'] : undefined;
  if (kind === 'plan') return { content: { kind: 'plan', path: source.path, plan: validateWith(PlanSchema, source, parsed) }, parsed };
  if (kind === 'contract') {
    return { content: { kind: 'contract', path: source.path, contract: validateWith(ContractSchema, source, parsed) }, parsed };
  }
  const position = parsed.locate(['kind']);
  throw new PlanFileInvalidError([
    {
      file: source.path,
      path: 'kind',
      code: kind === undefined ? 'missing_field' : 'invalid_value',
      message:
        kind === undefined
          ? 'required: say what the file holds with kind: plan or kind: contract'
          : `expected "plan" or "contract", got ${JSON.stringify(kind)}`,
      line: position.line,
      column: position.column,
    },
  ]);
}

function wrongKindIssue(source: PlanSource, parsed: ParsedText, found: 'plan' | 'contract', expected: 'plan' | 'contract'): PlanFileIssue {
  const position = parsed.locate(['kind']);
  return {
    file: source.path,
    path: 'kind',
    code: 'wrong_kind',
    message: `this file holds a ${found} (kind: ${found}), but a ${expected} file (kind: ${expected}) is expected here`,
    line: position.line,
    column: position.column,
  };
}

/** Loads a plan file's text; throws PlanFileInvalidError when invalid or not a plan. */
export function loadPlanSource(source: PlanSource): Plan {
  const { content, parsed } = parseWithPositions(source);
  if (content.kind !== 'plan') throw new PlanFileInvalidError([wrongKindIssue(source, parsed, content.kind, 'plan')]);
  return content.plan;
}

/** Loads a contract file's text; throws PlanFileInvalidError when invalid or not a contract. */
export function loadContractSource(source: PlanSource): Contract {
  const { content, parsed } = parseWithPositions(source);
  if (content.kind !== 'contract') throw new PlanFileInvalidError([wrongKindIssue(source, parsed, content.kind, 'contract')]);
  return content.contract;
}

export interface PlanValidationReport {
  readonly valid: boolean;
  readonly files: ReadonlyArray<{ readonly path: string; readonly kind?: 'plan' | 'contract'; readonly valid: boolean }>;
  readonly plans: readonly Plan[];
  readonly contracts: readonly Contract[];
  readonly issues: readonly PlanFileIssue[];
  /** Checks that could not be made (e.g. a contract's plan is not among the files). */
  readonly warnings: readonly string[];
}

/**
 * Validates a set of plan and contract files together: each file on its own,
 * then across files (duplicate plan codes or contract ids, each contract
 * against its plan when that plan is in the set). Never throws for bad files:
 * every issue is in the report.
 */
export function validatePlanSources(
  sources: readonly PlanSource[],
  options: { readonly expect?: 'plan' | 'contract' } = {},
): PlanValidationReport {
  const issues: PlanFileIssue[] = [];
  const warnings: string[] = [];
  const files: Array<{ path: string; kind?: 'plan' | 'contract'; valid: boolean }> = [];
  const plans: Array<{ path: string; plan: Plan; parsed: ParsedText }> = [];
  const contracts: Array<{ path: string; contract: Contract; parsed: ParsedText }> = [];

  for (const source of sources) {
    try {
      const { content, parsed } = parseWithPositions(source);
      if (content.kind === 'plan') plans.push({ path: source.path, plan: content.plan, parsed });
      else contracts.push({ path: source.path, contract: content.contract, parsed });
      if (options.expect !== undefined && content.kind !== options.expect) {
        issues.push(wrongKindIssue(source, parsed, content.kind, options.expect));
      }
      files.push({ path: source.path, kind: content.kind, valid: true });
    } catch (error) {
      if (!(error instanceof PlanFileInvalidError)) throw error;
      issues.push(...error.issues);
      files.push({ path: source.path, valid: false });
    }
  }

  const planByCode = new Map<string, { path: string; plan: Plan; parsed: ParsedText }>();
  for (const entry of plans) {
    const earlier = planByCode.get(entry.plan.code);
    if (earlier) {
      const position = entry.parsed.locate(['code']);
      issues.push({
        file: entry.path,
        path: 'code',
        code: 'duplicate_plan',
        message: `plan "${entry.plan.code}" is already defined in ${earlier.path} (line ${earlier.parsed.locate(['code']).line}); a plan code may appear in one file only, so put every version in that file`,
        line: position.line,
        column: position.column,
      });
    } else {
      planByCode.set(entry.plan.code, entry);
    }
  }
  const contractsById = new Map<string, { path: string; parsed: ParsedText }>();
  for (const entry of contracts) {
    const earlier = contractsById.get(entry.contract.contractId);
    if (earlier) {
      const position = entry.parsed.locate(['contractId']);
      issues.push({
        file: entry.path,
        path: 'contractId',
        code: 'duplicate_contract',
        message: `contract "${entry.contract.contractId}" is already defined in ${earlier.path} (line ${earlier.parsed.locate(['contractId']).line}); each contract id may appear in one file only`,
        line: position.line,
        column: position.column,
      });
    } else {
      contractsById.set(entry.contract.contractId, entry);
    }
    const plan = planByCode.get(entry.contract.plan.code);
    if (!plan) {
      warnings.push(`${entry.path}: plan "${entry.contract.plan.code}" is not among the files, so the contract was checked on its own`);
      continue;
    }
    const contractIssues = toFileIssues(entry.path, checkContractAgainstPlan(entry.contract, plan.plan), entry.parsed);
    if (contractIssues.length > 0) {
      issues.push(...contractIssues);
      const file = files.find((candidate) => candidate.path === entry.path);
      if (file) file.valid = false;
    }
  }

  const invalidPaths = new Set(issues.map((issue) => issue.file));
  return {
    valid: issues.length === 0,
    files: files.map((file) => ({ ...file, valid: file.valid && !invalidPaths.has(file.path) })),
    plans: plans.filter((entry) => !invalidPaths.has(entry.path)).map((entry) => entry.plan),
    contracts: contracts.filter((entry) => !invalidPaths.has(entry.path)).map((entry) => entry.contract),
    issues,
    warnings,
  };
}

/** Reads a file's text; the CLI passes `(path) => fs.promises.readFile(path, 'utf8')`. */
export type ReadTextFile = (path: string) => Promise<string>;

/**
 * `outcome-engine plans validate <files>`: reads each file through the given
 * port and validates them together. Unreadable files are reported as issues.
 */
export async function validatePlanFiles(
  paths: readonly string[],
  deps: { readonly readTextFile: ReadTextFile },
  options: { readonly expect?: 'plan' | 'contract' } = {},
): Promise<PlanValidationReport> {
  const sources: PlanSource[] = [];
  const unreadable: PlanFileIssue[] = [];
  for (const path of paths) {
    try {
      sources.push({ path, text: await deps.readTextFile(path) });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      unreadable.push({ file: path, path: '', code: 'unreadable', message: `cannot read the file: ${reason}` });
    }
  }
  const report = validatePlanSources(sources, options);
  if (unreadable.length === 0) return report;
  return {
    ...report,
    valid: false,
    files: [...report.files, ...unreadable.map((issue) => ({ path: issue.file, valid: false }))],
    issues: [...unreadable, ...report.issues],
  };
}
