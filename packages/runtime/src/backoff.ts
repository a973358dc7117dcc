export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (1-based): exponential growth capped at maxMs, with "full
 * jitter" (uniform between 0 and the cap of the step) so restarting instances do not retry in
 * lockstep. `random` is injectable for tests.
 */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** Math.max(0, attempt - 1));
  return Math.max(policy.initialMs / 2, Math.round(random() * ceiling));
}
