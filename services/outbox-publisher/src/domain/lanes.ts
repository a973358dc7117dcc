/**
 * Per-aggregate order with several publisher instances: every aggregate belongs to one of
 * `total` lanes (a hash of its type and id, computed by PostgreSQL), and each lane is relayed
 * by at most one instance at a time (it holds the lane's advisory lock). Within a lane rows
 * are relayed in id order, one batch after another, so one aggregate's events reach Kafka in
 * the order they were committed.
 *
 * This plans the fair share: with `live` instances each should hold about total / live lanes.
 */
export function planLanes(options: { held: number[]; total: number; live: number }): {
  release: number[];
  want: number;
} {
  const share = Math.ceil(options.total / Math.max(1, options.live));
  const excess = Math.max(0, options.held.length - share);
  return {
    // Give up the highest lanes first, so the same lanes keep staying where they are.
    release: [...options.held].sort((a, b) => b - a).slice(0, excess),
    want: Math.max(0, share - options.held.length),
  };
}

/**
 * The lanes an instance holds, dealt out to `groups` lane groups relayed at once (each its own
 * claim loop and connection). A lane is in exactly one group, so each aggregate is still relayed
 * serially; the instance relays up to `groups` batches of different lanes at a time.
 */
export function splitLanes(held: readonly number[], groups: number): number[][] {
  const sorted = [...held].sort((a, b) => a - b);
  return Array.from({ length: groups }, (_, group) => sorted.filter((_, i) => i % groups === group));
}
