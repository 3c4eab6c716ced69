import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  PlanFileInvalidError,
  formatPlanFileIssue,
  loadContractSource,
  loadPlanSource,
  parsePlanSource,
  validatePlanFiles,
  validatePlanSources,
} from '../../../../../lambdas/domain/plans';

const examples = 'docs/examples/plans';

function issuesOf(path: string, text: string): string[] {
  try {
    parsePlanSource({ path, text });
  } catch (error) {
    if (error instanceof PlanFileInvalidError) return error.issues.map(formatPlanFileIssue);
    throw error;
  }
  return [];
}

const PLAN_HEAD = `kind: plan
code: support
name: Support
currency: USD
versions:
`;

const VERSION_ONE = `  - version: 1
    effectiveFrom: 2026-01-01
    metrics:
      - code: resolutions
        ledgerMetric: ticket.resolved
        aggregation: count
    charges:
      - id: platform
        name: Platform
        model: flat
        amount: "100.00"
`;

describe('plan and contract files', () => {
  it('loads the documented examples', async () => {
    const report = await validatePlanFiles(
      ['support-automation.yaml', 'resolutions-jpy.yaml', 'acme-contract.yaml', 'tokyo-contract.yaml'].map(
        (file) => `${examples}/${file}`,
      ),
      { readTextFile: (path) => readFile(path, 'utf8') },
    );
    expect(report.issues).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.plans.map((plan) => plan.code)).toEqual(['support-automation', 'resolutions-jpy']);
    expect(report.contracts.map((contract) => contract.contractId)).toEqual(['ctr-acme-2026', 'ctr-kaisha-2026']);
    const plan = report.plans[0];
    expect(plan?.versions[0]?.metrics[0]?.eligibility).toBe('billable');
    expect(plan?.versions[0]?.charges[1]).toMatchObject({ model: 'graduated', includedUnits: '100' });
  });

  it('names the file, the path inside it and what is wrong', () => {
    const text = `${PLAN_HEAD}${VERSION_ONE}  - version: 2
    effectiveFrom: 2027-01-01
    metrics:
      - code: resolutions
        ledgerMetric: ticket.resolved
        aggregation: count
    charges:
      - id: platform
        name: Platform
        model: flat
        amount: "100.00"
      - id: extra
        name: Extra
        model: per_unit
        metric: resolutions
        unitPrice: "0.5"
      - id: resolutions
        name: Resolutions
        model: graduated
        metric: resolutions
        tiers:
          - upTo: 1.5
            unitPrice: "1"
          - unitPrice: "0.5"
`;
    expect(issuesOf('plans/support.yaml', text)).toEqual([
      'plans/support.yaml: versions[1].charges[2].tiers[0].upTo: expected a decimal string: write 1.5 in quotes (e.g. "1.5") so no precision is lost (line 38)',
    ]);
  });

  it('reports misspelt fields, unknown models, bad enums and missing fields', () => {
    const text = `${PLAN_HEAD}  - version: 1
    effectiveFrom: 2026-02-30
    metrics:
      - code: resolutions
        ledgerMetric: ticket.resolved
        aggregation: counts
    charges:
      - id: a
        name: A
        model: per_unit
        metric: resolutions
        unitPrice: "1"
        minimun: "5.00"
      - id: b
        name: B
        model: tiered
      - id: c
        name: C
        model: volume
        metric: resolutions
`;
    expect(issuesOf('plans/support.yaml', text)).toEqual([
      'plans/support.yaml: versions[0].effectiveFrom: expected a real calendar date YYYY-MM-DD (line 7)',
      'plans/support.yaml: versions[0].metrics[0].aggregation: expected one of "count", "sum_quantity", "sum_value", "max", "unique_count", "latest", got "counts" (line 11)',
      'plans/support.yaml: versions[0].charges[0].minimun: unknown field (check the spelling) (line 18)',
      'plans/support.yaml: versions[0].charges[1].model: expected model to be one of "flat", "per_unit", "package", "graduated", "volume", "percentage", got "tiered" (line 21)',
      'plans/support.yaml: versions[0].charges[2].tiers: required (expected array) (line 22)',
    ]);
  });

  it('checks references, tier order, money precision and version order', () => {
    const text = `kind: plan
code: support
name: Support
currency: JPY
versions:
  - version: 2
    effectiveFrom: 2026-01-01
    metrics:
      - code: value
        ledgerMetric: order.recovered
        aggregation: count
    charges:
      - id: fee
        name: Fee
        model: flat
        amount: "10.5"
      - id: fee
        name: Fee again
        model: per_unit
        metric: nowhere
        unitPrice: "1"
      - id: success
        name: Success
        model: percentage
        metric: value
        percent: "3"
      - id: tiers
        name: Tiers
        model: volume
        metric: value
        tiers:
          - upTo: 100
          - upTo: 50
          - upTo: 70
  - version: 1
    effectiveFrom: 2025-01-01
    charges:
      - id: fee
        name: Fee
        model: flat
        amount: "10"
`;
    // Every problem in one pass, so a plan author fixes them all at once.
    expect(issuesOf('plans/jpy.yaml', text)).toEqual([
      "plans/jpy.yaml: versions[0].charges[3].tiers[1].upTo: must be greater than the previous tier's bound (100) (line 33)",
      'plans/jpy.yaml: versions[0].charges[3].tiers[2].upTo: the last tier is unbounded: omit upTo (line 34)',
      'plans/jpy.yaml: versions[0].charges[1].id: duplicate charge id "fee" (line 17)',
      'plans/jpy.yaml: versions[0].charges[1].metric: unknown metric "nowhere" (metrics of this version: "value") (line 20)',
      'plans/jpy.yaml: versions[0].charges[2].metric: a percentage charge needs a metric with aggregation "sum_value" ("value" is "count") (line 25)',
      'plans/jpy.yaml: versions[0].charges[0].amount: "10.5" has more decimals than JPY allows (0) (line 16)',
      'plans/jpy.yaml: versions[1].version: versions must be listed in increasing order (1 follows 2) (line 35)',
      "plans/jpy.yaml: versions[1].effectiveFrom: must be after version 2's effectiveFrom (2026-01-01) (line 36)",
    ]);
  });

  it('reads JSON too, and reports syntax errors and duplicate keys with their line', () => {
    const json = JSON.stringify({ kind: 'plan', code: 'j', name: 'J', currency: 'KWD', versions: [
      { version: 1, effectiveFrom: '2026-01-01', charges: [{ id: 'f', name: 'F', model: 'flat', amount: '1.234' }] },
    ] });
    expect(loadPlanSource({ path: 'plans/j.json', text: json }).currency).toBe('KWD');
    expect(issuesOf('plans/j.json', '{"kind": "plan",\n "code": "x"')).toEqual([
      expect.stringMatching(/^plans\/j\.json: cannot parse as YAML\/JSON: .+ \(line \d\)$/),
    ]);
    expect(issuesOf('plans/d.yaml', `${PLAN_HEAD}${VERSION_ONE}currency: EUR\n`)).toEqual([
      expect.stringMatching(/^plans\/d\.yaml: cannot parse as YAML\/JSON: Map keys must be unique.* \(line 17\)$/),
    ]);
  });

  it('requires kind and the right kind for each loader', () => {
    expect(issuesOf('x.yaml', 'code: x\n')).toEqual([
      'x.yaml: kind: required: say what the file holds with kind: plan or kind: contract (line 1)',
    ]);
    expect(issuesOf('x.yaml', 'kind: invoice\n')).toEqual(['x.yaml: kind: expected "plan" or "contract", got "invoice" (line 1)']);
    expect(() => loadContractSource({ path: 'p.yaml', text: `${PLAN_HEAD}${VERSION_ONE}` })).toThrow(
      'p.yaml: kind: this file holds a plan (kind: plan), but a contract file (kind: contract) is expected here (line 1)',
    );
  });

  it('names the line of a wrong kind when a set of files must all be of one kind', () => {
    const report = validatePlanSources(
      [
        { path: 'plans/support.yaml', text: `# support plan\n${PLAN_HEAD}${VERSION_ONE}` },
      ],
      { expect: 'contract' },
    );
    expect(report.valid).toBe(false);
    expect(report.issues).toEqual([
      expect.objectContaining({ file: 'plans/support.yaml', path: 'kind', code: 'wrong_kind', line: 2, column: 7 }),
    ]);
    expect(validatePlanSources([{ path: 'plans/support.yaml', text: `${PLAN_HEAD}${VERSION_ONE}` }], { expect: 'plan' }).valid).toBe(true);
  });
});

