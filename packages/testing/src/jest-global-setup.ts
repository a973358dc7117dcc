/**
 * jest's global set-up for every workspace (jest.preset.js): with the containers test stack
 * (container-stack.ts), starts it before the suites and points them at it through the
 * environment, which jest's workers inherit. With the local stack it does nothing.
 */
import { chooseTestStack, containerStackOptions, dockerAnswers } from './container-stack.js';
import { startContainerStack, type RunningContainerStack } from './container-stack-runner.js';

declare global {
  var platformTestStack: RunningContainerStack | undefined;
}

export default async function globalSetup(): Promise<void> {
  if (chooseTestStack(process.env, dockerAnswers) !== 'containers') return;
  const options = containerStackOptions(process.env);
  const log = (line: string) => process.stderr.write(`[test-stack] ${line}\n`);
  log('starting PostgreSQL, Kafka and the schema registry in containers');
  globalThis.platformTestStack = await startContainerStack(options, log);
  Object.assign(process.env, globalThis.platformTestStack.env);
  log(
    `suites use ${Object.entries(globalThis.platformTestStack.env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`,
  );
}
