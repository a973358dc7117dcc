import { backoffDelay, type BackoffPolicy } from '@platform/runtime';
import { PoisonMessageError } from './errors.js';

/** What a retried step may do around its attempts; the sink's are Kafka's (sink.ts). */
export interface RetryHooks {
  /** False once the work is no longer ours (partition taken away, stopping): give up. */
  alive(): boolean;
  /** Failures no retry will fix besides poison (the caller decided to give up): passed on. */
  final?(error: unknown): boolean;
  /** After the first failure: fetch nothing more for the partition (backpressure). */
  pause(): void;
  /** After a success that followed failures. */
  resume(): void;
  /** Waits before the next attempt (the sink heartbeats meanwhile). */
  wait(ms: number): Promise<void>;
  onRetry(attempt: number, delayMs: number, error: unknown): void;
}

/**
 * Runs `work` until it succeeds. A poison message is never retried (no retry can store it), and
 * a failure once the work is no longer ours is passed on; any other failure is retried after a
 * backoff delay, the partition paused from the first failure until the work succeeds.
 */
export async function retryUntilDone<T>(
  work: () => Promise<T>,
  backoff: BackoffPolicy,
  hooks: RetryHooks,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const result = await work();
      if (attempt > 1) hooks.resume();
      return result;
    } catch (error) {
      if (error instanceof PoisonMessageError || hooks.final?.(error)) {
        // Paused by an earlier failure: the caller moves on, and the partition must too.
        if (attempt > 1) hooks.resume();
        throw error;
      }
      if (!hooks.alive()) throw error;
      const delayMs = backoffDelay(attempt, backoff);
      hooks.onRetry(attempt, delayMs, error);
      if (attempt === 1) hooks.pause();
      await hooks.wait(delayMs);
      if (!hooks.alive()) throw error; // taken away while we waited: no further attempt
    }
  }
}
