/**
 * docker-compose.yml, run for real: `./platform docker up` builds the three service images from
 * infra/docker/service.Dockerfile and starts the composition (on this machine through the offline
 * override's stand-in images), a user goes in through the API, and the sink stores its event.
 * Then `./platform docker down -v` must leave nothing of the project behind.
 *
 * Needs a Docker engine and the ports docker-compose.yml publishes; ./platform test runs it in
 * its containers pass (TEST_DOCKER_COMPOSE=1), after the stand-in images are built.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { waitFor } from '@platform/testing';
import { sinkQuery } from './support/platform.js';

const root = path.resolve(import.meta.dirname, '../..');
const enabled = process.env.TEST_DOCKER_COMPOSE === '1';
const queryToken = randomBytes(24).toString('hex');
const project = 'outbox-platform'; // docker-compose.yml's name

/** Runs ./platform with the given arguments; resolves with its output, rejects with its tail. */
function platform(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(root, 'platform'), args, { cwd: root, env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`./platform ${args.join(' ')} exited ${code}:\n${output.slice(-4000)}`)),
    );
  });
}

/** What Docker still holds of the project: containers (running or not) and volumes. */
function projectLeftovers(): string[] {
  const label = `label=com.docker.compose.project=${project}`;
  const list = (args: string[]) =>
    spawnSync('docker', args, { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  return [
    ...list(['ps', '-a', '--filter', label, '--format', 'container {{.Names}}']),
    ...list(['volume', 'ls', '--filter', label, '--format', 'volume {{.Name}}']),
  ];
}

(enabled ? describe : describe.skip)('docker-compose.yml on a Docker engine', () => {
  afterAll(async () => {
    // Whatever happened above: nothing of the composition stays up.
    await platform(['docker', 'down', '-v']).catch(() => {});
  }, 120_000);

  it('builds the images, takes a user from the API to ClickHouse, and comes down leaving nothing', async () => {
    await platform(['docker', 'up'], { SINK_QUERY_TOKEN: queryToken });

    const token = spawnSync('npm', ['run', '--silent', 'token', '-w', '@platform/user-api'], {
      cwd: root,
      encoding: 'utf8',
    }).stdout.trim();
    expect(token).not.toBe('');
    const traceId = randomBytes(16).toString('hex');
    const email = `compose-${randomUUID()}@example.com`;
    const response = await fetch('http://127.0.0.1:3000/users', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${token}`,
        traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
      },
      body: JSON.stringify({ email, name: 'Compose' }),
    });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };

    // The sink's own port (docker-compose.yml: SINK_HTTP_HOST 0.0.0.0, default port 9464).
    const sink = 'http://127.0.0.1:9464';
    const rows = async () =>
      sinkQuery<{ type: string }>(
        sink,
        `SELECT event_type AS type FROM analytics.event_log WHERE aggregate_id = '${id}'`,
        queryToken,
      ).catch(() => []);
    await waitFor('the user-created event in ClickHouse', async () => (await rows()).length > 0, 120_000);
    expect(await rows()).toEqual([{ type: 'user_created' }]);

    // The request's trace reached the composition's Jaeger from all three services.
    const services = async () => {
      const trace = await fetch(`http://127.0.0.1:16686/api/traces/${traceId}`).catch(() => undefined);
      if (!trace?.ok) return [];
      const body = (await trace.json()) as { data: { processes: Record<string, { serviceName: string }> }[] };
      return [...new Set(Object.values(body.data[0]?.processes ?? {}).map((p) => p.serviceName))].sort();
    };
    await waitFor('the trace in Jaeger', async () => (await services()).length === 3, 60_000);
    expect(await services()).toEqual(['clickhouse-sink', 'outbox-publisher', 'user-api']);

    // Prometheus scrapes the three services by their compose names.
    const targets = async () => {
      const answer = await fetch('http://127.0.0.1:9090/api/v1/targets').catch(() => undefined);
      if (!answer?.ok) return [];
      const body = (await answer.json()) as {
        data: { activeTargets: { labels: { job: string }; health: string }[] };
      };
      return body.data.activeTargets
        .filter((t) => t.health === 'up')
        .map((t) => t.labels.job)
        .sort();
    };
    await waitFor('Prometheus to scrape the services', async () => (await targets()).length === 3, 90_000);
    expect(await targets()).toEqual(['clickhouse-sink', 'outbox-publisher', 'user-api']);

    expect(projectLeftovers().length).toBeGreaterThan(0);
    await platform(['docker', 'down', '-v']);
    expect(projectLeftovers()).toEqual([]);
  }, 900_000);
});
