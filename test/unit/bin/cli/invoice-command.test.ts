import { describe, expect, it } from 'vitest';
import { formatDraftInvoice } from '../../../../bin/cli/invoice-command';

const zero = { minor: '0', decimal: '0.00' };
const draft = {
  contractId: 'acme-2026',
  customerId: 'acme',
  planCode: 'support',
  planVersion: 1,
  currency: 'USD' as const,
  period: { id: '2026-11', timeZone: 'UTC', start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z', startDate: '2026-11-01', endDate: '2026-12-01', partial: false, proration: { kind: 'none' }, lastOfTerm: false },
  usageAsOf: '2026-11-20T00:00:00.000Z',
  lines: [],
  subtotal: zero,
  commitmentTrueUp: null,
  credits: null,
  total: zero,
} as unknown as Parameters<typeof formatDraftInvoice>[0];

describe('invoice preview, as printed', () => {
  it('names the definition versions a pinned contract is counted under', () => {
    const pinned = { 'ticket.resolved': { version: 2, billable: { when: 'verified' as const }, dispute: { windowDays: 14, whileOpen: 'hold' as const } } };
    expect(formatDraftInvoice({ ...draft, pinnedDefinitions: pinned })).toMatch(/counted under\s+ticket\.resolved definition v2 \(pinned by the contract\)/);
  });

  it('says nothing of definitions for a contract that pins none', () => {
    expect(formatDraftInvoice(draft)).not.toContain('counted under');
  });
});
