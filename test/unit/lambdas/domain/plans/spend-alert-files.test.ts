import { describe, expect, it } from 'vitest';
import { PlanFileInvalidError, formatPlanFileIssue, parsePlanSource } from '../../../../../lambdas/domain/plans';

function issuesOf(path: string, text: string): string[] {
  try {
    parsePlanSource({ path, text });
  } catch (error) {
    if (error instanceof PlanFileInvalidError) return error.issues.map(formatPlanFileIssue);
    throw error;
  }
  return [];
}

const PLAN = (alerts: string) => `kind: plan
code: support
name: Support
currency: USD
versions:
  - version: 1
    effectiveFrom: 2026-01-01
    metrics:
      - code: resolutions
        ledgerMetric: ticket.resolved
        aggregation: count
      - code: unpriced
        ledgerMetric: ticket.opened
        aggregation: count
    charges:
      - id: resolutions
        name: Resolutions
        model: per_unit
        metric: resolutions
        unitPrice: "1.50"
${alerts}`;

const CONTRACT = (extra: string) => `kind: contract
contractId: ctr-1
customerId: acme
plan:
  code: support
  version: latest
termStart: 2026-01-01
termEnd: 2027-01-01
billingPeriod:
  cadence: monthly
timeZone: Europe/Paris
currency: USD
${extra}`;

describe('alerts and caps in plan and contract files', () => {
  it('accepts alerts on a plan version and alerts and caps on a contract', () => {
    expect(
      issuesOf(
        'plans/support.yaml',
        PLAN(`    alerts:
      usage:
        - metric: resolutions
          levels: [500, "1000"]
      spend:
        - amount: "1500.00"
        - percentOfCommitment: "120"
      creditBalanceBelow: "200.00"
      usageDrop:
        metric: resolutions
        belowPercentOfBaseline: "50"
        baselineDays: 28
`),
      ),
    ).toEqual([]);
    expect(
      issuesOf(
        'plans/ctr.yaml',
        CONTRACT(`alerts:
  spend:
    - amount: "100.00"
caps:
  - metric: resolutions
    quantity: "1000"
  - spend: "5000.00"
`),
      ),
    ).toEqual([]);
  });

  it('names the file, path and line of each mistake', () => {
    expect(
      issuesOf(
        'plans/support.yaml',
        PLAN(`    alerts:
      spend:
        - amount: "10.00"
        - percent: "80"
`),
      ),
    ).toEqual(['plans/support.yaml: versions[0].alerts.spend[1]: expected { amount: "1500.00" } or { percentOfCommitment: "80" }, got an object (line 24)']);
    // Checks across fields run once every field parses, as for charges.
    expect(
      issuesOf(
        'plans/support.yaml',
        PLAN(`    alerts:
      usage:
        - metric: unpriced
          levels: [0, 5, "5.0"]
      spend:
        - amount: "10.001"
      creditBalanceBelow: "1.005"
`),
      ),
    ).toEqual([
      'plans/support.yaml: versions[0].alerts.usage[0].levels[0]: must be greater than 0 (line 24)',
      'plans/support.yaml: versions[0].alerts.usage[0].levels[2]: level 5.0 is listed twice (line 24)',
      'plans/support.yaml: versions[0].alerts.usage[0].metric: metric "unpriced" is not priced by a charge of this version (priced: "resolutions") (line 23)',
      'plans/support.yaml: versions[0].alerts.spend[0].amount: "10.001" has more decimals than USD allows (2) (line 26)',
      'plans/support.yaml: versions[0].alerts.creditBalanceBelow: "1.005" has more decimals than USD allows (2) (line 27)',
    ]);
    expect(
      issuesOf(
        'plans/ctr.yaml',
        CONTRACT(`caps:
  - metric: resolutions
    quantity: "10"
  - metric: resolutions
    quantity: "20"
  - spend: "1.001"
alerts:
  creditBalanceBelow: "0.001"
`),
      ),
    ).toEqual([
      'plans/ctr.yaml: alerts.creditBalanceBelow: "0.001" has more decimals than USD allows (2) (line 20)',
      'plans/ctr.yaml: caps[1]: metric "resolutions" is capped twice (line 16)',
      'plans/ctr.yaml: caps[2].spend: "1.001" has more decimals than USD allows (2) (line 18)',
    ]);
  });
});
