/**
 * Starts the containers container-stack.ts describes, with testcontainers. Only what works on
 * every engine is used: the host's network (no mapped ports), log and command wait strategies,
 * and a label to clean up by, since Ryuk (testcontainers' reaper) needs a published port.
 */
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { spawnSync } from 'node:child_process';
import { waitFor } from './wait-for.js';
import {
  containerSpecs,
  containerStackEnv,
  type ContainerSpec,
  type ContainerStackOptions,
  type TestStackEnv,
} from './container-stack.js';

const LABEL = 'outbox-platform.test-stack';

export interface RunningContainerStack {
  env: TestStackEnv;
  /** Containers that are no longer running (they should all run until stop), with why. */
  stopped(): string[];
  stop(): Promise<void>;
}

/** A container's exit and its last log lines, or undefined while it runs. */
function exitReport(name: string, id: string): string | undefined {
  const state = spawnSync('docker', ['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', id], {
    encoding: 'utf8',
  });
  const [running, exitCode] = state.stdout.trim().split(' ');
  if (state.status === 0 && running === 'true') return undefined;
  const logs = spawnSync('docker', ['logs', '--tail', '20', id], { encoding: 'utf8' });
  const lines = `${logs.stdout}${logs.stderr}`.trimEnd();
  return `${name} stopped during the suites (exit code ${exitCode ?? 'unknown'}); its last lines:\n${lines}`;
}

/** Removes containers a killed earlier run left behind: they would hold the ports. */
export function removeLeftoverContainers(): void {
  const listed = spawnSync('docker', ['ps', '-aq', '--filter', `label=${LABEL}`], { encoding: 'utf8' });
  const ids = listed.stdout.split('\n').filter(Boolean);
  if (ids.length > 0) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
}

/** A URL is polled from the host once the container has logged its first line. */
function waitStrategy(ready: ContainerSpec['ready']) {
  if ('logLine' in ready) return Wait.forLogMessage(ready.logLine);
  if ('command' in ready) return Wait.forSuccessfulCommand(ready.command.join(' '));
  return Wait.forLogMessage(/\S/);
}

async function urlAnswers(url: string): Promise<boolean> {
  const response = await fetch(url).catch(() => undefined);
  return response?.ok ?? false;
}

function container(spec: ContainerSpec): GenericContainer {
  return new GenericContainer(spec.image)
    .withNetworkMode('host')
    .withEnvironment(spec.env)
    .withCommand(spec.command)
    .withLabels({ [LABEL]: 'true' })
    .withWaitStrategy(waitStrategy(spec.ready))
    .withStartupTimeout(180_000);
}

/**
 * The registry's global compatibility, as the local stack sets it: without one Apicurio answers
 * GET /config/{subject} with NONE, which the JS client rejects. Retried: an image that sets it
 * itself at start (the stand-in does) can race this PUT, and Apicurio then answers one of the two
 * 409 "rule already exists".
 */
async function setRegistryCompatibility(registryUrl: string): Promise<void> {
  let status = 0;
  for (let attempt = 1; attempt <= 5; attempt++) {
    const response = await fetch(`${registryUrl}/config`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ compatibility: 'BACKWARD' }),
    });
    if (response.ok) return;
    status = response.status;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`setting the registry's compatibility failed: HTTP ${status}`);
}

export async function startContainerStack(
  options: ContainerStackOptions,
  log: (line: string) => void = () => {},
): Promise<RunningContainerStack> {
  removeLeftoverContainers();
  const started: { name: string; container: StartedTestContainer }[] = [];
  const stop = async () => {
    await Promise.all(started.map(({ container }) => container.stop({ timeout: 10_000 })));
  };
  const stopped = () => started.flatMap(({ name, container }) => exitReport(name, container.getId()) ?? []);
  try {
    // One at a time: the two cores of our machines start one JVM faster than two.
    for (const spec of containerSpecs(options)) {
      const begun = Date.now();
      started.push({ name: spec.name, container: await container(spec).start() });
      const { ready } = spec;
      if ('url' in ready) await waitFor(`${spec.name} at ${ready.url}`, () => urlAnswers(ready.url), 180_000);
      log(`${spec.name} (${spec.image}) ready in ${((Date.now() - begun) / 1000).toFixed(1)}s`);
    }
    const env = containerStackEnv(options);
    await setRegistryCompatibility(env.SCHEMA_REGISTRY_URL);
    return { env, stopped, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
