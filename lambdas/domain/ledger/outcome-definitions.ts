import { DEFAULT_DISPUTE_TERMS, type BillableRule, type DefinitionVersion, type DisputeTerms, type MetricDefinition } from './catalog';

// A metric's definition versions are contract terms: what counts, the quality
// rule, attribution, exclusions, when an outcome becomes billable and how long
// it may be disputed. Every ledger entry records the version in force when its
// outcome occurred, so a bill can always say which terms it counted under,
// and a stored version never changes (a change is a new version).

/** One definition version with everything resolved (defaults applied). */
export interface OutcomeDefinition {
  readonly metric: string;
  readonly version: number;
  /** As written in the catalog (an instant with its offset). */
  readonly effectiveFrom: string;
  readonly effectiveFromMs: number;
  readonly counts: string;
  readonly qualityRule?: string;
  readonly attribution?: string;
  readonly exclusions?: string;
  readonly billable: BillableRule;
  readonly dispute: DisputeTerms;
  /** True for the version 1 a metric without `definitions` gets. */
  readonly implicit: boolean;
}

/** The version an entry recorded before definitions existed reads as, and a metric without definitions has. */
export const IMPLICIT_DEFINITION_VERSION = 1;
const IMPLICIT_EFFECTIVE_FROM = '1970-01-01T00:00:00Z';

// Resolved versions per catalog metric object: ingest asks for every outcome,
// and a catalog snapshot's metric objects live as long as the snapshot.
const resolvedVersions = new WeakMap<MetricDefinition, readonly OutcomeDefinition[]>();

function resolveVersion(metric: MetricDefinition, definition: DefinitionVersion): OutcomeDefinition {
  return {
    metric: metric.code,
    version: definition.version,
    effectiveFrom: definition.effectiveFrom,
    effectiveFromMs: Date.parse(definition.effectiveFrom),
    counts: definition.counts,
    ...(definition.qualityRule !== undefined ? { qualityRule: definition.qualityRule } : {}),
    ...(definition.attribution !== undefined ? { attribution: definition.attribution } : {}),
    ...(definition.exclusions !== undefined ? { exclusions: definition.exclusions } : {}),
    billable: definition.billable ?? metric.billable,
    dispute: definition.dispute ?? metric.dispute ?? DEFAULT_DISPUTE_TERMS,
    implicit: false,
  };
}

function implicitVersion(metric: MetricDefinition): OutcomeDefinition {
  return {
    metric: metric.code,
    version: IMPLICIT_DEFINITION_VERSION,
    effectiveFrom: IMPLICIT_EFFECTIVE_FROM,
    effectiveFromMs: 0,
    counts: metric.description ?? `one ${metric.unit}: ${metric.name}`,
    billable: metric.billable,
    dispute: metric.dispute ?? DEFAULT_DISPUTE_TERMS,
    implicit: true,
  };
}

/** Every version of a metric's definition, oldest first (one implicit version when it lists none). */
export function definitionVersionsOf(metric: MetricDefinition): readonly OutcomeDefinition[] {
  let versions = resolvedVersions.get(metric);
  if (versions === undefined) {
    versions = metric.definitions === undefined ? [implicitVersion(metric)] : metric.definitions.map((definition) => resolveVersion(metric, definition));
    resolvedVersions.set(metric, versions);
  }
  return versions;
}

/**
 * The version in force for an outcome that occurred at occurredAtMs: the
 * latest whose effectiveFrom is not after it. An outcome older than every
 * version counts under the first, so no outcome is ever without terms.
 */
export function definitionInForceAt(metric: MetricDefinition, occurredAtMs: number): OutcomeDefinition {
  const versions = definitionVersionsOf(metric);
  let inForce = versions[0]!;
  for (const candidate of versions) {
    if (candidate.effectiveFromMs <= occurredAtMs) inForce = candidate;
    else break;
  }
  return inForce;
}

export function findDefinitionVersion(metric: MetricDefinition, version: number): OutcomeDefinition | undefined {
  return definitionVersionsOf(metric).find((candidate) => candidate.version === version);
}

/** The versions in force at some moment of [fromMs, toMs), oldest first. */
export function definitionsInForceDuring(metric: MetricDefinition, fromMs: number, toMs: number): readonly OutcomeDefinition[] {
  const versions = definitionVersionsOf(metric);
  return versions.filter((candidate, index) => {
    const next = versions[index + 1];
    const startsBeforeEnd = index === 0 || candidate.effectiveFromMs < toMs;
    const endsAfterStart = next === undefined || next.effectiveFromMs > fromMs;
    return startsBeforeEnd && endsAfterStart;
  });
}

/** The terms a stored version is compared on: everything that decides what counts and what is billed. */
function comparableTerms(definition: OutcomeDefinition): string {
  return JSON.stringify([
    definition.effectiveFromMs,
    definition.counts,
    definition.qualityRule ?? null,
    definition.attribution ?? null,
    definition.exclusions ?? null,
    definition.billable,
    definition.dispute.windowDays,
    definition.dispute.whileOpen,
  ]);
}

const TERM_NAMES = ['effectiveFrom', 'counts', 'qualityRule', 'attribution', 'exclusions', 'billable', 'dispute.windowDays', 'dispute.whileOpen'];

/**
 * Why loading `incoming` would change a stored definition version, one
 * sentence per changed or removed version (none when it only adds versions
 * or metrics). Only versions stored explicitly are terms; a metric that
 * listed no definitions has nothing stored to protect.
 */
export function storedDefinitionChanges(stored: readonly MetricDefinition[], incoming: readonly MetricDefinition[]): string[] {
  const storedByCode = new Map(stored.map((metric) => [metric.code, metric]));
  const problems: string[] = [];
  for (const metric of incoming) {
    const before = storedByCode.get(metric.code);
    if (before?.definitions === undefined) continue;
    const after = new Map(definitionVersionsOf(metric).filter((d) => !d.implicit).map((d) => [d.version, d]));
    for (const storedVersion of definitionVersionsOf(before)) {
      const incomingVersion = after.get(storedVersion.version);
      if (incomingVersion === undefined) {
        problems.push(
          `metric "${metric.code}" definition version ${storedVersion.version} is stored and cannot be removed (outcomes may have been counted under it); list it unchanged`,
        );
        continue;
      }
      const a = JSON.parse(comparableTerms(storedVersion)) as unknown[];
      const b = JSON.parse(comparableTerms(incomingVersion)) as unknown[];
      const changed = TERM_NAMES.filter((_, index) => JSON.stringify(a[index]) !== JSON.stringify(b[index]));
      if (changed.length > 0) {
        problems.push(
          `metric "${metric.code}" definition version ${storedVersion.version} is stored and cannot change (${changed.join(', ')} differ); add a new version with a later effectiveFrom instead`,
        );
      }
    }
  }
  return problems;
}

/** "v2", "v1, v2": how invoices and usage name the versions they counted under. */
export function describeDefinitionVersions(versions: Iterable<number>): string {
  return [...new Set(versions)].sort((a, b) => a - b).map((version) => `v${version}`).join(', ');
}
