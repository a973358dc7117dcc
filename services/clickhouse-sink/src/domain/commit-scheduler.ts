/**
 * Runs `commit` every `intervalMs`, one at a time: a commit that takes longer than the interval
 * (following a re-created topic) is not overlapped by the next. A failed commit is reported and
 * tried again at the next tick; `stop` ends the ticks and waits for a commit in flight.
 */
export function createCommitScheduler(options: {
  intervalMs: number;
  commit: () => Promise<void>;
  onError: (error: unknown) => void;
}) {
  let timer: NodeJS.Timeout | undefined;
  let committing: Promise<void> | undefined;
  const tick = () => {
    committing ??= options
      .commit()
      .catch(options.onError)
      .finally(() => {
        committing = undefined;
      });
  };
  return {
    start(): void {
      timer = setInterval(tick, options.intervalMs);
    },
    /** A commit now, unless one is under way (and only once ticks have started). */
    kick(): void {
      if (timer) tick();
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await committing;
    },
  };
}
