// The HTTP face of the emulator (node:http on 127.0.0.1). One request goes:
// control route? → API key → rate limit → route → faults (before) →
// idempotency → parameter validation → execution → faults (after) → answer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTROL_PREFIX, ControlRequestError, handleControl } from './control-routes';
import { createEmulatorCore, DEFAULT_API_VERSION, type EmulatorCore, type EmulatorCoreOptions } from './emulator-core';
import { StripeApiError, stripeErrors } from './errors';
import { applyExpansions, checkExpandable } from './expand';
import type { FaultController, FaultOutcome } from './faults';
import { canonicalParams, decodeForm, FormDecodingError, type FormParams } from './form-decoding';
import type { SavedResponse } from './idempotency';
import { parseParams } from './params';
import { findOr404 } from './resources/common';
import { creditNoteRoutes } from './resources/credit-notes';
import { customerRoutes } from './resources/customers';
import { eventRoutes } from './resources/events';
import { invoiceItemRoutes } from './resources/invoice-items';
import { payOutOfBand, recordPaymentFailure, renderInvoice, voidInvoice } from './resources/invoice-model';
import type { PaymentBehaviour } from './payment-behaviour';
import { collectDuePayments, nextCollectionAfter, paymentBehavioursOf, type CollectionResult } from './payment-collection';
import { invoiceRoutes } from './resources/invoices';
import { type HandlerContext, type RequestInfo, Router } from './router';
import type { WebhookDelivery, WebhookTamper } from './webhooks';
import type { EventObject, InvoiceObject } from './wire-types';
import { readStateFile, type DamagedStateFileError } from '../durable-file';
import { EmulatorSnapshotSchema, EmulatorStateSaver, restoreSnapshot, snapshotOf } from './persistence';

const MAX_BODY_BYTES = 1024 * 1024;

export interface StripeEmulatorOptions extends EmulatorCoreOptions {
  /** Port to listen on; a free one is picked when omitted. */
  port?: number;
  /** Interface to bind. @default '127.0.0.1' */
  host?: string;
  /** Rejects requests beyond this rate with 429, like Stripe's limiter (test mode: 25/s). */
  rateLimit?: { perSecond: number; burst?: number };
  /** Faults armed from the start (see FaultController). */
  faults?: (controller: FaultController) => void;
  /** Exact API keys to accept; by default any `sk_test_…` or `rk_test_…` key is accepted. */
  apiKeys?: ReadonlyArray<string>;
  /**
   * Keep the emulator's objects in this file: loaded on start, written
   * durably after every change before the change is answered. Without it the
   * emulator forgets everything when it stops.
   */
  stateFile?: string;
  /** Told when a damaged state file is moved aside (the emulator then starts empty). @default throws */
  onDamagedState?: (error: DamagedStateFileError) => void;
}

export interface RunningStripeEmulator {
  /** e.g. `http://127.0.0.1:41234` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** A test key the emulator accepts. */
  readonly apiKey: string;
  /** Options for `new Stripe(apiKey, { ...emulator.clientOptions })`. */
  readonly clientOptions: { host: string; port: number; protocol: 'http' };
  readonly faults: FaultController;
  /** Secret webhook signatures are made with (`whsec_…`). */
  readonly webhookSecret: string;
  /** Events recorded so far, oldest first (optionally of one type). */
  events(type?: string): EventObject[];
  /** Points webhook deliveries at `url` (or stops them with null). */
  configureWebhook(target: { url: string; secret?: string } | null): void;
  /** Delivery attempts so far, after waiting for queued deliveries to finish. */
  webhookDeliveries(): Promise<WebhookDelivery[]>;
  /** Sends a recorded event again, optionally with a broken signature. */
  resendEvent(eventId: string, tamper?: WebhookTamper | null): Promise<WebhookDelivery>;
  /**
   * Records a failed collection attempt on an open invoice (attempt_count + 1,
   * `invoice.payment_failed`), as a declined automatic charge would; returns the invoice.
   */
  failInvoicePayment(invoiceId: string): Record<string, unknown>;
  /** Marks an open or uncollectible invoice paid out of band (`invoice.paid`), as the customer paying by transfer; returns the invoice. */
  payInvoice(invoiceId: string): Record<string, unknown>;
  /** Voids an open or uncollectible invoice (`invoice.voided`); returns the invoice. */
  voidInvoice(invoiceId: string): Record<string, unknown>;
  /** How a customer pays (by Stripe id or the engine's `metadata.customerId`); null returns it to the default. */
  setPaymentBehaviour(customer: string, behaviour: PaymentBehaviour | null): void;
  /** Customers with a behaviour of their own, and the default. */
  paymentBehaviours(): { readonly collecting: boolean; readonly defaultBehaviour: PaymentBehaviour; readonly customers: Record<string, PaymentBehaviour> };
  /** The next moment an open invoice is due to be collected, strictly after `after` (none when collection is off). */
  nextPaymentCollectionAt(after: Date): Date | undefined;
  /** Pays (or fails, for a customer whose payments fail) every open invoice whose collection time has come. */
  collectDuePayments(): CollectionResult;
  /** Moves emulated time (object timestamps, the 24 h idempotency window, webhook signatures). */
  advanceClock(seconds: number): void;
  now(): Date;
  /** Empties every object, event, idempotency key and fault; the server keeps running. */
  reset(): void;
  stop(): Promise<void>;
}

