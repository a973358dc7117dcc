/**
 * Work on one partition runs one piece at a time, in the order it was asked for (kafkajs
 * batches, timed flushes, the final flush); a failed piece does not stop the ones after it.
 */
export function createPartitionQueue() {
  const tails = new Map<number, Promise<unknown>>();
  return {
    run<T>(partition: number, work: () => Promise<T>): Promise<T> {
      const previous = tails.get(partition) ?? Promise.resolve();
      const next = previous.then(work, work);
      tails.set(
        partition,
        next.catch(() => undefined),
      );
      return next;
    },
  };
}
