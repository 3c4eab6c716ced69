import { describe, expect, it } from 'vitest';
import { DEFAULT_DISPUTE_TERMS, disputeTermsFor } from '../../../../../lambdas/domain/disputes/dispute-terms';
import {
  decideDisputeOpening,
  decideDisputeResolution,
  distinctOutcomeIds,
  upheldReversalReason,
} from '../../../../../lambdas/domain/disputes/dispute-rules';
import { OutcomeDisputedDetailSchema } from '../../../../../lambdas/domain/disputes/dispute-request';
import type { DisputeOpenedEntry, LedgerEntry, RecordedEntry } from '../../../../../lambdas/domain/ledger/ledger-entries';
import { netOutcomes } from '../../../../../lambdas/domain/ledger/net-outcomes';
import { buildOutcomeView } from '../../../../../lambdas/domain/ledger/outcome-view';
import { outcomeContribution } from '../../../../../lambdas/domain/ledger/usage-rollup';

const DAY = 86_400_000;
const OCCURRED = Date.parse('2026-11-03T10:00:00Z');

const recorded = (outcomeId = 'o-1', metric = 'ticket.resolved'): RecordedEntry => ({
  kind: 'recorded',
  outcomeId,
  customerId: 'acme',
  metric,
  occurredAtMs: OCCURRED,
  recordedAtMs: OCCURRED + 1000,
  quantity: '1',
  value: undefined,
  attributesJson: undefined,
  billableRule: { when: 'immediately' },
  attributed: true,
});

const METRICS = new Map([
  ['ticket.resolved', { dispute: { windowDays: 14, whileOpen: 'hold' as const } }],
  ['order.recovered', { dispute: undefined }],
]);
const metricOf = (code: string) => METRICS.get(code);

const request = (overrides: Partial<{ disputeId: string; outcomeId: string; nowMs: number }> = {}) => ({
  disputeId: 'D-1',
  outcomeId: 'o-1',
  reason: 'customer came back the next day',
  raisedBy: 'finance@acme',
  nowMs: OCCURRED + 2 * DAY,
  ...overrides,
});

function opened(existing: LedgerEntry[], overrides: Parameters<typeof request>[0] = {}): DisputeOpenedEntry {
  const decision = decideDisputeOpening(request(overrides), existing, metricOf);
  if (decision.kind !== 'open') throw new Error(`expected open, got ${JSON.stringify(decision)}`);
  return decision.entry;
}

describe('dispute terms', () => {
  it('come from the metric, else default to 30 days and bill', () => {
    expect(disputeTermsFor({ dispute: { windowDays: 7, whileOpen: 'hold' } }, OCCURRED)).toEqual({ windowDays: 7, whileOpen: 'hold' });
    expect(disputeTermsFor({}, OCCURRED)).toEqual({ windowDays: 30, whileOpen: 'bill' });
    expect(disputeTermsFor(undefined, OCCURRED)).toBe(DEFAULT_DISPUTE_TERMS);
  });
});

