// The console API's one router, free of any transport: the Lambda handler
// (payload v2 events) and the local engine's HTTP server both call it. Every
// route validates its path, query and body with zod and answers a bad one
// with a specific message; staff routes take a staff credential and refuse
// portal links; portal routes take a signed link and only ever read the
// link's own customer.
import { z } from 'zod';
import { describeIssues } from '../describe-issues';
import { RenewalResultSchema } from '../../domain/risk/backtest-risk-tiers';
import { RejectionCodeSchema } from '../../domain/ledger/rejection-codes';
import { InstantSchema, LocalDateSchema } from '../../domain/periods/time-schemas';
import { looksLikePortalLink, MAX_PORTAL_LINK_TTL_SECONDS, mintPortalLink, PortalLinkRefusedError, verifyPortalLink } from '../../domain/console/portal-link-token';
import { ConsoleAccessError, ConsoleInputError, ConsoleMethodError, ConsoleNotFoundError } from './console-errors';
import {
  checkpointMarks,
  contractProgress,
  contractsAndPlans,
  invoiceExplanation,
  invoiceStatementSource,
  lineOutcomes,
  listInvoices,
  portalOverview,
  rejectedByCode,
  renewalBoard,
  simulateProposal,
  statementParts,
  statementView,
} from './console-views';
import { statementCsv } from '../billing/outcome-statement-csv';
import { liveSpendView, portalLiveSpend } from './live-spend-view';
import { isKnownCustomer } from './portal-customer';
import { DisputeIdSchema, derivedDisputeId, MAX_OUTCOMES_PER_DISPUTE, OutcomeIdSchema } from '../../domain/disputes/dispute-request';
import { DISPUTE_STATUSES } from '../../domain/ledger/outcome-disputes';
import type { ConsoleDisputes, ConsoleExtensions, ConsoleLiveSpend, ConsoleStatements, ConsoleStores, PortalLinkKeyring, StaffAuthenticator, StaffIdentity } from './ports';

export interface ConsoleService {
  readonly stores: ConsoleStores;
  readonly keyring: PortalLinkKeyring;
  readonly staff: StaffAuthenticator;
  /** Where portal links point: the portal page's absolute URL (e.g. https://console.example.com/portal/). */
  readonly portalBaseUrl?: string;
  /** Live spend, thresholds and caps, disputes, statements: routes are added here as those capabilities land. */
  readonly extensions?: ConsoleExtensions;
}

export interface ConsoleRequest {
  readonly method: string;
  /** The path as received, e.g. /api/tasks/c-1%23t%2330d/acknowledge. */
  readonly path: string;
  readonly query: Readonly<Record<string, string | undefined>>;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
}

/** A JSON answer, or a file written chunk by chunk as it is produced (a statement's CSV). */
export type ConsoleResponse =
  | { readonly status: number; readonly body: unknown }
  | { readonly status: number; readonly file: { readonly contentType: string; readonly fileName: string; readonly chunks: AsyncIterable<string> } };

type Caller = { kind: 'staff'; staff: StaffIdentity } | { kind: 'portal'; customerId: string; expiresAt: string };

interface Route {
  readonly method: 'GET' | 'POST';
  /** Segments after /api/; `:name` captures one (URL-decoded). */
  readonly pattern: readonly string[];
  readonly audience: Caller['kind'];
  readonly run: (context: { params: Record<string, string>; request: ConsoleRequest; caller: Caller; service: ConsoleService }) => Promise<ConsoleResponse>;
}

/** An id in a path: what the stores accept, nothing that could be read as another path. */
const IdSchema = z.string().min(1).max(255).regex(/^[^\u0000-\u001f/\\]+$/, { error: 'must not contain slashes or control characters' });

function parse<T extends z.ZodType>(schema: T, value: unknown, where: string): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ConsoleInputError(`invalid ${where}: ${describeIssues(parsed.error.issues).join('; ')}`);
  return parsed.data;
}

function jsonBody(request: ConsoleRequest): unknown {
  if (request.body === undefined || request.body.trim() === '') return {};
  try {
    return JSON.parse(request.body);
  } catch (error) {
    throw new ConsoleInputError('invalid body: expected a JSON object', { cause: error });
  }
}

