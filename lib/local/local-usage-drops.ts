// The daily usage-drop evaluation on the local engine's clock: the
// evaluate-usage-drops Lambda's handler, run when the clock passes 06:00 UTC
// (as the stack's daily schedule in AWS), in time order with the closes and
// the renewal checks. A run that fails is logged and run again the next time
// the clock moves: it publishes what it owed, never a second event.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { LedgerRepository } from '../../lambdas/application/ports';
import { createUsageDropAlerts } from '../../lambdas/composition/usage-drop-service';
import { createUsageRollupService } from '../../lambdas/composition/usage-rollup-service';
import { createEvaluateUsageDropsHandler } from '../../lambdas/handlers/evaluate-usage-drops';
import { USAGE_DROP_EVALUATION_HOUR_UTC } from '../config/schedule-groups';
import { asLocalLambda } from './lambda-context';
import { LOCAL_ACCOUNT_ID, LOCAL_DEFAULTS } from './local-aws';
import type { LocalScheduleTimeline } from './local-clock';

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/** The latest daily run instant at or before `at`. */
export function usageDropRunAtOrBefore(at: Date): Date {
  const offset = USAGE_DROP_EVALUATION_HOUR_UTC * HOUR_MS;
  return new Date(Math.floor((at.getTime() - offset) / DAY_MS) * DAY_MS + offset);
}

export interface LocalUsageDropsOptions {
  readonly dynamoDb: DynamoDBClient;
  readonly engineTableName: string;
  readonly ledgerTableName: string;
  readonly ledger: Pick<LedgerRepository, 'streamUsageEntries' | 'getOutcomeEntries'>;
  readonly eventBridge: EventBridgeClient;
  readonly eventBusName: string;
  readonly now: () => Date;
  readonly log: (message: string) => void;
}

export function usageDropTimeline(options: LocalUsageDropsOptions): LocalScheduleTimeline {
  const usage = createUsageRollupService({ ...options, progress: { kind: 'stored' } });
  const deps = createUsageDropAlerts({ ...options, usage: usage.reader });
  const evaluate = asLocalLambda('evaluate-usage-drops', createEvaluateUsageDropsHandler(async () => deps), {
    timeoutMs: 300_000,
    region: LOCAL_DEFAULTS.region,
    accountId: LOCAL_ACCOUNT_ID,
  });
  // The first run is the first 06:00 UTC the clock reaches after the engine starts.
  let lastRun = usageDropRunAtOrBefore(options.now()).getTime();
  return {
    nextAfter: (after) => new Date(usageDropRunAtOrBefore(after).getTime() + DAY_MS),
    runDue: async () => {
      const due = usageDropRunAtOrBefore(options.now()).getTime();
      if (due <= lastRun) return;
      try {
        await evaluate({ source: 'local-clock' });
        lastRun = due;
      } catch (error) {
        options.log(`usage-drop evaluation failed: ${error instanceof Error ? error.message : String(error)} (run again when the clock next moves)`);
      }
    },
  };
}