describe('opening a dispute', () => {
  it('opens on a counted outcome, copying its customer, metric and occurredAt, numbered 1, with the metric’s hold', () => {
    const entry = opened([recorded()]);
    expect(entry).toMatchObject({
      kind: 'disputed',
      outcomeId: 'o-1',
      customerId: 'acme',
      metric: 'ticket.resolved',
      occurredAtMs: OCCURRED,
      recordedAtMs: OCCURRED + 2 * DAY,
      sequence: 1,
      disputeId: 'D-1',
      hold: true,
    });
  });

  it('refuses an unknown outcome', () => {
    expect(decideDisputeOpening(request({ outcomeId: 'ghost' }), [], metricOf)).toMatchObject({
      kind: 'refuse',
      outcomeId: 'ghost',
      code: 'UNKNOWN_OUTCOME',
      message: 'no outcome "ghost" has been recorded, so there is nothing to dispute',
    });
  });

  it('measures the window from occurredAt: the last millisecond is in, the next is out, with the date in the message', () => {
    const closes = OCCURRED + 14 * DAY;
    expect(decideDisputeOpening(request({ nowMs: closes }), [recorded()], metricOf).kind).toBe('open');
    const late = decideDisputeOpening(request({ nowMs: closes + 1 }), [recorded()], metricOf);
    expect(late).toMatchObject({ kind: 'refuse', code: 'OUTSIDE_DISPUTE_WINDOW' });
    expect(late.kind === 'refuse' && late.message).toContain('may be disputed for 14 days after they occur, so until 2026-11-17T10:00:00.000Z');
  });

  it('uses the 30-day default window for a metric without terms, and bills while open', () => {
    const existing = [recorded('o-1', 'order.recovered')];
    expect(decideDisputeOpening(request({ nowMs: OCCURRED + 30 * DAY }), existing, metricOf)).toMatchObject({ kind: 'open', entry: { hold: false } });
    expect(decideDisputeOpening(request({ nowMs: OCCURRED + 30 * DAY + 1 }), existing, metricOf)).toMatchObject({ code: 'OUTSIDE_DISPUTE_WINDOW' });
  });

  it('refuses an outcome already reversed, naming when and why', () => {
    const reversal: LedgerEntry = { ...recorded(), kind: 'reversed', reason: 'refunded', recordedAtMs: OCCURRED + DAY };
    expect(decideDisputeOpening(request(), [recorded(), reversal], metricOf)).toMatchObject({
      kind: 'refuse',
      code: 'ALREADY_REVERSED',
      message: 'outcome "o-1" was reversed on 2026-11-04T10:00:00.000Z ("refunded"); it no longer counts, so there is nothing to dispute',
    });
  });

  it('refuses a second dispute while one is open, and allows the next one (numbered 2) once it is decided', () => {
    const first = opened([recorded()]);
    expect(decideDisputeOpening(request({ disputeId: 'D-2' }), [recorded(), first], metricOf)).toMatchObject({
      kind: 'refuse',
      code: 'DISPUTE_ALREADY_OPEN',
      message: 'outcome "o-1" is already disputed by "D-1" (opened 2026-11-05T10:00:00.000Z); wait for its decision',
    });
    const rejected = decideDisputeResolution({ disputeId: 'D-1', upheld: false, note: 'resolution stood', resolvedBy: 'csm', nowMs: OCCURRED + 3 * DAY }, 'o-1', [recorded(), first]);
    if (rejected.kind !== 'resolve') throw new Error('expected a decision');
    expect(opened([recorded(), first, rejected.entry], { disputeId: 'D-2' })).toMatchObject({ sequence: 2, disputeId: 'D-2' });
  });

  it('treats a resend of the same dispute as a duplicate, also after it was decided', () => {
    const first = opened([recorded()]);
    expect(decideDisputeOpening(request(), [recorded(), first], metricOf)).toEqual({ kind: 'duplicate', entry: first });
  });

  it('decides each id of a bulk dispute once: an id named twice is refused at its second place', () => {
    expect(distinctOutcomeIds(['a', 'b', 'a', 'c', 'b'])).toEqual({
      ids: ['a', 'b', 'c'],
      refused: [
        { kind: 'refuse', outcomeId: 'a', code: 'NAMED_TWICE', message: 'outcome "a" is named again at position 3; it is disputed once' },
        { kind: 'refuse', outcomeId: 'b', code: 'NAMED_TWICE', message: 'outcome "b" is named again at position 5; it is disputed once' },
      ],
    });
  });

  it('validates the request: id shape, a reason, who raised it, at most 1,000 outcomes', () => {
    const base = { disputeId: 'D-1', outcomeIds: ['o-1'], reason: 'r', raisedBy: 'me' };
    expect(OutcomeDisputedDetailSchema.safeParse(base).success).toBe(true);
    expect(OutcomeDisputedDetailSchema.safeParse({ ...base, disputeId: 'D#1' }).success).toBe(false);
    expect(OutcomeDisputedDetailSchema.safeParse({ ...base, reason: '  ' }).success).toBe(false);
    expect(OutcomeDisputedDetailSchema.safeParse({ ...base, raisedBy: undefined }).success).toBe(false);
    expect(OutcomeDisputedDetailSchema.safeParse({ ...base, outcomeIds: [] }).success).toBe(false);
    expect(OutcomeDisputedDetailSchema.safeParse({ ...base, outcomeIds: Array.from({ length: 1001 }, (_, i) => `o-${i}`) }).success).toBe(false);
  });
});

