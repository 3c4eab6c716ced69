import { describe, expect, it } from 'vitest';
import { MetricDefinitionSchema, type BillableRule } from '../../../../../lambdas/domain/ledger/catalog';
import {
  governingDefinitionOf,
  pinnedDefinitionsOf,
  PinnedDefinitionNotFoundError,
  pinnedVersionAt,
  type PinnedDefinition,
  type PinningContract,
} from '../../../../../lambdas/domain/ledger/governing-definition';
import type { LedgerEntry, RecordedEntry } from '../../../../../lambdas/domain/ledger/ledger-entries';
import { netOutcomes } from '../../../../../lambdas/domain/ledger/net-outcomes';
import { decideDisputeOpening } from '../../../../../lambdas/domain/disputes/dispute-rules';

const IMMEDIATELY: BillableRule = { when: 'immediately' };
const VERIFIED: BillableRule = { when: 'verified' };
const QUIET_72: BillableRule = { when: 'quiet-window', hours: 72 };

const metric = MetricDefinitionSchema.parse({
  code: 'ticket.resolved',
  name: 'Resolved ticket',
  unit: 'resolution',
  aggregation: 'count',
  definitions: [
    { version: 1, effectiveFrom: '2026-01-01T00:00:00Z', counts: 'closed by the agent', billable: IMMEDIATELY },
    { version: 2, effectiveFrom: '2026-03-01T00:00:00Z', counts: 'closed and not reopened', billable: QUIET_72, dispute: { windowDays: 14, whileOpen: 'hold' } },
    { version: 3, effectiveFrom: '2026-06-01T00:00:00Z', counts: 'closed and confirmed by the customer', billable: VERIFIED },
  ],
});
const metricOf = (code: string) => (code === metric.code ? metric : undefined);
const pins = (version: number) => pinnedDefinitionsOf({ 'ticket.resolved': version }, metricOf);

const HOUR = 3_600_000;
const OCCURRED = Date.parse('2026-04-10T12:00:00Z');

function recorded(outcomeId: string, definitionVersion: number | undefined, billableRule: BillableRule): RecordedEntry {
  return {
    kind: 'recorded',
    outcomeId,
    customerId: 'acme',
    metric: 'ticket.resolved',
    occurredAtMs: OCCURRED,
    recordedAtMs: OCCURRED + 1000,
    quantity: '1',
    value: undefined,
    attributesJson: undefined,
    billableRule,
    definitionVersion,
    attributed: true,
  };
}

describe('the definition version that governs an outcome for a contract', () => {
  const v2Recorded = { definitionVersion: 2, billableRule: QUIET_72 };

  it('is the recorded version, with its recorded rule, when the contract pins nothing', () => {
    expect(governingDefinitionOf(v2Recorded, undefined)).toEqual({ version: 2, billableRule: QUIET_72, pinned: false });
  });

  it('is the pinned version with its rule when the pin is later than the recorded version', () => {
    expect(governingDefinitionOf(v2Recorded, pins(3)['ticket.resolved'])).toEqual({ version: 3, billableRule: VERIFIED, pinned: true });
  });

  it('is the pinned version with its rule when the pin is earlier than the recorded version', () => {
    expect(governingDefinitionOf(v2Recorded, pins(1)['ticket.resolved'])).toEqual({ version: 1, billableRule: IMMEDIATELY, pinned: true });
  });

  it('keeps the rule copied onto the outcome when the pin names the version it was recorded under', () => {
    // An implicit or older copy of version 2 recorded "verified": what was recorded is not rewritten by today's catalog.
    const pinned: PinnedDefinition = { version: 2, billable: IMMEDIATELY, dispute: { windowDays: 30, whileOpen: 'bill' } };
    expect(governingDefinitionOf({ definitionVersion: 2, billableRule: VERIFIED }, pinned)).toEqual({ version: 2, billableRule: VERIFIED, pinned: true });
  });

  it('resolves a contract\'s pins to their terms from the catalog, dispute terms included', () => {
    expect(pins(2)).toEqual({ 'ticket.resolved': { version: 2, billable: QUIET_72, dispute: { windowDays: 14, whileOpen: 'hold' } } });
    expect(pins(1)['ticket.resolved']?.dispute).toEqual({ windowDays: 30, whileOpen: 'bill' });
    expect(pinnedDefinitionsOf(undefined, metricOf)).toEqual({});
  });

  it('refuses a pin the catalog cannot resolve, naming metric and versions, rather than ignore it', () => {
    expect(() => pinnedDefinitionsOf({ 'ticket.resolved': 4 }, metricOf)).toThrow(PinnedDefinitionNotFoundError);
    expect(() => pinnedDefinitionsOf({ 'ticket.resolved': 4 }, metricOf)).toThrow('has no such version (versions: 1, 2, 3)');
    expect(() => pinnedDefinitionsOf({ 'lead.qualified': 1 }, metricOf)).toThrow('metric "lead.qualified", which is not in the catalog');
  });
});

