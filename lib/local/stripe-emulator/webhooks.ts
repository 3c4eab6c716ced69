// Delivers recorded events to a webhook endpoint the way Stripe does: a POST
// of the event JSON with a `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
// "<t>.<body>">` header, signed by the SDK's own helper so the format is the
// one `stripe.webhooks.constructEvent` verifies. Deliveries run one at a time
// in event order, retried with backoff on a non-2xx answer or network error.
import Stripe from 'stripe';
import type { EmulatorClock } from './clock';
import type { EventObject } from './wire-types';

export interface WebhookTarget {
  url: string;
  /** `whsec_…`; generated when omitted. */
  secret: string;
}

/**
 * Deliberately broken deliveries, for testing a receiver's verification:
 * a signature made with another secret, a timestamp older than the SDK's
 * 300-second tolerance, or no signature header at all.
 */
export type WebhookTamper = 'bad-signature' | 'stale-timestamp' | 'missing-signature';

export interface WebhookDelivery {
  eventId: string;
  type: string;
  attempt: number;
  /** HTTP status the endpoint answered, or null when the request failed. */
  status: number | null;
  error: string | null;
  signature: string | null;
  tamper: WebhookTamper | null;
}

export interface WebhookDispatcherOptions {
  clock: EmulatorClock;
  maxAttempts?: number;
  /** First retry delay in real milliseconds; doubles each attempt. */
  retryDelayMs?: number;
  /** Per-attempt timeout in real milliseconds. */
  timeoutMs?: number;
}

/** Seconds past which the SDK rejects a signature (`Webhook.DEFAULT_TOLERANCE`). */
const SDK_TOLERANCE_SECONDS = 300;

export class WebhookDispatcher {
  private target: WebhookTarget | null = null;
  private queue: Promise<void> = Promise.resolve();
  private readonly log: WebhookDelivery[] = [];
  private readonly clock: EmulatorClock;
  private readonly maxAttempts: number;
  private readonly retryDelayMs: number;
  private readonly timeoutMs: number;
  private generation = 0;

  constructor(options: WebhookDispatcherOptions) {
    this.clock = options.clock;
    this.maxAttempts = options.maxAttempts ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  configure(target: WebhookTarget | null): void {
    this.target = target;
  }

  get endpoint(): WebhookTarget | null {
    return this.target;
  }

  /** Queues delivery of `event` to the configured endpoint, if any. */
  enqueue(event: EventObject, onDelivered?: () => void): void {
    const target = this.target;
    if (!target) return;
    const generation = this.generation;
    this.queue = this.queue.then(async () => {
      if (generation !== this.generation) return;
      const delivered = await this.deliverWithRetries(target, event);
      if (delivered) onDelivered?.();
    });
  }

  /** Sends `event` once more (optionally tampered with) and resolves with that delivery. */
  async resend(event: EventObject, tamper: WebhookTamper | null = null): Promise<WebhookDelivery> {
    const target = this.target;
    if (!target) throw new Error('No webhook endpoint is configured on the Stripe emulator.');
    await this.idle();
    return this.attempt(target, event, 1, tamper);
  }

  /** Resolves once every queued delivery (with its retries) has finished. */
  async idle(): Promise<void> {
    let current: Promise<void>;
    do {
      current = this.queue;
      await current;
    } while (current !== this.queue);
  }

  deliveries(): WebhookDelivery[] {
    return this.log.map((delivery) => ({ ...delivery }));
  }

  /** Drops the log and abandons queued deliveries. */
  reset(): void {
    this.generation++;
    this.log.length = 0;
  }

  private async deliverWithRetries(target: WebhookTarget, event: EventObject): Promise<boolean> {
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const delivery = await this.attempt(target, event, attempt, null);
      if (delivery.status !== null && delivery.status >= 200 && delivery.status < 300) return true;
      if (attempt < this.maxAttempts) await sleep(this.retryDelayMs * 2 ** (attempt - 1));
    }
    return false;
  }

  private async attempt(target: WebhookTarget, event: EventObject, attempt: number, tamper: WebhookTamper | null): Promise<WebhookDelivery> {
    const payload = JSON.stringify(event, null, 2);
    const now = this.clock.unixNow();
    const signature =
      tamper === 'missing-signature'
        ? null
        : Stripe.webhooks.generateTestHeaderString({
            payload,
            secret: tamper === 'bad-signature' ? `${target.secret}_not_the_endpoint_secret` : target.secret,
            timestamp: tamper === 'stale-timestamp' ? now - SDK_TOLERANCE_SECONDS - 60 : now,
          });
    const delivery: WebhookDelivery = {
      eventId: event.id,
      type: event.type,
      attempt,
      status: null,
      error: null,
      signature,
      tamper,
    };
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json; charset=utf-8',
          'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          ...(signature ? { 'Stripe-Signature': signature } : {}),
        },
        body: payload,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      delivery.status = response.status;
      await response.body?.cancel();
    } catch (error) {
      delivery.error = (error as Error).message;
    }
    this.log.push(delivery);
    return delivery;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
