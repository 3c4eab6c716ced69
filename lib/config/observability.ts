// Names shared by the functions' Powertools settings and the dashboard that
// reads what they emit.
import type { StageConfig } from './stage-config';

/** Powertools `service` of every engine function (structured log field and metric dimension). */
export const SERVICE_NAME = 'outcome-engine';

/**
 * Metrics namespace per stage, so two stages in one account never add up in
 * the same graph or alarm.
 */
export function metricsNamespace(config: Pick<StageConfig, 'stage'>): string {
  return `OutcomeEngine/${config.stage}`;
}

/** A metric an engine handler emits through Powertools Metrics (EMF). */
export interface EmittedMetric {
  readonly label: string;
  readonly metricName: string;
  /** Its exact dimension set: Powertools always adds `service`. */
  readonly dimensions: readonly string[];
}

/**
 * What lambdas/handlers/ingest-outcomes.ts emits per batch (unit Count,
 * zeros included). Rejections carry a `code` dimension, one series per
 * rejection code; conflicts are also counted among them.
 */
export const LEDGER_METRICS = {
  recorded: { label: 'Recorded', metricName: 'OutcomesRecorded', dimensions: ['service'] },
  duplicate: { label: 'Duplicate', metricName: 'OutcomesDuplicate', dimensions: ['service'] },
  conflict: { label: 'Conflict', metricName: 'OutcomesConflict', dimensions: ['service'] },
  rejected: { label: 'Rejected', metricName: 'OutcomesRejected', dimensions: ['code', 'service'] },
  ingestFailures: { label: 'Ingest failures (retried)', metricName: 'IngestFailures', dimensions: ['service'] },
} as const satisfies Record<string, EmittedMetric>;

/** What lambdas/handlers/load-plans.ts emits per request (unit Count). */
export const PLAN_LOAD_METRICS = {
  loaded: { label: 'Loaded', metricName: 'PlanItemsLoaded', dimensions: ['service'] },
  refused: { label: 'Refused (invalid or failed)', metricName: 'PlanItemsRefused', dimensions: ['service'] },
} as const satisfies Record<string, EmittedMetric>;
