// Switchable faults for tests and benchmarks: error statuses (429, 500, 503,
// ...), slow responses, dropped connections, and a request-rate limit like
// Stripe's (25 requests/s in test mode). A fault fires either before the
// endpoint executes (nothing happens, nothing is saved against the
// idempotency key) or after it (the work is done and, for an error status,
// the error is what the idempotency key remembers, as Stripe saves 500s).
import type { RandomSource } from './ids';
import type { HttpMethod } from './router';

export type FaultPhase = 'before' | 'after';

export interface FaultMatch {
  /** Only requests whose path matches (a string is matched as a regular expression source). */
  path?: RegExp | string;
  method?: HttpMethod;
  /** How many requests the rule affects; Infinity for every matching request. @default 1 */
  times?: number;
  /** Fire on this share of matching requests (0..1), drawn from the emulator's seeded random source. @default 1 */
  probability?: number;
  /** @default 'before' */
  phase?: FaultPhase;
}

export interface ErrorFault extends FaultMatch {
  status: number;
  /**
   * Sets the `Stripe-Should-Retry` header. Unset, the stripe SDK retries 409
   * and 5xx and does not retry 429; Stripe itself sends `false` on saved 500s.
   */
  shouldRetry?: boolean;
  message?: string;
}

export interface DelayFault extends FaultMatch {
  ms: number;
}

export type DropFault = FaultMatch;

export type FaultRule =
  | ({ kind: 'error' } & ErrorFault)
  | ({ kind: 'delay' } & DelayFault)
  | ({ kind: 'drop' } & DropFault);

export interface FaultView {
  id: number;
  kind: FaultRule['kind'];
  phase: FaultPhase;
  status?: number;
  ms?: number;
  path?: string;
  method?: string;
  remaining: number | null;
  probability: number;
}

/** What the server should do to one request in one phase. */
export interface FaultOutcome {
  delayMs: number;
  error?: { status: number; shouldRetry?: boolean; message?: string };
  drop: boolean;
}

export interface FaultStats {
  /** Authenticated API requests that reached the rate limiter (admitted or not), so benchmarks can count calls. */
  requests: number;
  errors: Record<string, number>;
  delays: number;
  drops: number;
  rateLimited: number;
}

interface ActiveRule {
  id: number;
  rule: FaultRule;
  pattern: RegExp | undefined;
  remaining: number;
}

export class FaultController {
  private rules: ActiveRule[] = [];
  private nextId = 1;
  private limiter: TokenBucket | null = null;
  private counters: FaultStats = { requests: 0, errors: {}, delays: 0, drops: 0, rateLimited: 0 };

  constructor(private readonly random: RandomSource) {}

  /** Answers matching requests with an error status (Stripe's error shape for that status). */
  inject(fault: ErrorFault): number {
    if (!Number.isInteger(fault.status) || fault.status < 400 || fault.status > 599) {
      throw new RangeError(`A fault status must be an HTTP error status (400-599), got ${fault.status}`);
    }
    return this.add({ kind: 'error', ...fault });
  }

  /** Holds matching requests for `ms` milliseconds before (or after) they execute. */
  delay(fault: DelayFault): number {
    if (!(fault.ms >= 0)) throw new RangeError(`A delay must be zero or more milliseconds, got ${fault.ms}`);
    return this.add({ kind: 'delay', ...fault });
  }

  /**
   * Closes the connection without answering. After execution this is the
   * "lost response": the object exists but the client never heard back.
   */
  dropConnection(fault: DropFault = {}): number {
    return this.add({ kind: 'drop', ...fault });
  }

  /** Rejects requests beyond `perSecond` (token bucket, `burst` tokens) with 429; `null` turns it off. */
  rateLimit(limit: { perSecond: number; burst?: number } | null): void {
    if (limit !== null && !(limit.perSecond > 0)) {
      throw new RangeError(`A rate limit must allow more than 0 requests per second, got ${limit.perSecond}`);
    }
    this.limiter = limit === null ? null : new TokenBucket(limit.perSecond, limit.burst ?? limit.perSecond);
  }

  remove(id: number): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((rule) => rule.id !== id);
    return this.rules.length < before;
  }

  /** Removes every rule and the rate limit. */
  clear(): void {
    this.rules = [];
    this.limiter = null;
  }

  list(): FaultView[] {
    return this.rules.map(({ id, rule, remaining }) => ({
      id,
      kind: rule.kind,
      phase: rule.phase ?? 'before',
      ...(rule.kind === 'error' ? { status: rule.status } : {}),
      ...(rule.kind === 'delay' ? { ms: rule.ms } : {}),
      ...(rule.path !== undefined ? { path: String(rule.path) } : {}),
      ...(rule.method !== undefined ? { method: rule.method } : {}),
      remaining: Number.isFinite(remaining) ? remaining : null,
      probability: rule.probability ?? 1,
    }));
  }

  stats(): FaultStats {
    return structuredClone(this.counters);
  }

  resetStats(): void {
    this.counters = { requests: 0, errors: {}, delays: 0, drops: 0, rateLimited: 0 };
  }

  /** @internal The rate limiter's verdict for one incoming API request. */
  admit(): boolean {
    this.counters.requests++;
    if (!this.limiter || this.limiter.take()) return true;
    this.counters.rateLimited++;
    return false;
  }

  /** @internal Consumes the rules that fire for this request in this phase. */
  take(method: string, path: string, phase: FaultPhase): FaultOutcome {
    const outcome: FaultOutcome = { delayMs: 0, drop: false };
    for (const active of this.rules) {
      const { rule } = active;
      if ((rule.phase ?? 'before') !== phase || active.remaining <= 0) continue;
      if (rule.method !== undefined && rule.method !== method) continue;
      if (active.pattern) active.pattern.lastIndex = 0;
      if (active.pattern && !active.pattern.test(path)) continue;
      if (rule.kind !== 'delay' && (outcome.error || outcome.drop)) continue;
      if ((rule.probability ?? 1) < 1 && this.random() >= (rule.probability ?? 1)) continue;
      active.remaining--;
      if (rule.kind === 'delay') {
        outcome.delayMs += rule.ms;
        this.counters.delays++;
      } else if (rule.kind === 'drop') {
        outcome.drop = true;
        this.counters.drops++;
      } else {
        outcome.error = {
          status: rule.status,
          ...(rule.shouldRetry !== undefined ? { shouldRetry: rule.shouldRetry } : {}),
          ...(rule.message !== undefined ? { message: rule.message } : {}),
        };
        this.counters.errors[rule.status] = (this.counters.errors[rule.status] ?? 0) + 1;
      }
    }
    this.rules = this.rules.filter((active) => active.remaining > 0);
    return outcome;
  }

  private add(rule: FaultRule): number {
    const times = rule.times ?? 1;
    if (!(times > 0)) throw new RangeError(`A fault must apply at least once, got times=${times}`);
    if (rule.probability !== undefined && !(rule.probability > 0 && rule.probability <= 1)) {
      throw new RangeError(`A fault probability must be in (0, 1], got ${rule.probability}`);
    }
    const id = this.nextId++;
    const pattern = rule.path === undefined ? undefined : typeof rule.path === 'string' ? new RegExp(rule.path) : rule.path;
    this.rules.push({ id, rule, pattern, remaining: times });
    return id;
  }
}

/** Refills `perSecond` tokens a second up to `burst`; wall-clock time, since it models throughput. */
class TokenBucket {
  private tokens: number;
  private last = performance.now();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
  ) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
