import type { Middleware } from 'koa';
import { overloaded, rateLimited } from '../domain/errors.js';
import { RateLimiter } from '../domain/rate-limit.js';

export interface RequestLimits {
  /** Per client address: sustained requests per second, and the burst allowed above it. */
  ratePerSecond: number;
  rateBurst: number;
  /** Requests in flight at once; more are refused at once rather than queued. */
  maxConcurrent: number;
}

// Probes answer whatever the load: a limited liveness probe would get a busy process restarted.
const UNLIMITED = new Set(['/healthz', '/readyz']);

/**
 * Abuse limits in front of the routes: a token bucket per client address (429 with
 * Retry-After) and a cap on requests in flight (503 with Retry-After). In memory, per process:
 * with N instances a client gets N times the rate; a shared limit needs a shared store
 * (a gateway or Redis), which this does not pretend to be.
 */
export function requestLimits(limits: RequestLimits): Middleware {
  const limiter = new RateLimiter(limits.ratePerSecond, limits.rateBurst);
  const sweeper = setInterval(() => limiter.sweep(), 60_000);
  sweeper.unref();
  let inFlight = 0;
  return async (ctx, next) => {
    if (UNLIMITED.has(ctx.path)) return next();
    const wait = limiter.take(ctx.ip);
    if (wait > 0) {
      ctx.set('Retry-After', String(wait));
      throw rateLimited(wait);
    }
    if (inFlight >= limits.maxConcurrent) {
      ctx.set('Retry-After', '1');
      throw overloaded();
    }
    inFlight += 1;
    try {
      await next();
    } finally {
      inFlight -= 1;
    }
  };
}