describe('deciding a dispute', () => {
  const resolution = (upheld: boolean, note = 'checked the transcript') => ({ disputeId: 'D-1', upheld, note, resolvedBy: 'csm@vendor', nowMs: OCCURRED + 3 * DAY });

  it('upheld: the decision, then a reversal naming the dispute', () => {
    const first = opened([recorded()]);
    const decision = decideDisputeResolution(resolution(true), 'o-1', [recorded(), first]);
    expect(decision).toMatchObject({ kind: 'resolve', entry: { kind: 'dispute-resolved', sequence: 1, upheld: true }, reversalReason: 'dispute D-1 upheld: checked the transcript' });
    expect(upheldReversalReason('D-9', 'x')).toBe('dispute D-9 upheld: x');
  });

  it('rejected: the decision only, the note kept', () => {
    const first = opened([recorded()]);
    expect(decideDisputeResolution(resolution(false), 'o-1', [recorded(), first])).toMatchObject({
      kind: 'resolve',
      entry: { upheld: false, note: 'checked the transcript' },
      reversalReason: undefined,
    });
  });

  it('is final: the same decision again is a duplicate (which still asks for a missing reversal), another is refused', () => {
    const first = opened([recorded()]);
    const upheld = decideDisputeResolution(resolution(true), 'o-1', [recorded(), first]);
    if (upheld.kind !== 'resolve') throw new Error('expected a decision');
    expect(decideDisputeResolution(resolution(true), 'o-1', [recorded(), first, upheld.entry])).toMatchObject({
      kind: 'duplicate',
      reversalReason: 'dispute D-1 upheld: checked the transcript',
    });
    const reversal: LedgerEntry = { ...recorded(), kind: 'reversed', reason: 'dispute D-1 upheld: checked the transcript', recordedAtMs: OCCURRED + 3 * DAY };
    expect(decideDisputeResolution(resolution(true), 'o-1', [recorded(), first, upheld.entry, reversal])).toMatchObject({ kind: 'duplicate', reversalReason: undefined });
    expect(decideDisputeResolution(resolution(false), 'o-1', [recorded(), first, upheld.entry])).toMatchObject({
      kind: 'refuse',
      code: 'ALREADY_DECIDED',
      message: 'dispute "D-1" of outcome "o-1" was already upheld on 2026-11-06T10:00:00.000Z; a decision is final',
    });
  });

  it('refuses an outcome the dispute does not name', () => {
    expect(decideDisputeResolution(resolution(true), 'o-2', [recorded('o-2')])).toMatchObject({ kind: 'refuse', code: 'NOT_IN_DISPUTE' });
  });
});

describe('holds: usage, the rollups and the outcome view agree', () => {
  const asOf = OCCURRED + 10 * DAY;
  const billable = (entries: LedgerEntry[]) => netOutcomes(entries, { asOfMs: asOf })[0]?.billable;

  it("'hold' keeps an open dispute's outcome out of billing; rejected releases it; upheld keeps it out", () => {
    const first = opened([recorded()]);
    expect(billable([recorded()])).toBe(true);
    expect(billable([recorded(), first])).toBe(false);
    expect(buildOutcomeView([recorded(), first], asOf)).toMatchObject({ billable: false, held: true, disputes: [{ disputeId: 'D-1', status: 'open', hold: true }] });
    expect(outcomeContribution([recorded(), first]).get('b.n')).toBeUndefined();
    expect(outcomeContribution([recorded(), first]).get('a.n')).toBe(1n);

    const at = OCCURRED + 3 * DAY;
    const rejected = decideDisputeResolution({ disputeId: 'D-1', upheld: false, note: 'n', resolvedBy: 'c', nowMs: at }, 'o-1', [recorded(), first]);
    const upheld = decideDisputeResolution({ disputeId: 'D-1', upheld: true, note: 'n', resolvedBy: 'c', nowMs: at }, 'o-1', [recorded(), first]);
    if (rejected.kind !== 'resolve' || upheld.kind !== 'resolve') throw new Error('expected decisions');
    expect(billable([recorded(), first, rejected.entry])).toBe(true);
    expect(outcomeContribution([recorded(), first, rejected.entry]).get('b.n')).toBe(1n);
    expect(billable([recorded(), first, upheld.entry])).toBe(false);
    expect(buildOutcomeView([recorded(), first, upheld.entry], asOf)).toMatchObject({ held: true, disputes: [{ status: 'upheld', resolution: { upheld: true } }] });
  });

  it("'bill' bills while open; an upheld decision takes it out even before its reversal", () => {
    const entries: LedgerEntry[] = [recorded('o-1', 'order.recovered')];
    const first = opened(entries);
    expect(first.hold).toBe(false);
    expect(billable([...entries, first])).toBe(true);
    expect(outcomeContribution([...entries, first]).get('b.n')).toBe(1n);
    const upheld = decideDisputeResolution({ disputeId: 'D-1', upheld: true, note: 'n', resolvedBy: 'c', nowMs: OCCURRED + 3 * DAY }, 'o-1', [...entries, first]);
    if (upheld.kind !== 'resolve') throw new Error('expected a decision');
    expect(billable([...entries, first, upheld.entry])).toBe(false);
  });

  it('a hold is invisible as of a moment before the dispute was recorded', () => {
    const first = opened([recorded()]);
    expect(netOutcomes([recorded(), first], { asOfMs: first.recordedAtMs - 1 })[0]?.billable).toBe(true);
  });
});