const ok = (body: unknown): ConsoleResponse => ({ status: 200, body });
const customerOf = (caller: Caller) => (caller.kind === 'portal' ? caller.customerId : undefined);
const BooleanFlag = z.enum(['true', 'false'], { error: 'expected true or false' }).transform((flag) => flag === 'true');
const TtlSchema = z
  .string()
  .regex(/^[1-9]\d{0,6}[smhd]$/, { error: 'expected a duration such as 30m, 12h or 7d' })
  .transform((text) => Number.parseInt(text, 10) * { s: 1, m: 60, h: 3600, d: 86_400 }[text.slice(-1) as 's' | 'm' | 'h' | 'd'])
  .refine((seconds) => seconds <= MAX_PORTAL_LINK_TTL_SECONDS, { error: `at most ${MAX_PORTAL_LINK_TTL_SECONDS / 86_400}d` });

/** `7d` → seconds, with the router's own message for a bad duration (the CLI's --ttl reads it too). */
export function parsePortalLinkTtl(text: string): number {
  return parse(TtlSchema, text, 'ttl');
}

/** A signed portal link for one customer, and the URL that opens the portal with it. */
export async function createPortalLink(
  service: { readonly keyring: PortalLinkKeyring; readonly portalBaseUrl?: string | undefined; readonly now: () => Date },
  request: { customerId: string; ttlSeconds: number },
): Promise<{ token: string; url?: string; customerId: string; expiresAt: string }> {
  const { token, payload } = mintPortalLink({ ...request, now: service.now(), key: await service.keyring.signingKey() });
  return {
    token,
    customerId: payload.customerId,
    expiresAt: new Date(payload.exp * 1000).toISOString(),
    ...(service.portalBaseUrl ? { url: `${service.portalBaseUrl}#link=${token}` } : {}),
  };
}

async function contractInScope(service: ConsoleService, contractId: string, caller: Caller): Promise<void> {
  const customerId = customerOf(caller);
  if (customerId === undefined) return;
  const stored = await service.stores.plans.getStoredContract(contractId);
  // Another customer's contract reads exactly like one that does not exist.
  if (!stored || stored.contract.customerId !== customerId) throw new ConsoleNotFoundError('contract', contractId);
}

const progressRoute = (audience: Caller['kind']): Route['run'] => async ({ params, service, caller }) => {
  const contractId = parse(IdSchema, params.contractId, 'contract id');
  await contractInScope(service, contractId, caller);
  const progress = await contractProgress(service.stores, contractId);
  // Checkpoint scores are the seller's view of the renewal; the customer sees its own progress only.
  return ok(audience === 'staff' ? { ...progress, checkpoints: await checkpointMarks(service.stores, progress) } : progress);
};

function liveSpendOf(service: ConsoleService): ConsoleLiveSpend {
  const spend = service.extensions?.spend;
  if (!spend) throw new ConsoleNotFoundError('capability', 'live spend');
  return spend;
}

const spendRoute = (audience: Caller['kind']): Route['run'] => async ({ params, request, service, caller }) => {
  parse(NoQuery, request.query, 'query');
  const contractId = parse(IdSchema, params.contractId, 'contract id');
  await contractInScope(service, contractId, caller);
  const view = await liveSpendView({ ...liveSpendOf(service), now: service.stores.now }, contractId);
  // Alert levels that have not fired are the seller's settings; the customer sees what fired for it.
  return ok(audience === 'staff' ? view : portalLiveSpend(view));
};

const invoiceRoute: Route['run'] = async ({ params, service, caller }) => {
  const invoiceId = parse(IdSchema.max(400), params.invoiceId, 'invoice id');
  const customerId = customerOf(caller);
  return ok(await invoiceExplanation(service.stores, invoiceId, customerId !== undefined ? { customerId } : {}, service.extensions?.disputes));
};

function disputesOf(service: ConsoleService): ConsoleDisputes {
  const disputes = service.extensions?.disputes;
  if (!disputes) throw new ConsoleNotFoundError('capability', 'disputes');
  return disputes;
}

function statementsOf(service: ConsoleService): ConsoleStatements {
  const statements = service.extensions?.statements;
  if (!statements) throw new ConsoleNotFoundError('capability', 'statements');
  return statements;
}

