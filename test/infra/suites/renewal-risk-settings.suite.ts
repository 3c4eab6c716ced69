// Renewal-risk settings travel from the stage configuration (CDK context
// `stages.<stage>.renewalRisk`) to exactly the functions that check and
// schedule, as RENEWAL_RISK_SETTINGS, and bad values fail the synth.
import { afterAll, describe, expect, it } from 'vitest';
import { parseStageConfig, StageConfigError } from '../../../lib/config/stage-config';
import { renewalRiskSettingsFromEnv, type RenewalRiskSettingsInput } from '../../../lambdas/application/risk/risk-settings';
import type { FunctionName } from '../../../lib/routing/routing-table';
import { synthEngine } from '../support/synth-engine';

const renewalRisk: RenewalRiskSettingsInput = {
  minimumTier: 'watch',
  fallbackOwner: 'cs-emea-queue',
  p1ExpectedRevenueAtRiskMinor: { EUR: '2500000' },
  checkpointsDays: [90, 45, 15],
  localTime: '10:30',
  riskConfig: { weights: { customer_feedback: 0 }, gap: { staleAfterHours: 72 } },
};

const configured = synthEngine({ stage: 'riskcfg', renewalRisk });
const plain = synthEngine({ stage: 'riskdef' });
afterAll(() => {
  configured.cleanUp();
  plain.cleanUp();
});

const pascal = (kebab: string): string => kebab.replace(/(^|-)([a-z0-9])/g, (_m, _d: string, c: string) => c.toUpperCase());

function environmentOf(engine: typeof configured, handler: FunctionName): Record<string, unknown> {
  const template = engine.statelessTemplate;
  const [id] = Object.keys(template.findResources('AWS::Lambda::Function')).filter((key) => key.startsWith(`${pascal(handler)}Function`));
  const fn = template.toJSON().Resources[id ?? ''] as { Properties: { Environment: { Variables: Record<string, unknown> } } };
  return fn.Properties.Environment.Variables;
}

describe('renewal-risk settings in the stack', () => {
  it('sets RENEWAL_RISK_SETTINGS on the check and scheduling functions, and the functions read back what the stage says', () => {
    for (const handler of ['check-renewal-risk', 'schedule-renewal-checks'] as const) {
      const text = environmentOf(configured, handler)['RENEWAL_RISK_SETTINGS'];
      expect(typeof text).toBe('string');
      expect(JSON.parse(text as string)).toEqual(renewalRisk);
      const settings = renewalRiskSettingsFromEnv({ RENEWAL_RISK_SETTINGS: text as string });
      expect(settings).toMatchObject({
        minimumTier: 'watch',
        checkpointsDays: [90, 45, 15],
        localTime: '10:30',
        taskOptions: { fallbackOwner: 'cs-emea-queue', p1ExpectedRevenueAtRiskMinor: { EUR: '2500000' } },
      });
      expect(settings.riskConfig?.weights.customer_feedback).toBe(0);
      expect(settings.riskConfig?.gap).toEqual({ healthyDays: 7, failingDays: 30, reasonAfterDays: 14, staleAfterHours: 72 });
    }
  });

  it('gives no other function the settings, and none at all without renewalRisk', () => {
    for (const handler of ['ingest-outcomes', 'close-period', 'load-plans', 'schedule-period-closes', 'stripe-webhook'] as const) {
      expect(environmentOf(configured, handler)).not.toHaveProperty('RENEWAL_RISK_SETTINGS');
    }
    expect(environmentOf(plain, 'check-renewal-risk')).not.toHaveProperty('RENEWAL_RISK_SETTINGS');
  });

  it('refuses bad settings at synth, naming the field', () => {
    const attempt = (settings: unknown) => () => parseStageConfig({ stage: 'bad', renewalRisk: settings });
    expect(attempt({ minimumTier: 'amber' })).toThrow(StageConfigError);
    expect(attempt({ minimumTier: 'amber' })).toThrow(/renewalRisk\.minimumTier/);
    expect(attempt({ localTime: '9am' })).toThrow(/renewalRisk\.localTime/);
    expect(attempt({ p1ExpectedRevenueAtRiskMinor: { USD: '50,000.00' } })).toThrow(/renewalRisk\.p1ExpectedRevenueAtRiskMinor\.USD/);
    expect(attempt({ riskConfig: { tierFloors: { at_risk: 80 } } })).toThrow(/tier floors must rise: watch 25 < at_risk 80 < critical 65/);
    expect(attempt({ fallbackOwer: 'typo' })).toThrow(/fallbackOwer/);
  });
});
