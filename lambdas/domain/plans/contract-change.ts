// What happened to a contract when a new version of it was loaded, as the
// engine announces it on the bus ('Contract Changed'). The schedulers read
// the stored contract for what to schedule; the change tells them what to
// clean up (the previous term, the previous checkpoint days), which the
// stored contract no longer shows.
import { z } from 'zod';
import { DEFAULT_CHECKPOINT_DAYS } from '../risk/checkpoint-plan';
import { LocalDateSchema } from '../periods/time-schemas';
import type { Contract } from './contract-schema';
import type { Plan } from './plan-schema';
import { selectPlanVersion } from './resolve-plan-version';
import { canonicalJson } from '../json/canonical-json';

/** Version of the 'Contract Changed' detail; events without one are version 1. */
export const CONTRACT_CHANGE_SCHEMA_VERSION = 1;

const ContractIdSchema = z.string({ error: 'expected a contract id' }).min(1).max(128);
const TermIdSchema = z.string({ error: 'expected a term id (the term\'s first local day)' }).min(1).max(128);
const DaysSchema = z.array(z.int().min(1).max(3660)).min(1).max(12);

/** Contract fields a change can touch, as named in an 'updated' change. */
export const CONTRACT_FIELDS = [
  'customerId',
  'plan',
  'billingPeriod',
  'timeZone',
  'currency',
  'priceOverrides',
  'commitment',
  'prepaidCredits',
  'successTargets',
  'stripeCustomerId',
  'csmOwner',
  'renewalCheckpointsDays',
  'definitionVersions',
  'thresholdInvoicing',
  'alerts',
  'caps',
] as const;
export type ContractField = (typeof CONTRACT_FIELDS)[number];

// Every contract field but its document kind, identity and term (the term and
// the cancellation are announced as their own kinds of change) is named here:
// a field added to the contract schema and not to CONTRACT_FIELDS fails to
// compile, so no change goes unannounced.
type FieldsAnnouncedOtherwise = 'kind' | 'contractId' | 'termStart' | 'termEnd' | 'cancelledOn';
type UnannouncedFields = Exclude<keyof Contract, FieldsAnnouncedOtherwise | ContractField>;
const everyContractFieldAnnounced: [UnannouncedFields] extends [never] ? true : UnannouncedFields = true;
void everyContractFieldAnnounced;

const common = {
  schemaVersion: z.literal(CONTRACT_CHANGE_SCHEMA_VERSION).optional(),
  contractId: ContractIdSchema,
  /** The contract's revision that this change produced (absent on hand-written changes). */
  revision: z.int().min(1).optional(),
};

/**
 * created: new (or reinstated after a cancellation) · renewed: a new term that
 * starts on or after the previous term's end · term_changed: the term's dates
 * moved otherwise · updated: same term, other fields (billing period, time
 * zone, checkpoint days, prices...) · cancelled: `cancelledOn` set or moved.
 */
export const ContractChangeSchema = z.discriminatedUnion(
  'change',
  [
    z.strictObject({
      ...common,
      change: z.literal('created'),
      termId: TermIdSchema.optional(),
    }),
    z.strictObject({
      ...common,
      change: z.enum(['renewed', 'term_changed']),
      /** The term whose checks move or go (the term's id: its first local day). */
      previousTermId: TermIdSchema,
      termId: TermIdSchema.optional(),
      /** Checkpoint days the previous term was planned with, so its schedules can be found and removed. */
      previousCheckpointsDays: DaysSchema.optional(),
    }),
    z.strictObject({
      ...common,
      change: z.literal('updated'),
      termId: TermIdSchema,
      fields: z.array(z.enum(CONTRACT_FIELDS)).min(1),
      previousCheckpointsDays: DaysSchema.optional(),
    }),
    z.strictObject({
      ...common,
      change: z.literal('cancelled'),
      termId: TermIdSchema,
      /** First local day the contract is no longer in force (absent on older events). */
      cancelledOn: LocalDateSchema.optional(),
      /** Checkpoint days the term was planned with. */
      checkpointsDays: DaysSchema.optional(),
    }),
  ],
  { error: 'expected change to be "created", "renewed", "term_changed", "updated" or "cancelled"' },
);
export type ContractChange = z.infer<typeof ContractChangeSchema>;
export type ContractChangeKind = ContractChange['change'];

