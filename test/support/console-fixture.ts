// A console service over in-memory stores: two customers (acme, globex), a
// contract each, an invoice each, a renewal task on acme's contract. The
// route tests read and act through the real router and handler core.
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { ConsoleService } from '../../lambdas/application/console/console-routes';
import type { ConsoleDisputes, ConsoleRenewalTasks, ConsoleStatements, ConsoleStores } from '../../lambdas/application/console/ports';
import { listDisputes } from '../../lambdas/application/disputes/list-disputes';
import { openDispute } from '../../lambdas/application/disputes/open-dispute';
import type { DisputeLedger } from '../../lambdas/application/disputes/ports';
import { resolveDispute } from '../../lambdas/application/disputes/resolve-dispute';
import type { DisputeEntry, LedgerEntry } from '../../lambdas/domain/ledger/ledger-entries';
import type { StoredContract } from '../../lambdas/application/plans/ports';
import type { RenewalTaskView } from '../../lambdas/application/risk/manage-renewal-tasks';
import { RenewalTaskNotFoundError } from '../../lambdas/application/risk/risk-errors';
import type { InvoiceRecord } from '../../lambdas/domain/invoicing/invoice-record';
import type { NetOutcome } from '../../lambdas/domain/ledger/net-outcomes';
import { InMemoryInvoiceStore } from './fakes/in-memory-invoice-store';
import { riskContract, ScriptedUsage, SETTINGS } from './risk-test-kit';
import { inMemoryDefinitionCatalog } from './fakes/in-memory-definition-catalog';

export const NOW = new Date('2026-09-04T00:00:00Z');
export const STAFF_TOKEN = 'staff-token-for-tests-0123456789abcdef';
export const KEYS = { current: { keyId: 'k2', secret: new Uint8Array(32).fill(7) }, previous: { keyId: 'k1', secret: new Uint8Array(32).fill(3) } };

export const ACME_CONTRACT = 'ctr-acme';
export const GLOBEX_CONTRACT = 'ctr-globex';
export const ACME_INVOICE = `oe:${ACME_CONTRACT}:2026-07:r1`;
export const GLOBEX_INVOICE = `oe:${GLOBEX_CONTRACT}:2026-07:r1`;
export const ACME_TASK = `${ACME_CONTRACT}#2026-01-01#120d`;

function invoiceRecord(contractId: string, customerId: string): InvoiceRecord {
  return {
    invoiceRecordId: `oe:${contractId}:2026-07:r1`,
    contractId,
    customerId,
    periodId: '2026-07',
    period: { start: '2026-07-01T00:00:00.000Z', end: '2026-08-01T00:00:00.000Z', startDate: '2026-07-01', endDate: '2026-08-01', timeZone: 'UTC' },
    revision: 1,
    cutoff: '2026-08-02T00:00:00.000Z',
    ratedAt: '2026-08-02T00:00:01.000Z',
    planCode: 'support-automation',
    planVersion: 1,
    currency: 'USD',
    lines: [
      {
        lineId: 'resolutions',
        kind: 'charge',
        chargeId: 'resolutions',
        description: 'Resolved tickets',
        metric: 'resolutions',
        quantity: '2',
        amount: 300n,
        amountDue: 300n,
        servicePeriod: { start: '2026-07-01T00:00:00.000Z', end: '2026-08-01T00:00:00.000Z' } as never,
        breakdown: [],
        usageQuery: {
          customerId,
          ledgerMetric: 'ticket.resolved',
          eligibility: 'billable',
          aggregation: 'count',
          attribute: null,
          from: '2026-07-01T00:00:00.000Z',
          to: '2026-08-01T00:00:00.000Z',
          asOf: '2026-08-02T00:00:00.000Z',
          reference: null,
        } as never,
        adjustmentFor: null,
      },
    ],
    subtotal: 300n,
    commitmentTrueUp: 0n,
    creditsApplied: 0n,
    ratedTotal: 300n,
    adjustmentsTotal: 0n,
    total: 300n,
  } as InvoiceRecord;
}

function task(contractId: string, customerId: string): RenewalTaskView {
  return {
    id: `${contractId}#2026-01-01#120d`,
    contractId,
    customerId,
    termId: '2026-01-01',
    termEnd: '2027-01-01',
    timeZone: 'UTC',
    checkpointDays: 120,
    status: 'open',
    tier: 'at_risk',
    score: 48,
    dueDate: '2026-09-11',
    owner: 'renewals-queue',
    ownerIsFallback: true,
    priority: { rank: 'P2', currency: 'USD' },
    reasons: [{ code: 'outcome_attainment', message: 'Delivered 40% of target over the last 2 periods' }],
    valueSummary: { sentence: 'Delivered 6,000 energy saved this term.' },
    version: 1,
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    escalations: [],
    history: [{ kind: 'created', at: NOW.toISOString(), checkpointDays: 120, tier: 'at_risk', score: 48 }],
    assessedAt: NOW.toISOString(),
    staleData: false,
  } as unknown as RenewalTaskView;
}

