/**
 * A token bucket shared by every Stripe call of one process: `ratePerSecond`
 * tokens refill continuously up to `burst`. Waiters are served in order, so a
 * close over thousands of contracts stays under Stripe's account-wide limit
 * instead of discovering it through 429s.
 */
export interface TokenBucketOptions {
  readonly ratePerSecond: number;
  /** Most tokens held at once (defaults to one second's worth). */
  readonly burst?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: TokenBucketOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError('ratePerSecond must be greater than 0');
    this.rate = options.ratePerSecond;
    this.burst = Math.max(1, options.burst ?? Math.ceil(options.ratePerSecond));
    this.now = options.now ?? (() => performance.now());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.tokens = this.burst;
    this.last = this.now();
  }

  /** Resolves when one token has been taken. */
  take(): Promise<void> {
    const turn = this.queue.then(() => this.takeInOrder());
    // A rejected turn must not block later callers.
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  private async takeInOrder(): Promise<void> {
    this.refill();
    while (this.tokens < 1) {
      await this.sleep(Math.ceil(((1 - this.tokens) / this.rate) * 1000));
      this.refill();
    }
    this.tokens -= 1;
  }
}
