/**
 * Runs `work` every `intervalMs`, never two runs at once: a tick that finds the previous run
 * still going is skipped. A failed run goes to `onError`; the next tick tries again. `stop` ends
 * the schedule and waits for a run in progress. The timer does not keep the process alive.
 */
export function runEvery(
  intervalMs: number,
  work: () => Promise<unknown>,
  onError: (error: unknown) => void,
): { stop(): Promise<void> } {
  let current: Promise<void> | undefined;
  const timer = setInterval(() => {
    current ??= work()
      .then(() => undefined, onError)
      .finally(() => {
        current = undefined;
      });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}

/**
 * Deletes in bounded batches until a batch comes back short (or `keepGoing` says stop), so no one
 * statement holds many locks or writes much WAL. Returns how many were deleted.
 */
export async function deleteInBatches(
  deleteBatch: (limit: number) => Promise<number>,
  batchSize: number,
  keepGoing: () => boolean = () => true,
): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteBatch(batchSize);
    total += deleted;
    if (deleted < batchSize || !keepGoing()) return total;
  }
}
