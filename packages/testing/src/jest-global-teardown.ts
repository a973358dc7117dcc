/** Stops the containers jest-global-setup.ts started, whatever the suites' outcome. */
export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.platformTestStack;
  if (!stack) return;
  globalThis.platformTestStack = undefined;
  await stack.stop();
  process.stderr.write('[test-stack] containers stopped\n');
}
