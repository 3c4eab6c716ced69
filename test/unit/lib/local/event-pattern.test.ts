import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../../../lib/routing/routing-table';
import {
  UnsupportedEventPatternError,
  assertSupportedEventPattern,
  matchesEventPattern,
} from '../../../../lib/local/event-pattern';

const event = (overrides: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e-1',
  'detail-type': 'Outcome Recorded',
  source: 'com.example.support',
  account: '000000000000',
  time: '2026-11-03T10:15:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:s3:::bucket-a', 'arn:aws:s3:::bucket-b'],
  detail: { outcomeId: 'o-1', channel: 'chat', priority: 3 },
  ...overrides,
});

describe('matchesEventPattern', () => {
  it('matches exact strings, any of the listed values', () => {
    expect(matchesEventPattern({ 'detail-type': ['Outcome Reversed', 'Outcome Recorded'] }, event())).toBe(true);
    expect(matchesEventPattern({ 'detail-type': ['Outcome Reversed'] }, event())).toBe(false);
  });

  it('is case sensitive and does not match substrings', () => {
    expect(matchesEventPattern({ 'detail-type': ['outcome recorded'] }, event())).toBe(false);
    expect(matchesEventPattern({ 'detail-type': ['Outcome'] }, event())).toBe(false);
  });

  it('requires every field of the pattern to match', () => {
    expect(matchesEventPattern({ source: ['com.example.support'], 'detail-type': ['Outcome Recorded'] }, event())).toBe(true);
    expect(matchesEventPattern({ source: ['com.example.billing'], 'detail-type': ['Outcome Recorded'] }, event())).toBe(false);
  });

  it('matches by prefix', () => {
    expect(matchesEventPattern({ source: [{ prefix: 'com.example.' }] }, event())).toBe(true);
    expect(matchesEventPattern({ source: [{ prefix: 'org.example.' }] }, event())).toBe(false);
    expect(matchesEventPattern({ source: [{ prefix: '' }] }, event())).toBe(true);
  });

  it('matches anything-but a single value or a list of values', () => {
    expect(matchesEventPattern({ source: [{ 'anything-but': 'outcome-engine' }] }, event())).toBe(true);
    expect(matchesEventPattern({ source: [{ 'anything-but': 'outcome-engine' }] }, event({ source: 'outcome-engine' }))).toBe(false);
    expect(matchesEventPattern({ source: [{ 'anything-but': ['a', 'com.example.support'] }] }, event())).toBe(false);
    expect(matchesEventPattern({ source: [{ 'anything-but': ['a', 'b'] }] }, event())).toBe(true);
  });

  it('never matches a field the event lacks, anything-but included', () => {
    const { source: _omitted, ...withoutSource } = event();
    expect(matchesEventPattern({ source: [{ 'anything-but': 'outcome-engine' }] }, withoutSource)).toBe(false);
    expect(matchesEventPattern({ source: [{ prefix: '' }] }, withoutSource)).toBe(false);
  });

  it('matches an array field when any element matches', () => {
    expect(matchesEventPattern({ resources: ['arn:aws:s3:::bucket-b'] }, event())).toBe(true);
    expect(matchesEventPattern({ resources: ['arn:aws:s3:::bucket-c'] }, event())).toBe(false);
  });

  it('matches nested detail fields, numbers exactly', () => {
    expect(matchesEventPattern({ detail: { channel: ['chat'], priority: [3] } }, event())).toBe(true);
    expect(matchesEventPattern({ detail: { priority: ['3'] } }, event())).toBe(false);
    expect(matchesEventPattern({ detail: { missing: { deeper: ['x'] } } }, event())).toBe(false);
  });

  describe('the routing table', () => {
    const outcomes = ROUTES.find((route) => route.id === 'Outcomes');

    it('routes every inbound outcome type from producers', () => {
      expect(outcomes).toBeDefined();
      for (const detailType of ['Outcome Recorded', 'Outcome Reversed', 'Outcome Corrected', 'Outcome Verified']) {
        expect(matchesEventPattern(outcomes!.eventPattern, event({ 'detail-type': detailType }))).toBe(true);
      }
    });

    it("never routes the engine's own events back into ingest", () => {
      expect(matchesEventPattern(outcomes!.eventPattern, event({ source: 'outcome-engine' }))).toBe(false);
      expect(matchesEventPattern(outcomes!.eventPattern, event({ 'detail-type': 'Outcome Rejected' }))).toBe(false);
    });
  });
});

describe('assertSupportedEventPattern', () => {
  it('accepts every route of the routing table', () => {
    for (const route of ROUTES) expect(() => assertSupportedEventPattern(route.eventPattern)).not.toThrow();
  });

  it.each([
    ['numeric matching', { detail: { n: [{ numeric: ['>', 1] }] } }],
    ['exists', { source: [{ exists: true }] }],
    ['a bare value', { source: 'com.example' }],
    ['an empty list', { source: [] }],
    ['two operators in one filter', { source: [{ prefix: 'a', 'anything-but': 'b' }] }],
    ['an empty pattern', {}],
  ])('refuses %s', (_name, pattern) => {
    expect(() => assertSupportedEventPattern(pattern)).toThrow(UnsupportedEventPatternError);
  });
});