const statementRoute: Route['run'] = async ({ params, request, service, caller }) => {
  parse(NoQuery, request.query, 'query');
  const invoiceId = parse(IdSchema.max(400), params.invoiceId, 'invoice id');
  const customerId = customerOf(caller);
  const source = await invoiceStatementSource(service.stores, invoiceId, customerId !== undefined ? { customerId } : {});
  const disputes = service.extensions?.disputes ? await service.extensions.disputes.listDisputes({ customerIds: [source.customerId] }) : [];
  return ok(await statementView(statementParts(statementsOf(service), source, service.stores.now()), source, disputes));
};

const statementCsvRoute: Route['run'] = async ({ params, request, service, caller }) => {
  parse(NoQuery, request.query, 'query');
  const invoiceId = parse(IdSchema.max(400), params.invoiceId, 'invoice id');
  const customerId = customerOf(caller);
  // Scope and existence are settled before the first byte, so a refusal is still a clean 404.
  const source = await invoiceStatementSource(service.stores, invoiceId, customerId !== undefined ? { customerId } : {});
  const chunks = statementCsv(statementParts(statementsOf(service), source, service.stores.now()), source.currency);
  const fileName = `statement-${source.contractId}-${source.periodId}.csv`.replace(/[^A-Za-z0-9._-]/g, '_');
  const file = { contentType: 'text/csv; charset=utf-8', fileName, chunks };
  // Where the transport cannot stream an answer of any size (a Lambda's is whole and at most 6 MB), the file is stored and linked.
  const store = service.extensions?.statementFiles;
  if (store) return ok(await store.store({ scope: invoiceId, ...file }));
  return { status: 200, file };
};

const StatusQuery = z.enum(DISPUTE_STATUSES, { error: `expected ${DISPUTE_STATUSES.join(', ')}` });
const OutcomeIdsSchema = z
  .array(OutcomeIdSchema)
  .min(1, { error: 'select at least one outcome' })
  .max(MAX_OUTCOMES_PER_DISPUTE, { error: `at most ${MAX_OUTCOMES_PER_DISPUTE} outcomes per dispute` });
const TextSchema = (name: string) => z.string().trim().min(1, { error: `${name} is required` }).max(1000, { error: `${name} is at most 1000 characters` });

const lineOutcomesRoute: Route['run'] = async ({ params, service, caller }) => {
  const invoiceId = parse(IdSchema.max(400), params.invoiceId, 'invoice id');
  const lineId = parse(IdSchema, params.lineId, 'line id');
  const customerId = customerOf(caller);
  return ok(await lineOutcomes(service.stores, invoiceId, lineId, customerId !== undefined ? { customerId } : {}));
};

const NoQuery = z.strictObject({});
/** A week: long enough to read before a renewal call, short enough that a forwarded link soon stops working. */
export const DEFAULT_PORTAL_LINK_TTL_SECONDS = 7 * 86_400;

