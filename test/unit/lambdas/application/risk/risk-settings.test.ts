// Renewal-risk settings as operators write them: merged over the defaults,
// every bad value refused with its path.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RENEWAL_RISK_SETTINGS,
  RenewalRiskSettingsError,
  renewalRiskSettingsFromEnv,
  resolveRenewalRiskSettings,
} from '../../../../../lambdas/application/risk/risk-settings';
import { DEFAULT_RISK_CONFIG } from '../../../../../lambdas/domain/risk/risk-config';
import { DEFAULT_P1_EXPECTED_REVENUE_AT_RISK_MINOR, DEFAULT_TASK_CONTENT_OPTIONS } from '../../../../../lambdas/domain/risk/task-rules';

describe('renewal-risk settings', () => {
  it('are the defaults, with a P1 threshold, when nothing is set', () => {
    const settings = renewalRiskSettingsFromEnv({});
    expect(settings).toEqual({ ...DEFAULT_RENEWAL_RISK_SETTINGS, taskOptions: DEFAULT_TASK_CONTENT_OPTIONS });
    expect(renewalRiskSettingsFromEnv({ RENEWAL_RISK_SETTINGS: '  ' })).toEqual(settings);
    expect(settings.taskOptions?.p1ExpectedRevenueAtRiskMinor).toBe(DEFAULT_P1_EXPECTED_REVENUE_AT_RISK_MINOR);
    expect(DEFAULT_P1_EXPECTED_REVENUE_AT_RISK_MINOR).toMatchObject({ USD: '5000000', EUR: '5000000', JPY: '7500000' });
  });

  it('merge what is given over the defaults, one section deep', () => {
    const settings = resolveRenewalRiskSettings({
      minimumTier: 'critical',
      fallbackOwner: 'cs-apac',
      dueInDays: { critical: 1 },
      p1ExpectedRevenueAtRiskMinor: { JPY: '1000000' },
      checkpointsDays: [60, 30],
      localTime: '08:15',
      riskConfig: { weights: { payment_health: 30 }, burn: { minElapsedDays: 45 } },
      outcomeValuesPerUnit: { 'ticket.resolved': '25' },
      feedback: { csatScaleMax: '10' },
    });
    expect(settings).toMatchObject({
      minimumTier: 'critical',
      checkpointsDays: [60, 30],
      localTime: '08:15',
      taskOptions: { fallbackOwner: 'cs-apac', dueInDays: { critical: 1, at_risk: 5, watch: 10, healthy: 15 }, p1ExpectedRevenueAtRiskMinor: { JPY: '1000000' } },
      outcomeValuesPerUnit: { 'ticket.resolved': '25' },
      feedback: { npsMetric: 'feedback.nps', csatMetric: 'feedback.csat', csatScaleMax: '10', windowDays: 180 },
    });
    expect(settings.riskConfig?.weights).toEqual({ ...DEFAULT_RISK_CONFIG.weights, payment_health: 30 });
    expect(settings.riskConfig?.burn).toEqual({ ...DEFAULT_RISK_CONFIG.burn, minElapsedDays: 45 });
  });

  it.each([
    [{ minimumTier: 'amber' }, 'minimumTier'],
    [{ checkpointsDays: [90, 90] }, 'checkpointsDays[1]'],
    [{ localTime: '25:00' }, 'localTime'],
    [{ p1ExpectedRevenueAtRiskMinor: { XXX: '1' } }, 'p1ExpectedRevenueAtRiskMinor'],
    [{ riskConfig: { weights: { outcome_attainment: 150 } } }, 'riskConfig.weights.outcome_attainment'],
    [{ riskConfig: { severeSignalRisk: '1.5' } }, 'riskConfig.severeSignalRisk'],
    [{ riskConfig: { gap: { staleAfter: 12 } } }, 'staleAfter'],
    [{ riskConfig: { tierFloors: { watch: 50 } } }, 'tier floors must rise'],
    [{ dueInDays: { soon: 1 } }, 'soon'],
  ])('refuses %j, naming %s', (input, where) => {
    expect(() => resolveRenewalRiskSettings(input)).toThrow(RenewalRiskSettingsError);
    expect(() => resolveRenewalRiskSettings(input)).toThrow(where);
  });

  it('refuses text that is not JSON', () => {
    expect(() => renewalRiskSettingsFromEnv({ RENEWAL_RISK_SETTINGS: 'minimumTier=watch' })).toThrow(/RENEWAL_RISK_SETTINGS is not JSON/);
  });
});
