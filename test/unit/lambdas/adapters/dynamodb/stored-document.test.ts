import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { invoiceCorrectionCodec, invoiceRecordCodec } from '../../../../../lambdas/adapters/dynamodb/invoice-keys';
import type { RenewalTask } from '../../../../../lambdas/application/risk/ports';
import { renewalTaskCodec } from '../../../../../lambdas/adapters/dynamodb/task-store';
import { paymentSignalCodec } from '../../../../../lambdas/adapters/dynamodb/payment-signal-store';
import { StoredDocumentDataError, documentCodec } from '../../../../../lambdas/adapters/dynamodb/stored-document';
import { correction, invoiceRecord } from '../../../../support/contracts/invoice-store-contract';

const Note = z.object({ text: z.string(), pinned: z.boolean() });

describe('documentCodec', () => {
  const codec = documentCodec({ kind: 'note', schema: Note });

  it('stores the document as JSON in body with its schema version, and reads it back', () => {
    const encoded = codec.encode({ text: 'hello', pinned: true });
    expect(encoded).toEqual({ body: '{"text":"hello","pinned":true}', v: 1 });
    expect(codec.decode({ pk: 'NOTE#1', ...encoded })).toEqual({ text: 'hello', pinned: true });
  });

  it('reads a document stored before versions existed as version 1', () => {
    expect(codec.decode({ body: '{"text":"old","pinned":false}' })).toEqual({ text: 'old', pinned: false });
  });

  it('refuses a version newer than this release reads, naming the document', () => {
    expect(() => codec.decode({ body: '{"text":"new","pinned":false}', v: 2 }, 'note NOTE#7')).toThrow(
      new StoredDocumentDataError('stored note NOTE#7 has schema version 2; this release reads versions 1 to 1'),
    );
  });

  it('refuses a body that is missing, not JSON, or not the schema', () => {
    expect(() => codec.decode({ v: 1 })).toThrow(/stored note has no body/);
    expect(() => codec.decode({ body: '{oops', v: 1 })).toThrow(/not readable JSON/);
    expect(() => codec.decode({ body: '{"text":3,"pinned":false}', v: 1 })).toThrow(/does not match the note schema: text:/);
  });

  it('brings an older version up through its upgrade steps', () => {
    const v2 = documentCodec({
      kind: 'note',
      schema: Note,
      version: 2,
      upgrades: { 1: (old) => ({ ...(old as { text: string }), pinned: false }) },
    });
    expect(v2.decode({ body: '{"text":"from v1"}' })).toEqual({ text: 'from v1', pinned: false });
    expect(v2.encode({ text: 'now', pinned: true }).v).toBe(2);
  });
});

describe('the billing documents are validated whole', () => {
  it('reads a stored invoice record and correction back exactly, bigint totals and lines included', () => {
    const record = invoiceRecord({
      lines: [
        {
          lineId: 'platform',
          kind: 'charge',
          chargeId: 'platform',
          description: 'Platform',
          metric: null,
          quantity: '1',
          amount: 10_000n,
          amountDue: 10_000n,
          servicePeriod: { periodId: '2026-11', start: '2026-11-01T00:00:00.000Z', end: '2026-12-01T00:00:00.000Z' },
          breakdown: [{ kind: 'flat_fee', amount: '100.00', proration: null, exactAmount: '100.00' }],
          usageQuery: null,
          adjustmentFor: null,
        },
      ],
    });
    expect(invoiceRecordCodec.decode(invoiceRecordCodec.encode(record))).toEqual(record);
    const stored = correction(1, { creditNoteLines: [{ lineKey: 'calls', chargeId: 'calls', metric: 'call.resolved', description: 'Calls', quantityDelta: '-3', amount: 300n }] });
    expect(invoiceCorrectionCodec.decode(invoiceCorrectionCodec.encode(stored))).toEqual(stored);
  });

  it('refuses a record line, breakdown row or payment signal that is not the stored shape, naming the field', () => {
    const record = invoiceRecord();
    const badLine = { ...invoiceRecordCodec.encode(record), body: invoiceRecordCodec.encode({ ...record, lines: [{ lineId: 'x' }] } as never).body };
    expect(() => invoiceRecordCodec.decode(badLine)).toThrow(/does not match the invoice record schema: lines\.0\.kind/);
    const badRow = invoiceRecordCodec.encode({
      ...record,
      lines: [{ lineId: 'x', kind: 'charge', chargeId: null, description: 'd', metric: null, quantity: '1', amount: 1n, amountDue: 1n, servicePeriod: { periodId: 'p', start: 's', end: 'e' }, breakdown: [{ kind: 'flat_fee' }], usageQuery: null, adjustmentFor: null }],
    } as never);
    expect(() => invoiceRecordCodec.decode(badRow)).toThrow(/lines\.0\.breakdown\.0\.amount/);
    const signal = { body: JSON.stringify({ stripeEventId: 'evt_1', type: 'invoice.exploded' }), v: 1 };
    expect(() => paymentSignalCodec.decode(signal)).toThrow(/does not match the payment signal schema: type/);
  });
});