describe('net outcomes under a contract\'s pins', () => {
  const entries: LedgerEntry[] = [
    recorded('quiet', 2, QUIET_72),
    recorded('verified-one', 3, VERIFIED),
    { kind: 'verified', outcomeId: 'verified-one', customerId: 'acme', metric: 'ticket.resolved', occurredAtMs: OCCURRED, recordedAtMs: OCCURRED + 2000, verifiedAtMs: undefined },
    recorded('immediate', undefined, IMMEDIATELY),
  ];
  const asOfMs = OCCURRED + HOUR; // inside version 2's quiet window
  const billable = (pinned?: ReturnType<typeof pins>) =>
    Object.fromEntries(netOutcomes(entries, { asOfMs, ...(pinned ? { pinned } : {}) }).map((net) => [net.outcomeId, [net.billable, net.definitionVersion]]));

  it('without a pin, bill each outcome by the rule recorded on it and name its recorded version', () => {
    expect(billable()).toEqual({ quiet: [false, 2], 'verified-one': [true, 3], immediate: [true, 1] });
  });

  it('pinned to an "at once" version, bill every outcome at once and name the pinned version', () => {
    expect(billable(pins(1))).toEqual({ quiet: [true, 1], 'verified-one': [true, 1], immediate: [true, 1] });
  });

  it('pinned to a "verified" version, bill only verified outcomes, whatever version they were recorded under', () => {
    expect(billable(pins(3))).toEqual({ quiet: [false, 3], 'verified-one': [true, 3], immediate: [false, 3] });
  });

  it('pinned to a quiet-window version, bill once the pinned window has passed', () => {
    expect(billable(pins(2))).toEqual({ quiet: [false, 2], 'verified-one': [false, 2], immediate: [false, 2] });
    const later = netOutcomes(entries, { asOfMs: OCCURRED + 72 * HOUR, pinned: pins(2) });
    expect(later.every((net) => net.billable)).toBe(true);
  });

  it('leave other metrics to their recorded rule', () => {
    const other = { ...recorded('lead', 1, VERIFIED), metric: 'lead.qualified' };
    expect(netOutcomes([other], { asOfMs, pinned: pins(1) })[0]).toMatchObject({ billable: false, definitionVersion: 1 });
  });
});

describe('the pin that applies to a disputed outcome', () => {
  const contract = (overrides: Partial<PinningContract> = {}): PinningContract => ({
    customerId: 'acme',
    termStart: '2026-01-01',
    termEnd: '2027-01-01',
    timeZone: 'America/New_York',
    definitionVersions: { 'ticket.resolved': 3 },
    ...overrides,
  });
  const outcome = { customerId: 'acme', metric: 'ticket.resolved', occurredAtMs: OCCURRED };

  it('is the pin of the customer\'s contract in force when the outcome occurred, in the contract\'s time zone', () => {
    expect(pinnedVersionAt([contract()], outcome)).toBe(3);
    // 2026-01-01T03:00Z is still 2025-12-31 in New York: before the term.
    expect(pinnedVersionAt([contract()], { ...outcome, occurredAtMs: Date.parse('2026-01-01T03:00:00Z') })).toBeUndefined();
    expect(pinnedVersionAt([contract({ cancelledOn: '2026-04-01' })], outcome)).toBeUndefined();
    expect(pinnedVersionAt([contract({ customerId: 'other' })], outcome)).toBeUndefined();
  });

  it('is none (the recorded version governs) when the contracts in force pin nothing or disagree', () => {
    expect(pinnedVersionAt([contract({ definitionVersions: undefined })], outcome)).toBeUndefined();
    expect(pinnedVersionAt([contract(), contract({ definitionVersions: { 'ticket.resolved': 1 } })], outcome)).toBeUndefined();
    expect(pinnedVersionAt([contract(), contract({ termStart: '2027-01-01', termEnd: '2028-01-01', definitionVersions: { 'ticket.resolved': 1 } })], outcome)).toBe(3);
  });

  it('sets the dispute window and hold from the pinned version, not the recorded one', () => {
    const request = { disputeId: 'D-1', outcomeId: 'quiet', reason: 'reopened', raisedBy: 'finance@acme', nowMs: OCCURRED + 20 * 86_400_000 };
    const original = recorded('quiet', 2, QUIET_72); // version 2: 14 days, hold
    expect(decideDisputeOpening(request, [original], metricOf)).toMatchObject({ kind: 'refuse', code: 'OUTSIDE_DISPUTE_WINDOW' });
    // Pinned to version 1 (30 days, bill): still open on day 20, and it bills while open.
    expect(decideDisputeOpening(request, [original], metricOf, () => 1)).toMatchObject({ kind: 'open', entry: { hold: false } });
    // Pinned to version 2 from an outcome recorded under version 1 (30 days): refused after 14 days, naming the pin.
    const v1 = recorded('quiet', 1, IMMEDIATELY);
    const refused = decideDisputeOpening(request, [v1], metricOf, () => 2);
    expect(refused).toMatchObject({ kind: 'refuse', code: 'OUTSIDE_DISPUTE_WINDOW' });
    if (refused.kind === 'refuse') expect(refused.message).toContain("definition version 2, which the customer's contract pins");
    expect(decideDisputeOpening({ ...request, nowMs: OCCURRED + 86_400_000 }, [v1], metricOf, () => 2)).toMatchObject({ kind: 'open', entry: { hold: true } });
  });
});