export const ROUTES: readonly Route[] = [
  { method: 'GET', pattern: ['session'], audience: 'staff', run: async ({ caller }) => ok(caller) },
  {
    method: 'GET',
    pattern: ['tasks'],
    audience: 'staff',
    run: async ({ request, service }) => {
      const query = parse(z.strictObject({ includeResolved: BooleanFlag.optional(), owner: z.string().min(1).max(320).optional() }), request.query, 'query');
      return ok(
        await renewalBoard(service.stores, {
          ...(query.includeResolved !== undefined ? { includeResolved: query.includeResolved } : {}),
          ...(query.owner !== undefined ? { owner: query.owner } : {}),
        }),
      );
    },
  },
  {
    method: 'GET',
    pattern: ['tasks', ':taskId'],
    audience: 'staff',
    run: async ({ params, service }) => ok(await service.stores.tasks.showTask(parse(IdSchema, params.taskId, 'task id'))),
  },
  {
    method: 'POST',
    pattern: ['tasks', ':taskId', 'acknowledge'],
    audience: 'staff',
    run: async ({ params, request, service, caller }) => {
      parse(z.strictObject({}), jsonBody(request), 'body');
      const by = caller.kind === 'staff' ? (caller.staff.email ?? caller.staff.staffId) : undefined;
      return ok(await service.stores.tasks.acknowledgeTask({ taskId: parse(IdSchema, params.taskId, 'task id'), ...(by ? { by } : {}) }));
    },
  },
  {
    method: 'POST',
    pattern: ['tasks', ':taskId', 'resolve'],
    audience: 'staff',
    run: async ({ params, request, service, caller }) => {
      const body = parse(z.strictObject({ result: RenewalResultSchema }), jsonBody(request), 'body');
      const by = caller.kind === 'staff' ? (caller.staff.email ?? caller.staff.staffId) : undefined;
      return ok(await service.stores.tasks.resolveTask({ taskId: parse(IdSchema, params.taskId, 'task id'), result: body.result, ...(by ? { by } : {}) }));
    },
  },
  {
    method: 'POST',
    pattern: ['contracts', ':contractId', 'renewal-result'],
    audience: 'staff',
    run: async ({ params, request, service, caller }) => {
      const body = parse(z.strictObject({ result: RenewalResultSchema, termId: LocalDateSchema.optional() }), jsonBody(request), 'body');
      const by = caller.kind === 'staff' ? (caller.staff.email ?? caller.staff.staffId) : undefined;
      return ok(
        await service.stores.tasks.recordRenewalResult({
          contractId: parse(IdSchema, params.contractId, 'contract id'),
          result: body.result,
          ...(body.termId !== undefined ? { termId: body.termId } : {}),
          ...(by ? { by } : {}),
        }),
      );
    },
  },
  {
    method: 'GET',
    pattern: ['contracts'],
    audience: 'staff',
    run: async ({ request, service }) => {
      parse(NoQuery, request.query, 'query');
      return ok(await contractsAndPlans(service.stores));
    },
  },
  { method: 'GET', pattern: ['contracts', ':contractId', 'progress'], audience: 'staff', run: progressRoute('staff') },
  { method: 'GET', pattern: ['contracts', ':contractId', 'spend'], audience: 'staff', run: spendRoute('staff') },
  {
    method: 'GET',
    pattern: ['invoices'],
    audience: 'staff',
    run: async ({ request, service }) => {
      const query = parse(z.strictObject({ contractId: IdSchema.optional() }), request.query, 'query');
      const contractIds = query.contractId !== undefined ? [query.contractId] : (await service.stores.plans.listContracts()).map((stored) => stored.contract.contractId);
      return ok(await listInvoices(service.stores, contractIds));
    },
  },
  { method: 'GET', pattern: ['invoices', ':invoiceId'], audience: 'staff', run: invoiceRoute },
  { method: 'GET', pattern: ['invoices', ':invoiceId', 'lines', ':lineId', 'outcomes'], audience: 'staff', run: lineOutcomesRoute },
  { method: 'GET', pattern: ['invoices', ':invoiceId', 'statement'], audience: 'staff', run: statementRoute },
  { method: 'GET', pattern: ['invoices', ':invoiceId', 'statement.csv'], audience: 'staff', run: statementCsvRoute },
  {
    method: 'GET',
    pattern: ['disputes'],
    audience: 'staff',
    run: async ({ request, service }) => {
      const query = parse(z.strictObject({ status: StatusQuery.optional(), contractId: IdSchema.optional(), customerId: IdSchema.optional() }), request.query, 'query');
      const customerIds: string[] = [];
      if (query.contractId !== undefined) {
        const stored = await service.stores.plans.getStoredContract(query.contractId);
        if (!stored) throw new ConsoleNotFoundError('contract', query.contractId);
        customerIds.push(stored.contract.customerId);
      }
      if (query.customerId !== undefined) customerIds.push(query.customerId);
      return ok(
        await disputesOf(service).listDisputes({
          ...(customerIds.length > 0 ? { customerIds } : {}),
          ...(query.status !== undefined ? { status: query.status } : {}),
        }),
      );
    },
  },
  {
    method: 'POST',
    pattern: ['disputes', ':disputeId', 'resolve'],
    audience: 'staff',
    run: async ({ params, request, service, caller }) => {
      const disputeId = parse(DisputeIdSchema, params.disputeId, 'dispute id');
      const body = parse(
        z.strictObject({ decision: z.enum(['upheld', 'rejected'], { error: 'expected upheld or rejected' }), note: TextSchema('note'), outcomeIds: OutcomeIdsSchema.optional() }),
        jsonBody(request),
        'body',
      );
      const resolvedBy = caller.kind === 'staff' ? (caller.staff.email ?? caller.staff.staffId) : '';
      return ok(
        await disputesOf(service).resolveDispute({
          disputeId,
          upheld: body.decision === 'upheld',
          note: body.note,
          resolvedBy,
          ...(body.outcomeIds !== undefined ? { outcomeIds: body.outcomeIds } : {}),
        }),
      );
    },
  },
  {
    method: 'GET',
    pattern: ['rejected'],
    audience: 'staff',
    run: async ({ request, service }) => {
      const query = parse(
        z.strictObject({
          from: InstantSchema.optional(),
          to: InstantSchema.optional(),
          code: RejectionCodeSchema.optional(),
          limit: z.string().regex(/^[1-9]\d{0,2}$/, { error: 'expected a whole number 1..999' }).optional(),
        }),
        request.query,
        'query',
      );
      return ok(
        await rejectedByCode(service.stores, {
          ...(query.from !== undefined ? { from: new Date(query.from) } : {}),
          ...(query.to !== undefined ? { to: new Date(query.to) } : {}),
          ...(query.code !== undefined ? { code: query.code } : {}),
          limit: query.limit !== undefined ? Number.parseInt(query.limit, 10) : 200,
        }),
      );
    },
  },
  {
    method: 'POST',
    pattern: ['simulate'],
    audience: 'staff',
    run: async ({ request, service }) => {
      const body = parse(
        z.strictObject({
          plan: z.string().min(1, { error: 'expected the proposed plan file (YAML or JSON)' }).max(200_000),
          from: LocalDateSchema,
          to: LocalDateSchema,
          contractIds: z.array(IdSchema).min(1).max(500).optional(),
          proposedVersion: z.int().min(1).optional(),
        }),
        jsonBody(request),
        'body',
      );
      return ok(
        await simulateProposal(service.stores, {
          planText: body.plan,
          from: body.from,
          to: body.to,
          ...(body.contractIds ? { contractIds: body.contractIds } : {}),
          ...(body.proposedVersion !== undefined ? { proposedVersion: body.proposedVersion } : {}),
        }),
      );
    },
  },
  {
    method: 'POST',
    pattern: ['portal-links'],
    audience: 'staff',
    run: async ({ request, service }) => {
      const body = parse(z.strictObject({ customerId: IdSchema, ttl: TtlSchema.optional() }), jsonBody(request), 'body');
      // As `portal link`: a link for a customer the engine does not know would open an empty portal.
      if (!(await isKnownCustomer({ catalog: service.stores.catalog, contracts: service.stores.plans }, body.customerId))) throw new ConsoleNotFoundError('customer', body.customerId);
      return ok(await createPortalLink({ keyring: service.keyring, portalBaseUrl: service.portalBaseUrl, now: service.stores.now }, { customerId: body.customerId, ttlSeconds: body.ttl ?? DEFAULT_PORTAL_LINK_TTL_SECONDS }));
    },
  },
  {
    method: 'GET',
    pattern: ['portal', 'overview'],
    audience: 'portal',
    run: async ({ request, service, caller }) => {
      parse(NoQuery, request.query, 'query');
      const customerId = customerOf(caller) ?? '';
      return ok({ ...(await portalOverview(service.stores, customerId)), linkExpiresAt: caller.kind === 'portal' ? caller.expiresAt : undefined });
    },
  },
  { method: 'GET', pattern: ['portal', 'contracts', ':contractId', 'progress'], audience: 'portal', run: progressRoute('portal') },
  { method: 'GET', pattern: ['portal', 'contracts', ':contractId', 'spend'], audience: 'portal', run: spendRoute('portal') },
  { method: 'GET', pattern: ['portal', 'invoices', ':invoiceId'], audience: 'portal', run: invoiceRoute },
  { method: 'GET', pattern: ['portal', 'invoices', ':invoiceId', 'lines', ':lineId', 'outcomes'], audience: 'portal', run: lineOutcomesRoute },
  { method: 'GET', pattern: ['portal', 'invoices', ':invoiceId', 'statement'], audience: 'portal', run: statementRoute },
  { method: 'GET', pattern: ['portal', 'invoices', ':invoiceId', 'statement.csv'], audience: 'portal', run: statementCsvRoute },
  {
    method: 'GET',
    pattern: ['portal', 'disputes'],
    audience: 'portal',
    run: async ({ request, service, caller }) => {
      const query = parse(z.strictObject({ status: StatusQuery.optional() }), request.query, 'query');
      const customerId = customerOf(caller) ?? '';
      return ok(await disputesOf(service).listDisputes({ customerIds: [customerId], ...(query.status !== undefined ? { status: query.status } : {}) }));
    },
  },
  {
    method: 'POST',
    pattern: ['portal', 'disputes'],
    audience: 'portal',
    run: async ({ request, service, caller }) => {
      const body = parse(z.strictObject({ outcomeIds: OutcomeIdsSchema, reason: TextSchema('reason') }), jsonBody(request), 'body');
      const customerId = customerOf(caller) ?? '';
      const raisedBy = `customer:${customerId}`;
      // Derived from what is disputed: a second click or a retry opens nothing twice.
      const disputeId = derivedDisputeId(body.outcomeIds, body.reason, raisedBy);
      const result = await disputesOf(service).openDispute({ disputeId, outcomeIds: body.outcomeIds, reason: body.reason, raisedBy }, { customerId });
      if (result.opened.length > 0) return ok(result);
      return { status: 422, body: { code: 'nothing_disputed', message: 'no selected outcome could be disputed; each refusal says why', ...result } };
    },
  },
];