describe('validatePlanSources across files', () => {
  const contract = (overrides: string) => `kind: contract
contractId: c-1
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
${overrides}`;

  it('checks each contract against its plan: overrides, credits, currency, versions', () => {
    const report = validatePlanSources([
      { path: 'plans/support.yaml', text: `${PLAN_HEAD}${VERSION_ONE}` },
      {
        path: 'contracts/c-1.yaml',
        text: contract(`priceOverrides:
  - chargeId: platform
    unitPrice: "2"
  - chargeId: ghost
    amount: "1.00"
prepaidCredits:
  amount: "100.00"
  appliesTo: [nothing]
`),
      },
    ]);
    expect(report.valid).toBe(false);
    expect(report.issues.map(formatPlanFileIssue)).toEqual([
      'contracts/c-1.yaml: priceOverrides[0].unitPrice: unknown field (check the spelling) (overriding plan "support" version 1, flat charge "platform") (line 15)',
      'contracts/c-1.yaml: priceOverrides[1].chargeId: plan "support" version 1 has no charge "ghost" (line 16)',
      'contracts/c-1.yaml: prepaidCredits.appliesTo[0]: no version of plan "support" used by this contract has a charge "nothing" (line 20)',
    ]);
    expect(report.contracts).toEqual([]);
    expect(report.plans).toHaveLength(1);
  });

  it('flags currency mismatch, a missing pinned version and duplicates; warns when a plan is absent', () => {
    const report = validatePlanSources([
      { path: 'a.yaml', text: `${PLAN_HEAD}${VERSION_ONE}` },
      { path: 'b.yaml', text: `${PLAN_HEAD}${VERSION_ONE}` },
      { path: 'c.yaml', text: contract('').replace('currency: USD', 'currency: EUR').replace('version: latest', 'version: 7') },
      { path: 'd.yaml', text: contract('').replace('code: support', 'code: other') },
      { path: 'e.yaml', text: contract('').replace('code: support', 'code: other') },
    ]);
    expect(report.issues.map(formatPlanFileIssue)).toEqual([
      'b.yaml: code: plan "support" is already defined in a.yaml (line 2); a plan code may appear in one file only, so put every version in that file (line 2)',
      'c.yaml: currency: contract bills in EUR but plan "support" is priced in USD (line 12)',
      'c.yaml: plan.version: plan "support" has no version 7 (versions: 1) (line 6)',
      'd.yaml: contractId: contract "c-1" is already defined in c.yaml (line 2); each contract id may appear in one file only (line 2)',
      'e.yaml: contractId: contract "c-1" is already defined in c.yaml (line 2); each contract id may appear in one file only (line 2)',
    ]);
    expect(report.issues.every((issue) => issue.line !== undefined && issue.column !== undefined)).toBe(true);
    expect(report.warnings).toEqual([
      'd.yaml: plan "other" is not among the files, so the contract was checked on its own',
      'e.yaml: plan "other" is not among the files, so the contract was checked on its own',
    ]);
  });

  it('points an override problem at the override field, deep inside tiers, with its line', () => {
    const plan = `${PLAN_HEAD}  - version: 1
    effectiveFrom: 2026-01-01
    metrics:
      - code: resolutions
        ledgerMetric: ticket.resolved
        aggregation: count
      - code: value
        ledgerMetric: order.recovered
        aggregation: sum_value
    charges:
      - id: tiers
        name: Tiers
        model: graduated
        metric: resolutions
        tiers:
          - upTo: 100
            unitPrice: "1.00"
          - unitPrice: "0.50"
      - id: fee
        name: Fee
        model: percentage
        metric: value
        percent: "2"
        maximumPerOutcome: "10.00"
`;
    const report = validatePlanSources([
      { path: 'plans/support.yaml', text: plan },
      {
        path: 'contracts/c-1.yaml',
        text: contract(`priceOverrides:
  - chargeId: tiers
    tiers:
      - upTo: 100
        unitPrice: "0.90"
      - upTo: 50
        unitPrice: "0.40"
      - unitPrice: "0.10"
  - chargeId: fee
    minimumPerOutcome: "12.00"
`),
      },
    ]);
    expect(report.issues.map(formatPlanFileIssue)).toEqual([
      'contracts/c-1.yaml: priceOverrides[0].tiers[1].upTo: must be greater than the previous tier\'s bound (100) (overriding plan "support" version 1, graduated charge "tiers") (line 18)',
      'contracts/c-1.yaml: priceOverrides[1]: with this override, the plan\'s maximumPerOutcome must not be below minimumPerOutcome (plan "support" version 1, percentage charge "fee") (line 21)',
    ]);
  });

  it('validates contract fields on their own', () => {
    expect(issuesOf('c.yaml', contract(`commitment:
  trueUp: per_period
  amountPerPeriod: "10.001"
successTargets:
  - metric: ticket.resolved
    targetPerPeriod: 0
stripeCustomerId: acme
`).replace('timeZone: Europe/Paris', 'timeZone: Europe/Pariss').replace('termEnd: 2027-01-01', 'termEnd: 2025-01-01'))).toEqual([
      'c.yaml: timeZone: expected an IANA time zone name such as "America/New_York" or "UTC" (line 11)',
      'c.yaml: stripeCustomerId: expected a Stripe customer id (cus_...), got "acme" (line 19)',
      'c.yaml: termEnd: must be after termStart (termEnd is exclusive) (line 8)',
      'c.yaml: commitment.amountPerPeriod: "10.001" has more decimals than USD allows (2) (line 15)',
      'c.yaml: successTargets[0].targetPerPeriod: must be greater than 0 (line 18)',
    ]);
  });

  it('reports files it cannot read without losing the others', async () => {
    const report = await validatePlanFiles(['missing.yaml', `${examples}/resolutions-jpy.yaml`], {
      readTextFile: async (path) => {
        if (path === 'missing.yaml') throw new Error('ENOENT: no such file or directory');
        return readFile(path, 'utf8');
      },
    });
    expect(report.valid).toBe(false);
    expect(report.plans.map((plan) => plan.code)).toEqual(['resolutions-jpy']);
    expect(report.issues.map(formatPlanFileIssue)).toEqual(['missing.yaml: cannot read the file: ENOENT: no such file or directory']);
  });
});