/** A contract term's id: its first local day. A renewal starts a new term (new id); moving the end keeps it. */
export function contractTermId(contract: Pick<Contract, 'termStart'>): string {
  return contract.termStart;
}

/** The last local day of the term (termEnd is exclusive). */
function lastDayOfTerm(termEnd: string): string {
  const [year, month, day] = termEnd.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, day - 1)).toISOString().slice(0, 10);
}

/**
 * The checkpoint days a contract's renewal checks use: the contract's own
 * list, else the plan version's (the version in effect on the term's last
 * day, the one the renewal is negotiated on), else `defaults`.
 */
export function renewalCheckpointDaysFor(
  contract: Contract,
  plan: Plan | undefined,
  defaults: readonly number[] = DEFAULT_CHECKPOINT_DAYS,
): readonly number[] {
  if (contract.renewalCheckpointsDays) return contract.renewalCheckpointsDays;
  if (plan && plan.code === contract.plan.code) {
    try {
      const version = selectPlanVersion(plan, contract.plan.version, lastDayOfTerm(contract.termEnd));
      if (version.renewalCheckpointsDays) return version.renewalCheckpointsDays;
    } catch {
      // No version of the plan in effect at term end: the contract check
      // reports that when the contract is loaded; checks fall back to defaults.
    }
  }
  return defaults;
}

/** A contract as the change derivation sees it: the contract and the checkpoint days resolved for it. */
export interface ContractSnapshot {
  readonly contract: Contract;
  readonly checkpointsDays: readonly number[];
}

function sameJson(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function sameDays(a: readonly number[], b: readonly number[]): boolean {
  return sameJson([...a].sort((x, y) => x - y), [...b].sort((x, y) => x - y));
}

/**
 * The change that replacing `previous` (undefined: not stored yet) with `next`
 * makes, or undefined when nothing changed. Pure: both contracts and their
 * resolved checkpoint days are passed in.
 */
export function deriveContractChange(previous: ContractSnapshot | undefined, next: ContractSnapshot): ContractChange | undefined {
  const contract = next.contract;
  const contractId = contract.contractId;
  const base = { schemaVersion: CONTRACT_CHANGE_SCHEMA_VERSION, contractId } as const;
  const before = previous?.contract;
  const wasActive = before !== undefined && before.cancelledOn === undefined;

  if (contract.cancelledOn !== undefined) {
    const scheduleUnchanged =
      before !== undefined &&
      before.cancelledOn === contract.cancelledOn &&
      before.termStart === contract.termStart &&
      before.termEnd === contract.termEnd &&
      before.timeZone === contract.timeZone &&
      sameJson(before.billingPeriod, contract.billingPeriod);
    if (scheduleUnchanged) return undefined;
    // The schedules that exist are the previous (active) term's.
    const planned = wasActive && previous ? previous : next;
    return {
      ...base,
      change: 'cancelled',
      termId: contractTermId(planned.contract),
      cancelledOn: contract.cancelledOn,
      checkpointsDays: [...planned.checkpointsDays],
    };
  }

  if (!previous || !before || !wasActive) {
    return { ...base, change: 'created', termId: contractTermId(contract) };
  }

  const previousTermId = contractTermId(before);
  const previousCheckpointsDays = [...previous.checkpointsDays];
  if (before.termStart !== contract.termStart) {
    const change = contract.termStart >= before.termEnd ? 'renewed' : 'term_changed';
    return { ...base, change, previousTermId, termId: contractTermId(contract), previousCheckpointsDays };
  }
  if (before.termEnd !== contract.termEnd) {
    return { ...base, change: 'term_changed', previousTermId, termId: contractTermId(contract), previousCheckpointsDays };
  }

  const fields = CONTRACT_FIELDS.filter((field) =>
    field === 'renewalCheckpointsDays' ? !sameDays(previous.checkpointsDays, next.checkpointsDays) : !sameJson(before[field], contract[field]),
  );
  if (fields.length === 0) return undefined;
  return { ...base, change: 'updated', termId: contractTermId(contract), fields, previousCheckpointsDays };
}
