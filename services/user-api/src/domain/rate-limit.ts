/**
 * Token buckets per client: each holds up to `burst` requests and refills at `perSecond`. A
 * request takes one token or is refused with the seconds until one is back. Plain code over a
 * clock, so it is tested without waiting. Buckets idle long enough to be full again are dropped,
 * so memory follows the clients seen recently, not all clients ever seen.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes a token for `client`: 0 when allowed, else the seconds to wait (Retry-After). */
  take(client: string): number {
    const now = this.now();
    const bucket = this.buckets.get(client) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond);
    bucket.at = now;
    this.buckets.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - bucket.tokens) / this.perSecond);
  }

  /** Forgets buckets that have refilled completely (no client loses anything by it). */
  sweep(): void {
    const now = this.now();
    for (const [client, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 1000) * this.perSecond >= this.burst)
        this.buckets.delete(client);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}
