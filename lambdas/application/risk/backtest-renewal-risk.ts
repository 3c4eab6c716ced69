import { backtestRiskTiers, type BacktestRecord, type RiskBacktestReport } from '../../domain/risk/backtest-risk-tiers';
import { isTierAtLeast } from '../../domain/risk/risk-tiers';
import { taskHistoryOf } from '../../domain/risk/task-history';
import type { RenewalTask, RenewalTaskStore } from './ports';

/**
 * When this task first asked a CSM to act on at_risk or worse: its creation
 * if it was created there, else the escalation that lifted it there (a task
 * created at a lower minimum tier). The task's own tier is its latest, so
 * its history says which.
 */
function atRiskSince(task: RenewalTask): string | undefined {
  // From the history: the task's own tier is its latest assessment, which may have calmed since.
  return taskHistoryOf(task).find((entry) => (entry.kind === 'created' || entry.kind === 'escalated') && isTierAtLeast(entry.tier, 'at_risk'))?.at;
}

function earliest(instants: readonly (string | undefined)[]): string | undefined {
  return instants.filter((at): at is string => at !== undefined).sort((a, b) => Date.parse(a) - Date.parse(b))[0];
}

/**
 * `risk backtest`: every contract term with a recorded renewal result
 * (recorded with or without a task, so healthy and watch terms that churned
 * count as misses), with the tiers its checkpoints assessed and the time its
 * first at-risk task was handed over, scored by the risk core's backtest.
 */
export async function backtestRenewalRisk(deps: { readonly tasks: RenewalTaskStore }): Promise<RiskBacktestReport & { readonly records: readonly BacktestRecord[] }> {
  const results = await deps.tasks.listRenewalResults();
  const records: BacktestRecord[] = [];
  for (const result of results) {
    const [assessments, tasks] = await Promise.all([
      deps.tasks.listAssessments(result.contractId, result.termId),
      deps.tasks.listTermTasks(result.contractId, result.termId),
    ]);
    const firstAtRiskTaskAt = earliest(tasks.map(atRiskSince));
    records.push({
      contractId: `${result.contractId}#${result.termId}`,
      termEnd: result.termEnd,
      timeZone: result.timeZone,
      renewalResult: result.result,
      assessments: assessments.map((assessment) => ({ at: assessment.assessedAt, tier: assessment.tier, checkpointDays: assessment.checkpointDays })),
      ...(firstAtRiskTaskAt !== undefined ? { firstAtRiskTaskAt } : {}),
    });
  }
  return { ...backtestRiskTiers(records), records };
}