export interface Fixture {
  service: ConsoleService;
  tasks: Map<string, RenewalTaskView>;
  outcomeQueries: unknown[];
  /** The ledger's entries, disputes included (the real dispute use cases write them). */
  entries: LedgerEntry[];
}

const OCCURRED_MS = Date.parse('2026-07-10T00:00:00Z');
/** Disputes are decided at a time inside July's 30-day dispute window. */
export const DISPUTE_NOW_MS = Date.parse('2026-08-05T00:00:00Z');

/**
 * Two recorded outcomes per customer behind each July invoice line, and the
 * disputes the real use cases (open, resolve, list) write beside them, as the
 * ledger's repository keeps them: conditional writes, never overwritten.
 */
function inMemoryLedger(): { entries: LedgerEntry[]; disputes: ConsoleDisputes; statements: ConsoleStatements } {
  const entries: LedgerEntry[] = [];
  for (const customerId of ['acme', 'globex']) {
    for (const n of [1, 2]) {
      entries.push({
        kind: 'recorded',
        outcomeId: `${customerId}-t${n}`,
        customerId,
        metric: 'ticket.resolved',
        occurredAtMs: OCCURRED_MS + n * 1000,
        recordedAtMs: OCCURRED_MS + n * 1000 + 5,
        quantity: '1',
        value: undefined,
        attributesJson: undefined,
        billableRule: { when: 'immediately' },
        attributed: true,
        definitionVersion: undefined,
        evidence: { reference: `https://help.example.com/t/${customerId}-${n}`, summary: 'closed by the agent' },
      } as LedgerEntry);
    }
  }
  const keyOf = (entry: LedgerEntry) => `${entry.outcomeId}#${entry.kind}#${'sequence' in entry ? entry.sequence : ''}`;
  const ledger: DisputeLedger = {
    putEntry: async (entry) => {
      const existing = entries.find((candidate) => keyOf(candidate) === keyOf(entry));
      if (existing) return { status: 'exists', existing };
      entries.push(entry);
      return { status: 'created' };
    },
    getOutcomeEntries: async (outcomeId) => entries.filter((entry) => entry.outcomeId === outcomeId),
    listDisputeEntries: async (disputeId) => entries.filter((entry): entry is DisputeEntry => (entry.kind === 'disputed' || entry.kind === 'dispute-resolved') && entry.disputeId === disputeId),
    streamAllDisputeEntries: async function* () {
      yield entries.filter((entry): entry is DisputeEntry => entry.kind === 'disputed' || entry.kind === 'dispute-resolved');
    },
  };
  const deps = { ledger, catalog: { get: async () => ({ metrics: new Map(), customers: new Set(['acme', 'globex']) }) }, publisher: { publish: async () => undefined }, nowMs: () => DISPUTE_NOW_MS, lateAfterMs: 86_400_000, contracts: { contractsOf: async () => [] } };
  return {
    entries,
    disputes: {
      openDispute: (request, scope) => openDispute(deps as never, request, scope),
      resolveDispute: (request) => resolveDispute(deps as never, request),
      listDisputes: (query) => listDisputes(deps, query),
    },
    statements: {
      streamUsageEntries: async function* (query) {
        yield entries.filter(
          (entry) =>
            entry.customerId === query.customerId && entry.metric === query.metric && entry.occurredAtMs >= query.fromMs && entry.occurredAtMs < query.toMs && entry.recordedAtMs <= query.asOfMs,
        );
      },
    },
  };
}

