/**
 * Stops the containers jest-global-setup.ts started, whatever the suites' outcome. A container
 * that stopped on its own before (its process died) fails the run, with its last log lines: the
 * suites only saw refused connections, and its log is gone once it is removed.
 */
export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.platformTestStack;
  if (!stack) return;
  globalThis.platformTestStack = undefined;
  const stopped = stack.stopped();
  await stack.stop();
  process.stderr.write('[test-stack] containers stopped\n');
  if (stopped.length > 0) {
    for (const report of stopped) process.stderr.write(`[test-stack] ${report}\n`);
    throw new Error(`[test-stack] ${stopped.length} container(s) stopped during the suites`);
  }
}
