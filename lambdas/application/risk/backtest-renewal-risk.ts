import { backtestRiskTiers, type BacktestRecord, type RiskBacktestReport } from '../../domain/risk/backtest-risk-tiers';
import type { RenewalTaskStore } from './ports';

/**
 * `risk backtest`: every contract term with a recorded renewal result, with
 * the tiers its checkpoints assessed, scored by the risk core's backtest
 * (precision and recall per tier, median lead time).
 */
export async function backtestRenewalRisk(deps: { readonly tasks: RenewalTaskStore }): Promise<RiskBacktestReport & { readonly records: readonly BacktestRecord[] }> {
  const results = await deps.tasks.listRenewalResults();
  const records: BacktestRecord[] = [];
  for (const result of results) {
    const assessments = await deps.tasks.listAssessments(result.contractId, result.termId);
    records.push({
      contractId: `${result.contractId}#${result.termId}`,
      termEnd: result.termEnd,
      timeZone: result.timeZone,
      renewalResult: result.result,
      assessments: assessments.map((assessment) => ({ at: assessment.assessedAt, tier: assessment.tier })),
    });
  }
  return { ...backtestRiskTiers(records), records };
}
