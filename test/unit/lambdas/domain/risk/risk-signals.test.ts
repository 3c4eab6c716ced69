import { describe, expect, it } from 'vitest';
import { RiskConfigOverridesSchema } from '../../../../../lambdas/application/risk/risk-settings';
import {
  DEFAULT_RISK_CONFIG,
  RECOMMENDED_PLAYS,
  RISK_SIGNALS,
  SIGNAL_CODES,
  assessRenewalRisk,
  resolveRiskConfig,
  type RiskSignalDefinition,
  type SignalCode,
} from '../../../../../lambdas/domain/risk';
import { baseInput } from '../../../../support/risk-fixtures';

// The weight keys an operator can set in the renewal-risk settings.
const settingsWeightKeys = Object.keys(RiskConfigOverridesSchema.shape.weights.unwrap().shape).sort();

/**
 * The worked example with every signal's input present and something wrong
 * in each: attainment and trend below target, spend under the commitment, a
 * failed payment, 20 days without outcomes, a detractor and disputed outcomes.
 */
const everySignalApplies = baseInput({
  spendToDateMinor: '3000000',
  paymentSignals: [{ kind: 'payment_failed', invoiceId: 'in_1', occurredAt: '2026-10-01T12:00:00Z' }],
  feedback: [{ kind: 'nps', score: 3, occurredAt: '2026-09-20T12:00:00Z' }],
  lastOutcomeAt: '2026-09-25T12:00:00Z',
  disputes: [{ metric: 'ticket.resolved', billed: 1200, disputed: 41, upheld: 30 }],
});

describe('the risk signal registry', () => {
  it('has an entry for every signal name the settings schema accepts a weight for, and no other', () => {
    expect(settingsWeightKeys).toEqual([...SIGNAL_CODES].sort());
    expect(Object.keys(RISK_SIGNALS).sort()).toEqual(settingsWeightKeys);
    expect(Object.keys(DEFAULT_RISK_CONFIG.weights).sort()).toEqual(settingsWeightKeys);
    expect(Object.keys(RECOMMENDED_PLAYS).sort()).toEqual(settingsWeightKeys);
  });

  it('scores every signal of the settings schema, in SIGNAL_CODES order', () => {
    const assessment = assessRenewalRisk(everySignalApplies);
    expect(assessment.signals.map((signal) => signal.code)).toEqual([...SIGNAL_CODES]);
    for (const code of settingsWeightKeys) {
      const signal = assessment.signals.find((candidate) => candidate.code === code);
      expect(signal, code).toMatchObject({ applicable: true, baseWeight: DEFAULT_RISK_CONFIG.weights[code as SignalCode] });
      expect(Number(signal?.risk), `${code} risk`).toBeGreaterThan(0);
      expect(Number(signal?.contribution), `${code} contribution`).toBeGreaterThan(0);
    }
  });

  it('weighs each signal by its own weight key: a signal weighted alone makes the whole score', () => {
    for (const code of SIGNAL_CODES) {
      const weights = Object.fromEntries(SIGNAL_CODES.map((other) => [other, other === code ? 100 : 0])) as Record<SignalCode, number>;
      const alone = assessRenewalRisk(everySignalApplies, resolveRiskConfig({ weights }));
      for (const signal of alone.signals) {
        expect(signal.weight, `${signal.code} weighted alone as ${code}`).toBe(signal.code === code ? '100' : '0');
      }
      expect(alone.score, code).toBeGreaterThan(0);
      expect(alone.dominantSignal, code).toBe(code);
    }
  });

  it('keeps each entry true to its scorer: its own name, its reason codes, its thresholds section', () => {
    const assessment = assessRenewalRisk(everySignalApplies);
    const raised = new Set(assessment.reasons.map((reason) => reason.signal));
    expect([...raised].sort()).toEqual([...SIGNAL_CODES].sort());
    for (const reason of assessment.reasons) {
      if (reason.signal === 'data_quality') continue;
      expect(RISK_SIGNALS[reason.signal].reasonCodes, reason.signal).toContain(reason.code);
    }
    for (const [code, definition] of Object.entries(RISK_SIGNALS) as [SignalCode, RiskSignalDefinition][]) {
      expect(DEFAULT_RISK_CONFIG[definition.thresholds], code).toBeTypeOf('object');
      expect(Object.keys(RiskConfigOverridesSchema.shape), code).toContain(definition.thresholds);
    }
  });

  it('does not compile with a signal name left out', () => {
    // @ts-expect-error every signal name needs an entry
    const incomplete: Readonly<Record<SignalCode, RiskSignalDefinition>> = { outcome_attainment: RISK_SIGNALS.outcome_attainment };
    expect(Object.keys(incomplete)).toHaveLength(1);
  });
});
