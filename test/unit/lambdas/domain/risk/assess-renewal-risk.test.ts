import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RISK_CONFIG,
  RiskInputError,
  assessRenewalRisk,
  resolveRiskConfig,
  tierForScore,
  type RenewalRiskAssessment,
  type SignalCode,
} from '../../../../../lambdas/domain/risk';
import { baseInput, monthlyPeriods, monthlyUsage } from '../../../../support/risk-fixtures';

function signal(assessment: RenewalRiskAssessment, code: SignalCode) {
  const found = assessment.signals.find((s) => s.code === code);
  if (!found) throw new Error(`no signal ${code}`);
  return found;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

describe('assessRenewalRisk: the worked example', () => {
  const assessment = assessRenewalRisk(baseInput());

  it('explains attainment and trend with the numbers', () => {
    expect(assessment.reasons.map((r) => [r.code, r.message])).toEqual([
      ['outcome_trend_down', 'resolutions down 28% on the prior quarter: 312 in the latest month against a baseline of 433.3 per month'],
      [
        'outcome_attainment_below_target',
        '312 of 500 targeted resolutions per month (62%), down 28% on the prior quarter; 91% of target to date, 88% projected by term end (5,287 of 6,000)',
      ],
    ]);
  });

  it('reports every signal with value, threshold, weight and contribution', () => {
    expect(signal(assessment, 'outcome_attainment')).toMatchObject({
      applicable: true,
      value: '0.8812',
      threshold: '0.9',
      risk: '0.297',
      baseWeight: 30,
      weight: '33.33',
      contribution: '9.9',
    });
    expect(signal(assessment, 'outcome_trend')).toMatchObject({ value: '-0.28', threshold: '-0.15', weight: '22.22', contribution: '14.6' });
    expect(signal(assessment, 'commitment_burn')).toMatchObject({ value: '0.9527', weight: '16.67', contribution: '1.58' });
    expect(signal(assessment, 'customer_feedback')).toMatchObject({ applicable: false, weight: '0', contribution: '0' });
  });

  it('scores 26 (watch) with the trend as the dominant signal', () => {
    expect(assessment).toMatchObject({ score: 26, tier: 'watch', scoreTier: 'watch', dominantSignal: 'outcome_trend', daysToTermEnd: 78 });
  });

  it('shares out the weight of signals that do not apply so weights still add to 100', () => {
    const total = assessment.signals.reduce((sum, s) => sum + Number(s.weight) * 100, 0);
    expect(Math.round(total)).toBe(10000);
  });

  it('prints every number as a plain decimal string (no float artefacts)', () => {
    for (const s of assessment.signals) {
      for (const field of [s.risk, s.weight, s.contribution, s.threshold]) expect(field).toMatch(DECIMAL);
      if (s.value !== null) expect(s.value).toMatch(DECIMAL);
    }
  });

  it('summarizes the value delivered for the renewal conversation', () => {
    expect(assessment.valueSummary).toEqual({
      currency: 'USD',
      outcomes: [{ metric: 'ticket.resolved', label: 'resolutions', singularLabel: 'resolution', quantity: '4262', valueMinor: '10655000' }],
      totalValueMinor: '10655000',
      pricePaidMinor: '4500000',
      valuePerUnitOfPrice: '2.37',
      sentence: '4,262 resolutions delivered this term, worth $106,550.00 to the customer, for $45,000.00 paid: 2.37 of value per 1 of price',
    });
  });

  it('is a pure function: the same input gives the same assessment', () => {
    expect(assessRenewalRisk(baseInput())).toEqual(assessment);
  });
});

describe('weight redistribution', () => {
  it('scores only on what applies: no commitment, no payments, no feedback', () => {
    const input = baseInput({ paymentSignals: undefined, spendToDateMinor: undefined });
    const assessment = assessRenewalRisk({ ...input, contract: { ...input.contract, committedAmountMinor: undefined } });
    expect(assessment.signals.map((s) => [s.code, s.applicable, s.weight])).toEqual([
      ['outcome_attainment', true, '50'],
      ['outcome_trend', true, '33.33'],
      ['commitment_burn', false, '0'],
      ['payment_health', false, '0'],
      ['signal_gap', true, '16.67'],
      ['customer_feedback', false, '0'],
      ['outcome_disputes', false, '0'],
    ]);
    expect(signal(assessment, 'commitment_burn').notApplicableReason).toBe('the contract has no committed amount');
    expect(signal(assessment, 'payment_health').notApplicableReason).toBe('no payment signals: payments are not connected, or nothing has been invoiced through Stripe yet');
  });

  it('is healthy with score 0 when nothing applies yet', () => {
    const input = baseInput({ now: '2025-12-20T12:00:00Z', paymentSignals: undefined, usageByPeriod: [], lastOutcomeAt: undefined, dataAsOf: undefined });
    const assessment = assessRenewalRisk(input);
    expect(assessment.signals.filter((s) => s.applicable)).toEqual([]);
    expect(assessment).toMatchObject({ score: 0, tier: 'healthy' });
    expect(assessment.dominantSignal).toBeUndefined();
  });
});

describe('signal 1: outcome attainment', () => {
  it('is not applicable without success targets', () => {
    const input = baseInput();
    const assessment = assessRenewalRisk({ ...input, contract: { ...input.contract, successTargets: [] } });
    expect(signal(assessment, 'outcome_attainment')).toMatchObject({ applicable: false, notApplicableReason: 'the contract has no success targets' });
  });

  it('judges the pace of the first period once a quarter of it has passed, not before', () => {
    const early = assessRenewalRisk(baseInput({ usageByPeriod: monthlyUsage(2026, 'ticket.resolved', ['40']), now: '2026-01-05T12:00:00Z' }));
    expect(signal(early, 'outcome_attainment').applicable).toBe(false);
    // 16 of 31 days gone (from local midnight, EST): 150 outcomes is a pace of 290.6 a month.
    const later = assessRenewalRisk(baseInput({ usageByPeriod: monthlyUsage(2026, 'ticket.resolved', ['150']), now: '2026-01-17T05:00:00Z' }));
    const attainment = signal(later, 'outcome_attainment');
    expect(attainment.applicable).toBe(true);
    expect(attainment.value).toBe('0.5813');
    expect(later.reasons.find((r) => r.code === 'outcome_attainment_below_target')?.message).toBe(
      'resolutions running at 58% of the 500 per month target in the first month; 58% of target to date, 58% projected by term end (3,488 of 6,000)',
    );
  });

  it('scores the worst of several targets and counts missing periods as zero', () => {
    const input = baseInput({
      usageByPeriod: [
        ...monthlyUsage(2026, 'ticket.resolved', ['500', '500', '500', '500', '500', '500', '500', '500', '500', '250']),
        // leads reported for January only: February..September were silent (a zero baseline has no trend)
        ...monthlyUsage(2026, 'lead.qualified', ['100']),
      ],
    });
    const assessment = assessRenewalRisk({
      ...input,
      contract: {
        ...input.contract,
        successTargets: [
          { metric: 'ticket.resolved', label: 'resolutions', targetPerPeriod: '500' },
          { metric: 'lead.qualified', label: 'qualified leads', targetPerPeriod: '100' },
        ],
      },
    });
    const attainment = signal(assessment, 'outcome_attainment');
    expect(attainment.details.worstMetric).toBe('lead.qualified');
    expect(attainment.risk).toBe('1');
    expect(assessment.reasons.filter((r) => r.code === 'outcome_attainment_below_target').map((r) => r.message)).toEqual([
      '0 of 100 targeted qualified leads per month (0%); 11% of target to date, 8% projected by term end (100 of 1,200)',
    ]);
  });
});

describe('signal 2: outcome trend', () => {
  it('uses the previous term as baseline early in a renewal term', () => {
    const input = baseInput({
      now: '2026-02-10T12:00:00Z',
      usageByPeriod: [...monthlyUsage(2025, 'ticket.resolved', Array(12).fill('600')), ...monthlyUsage(2026, 'ticket.resolved', ['300', '100'])],
    });
    const trend = signal(assessRenewalRisk(input), 'outcome_trend');
    expect(trend).toMatchObject({ applicable: true, value: '-0.5', risk: '1' });
    expect(trend.details.metrics).toEqual([{ metric: 'ticket.resolved', recentMean: '300', baselineMean: '600', change: '-0.5', baselinePeriods: 3 }]);
  });

  it('has no risk when outcomes grow, and is not applicable without a baseline', () => {
    const up = assessRenewalRisk(baseInput({ usageByPeriod: monthlyUsage(2026, 'ticket.resolved', ['400', '400', '400', '600']), now: '2026-05-10T12:00:00Z' }));
    expect(signal(up, 'outcome_trend')).toMatchObject({ value: '0.5', risk: '0' });
    const none = assessRenewalRisk(baseInput({ usageByPeriod: monthlyUsage(2026, 'ticket.resolved', ['400']), now: '2026-02-10T12:00:00Z' }));
    expect(signal(none, 'outcome_trend')).toMatchObject({ applicable: false, notApplicableReason: 'not enough complete periods for a baseline' });
  });
});

describe('signal 3: commitment burn', () => {
  it('projects spend to term end and names the unused commitment', () => {
    // 181 days into a 365-day term (2026-07-01 local midnight), USD 20,000.00 spent.
    const assessment = assessRenewalRisk(baseInput({ now: '2026-07-01T04:00:00Z', spendToDateMinor: '2000000' }));
    const burn = signal(assessment, 'commitment_burn');
    expect(burn.details).toMatchObject({ projectedSpendMinor: '4033149', unusedCommitmentMinor: '1966851', elapsedDays: '181' });
    expect(burn.value).toBe('0.6722');
    expect(assessment.reasons.find((r) => r.code === 'commitment_underused')?.message).toBe(
      'projected spend $40,331.49 of $60,000.00 committed by term end (67%); $19,668.51 of the commitment would go unused',
    );
  });

  it('treats overrun as no risk and waits 30 days before judging', () => {
    const over = assessRenewalRisk(baseInput({ spendToDateMinor: '5900000' }));
    expect(signal(over, 'commitment_burn')).toMatchObject({ risk: '0' });
    expect(signal(over, 'commitment_burn').details.unusedCommitmentMinor).toBe('0');
    const early = assessRenewalRisk(baseInput({ now: '2026-01-20T12:00:00Z', usageByPeriod: [] }));
    expect(signal(early, 'commitment_burn').applicable).toBe(false);
  });

  it('formats zero-decimal currencies without decimals', () => {
    const input = baseInput({ now: '2026-07-01T04:00:00Z', spendToDateMinor: '2000000' });
    const assessment = assessRenewalRisk({ ...input, contract: { ...input.contract, currency: 'JPY', committedAmountMinor: '6000000' } });
    expect(assessment.reasons.find((r) => r.code === 'commitment_underused')?.message).toBe(
      'projected spend ¥4,033,149 of ¥6,000,000 committed by term end (67%); ¥1,966,851 of the commitment would go unused',
    );
  });
});

describe('signal 4: payment health', () => {
  it('counts failed payments, less once recovered, and ignores events after now', () => {
    const assessment = assessRenewalRisk(
      baseInput({
        paymentSignals: [
          { kind: 'payment_failed', invoiceId: 'in_1', occurredAt: '2026-09-01T10:00:00Z' },
          { kind: 'invoice_paid', invoiceId: 'in_1', occurredAt: '2026-09-03T10:00:00Z' },
          { kind: 'payment_failed', invoiceId: 'in_2', occurredAt: '2026-10-01T10:00:00Z' },
          { kind: 'payment_failed', invoiceId: 'in_3', occurredAt: '2026-10-20T10:00:00Z' },
        ],
      }),
    );
    expect(signal(assessment, 'payment_health')).toMatchObject({ value: '1', risk: '0.45' });
    expect(assessment.reasons.find((r) => r.code === 'payment_failed')?.message).toBe('2 failed payments in the last 90 days, 1 not yet recovered');
  });

  it('rates an invoice 18 days past due, and lifts the tier when 30+ days past due', () => {
    const pastDue = (occurredAt: string) =>
      assessRenewalRisk(
        baseInput({ paymentSignals: [{ kind: 'invoice_past_due', invoiceId: 'in_9', occurredAt, amountMinor: '120000' }] }),
      );
    const eighteen = pastDue('2026-09-27T12:00:00Z');
    expect(signal(eighteen, 'payment_health').risk).toBe('0.84');
    expect(eighteen.reasons.find((r) => r.code === 'invoice_past_due')?.message).toBe('invoice in_9 ($1,200.00) is 18 days past due');
    const forty = pastDue('2026-09-05T12:00:00Z');
    expect(signal(forty, 'payment_health').risk).toBe('1');
    expect(forty.scoreTier).toBe('watch');
    expect(forty).toMatchObject({ tier: 'at_risk', severeSignal: 'payment_health' });
  });

  it('clears a past-due invoice once it is paid', () => {
    const assessment = assessRenewalRisk(
      baseInput({
        paymentSignals: [
          { kind: 'invoice_past_due', invoiceId: 'in_9', occurredAt: '2026-09-05T12:00:00Z' },
          { kind: 'invoice_paid', invoiceId: 'in_9', occurredAt: '2026-09-20T12:00:00Z' },
        ],
      }),
    );
    expect(signal(assessment, 'payment_health')).toMatchObject({ value: '0', risk: '0' });
  });
});

describe('signal 4: payment health by due date', () => {
  // An invoice sent with 30 days to pay: finalized August 28, due September 27; the check runs October 15.
  const finalized = { kind: 'invoice_finalized', invoiceId: 'in_9', occurredAt: '2026-08-28T12:00:00Z', amountMinor: '120000', dueAt: '2026-09-27T12:00:00Z' } as const;
  const health = (paymentSignals: NonNullable<Parameters<typeof baseInput>[0]>['paymentSignals'], overrides: Parameters<typeof baseInput>[0] = {}) =>
    assessRenewalRisk(baseInput({ paymentSignals, ...overrides }));

  it('makes an unpaid invoice past due from its due date, without any failed payment', () => {
    const assessment = health([finalized]);
    expect(signal(assessment, 'payment_health')).toMatchObject({
      value: '1',
      risk: '0.84',
      details: { failedPaymentsInWindow: 0, pastDueInvoices: 1, oldestPastDueDays: 18 },
    });
    expect(assessment.reasons.filter((r) => r.signal === 'payment_health').map((r) => [r.code, r.message])).toEqual([
      ['invoice_past_due', 'invoice in_9 ($1,200.00) is 18 days past due'],
    ]);
  });

  it('does not count an invoice whose due date is still ahead, or exactly now', () => {
    expect(signal(health([{ ...finalized, dueAt: '2026-10-31T12:00:00Z' }]), 'payment_health')).toMatchObject({ value: '0', risk: '0' });
    expect(signal(health([{ ...finalized, dueAt: '2026-10-15T12:00:00Z' }]), 'payment_health')).toMatchObject({ value: '0', risk: '0' });
  });

  it('settles an invoice paid before its due date or after it, but not one paid after now', () => {
    const paidOn = (occurredAt: string) => health([finalized, { kind: 'invoice_paid', invoiceId: 'in_9', occurredAt }]);
    expect(signal(paidOn('2026-09-20T12:00:00Z'), 'payment_health')).toMatchObject({ value: '0', risk: '0' });
    expect(signal(paidOn('2026-10-10T12:00:00Z'), 'payment_health')).toMatchObject({ value: '0', risk: '0' });
    expect(signal(health([finalized, { kind: 'invoice_voided', invoiceId: 'in_9', occurredAt: '2026-10-01T12:00:00Z' }]), 'payment_health')).toMatchObject({ value: '0' });
    const paidLater = paidOn('2026-10-20T12:00:00Z');
    expect(signal(paidLater, 'payment_health')).toMatchObject({ value: '1', risk: '0.84' });
  });

  it('reads nothing recorded after now: as of before the invoice was finalized, or before it was due', () => {
    const asOf = (now: string) => health([finalized], { now, lastOutcomeAt: now, dataAsOf: now });
    expect(signal(asOf('2026-08-20T12:00:00Z'), 'payment_health')).toMatchObject({ value: '0', risk: '0' });
    expect(signal(asOf('2026-09-20T12:00:00Z'), 'payment_health')).toMatchObject({ value: '0', risk: '0' });
    expect(asOf('2026-10-07T12:00:00Z').reasons.find((r) => r.code === 'invoice_past_due')?.message).toBe('invoice in_9 ($1,200.00) is 10 days past due');
    // The due date only a later signal carries is not known yet.
    const laterOnly = health([{ ...finalized, dueAt: undefined }, { kind: 'payment_failed', invoiceId: 'in_9', occurredAt: '2026-10-16T12:00:00Z', dueAt: '2026-09-27T12:00:00Z' }]);
    expect(signal(laterOnly, 'payment_health')).toMatchObject({ value: '0', risk: '0' });
  });

  it('counts from the first failed payment when it came before the due date, and from the due date when it came after', () => {
    const failedOn = (occurredAt: string) =>
      health([
        finalized,
        { kind: 'payment_failed', invoiceId: 'in_9', occurredAt, amountMinor: '100000', dueAt: finalized.dueAt },
        { kind: 'invoice_past_due', invoiceId: 'in_9', occurredAt, amountMinor: '100000', dueAt: finalized.dueAt },
      ]);
    const early = failedOn('2026-09-02T12:00:00Z');
    expect(signal(early, 'payment_health')).toMatchObject({ value: '2', risk: '1', details: { unrecoveredFailures: 1, pastDueInvoices: 1, oldestPastDueDays: 43 } });
    // What is still owed after a partial payment is what the latest signal says.
    expect(early.reasons.find((r) => r.code === 'invoice_past_due')?.message).toBe('invoice in_9 ($1,000.00) is 43 days past due');
    const late = failedOn('2026-10-05T12:00:00Z');
    expect(late.reasons.find((r) => r.code === 'invoice_past_due')?.message).toBe('invoice in_9 ($1,000.00) is 18 days past due');
  });

  it('ranks the oldest past-due invoice first across due dates and failures', () => {
    const assessment = health([
      finalized,
      { kind: 'invoice_finalized', invoiceId: 'in_10', occurredAt: '2026-07-28T12:00:00Z', amountMinor: '90000', dueAt: '2026-08-27T12:00:00Z' },
      { kind: 'invoice_past_due', invoiceId: 'in_11', occurredAt: '2026-10-05T12:00:00Z', amountMinor: '5000' },
    ]);
    expect(assessment.reasons.filter((r) => r.code === 'invoice_past_due').map((r) => r.message)).toEqual([
      'invoice in_10 ($900.00) is 49 days past due',
      'invoice in_9 ($1,200.00) is 18 days past due',
      'invoice in_11 ($50.00) is 10 days past due',
    ]);
    expect(signal(assessment, 'payment_health')).toMatchObject({ value: '3', risk: '1' });
  });
});

describe('signal 5: signal gaps and stale data', () => {
  it('counts days without outcomes', () => {
    const assessment = assessRenewalRisk(baseInput({ lastOutcomeAt: '2026-09-24T10:00:00Z' }));
    expect(signal(assessment, 'signal_gap')).toMatchObject({ value: '21', risk: '0.6087' });
    expect(assessment.reasons.find((r) => r.code === 'no_recent_outcomes')?.message).toBe('no outcomes for 21 days (last on 2026-09-24)');
  });

  it('counts from term start when the customer never sent an outcome', () => {
    const assessment = assessRenewalRisk(baseInput({ lastOutcomeAt: undefined, usageByPeriod: [], now: '2026-02-10T12:00:00Z' }));
    expect(assessment.reasons.find((r) => r.code === 'no_recent_outcomes')?.message).toBe('no outcomes since the term started 40 days ago');
    expect(signal(assessment, 'signal_gap').risk).toBe('1');
  });

  it('stops counting at the data cutoff when the ledger is stale, and flags it', () => {
    const assessment = assessRenewalRisk(baseInput({ lastOutcomeAt: '2026-09-24T10:00:00Z', dataAsOf: '2026-09-30T10:00:00Z' }));
    expect(assessment.staleData).toBe(true);
    expect(signal(assessment, 'signal_gap').value).toBe('6');
    expect(assessment.reasons.at(-1)).toEqual({
      code: 'stale_data',
      signal: 'data_quality',
      message: 'ledger data is 15 days old (newest record 2026-09-30T10:00:00Z); usage signals may lag reality',
    });
  });
});

describe('signal 6: customer feedback', () => {
  it('computes NPS from 0..10 answers in the window', () => {
    const at = '2026-09-01T00:00:00Z';
    const assessment = assessRenewalRisk(
      baseInput({
        feedback: [
          { kind: 'nps', score: 10, occurredAt: at },
          { kind: 'nps', score: 3, occurredAt: at },
          { kind: 'nps', score: 2, occurredAt: at },
          { kind: 'nps', score: 7, occurredAt: at },
          { kind: 'nps', score: 5, occurredAt: at },
          { kind: 'nps', score: 10, occurredAt: '2025-01-01T00:00:00Z' },
        ],
      }),
    );
    expect(signal(assessment, 'customer_feedback')).toMatchObject({ value: '-40', unit: 'nps', risk: '1', weight: '10' });
    expect(assessment.reasons.find((r) => r.code === 'low_nps')?.message).toBe(
      'NPS -40 from 5 responses in the last 180 days (1 promoter, 3 detractors)',
    );
  });

  it('computes CSAT on its scale', () => {
    const at = '2026-10-01T00:00:00Z';
    const assessment = assessRenewalRisk(
      baseInput({
        feedback: [
          { kind: 'csat', score: '3', scaleMax: '5', occurredAt: at },
          { kind: 'csat', score: '3', occurredAt: at },
          { kind: 'csat', score: '4', occurredAt: at },
        ],
      }),
    );
    expect(signal(assessment, 'customer_feedback')).toMatchObject({ value: '0.6667', unit: 'csat', risk: '0.4444' });
    expect(assessment.reasons.find((r) => r.code === 'low_csat')?.message).toBe('CSAT 67% on average from 3 responses in the last 180 days');
  });
});

describe('tiers', () => {
  it.each([
    [0, 'healthy'],
    [24, 'healthy'],
    [25, 'watch'],
    [44, 'watch'],
    [45, 'at_risk'],
    [64, 'at_risk'],
    [65, 'critical'],
    [100, 'critical'],
  ] as const)('score %i is %s', (score, tier) => {
    expect(tierForScore(score, DEFAULT_RISK_CONFIG.tierFloors)).toBe(tier);
  });

  it('is critical when everything goes wrong at once', () => {
    const assessment = assessRenewalRisk(
      baseInput({
        usageByPeriod: monthlyUsage(2026, 'ticket.resolved', ['500', '500', '500', '500', '500', '500', '500', '500', '100', '0']),
        spendToDateMinor: '1000000',
        lastOutcomeAt: '2026-09-10T00:00:00Z',
        paymentSignals: [{ kind: 'invoice_past_due', invoiceId: 'in_1', occurredAt: '2026-09-01T00:00:00Z' }],
        feedback: [{ kind: 'nps', score: 2, occurredAt: '2026-10-01T00:00:00Z' }],
      }),
    );
    expect(assessment.tier).toBe('critical');
    expect(assessment.score).toBeGreaterThanOrEqual(65);
  });

  it('takes configuration overrides one section deep', () => {
    const config = resolveRiskConfig({ tierFloors: { watch: 10 } });
    expect(config.tierFloors).toEqual({ watch: 10, at_risk: 45, critical: 65 });
    expect(assessRenewalRisk(baseInput({ lastOutcomeAt: '2026-10-10T00:00:00Z' }), config).tier).toBe('watch');
  });
});

describe('input validation', () => {
  it('rejects a float-style quantity with a path and a code', () => {
    const input = baseInput({ usageByPeriod: [{ ...monthlyPeriods(2026)[0]!, metric: 'ticket.resolved', quantity: '1e3' }] });
    expect(() => assessRenewalRisk(input)).toThrow(RiskInputError);
    expect(() => assessRenewalRisk(input)).toThrow(/usageByPeriod\.0\.quantity/);
  });

  it('rejects an instant without offset and a backwards period', () => {
    expect(() => assessRenewalRisk(baseInput({ now: '2026-10-15T12:00:00' }))).toThrow(expect.objectContaining({ code: 'invalid_risk_input' }));
    expect(() => assessRenewalRisk(baseInput({ termPeriods: [{ periodStart: '2026-02-01', periodEnd: '2026-01-01' }] }))).toThrow(
      expect.objectContaining({ code: 'invalid_period' }),
    );
  });
});