export function consoleFixture(): Fixture {
  const contracts = new Map<string, StoredContract>(
    [riskContract({ contractId: ACME_CONTRACT, customerId: 'acme' }), riskContract({ contractId: GLOBEX_CONTRACT, customerId: 'globex' })].map((contract) => [
      contract.contractId,
      { contract, revision: 1, updatedAt: NOW.toISOString() },
    ]),
  );
  const invoices = new InMemoryInvoiceStore();
  void invoices.putRecord(invoiceRecord(ACME_CONTRACT, 'acme'));
  void invoices.putRecord(invoiceRecord(GLOBEX_CONTRACT, 'globex'));
  const tasks = new Map([ACME_CONTRACT].map((id) => [`${id}#2026-01-01#120d`, task(id, 'acme')]));
  const usage = new ScriptedUsage();
  usage.set({ '2026-06-01': '1000', '2026-07-01': '400', '2026-08-01': '300' });
  const outcomeQueries: unknown[] = [];
  const taskOf = (taskId: string) => {
    const found = tasks.get(taskId);
    if (!found) throw new RenewalTaskNotFoundError(taskId);
    return found;
  };
  const renewalTasks: ConsoleRenewalTasks = {
    listTasks: async (request) =>
      [...tasks.values()].filter((t) => (request.includeResolved || t.status !== 'resolved') && (request.contractId === undefined || t.contractId === request.contractId)),
    showTask: async (taskId) => taskOf(taskId),
    acknowledgeTask: async ({ taskId, by }) => {
      const acknowledged = { ...taskOf(taskId), status: 'acknowledged' as const, ...(by ? { acknowledgedBy: by } : {}) };
      tasks.set(taskId, acknowledged);
      return acknowledged;
    },
    resolveTask: async ({ taskId, result }) => {
      const resolved = { ...taskOf(taskId), status: 'resolved' as const, resolution: { kind: 'renewal_result', result } } as unknown as RenewalTaskView;
      tasks.set(taskId, resolved);
      return resolved;
    },
    recordRenewalResult: async (request) => ({
      status: 'recorded',
      record: { contractId: request.contractId, termId: '2026-01-01', termEnd: '2027-01-01', timeZone: 'UTC', result: request.result, recordedAt: NOW.toISOString() },
      resolvedTasks: [],
    }),
    deps: { usage, settings: SETTINGS },
  };
  const plans = {
    listContracts: async () => [...contracts.values()],
    getStoredContract: async (id: string) => contracts.get(id),
    getContract: async (id: string) => contracts.get(id)?.contract,
    getPlan: async () => undefined,
    listPlanCodes: async () => ['support-automation'],
  };
  const outcome = (outcomeId: string, customerId: string): NetOutcome =>
    ({ outcomeId, customerId, metric: 'ticket.resolved', quantity: '1', value: undefined, occurredAtMs: Date.parse('2026-07-10T00:00:00Z'), recordedAtMs: 0, billable: true, verified: false, corrected: false, attributed: true, attributes: undefined }) as NetOutcome;
  const ledger = inMemoryLedger();
  const stores: ConsoleStores = {
    tasks: renewalTasks,
    plans,
    invoices,
    rejected: {
      listRejected: async () => ({
        items: [
          { code: 'UNKNOWN_METRIC', message: 'metric "x" is not in the catalog', receivedAt: NOW.toISOString(), outcomeId: 'r-1' } as never,
          { code: 'UNKNOWN_METRIC', message: 'metric "y" is not in the catalog', receivedAt: NOW.toISOString(), outcomeId: 'r-2' } as never,
        ],
      }),
    },
    outcomes: {
      listNetOutcomes: async (query) => {
        outcomeQueries.push(query);
        return [outcome(`${query.customerId}-t1`, query.customerId), outcome(`${query.customerId}-t2`, query.customerId)];
      },
    },
    catalog: { readCatalog: async () => ({ metrics: [], customers: [{ customerId: 'acme' }, { customerId: 'globex' }] }) as never },
    simulation: { store: plans, usage: { measure: async () => '0' } as never, definitions: inMemoryDefinitionCatalog() },
    now: () => NOW,
  };
  return {
    service: {
      stores,
      keyring: {
        signingKey: async () => KEYS.current,
        verificationKey: async (keyId) => [KEYS.current, KEYS.previous].find((key) => key.keyId === keyId)?.secret,
      },
      staff: {
        authenticate: async (header) => (header === `Bearer ${STAFF_TOKEN}` ? { staffId: 'dana', email: 'dana@vendor.example', groups: ['csm'] } : undefined),
      },
      portalBaseUrl: 'https://console.example.com/portal/',
      extensions: { disputes: ledger.disputes, statements: ledger.statements },
    },
    tasks,
    outcomeQueries,
    entries: ledger.entries,
  };
}

/** A payload v2 event as a Function URL delivers it. */
export function apiEvent(method: string, path: string, options: { token?: string; query?: Record<string, string>; body?: unknown } = {}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: { ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}), 'content-type': 'application/json' },
    ...(options.query ? { queryStringParameters: options.query } : {}),
    requestContext: { http: { method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'test' } } as APIGatewayProxyEventV2['requestContext'],
    ...(options.body !== undefined ? { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) } : {}),
    isBase64Encoded: false,
  };
}