describe('the renewal task document is validated whole', () => {
  const populated: RenewalTask = {
    id: 'c-1#2026#60d',
    key: 'c-1#2026#60d',
    contractId: 'c-1',
    customerId: 'cust-1',
    termId: '2026',
    checkpointDays: 60,
    owner: 'dana@vendor.example',
    ownerIsFallback: false,
    dueDate: '2026-11-04',
    priority: {
      rank: 'P1',
      currency: 'USD',
      revenueAtRiskMinor: '12000000',
      expectedRevenueAtRiskMinor: '8160000',
      revenueAtRiskBasis: 'renewal_value',
      revenueAtRiskExplanation: 'The renewal value of $120,000.00',
      riskScore: 68,
    },
    tier: 'critical',
    score: 68,
    reasons: [
      { code: 'attainment_below_target', signal: 'outcome_attainment', message: 'Resolutions are at 41% of target' },
      { code: 'stale_ledger', signal: 'data_quality', message: 'The ledger is 3 days behind' },
    ],
    recommendedPlay: { code: 'value_recovery_review', title: 'Value recovery review with the sponsor', steps: ['Walk through the targets', 'Agree a plan'], signal: 'outcome_attainment' },
    valueSummary: {
      currency: 'USD',
      outcomes: [
        { metric: 'ticket.resolved', label: 'resolutions', singularLabel: 'resolution', quantity: '1250', valueMinor: '3125000' },
        { metric: 'call.deflected', label: 'deflections', singularLabel: 'deflection', quantity: '40' },
      ],
      totalValueMinor: '3125000',
      pricePaidMinor: '1000000',
      valuePerUnitOfPrice: '3.1',
      sentence: '1,250 resolutions worth $31,250.00 for $10,000.00 paid',
    },
    scoreTable: [
      { signal: 'outcome_attainment', applicable: true, value: '0.41', unit: 'ratio', threshold: '0.8', weight: '40', contribution: '23.6' },
      { signal: 'commitment_burn', applicable: false, value: null, unit: 'ratio', threshold: '0.7', weight: '0', contribution: '0', notApplicableReason: 'no commitment' },
    ],
    staleData: true,
    assessedAt: '2026-11-02T12:00:00.000Z',
    termEnd: '2027-01-01',
    timeZone: 'America/New_York',
    status: 'resolved',
    version: 5,
    createdAt: '2026-10-03T12:00:00.000Z',
    updatedAt: '2026-12-01T09:00:00.000Z',
    acknowledgedAt: '2026-10-04T10:00:00.000Z',
    acknowledgedBy: 'dana@vendor.example',
    escalations: [
      { at: '2026-11-02T12:00:00.000Z', fromTier: 'at_risk', toTier: 'critical', checkpointDays: 60, reason: { code: 'risk_escalated', message: 'at_risk to critical' } },
    ],
    history: [
      { kind: 'created', at: '2026-10-03T12:00:00.000Z', checkpointDays: 90, tier: 'at_risk', score: 52 },
      { kind: 'reassigned', at: '2026-10-05T12:00:00.000Z', fromOwner: 'renewals-queue', toOwner: 'dana@vendor.example' },
      { kind: 'escalated', at: '2026-11-02T12:00:00.000Z', checkpointDays: 60, fromTier: 'at_risk', tier: 'critical', score: 68, reason: { code: 'risk_escalated', message: 'at_risk to critical' } },
      { kind: 'reassessed', at: '2026-11-20T12:00:00.000Z', checkpointDays: 30, tier: 'critical', score: 70 },
      { kind: 'resolved', at: '2026-12-01T09:00:00.000Z', result: 'renewed', by: 'dana@vendor.example' },
    ],
    resolution: { kind: 'renewal_result', at: '2026-12-01T09:00:00.000Z', result: 'renewed', by: 'dana@vendor.example' },
    pendingEvent: { detailType: 'RenewalTaskResolved', detail: { taskId: 'c-1#2026#60d', result: 'renewed' }, claimedAt: '2026-12-01T09:00:01.000Z' },
  };

  it('reads a fully populated task back exactly, with its schema version', () => {
    const encoded = renewalTaskCodec.encode(populated);
    expect(encoded.v).toBe(1);
    expect(renewalTaskCodec.decode(encoded)).toEqual(populated);
    const cleared: RenewalTask = { ...populated, resolution: { kind: 'risk_cleared', at: '2026-12-01T09:00:00.000Z', reason: { code: 'risk_cleared', message: 'healthy again' }, checkpointDays: 30 } };
    expect(renewalTaskCodec.decode(renewalTaskCodec.encode(cleared))).toEqual(cleared);
  });

  it('refuses a task whose priority, reasons, history or pending event is not the stored shape, naming the field', () => {
    const decodeWith = (change: Record<string, unknown>) => () => renewalTaskCodec.decode(renewalTaskCodec.encode({ ...populated, ...change } as never), 'renewal task c-1#2026#60d');
    expect(decodeWith({ priority: { ...populated.priority, rank: 'P9' } })).toThrow(/stored renewal task c-1#2026#60d does not match the renewal task schema: priority\.rank/);
    expect(decodeWith({ priority: { ...populated.priority, revenueAtRiskMinor: '120.50' } })).toThrow(/priority\.revenueAtRiskMinor/);
    expect(decodeWith({ reasons: [{ code: 'x', signal: 'astrology', message: 'm' }] })).toThrow(/reasons\.0\.signal/);
    expect(decodeWith({ history: [{ kind: 'escalated', at: 'a', checkpointDays: 60, tier: 'critical', score: 68 }] })).toThrow(/history\.0\.fromTier/);
    expect(decodeWith({ pendingEvent: { detail: {} } })).toThrow(/pendingEvent\.detailType/);
    expect(decodeWith({ valueSummary: { currency: 'USD', outcomes: [] } })).toThrow(/valueSummary\.sentence/);
    expect(() => renewalTaskCodec.decode(renewalTaskCodec.encode(populated), 'renewal task c-1#2026#60d')).not.toThrow();
  });
});
