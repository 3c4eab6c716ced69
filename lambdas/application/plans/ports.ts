import type { ContractReader } from '../billing/ports';
import type { ContractChange } from '../../domain/plans/contract-change';
import type { Contract } from '../../domain/plans/contract-schema';
import type { Plan } from '../../domain/plans/plan-schema';
import type { PeriodUsage } from '../../domain/rating/usage';
import type { PinnedDefinitions } from '../../domain/ledger/governing-definition';
import type { UsageRequirement } from '../../domain/rating/usage-requirements';

// What the plan use cases need from storage. The DynamoDB adapter
// (lambdas/adapters/dynamodb/plan-store.ts) implements it; tests may pass fakes.

export type PlanVersionWriteStatus = 'created' | 'unchanged';

export interface PutPlanResult {
  readonly planCode: string;
  readonly versions: ReadonlyArray<{ readonly version: number; readonly status: PlanVersionWriteStatus }>;
}

export type ContractWriteStatus = 'created' | 'updated' | 'unchanged';

export interface PutContractResult {
  readonly contractId: string;
  readonly status: ContractWriteStatus;
  /** 1 for a new contract, raised by one on every change. */
  readonly revision: number;
}

export interface StoredContract {
  readonly contract: Contract;
  readonly revision: number;
  readonly updatedAt: string;
}

/**
 * Plans (immutable versions) and contracts (upserted with a revision). Also a
 * ContractReader, so period close reads what `plans load` stored.
 */
export interface PlanStore extends ContractReader {
  /**
   * Stores each version of the plan once: a version already stored with the
   * same content is left as it is; different content throws
   * PlanVersionConflictError naming the plan and version.
   */
  putPlan(plan: Plan): Promise<PutPlanResult>;
  /** Creates or replaces the contract, raising its revision when the content changed. */
  putContract(contract: Contract, now: Date): Promise<PutContractResult>;
  /** The current contract with its revision (strongly consistent). */
  getStoredContract(contractId: string): Promise<StoredContract | undefined>;
  /**
   * The revision in force at `asOf`: the last one stored at or before it, the
   * first one when asked about a moment before it was stored.
   */
  getContractAsOf(contractId: string, asOf: Date): Promise<Contract | undefined>;
  listContracts(): Promise<StoredContract[]>;
  listPlanCodes(): Promise<string[]>;
}

/** A contract change to announce once the revision it describes is stored. */
export interface PendingContractChange {
  readonly contractId: string;
  /** The revision the change produces; only that revision's load announces it. */
  readonly revision: number;
  readonly change: ContractChange;
}

/**
 * Changes recorded before the contract is written and removed once the bus
 * accepted them. A load that stored a contract but failed to announce it
 * finds the entry on its re-run (the contract then loads as 'unchanged') and
 * announces it then, so no stored change goes unannounced.
 */
export interface ContractChangeOutbox {
  put(pending: PendingContractChange): Promise<void>;
  get(contractId: string): Promise<PendingContractChange | undefined>;
  /** Removes the entry of this revision (a newer one recorded meanwhile stays). */
  remove(contractId: string, revision: number): Promise<void>;
}

/** Usage of a customer over a window, for the requirements of the plans being compared. */
export interface UsageForRequirements {
  readUsage(request: {
    customerId: string;
    requirements: readonly UsageRequirement[];
    from: string;
    to: string;
    asOf: string;
    /** The contract's pinned definition versions: their metrics are counted under the pinned terms. */
    pinned?: PinnedDefinitions;
  }): Promise<PeriodUsage>;
}

/** The catalog's definition versions, for checking the versions contracts pin. */
export interface DefinitionVersionCatalog {
  /** The versions of a metric's definition, oldest first; undefined when the catalog has no such metric. */
  versionsOf(metric: string): Promise<readonly number[] | undefined>;
}

/**
 * A threshold a contract's period has reached, with the event it owes. The
 * marker is written (conditionally: once per contract, period and threshold)
 * before the event is published and marked published after, so a retried
 * batch or a rebuilt rollup never fires it again and a failed publish is
 * published by the next evaluation.
 */
export interface FiredAlert {
  readonly contractId: string;
  readonly periodId: string;
  readonly thresholdId: string;
  readonly detailType: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly firedAt: string;
  readonly published: boolean;
}

export interface FiredAlertStore {
  /** Writes the marker unless one exists for its contract, period and threshold; true when this call wrote it. */
  claim(alert: FiredAlert): Promise<boolean>;
  /** The period's markers whose event is not published yet, oldest first. */
  listUnpublished(contractId: string, periodId: string): Promise<FiredAlert[]>;
  /** Every marker of a contract's period (for `spend` and tests). */
  listFired(contractId: string, periodId: string): Promise<FiredAlert[]>;
  markPublished(alert: Pick<FiredAlert, 'contractId' | 'periodId' | 'thresholdId'>): Promise<void>;
}
