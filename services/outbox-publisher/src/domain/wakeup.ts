/**
 * A sleep that a signal can cut short. A signal that arrives while nobody waits is kept, so
 * the next wait returns at once: a commit notified during a claim is never missed.
 */
export function createWakeup() {
  let signalled = false;
  let wake: (() => void) | undefined;
  return {
    notify() {
      signalled = true;
      wake?.();
    },
    /** Forget signals seen so far (call before looking for work). */
    reset() {
      signalled = false;
    },
    async wait(ms: number): Promise<void> {
      if (signalled) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          resolve();
        }
        wake = done;
      });
    },
  };
}

export type Wakeup = ReturnType<typeof createWakeup>;