function bearerOf(request: ConsoleRequest): string | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? undefined : /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1];
}

async function callerFor(route: Route, request: ConsoleRequest, service: ConsoleService): Promise<Caller> {
  const credential = bearerOf(request);
  if (route.audience === 'portal') {
    if (credential === undefined) throw new ConsoleAccessError('unauthenticated', 'the portal needs a portal link (Authorization: Bearer <link token>)');
    try {
      const payload = await verifyPortalLink(credential, { verificationKey: (keyId) => service.keyring.verificationKey(keyId), now: service.stores.now() });
      return { kind: 'portal', customerId: payload.customerId, expiresAt: new Date(payload.exp * 1000).toISOString() };
    } catch (error) {
      if (error instanceof PortalLinkRefusedError) throw new ConsoleAccessError('unauthenticated', error.message, { cause: error });
      throw error;
    }
  }
  if (credential !== undefined && looksLikePortalLink(credential)) {
    throw new ConsoleAccessError('forbidden', 'staff routes do not accept portal links; sign in as staff');
  }
  const staff = await service.staff.authenticate(request.headers.authorization);
  if (!staff) throw new ConsoleAccessError('unauthenticated', 'staff routes need a staff sign-in (Authorization: Bearer <staff token>)');
  return { kind: 'staff', staff };
}