const router = new Router([...customerRoutes, ...invoiceItemRoutes, ...invoiceRoutes, ...creditNoteRoutes, ...eventRoutes]);

export async function startStripeEmulator(options: StripeEmulatorOptions = {}): Promise<RunningStripeEmulator> {
  const restored = options.stateFile
    ? await readStateFile(options.stateFile, EmulatorSnapshotSchema, (damaged) => {
        if (!options.onDamagedState) throw damaged;
        options.onDamagedState(damaged);
      })
    : undefined;
  const generation = restored ? restored.generation + 1 : 0;
  const core = createEmulatorCore({
    ...options,
    // A seeded id stream would repeat the ids of the restored objects.
    ...(options.seed !== undefined && generation > 0 ? { seed: `${options.seed}:start-${generation}` } : {}),
    ...(restored ? { clockOffsetMs: restored.clockOffsetMs } : {}),
  });
  if (restored) restoreSnapshot(core, restored);
  const stateFile = options.stateFile;
  const saver = stateFile ? new EmulatorStateSaver(stateFile, () => snapshotOf(core, generation, new Date())) : undefined;
  // Written at once, so a restart after a start that changed nothing still counts its generation.
  await saver?.save();
  const persist = saver ? () => saver.save() : () => Promise.resolve();
  if (options.rateLimit) core.faults.rateLimit(options.rateLimit);
  const changeInvoice = (invoiceId: string, change: (ctx: HandlerContext, invoice: InvoiceObject) => void): Record<string, unknown> => {
    const invoice = findOr404(core.state.invoices, invoiceId, 'invoice');
    change(core.internalContext(), invoice);
    saver?.saveInBackground();
    return renderInvoice(core.state, invoice) as unknown as Record<string, unknown>;
  };
  options.faults?.(core.faults);
  const host = options.host ?? '127.0.0.1';
  const server = createServer((req, res) => {
    handleRequest(core, options, persist, req, res).catch((error: unknown) => {
      // The handler answers every request itself; reaching here means the
      // socket broke mid-answer, so there is no one left to tell.
      if (!res.headersSent) sendJson(res, 500, { error: { type: 'api_error', message: String(error) } }, {});
      else res.destroy(error as Error);
    });
  });
  await listen(server, options.port ?? 0, host);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host}:${port}`;
  core.state.baseUrl = url;
  return {
    url,
    host,
    port,
    apiKey: options.apiKeys?.[0] ?? 'sk_test_emulator',
    clientOptions: { host, port, protocol: 'http' },
    faults: core.faults,
    get webhookSecret() {
      return core.webhookSecret;
    },
    events: (type) => core.state.events.oldestFirst((event) => type === undefined || event.type === type).map((e) => structuredClone(e)),
    configureWebhook: (target) => {
      core.configureWebhook(target);
    },
    webhookDeliveries: async () => {
      await core.webhooks.idle();
      return core.webhooks.deliveries();
    },
    resendEvent: async (eventId, tamper = null) => {
      const event = core.state.events.get(eventId);
      if (!event) throw new Error(`The Stripe emulator has no event ${eventId}.`);
      return core.webhooks.resend(structuredClone(event), tamper);
    },
    failInvoicePayment: (invoiceId) => changeInvoice(invoiceId, recordPaymentFailure),
    payInvoice: (invoiceId) => changeInvoice(invoiceId, payOutOfBand),
    voidInvoice: (invoiceId) => changeInvoice(invoiceId, voidInvoice),
    setPaymentBehaviour: (customer, behaviour) => {
      if (behaviour === null) core.state.paymentBehaviours.delete(customer);
      else core.state.paymentBehaviours.set(customer, behaviour);
      saver?.saveInBackground();
    },
    paymentBehaviours: () => paymentBehavioursOf(core.state),
    nextPaymentCollectionAt: (after) => {
      const next = nextCollectionAfter(core.state, Math.floor(after.getTime() / 1000));
      return next === undefined ? undefined : new Date(next * 1000);
    },
    collectDuePayments: () => {
      const result = collectDuePayments(core.internalContext());
      if (result.paid.length + result.failed.length > 0) saver?.saveInBackground();
      return result;
    },
    advanceClock: (seconds) => {
      core.clock.advance(seconds * 1000);
      saver?.saveInBackground();
    },
    now: () => core.clock.now(),
    reset: () => {
      core.reset();
      saver?.saveInBackground();
    },
    stop: async () => {
      await core.webhooks.idle();
      // Delivered webhooks updated their events (pending_webhooks): kept too.
      if (saver) {
        saver.saveInBackground();
        await saver.flush();
      }
      await new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function handleRequest(
  core: EmulatorCore,
  options: StripeEmulatorOptions,
  persist: () => Promise<void>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'http://emulator.local');
  const path = url.pathname;
  const request: RequestInfo = {
    id: `req_${core.ids.token(14)}`,
    idempotencyKey: method === 'POST' ? headerValue(req, 'idempotency-key') : null,
    apiVersion: headerValue(req, 'stripe-version'),
  };
  const baseHeaders: Record<string, string> = {
    'Request-Id': request.id,
    'Stripe-Version': request.apiVersion ?? DEFAULT_API_VERSION,
    ...(request.idempotencyKey !== null ? { 'Idempotency-Key': request.idempotencyKey } : {}),
  };
  const ctx: HandlerContext = {
    state: core.state,
    request,
    emit: (type, object, previous) => {
      core.emit(request, type, object, previous);
    },
  };

  let rawBody: string;
  try {
    rawBody = await readBody(req);
  } catch (error) {
    sendError(res, stripeErrors.invalidParam('', (error as Error).message), baseHeaders);
    return;
  }

  if (path === CONTROL_PREFIX || path.startsWith(`${CONTROL_PREFIX}/`)) {
    await answerControl(core, method, path, rawBody, ctx, res, baseHeaders, method === 'GET' ? () => Promise.resolve() : persist);
    return;
  }

  const authError = checkApiKey(req, options.apiKeys);
  if (authError) {
    sendError(res, authError, { ...baseHeaders, 'Www-Authenticate': 'Basic realm="Stripe"' });
    return;
  }
  if (!core.faults.admit()) {
    sendError(res, stripeErrors.rateLimited(), baseHeaders);
    return;
  }
  const match = router.match(method, path);
  if (!match) {
    sendError(res, stripeErrors.unrecognizedUrl(method, path), baseHeaders);
    return;
  }

  let params: FormParams;
  try {
    params = decodeForm(method === 'POST' ? rawBody : url.search.slice(1));
  } catch (error) {
    if (!(error instanceof FormDecodingError)) throw error;
    sendError(res, stripeErrors.invalidParam('', error.message), baseHeaders);
    return;
  }

  const before = core.faults.take(method, path, 'before');
  const idempotency =
    request.idempotencyKey === null
      ? null
      : core.idempotency.begin(request.idempotencyKey, `${method} ${match.route.path}`.replace(/:(\w+)/g, (_, name: string) => match.pathParams[name] ?? ''), canonicalParams(params));

  if (idempotency?.kind === 'reject') {
    await pause(before.delayMs);
    sendError(res, idempotency.error, baseHeaders);
    return;
  }
  if (idempotency?.kind === 'replay') {
    await pause(before.delayMs);
    if (answerFault(res, before, baseHeaders)) return;
    const saved = idempotency.response;
    send(res, saved.status, saved.body, {
      ...baseHeaders,
      ...saved.headers,
      'Idempotent-Replayed': 'true',
      'Original-Request': saved.requestId,
    });
    return;
  }

  // Not executed yet: a fault here leaves no trace, and the key is released.
  await pause(before.delayMs);
  if (answerFault(res, before, baseHeaders)) {
    idempotency?.release();
    return;
  }

  let input: unknown;
  try {
    input = parseParams(match.route.schema, params);
    checkExpandable(match.route, (input as { expand?: string[] }).expand);
  } catch (error) {
    idempotency?.release();
    if (!(error instanceof StripeApiError)) throw error;
    sendError(res, error, baseHeaders);
    return;
  }

  // Execution begins: from here on the outcome is saved against the key.
  let status: number;
  let body: unknown;
  const extraHeaders: Record<string, string> = {};
  try {
    const result = match.route.handle(input, ctx, match.pathParams);
    status = result.status ?? 200;
    body = applyExpansions(result.body, (input as { expand?: string[] }).expand, core.state);
  } catch (error) {
    const apiError =
      error instanceof StripeApiError
        ? error
        : stripeErrors.apiError(500, `The Stripe emulator failed while executing ${method} ${path}: ${(error as Error).message}`, {
            'Stripe-Should-Retry': 'false',
          });
    status = apiError.status;
    body = { error: apiError.body };
    Object.assign(extraHeaders, apiError.headers);
  }

  const after = core.faults.take(method, path, 'after');
  if (after.error) {
    // Stripe saves a 500 that happened during execution and replays it, and
    // tells clients not to retry it (the replay would be the same 500).
    const fault = faultError(after.error.status, after.error.message, after.error.shouldRetry ?? false);
    status = fault.status;
    body = { error: fault.body };
    Object.assign(extraHeaders, fault.headers);
  }
  const encoded = JSON.stringify(body);
  const saved: SavedResponse = { status, body: encoded, headers: extraHeaders, requestId: request.id };
  if (idempotency?.kind === 'execute') idempotency.save(saved);
  // Nothing is answered before it is kept (a GET changes nothing worth keeping).
  if (method !== 'GET') await persist();
  await pause(after.delayMs);
  if (after.drop) {
    req.socket.destroy();
    return;
  }
  send(res, status, encoded, { ...baseHeaders, ...extraHeaders });
}

async function answerControl(
  core: EmulatorCore,
  method: string,
  path: string,
  rawBody: string,
  ctx: HandlerContext,
  res: ServerResponse,
  headers: Record<string, string>,
  persist: () => Promise<void>,
): Promise<void> {
  try {
    const body: unknown = rawBody.trim() === '' ? undefined : JSON.parse(rawBody);
    const answer = await handleControl(core, method, path, body, ctx);
    if (answer) await persist();
    if (!answer) sendJson(res, 404, { error: { type: 'invalid_request_error', message: `No emulator control route ${method} ${path}` } }, headers);
    else sendJson(res, answer.status, answer.body, headers);
  } catch (error) {
    if (error instanceof StripeApiError) sendError(res, error, headers);
    else if (error instanceof ControlRequestError || error instanceof SyntaxError || error instanceof RangeError) {
      sendJson(res, 400, { error: { type: 'invalid_request_error', message: error.message } }, headers);
    } else throw error;
  }
}

function faultError(status: number, message: string | undefined, shouldRetry: boolean | undefined): StripeApiError {
  if (status === 429) return stripeErrors.rateLimited();
  const headers: Record<string, string> = shouldRetry === undefined ? {} : { 'Stripe-Should-Retry': String(shouldRetry) };
  if (status >= 500) {
    return stripeErrors.apiError(status, message ?? 'An unknown error occurred while processing your request (injected by the Stripe emulator).', headers);
  }
  return new StripeApiError(status, { type: 'invalid_request_error', message: message ?? `Injected fault ${status}.` }, headers);
}

/** Answers (or drops) a request a pre-execution fault applies to; true when it did. */
function answerFault(res: ServerResponse, outcome: FaultOutcome, headers: Record<string, string>): boolean {
  if (outcome.drop) {
    res.socket?.destroy();
    return true;
  }
  if (!outcome.error) return false;
  sendError(res, faultError(outcome.error.status, outcome.error.message, outcome.error.shouldRetry), headers);
  return true;
}

function checkApiKey(req: IncomingMessage, allowed: ReadonlyArray<string> | undefined): StripeApiError | null {
  const authorization = headerValue(req, 'authorization');
  if (!authorization) return stripeErrors.missingApiKey();
  let key: string;
  if (/^bearer /i.test(authorization)) key = authorization.slice('bearer '.length).trim();
  else if (/^basic /i.test(authorization)) {
    // curl -u sk_test_...: sends the key as the Basic username.
    key = Buffer.from(authorization.slice('basic '.length).trim(), 'base64').toString('utf8').split(':')[0] ?? '';
  } else return stripeErrors.missingApiKey();
  if (key === '') return stripeErrors.missingApiKey();
  if (allowed !== undefined) return allowed.includes(key) ? null : stripeErrors.invalidApiKey(key);
  if (/^(sk|rk)_live_/.test(key)) return stripeErrors.liveModeKey(key);
  return /^(sk|rk)_test_[A-Za-z0-9_]+$/.test(key) ? null : stripeErrors.invalidApiKey(key);
}

function headerValue(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`Request body larger than ${MAX_BODY_BYTES} bytes.`));
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function pause(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function sendError(res: ServerResponse, error: StripeApiError, headers: Record<string, string>): void {
  sendJson(res, error.status, { error: error.body }, { ...headers, ...error.headers });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  send(res, status, JSON.stringify(body), headers);
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-cache, no-store',
  });
  res.end(body);
}
