// The emulator's moving parts wired together, independent of HTTP: state,
// clock, ids, idempotency, faults, events and webhooks.
import Stripe from 'stripe';
import { createClock, type EmulatorClock } from './clock';
import { FaultController } from './faults';
import { createIdGenerator, cryptoRandom, seededRandom, type IdGenerator } from './ids';
import { IdempotencyStore } from './idempotency';
import { snapshot } from './resources/common';
import type { PaymentBehaviour } from './payment-behaviour';
import type { HandlerContext, RequestInfo } from './router';
import { clearState, createState, type EmulatorState } from './state';
import { WebhookDispatcher, type WebhookTarget } from './webhooks';
import type { EventObject } from './wire-types';

/** The API version the emulator reports by default: the one the installed SDK is pinned to. */
export const DEFAULT_API_VERSION: string = Stripe.API_VERSION;

export interface EmulatorCoreOptions {
  now?: () => Date;
  seed?: string | number;
  webhook?: { url: string; secret?: string; maxAttempts?: number; retryDelayMs?: number };
  /** Where emulated time starts ahead of `now` (a restored state's clock advance). */
  clockOffsetMs?: number;
  /**
   * Collect open invoices when asked (`collectDuePayments`), each at the time
   * its customer's payment behaviour gives; `defaultBehaviour` for customers
   * without one. Off by default: a test pays its invoices itself.
   */
  paymentCollection?: { enabled?: boolean; defaultBehaviour?: PaymentBehaviour };
}

export interface EmulatorCore {
  readonly state: EmulatorState;
  readonly clock: EmulatorClock;
  readonly ids: IdGenerator;
  readonly idempotency: IdempotencyStore;
  readonly faults: FaultController;
  readonly webhooks: WebhookDispatcher;
  readonly webhookSecret: string;
  /** Records an event of `type` about `object` and queues its webhook. */
  emit(request: RequestInfo | null, type: string, object: object, previousAttributes?: Record<string, unknown>): EventObject;
  configureWebhook(target: { url: string; secret?: string } | null): WebhookTarget | null;
  /** A context for changes made outside an API request (control routes, helpers): their events carry no request. */
  internalContext(): HandlerContext;
  reset(): void;
}

export function createEmulatorCore(options: EmulatorCoreOptions = {}): EmulatorCore {
  const clock = createClock(options.now, options.clockOffsetMs ?? 0);
  const seeded = options.seed !== undefined;
  const ids = createIdGenerator(seeded ? seededRandom(`${options.seed}:ids`) : cryptoRandom());
  const faultRandom = seeded ? seededRandom(`${options.seed}:faults`) : cryptoRandom();
  const state = createState(clock, ids);
  state.paymentCollection.enabled = options.paymentCollection?.enabled ?? false;
  if (options.paymentCollection?.defaultBehaviour) state.paymentCollection.defaultBehaviour = options.paymentCollection.defaultBehaviour;
  const idempotency = new IdempotencyStore(clock);
  const faults = new FaultController(faultRandom);
  const webhooks = new WebhookDispatcher({
    clock,
    ...(options.webhook?.maxAttempts !== undefined ? { maxAttempts: options.webhook.maxAttempts } : {}),
    ...(options.webhook?.retryDelayMs !== undefined ? { retryDelayMs: options.webhook.retryDelayMs } : {}),
  });
  let webhookSecret = options.webhook?.secret ?? `whsec_${ids.token(32)}`;

  const configureWebhook = (target: { url: string; secret?: string } | null): WebhookTarget | null => {
    if (target === null) {
      webhooks.configure(null);
      return null;
    }
    if (target.secret !== undefined) webhookSecret = target.secret;
    const configured = { url: target.url, secret: webhookSecret };
    webhooks.configure(configured);
    return configured;
  };
  if (options.webhook) configureWebhook(options.webhook);

  const core: EmulatorCore = {
    state,
    clock,
    ids,
    idempotency,
    faults,
    webhooks,
    get webhookSecret() {
      return webhookSecret;
    },
    emit(request, type, object, previousAttributes) {
      const event: EventObject = {
        id: ids.next('evt'),
        object: 'event',
        api_version: request?.apiVersion ?? DEFAULT_API_VERSION,
        created: clock.unixNow(),
        data: {
          object: snapshot(object) as Record<string, unknown>,
          ...(previousAttributes !== undefined ? { previous_attributes: snapshot(previousAttributes) } : {}),
        },
        livemode: false,
        pending_webhooks: webhooks.endpoint ? 1 : 0,
        request: { id: request?.id ?? null, idempotency_key: request?.idempotencyKey ?? null },
        type,
      };
      state.events.insert(event);
      webhooks.enqueue(snapshot(event), () => {
        event.pending_webhooks = 0;
      });
      return event;
    },
    configureWebhook,
    internalContext() {
      return {
        state,
        request: { id: `req_${ids.token(14)}`, idempotencyKey: null, apiVersion: null },
        emit: (type, object, previous) => {
          core.emit(null, type, object, previous);
        },
      };
    },
    reset() {
      clearState(state);
      idempotency.clear();
      faults.clear();
      faults.resetStats();
      webhooks.reset();
      clock.reset();
    },
  };
  return core;
}