function match(route: Route, segments: readonly string[]): Record<string, string> | undefined {
  if (route.pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of route.pattern.entries()) {
    const segment = segments[index] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = segment;
    else if (part !== segment) return undefined;
  }
  return params;
}

function segmentsOf(path: string): string[] {
  if (!path.startsWith('/api/')) throw new ConsoleNotFoundError('route', path);
  try {
    return path.slice('/api/'.length).replace(/\/$/, '').split('/').map((segment) => decodeURIComponent(segment));
  } catch (error) {
    throw new ConsoleInputError(`invalid path: ${path} is not URL-encoded correctly`, { cause: error });
  }
}

/** Answers one request, or throws an EngineError the transport turns into its status (see consoleErrorStatus). */
export async function routeConsoleRequest(service: ConsoleService, request: ConsoleRequest): Promise<ConsoleResponse> {
  const segments = segmentsOf(request.path);
  const candidates = ROUTES.map((route) => ({ route, params: match(route, segments) })).filter((found) => found.params !== undefined);
  if (candidates.length === 0) throw new ConsoleNotFoundError('route', request.path);
  const found = candidates.find((candidate) => candidate.route.method === request.method);
  if (!found?.params) throw new ConsoleMethodError(request.method, request.path, candidates.map((candidate) => candidate.route.method));
  const caller = await callerFor(found.route, request, service);
  return found.route.run({ params: found.params, request, caller, service });
}
