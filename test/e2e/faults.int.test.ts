import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { waitFor, type ServiceProcess } from '@platform/testing';
import { apiCaller, createPlatform, sinkQuery, type Platform } from './support/platform.js';
import { startPrivatePostgres } from './support/private-postgres.js';
import { startTcpProxy } from './support/tcp-proxy.js';

// Faults around the pipeline, each checked against PostgreSQL: every committed change has its
// event in ClickHouse exactly once, nothing more.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Still up (none of the faults may take a service down). */
const stillRunning = async (service: ServiceProcess) =>
  (await Promise.race([service.exitCode().then(() => false), sleep(100).then(() => true)])) as boolean;

async function outboxEventIds(databaseUrl: string): Promise<string[]> {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  try {
    return (await pool.query<{ event_id: string }>('select event_id from outbox')).rows.map(
      (r) => r.event_id,
    );
  } finally {
    await pool.end();
  }
}

/**
 * Waits until ClickHouse holds exactly the outbox's events, then checks each is there once, as
 * the table promises it: with FINAL. Delivery is at least once, so a batch the publisher had sent
 * when a fault struck is sent again (same event id, another offset); ReplacingMergeTree collapses
 * the two on merge, and FINAL shows the merged result now (docs/architecture.md, "The ClickHouse sink").
 */
async function expectStoredOnce(platform: Platform, sinkUrl: string, timeoutMs = 120_000) {
  const committed = await outboxEventIds(platform.databaseUrl);
  const stored = async () =>
    (
      await sinkQuery<{ id: string }>(
        sinkUrl,
        'SELECT toString(event_id) AS id FROM analytics.event_log FINAL',
      )
    ).map((r) => r.id);
  await waitFor(
    `all ${committed.length} events in ClickHouse`,
    async () => (await stored()).length >= committed.length,
    timeoutMs,
  ).catch((error: unknown) => {
    platform.printRecentLogs();
    throw error;
  });
  expect((await stored()).sort()).toEqual([...committed].sort());
  return committed;
}

describe('end to end under faults (all real, all processes)', () => {
  it('PostgreSQL crashing under load: 503 meanwhile, each retried create stored once, relay resumes', async () => {
    const postgres = await startPrivatePostgres();
    const platform = await createPlatform('pgcrash', {}, { databaseServerUrl: postgres.url });
    try {
      const api = platform.start('user-api');
      // A backoff cap of 1 s (30 s by default): the relay's retries resume soon after the restart.
      const publisher = platform.start('outbox-publisher', { OUTBOX_BACKOFF_MAX_MS: '1000' });
      const sink = platform.start('clickhouse-sink');
      const base = await platform.baseUrl(api, 'user-api');
      const sinkUrl = await platform.baseUrl(sink, 'clickhouse-sink');
      const relayFailures = () =>
        publisher.logLines.filter((l) => l.message === 'relay attempt failed; rows stay pending; backing off')
          .length;

      // Clients as they should be written: each create carries an Idempotency-Key and is retried
      // until it gets its 201, so an answer lost in the crash cannot make a second user.
      const statuses = new Map<number | string, number>();
      const created = new Set<string>();
      let running = true;
      const client = async (n: number) => {
        for (let i = 0; running; i += 1) {
          const key = `client-${n}-${i}`;
          for (;;) {
            const outcome = await fetch(`${base}/users`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...platform.authHeader, 'idempotency-key': key },
              body: JSON.stringify({ email: `${key}@x.io`, name: key }),
            }).catch(() => undefined);
            const status = outcome?.status ?? 'no answer';
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            if (outcome?.status === 201) {
              created.add(((await outcome.json()) as { id: string }).id);
              break;
            }
            if (outcome?.status === 503)
              expect(Number(outcome.headers.get('retry-after'))).toBeGreaterThan(0);
            else if (outcome)
              throw new Error(`POST /users answered ${outcome.status}: ${await outcome.text()}`);
            await sleep(100);
          }
        }
      };
      const clients = [1, 2, 3, 4].map(client);
      await waitFor('load under way', async () => created.size >= 100);
      const before503 = statuses.get(503) ?? 0;
      const failuresBefore = relayFailures();
      postgres.crash();
      // Down until both sides felt it: clients answered 503, the relay failed an attempt.
      await waitFor(
        '503s and a failed relay attempt while PostgreSQL is down',
        async () => (statuses.get(503) ?? 0) >= before503 + 20 && relayFailures() > failuresBefore,
      );
      postgres.start();
      const afterRestart = created.size;
      await waitFor('creates succeed again', async () => created.size >= afterRestart + 100);
      running = false;
      await Promise.all(clients);

      expect(statuses.get(503)).toBeGreaterThan(0);
      // Against PostgreSQL: each user created once, each with its one event.
      const pool = new pg.Pool({ connectionString: platform.databaseUrl, max: 1 });
      const users = (await pool.query<{ id: string }>('select id from users')).rows.map((r) => r.id);
      const events = (
        await pool.query<{ id: string }>(
          `select aggregate_id as id from outbox where event_type = 'user_created'`,
        )
      ).rows.map((r) => r.id);
      await pool.end();
      expect(users.sort()).toEqual([...created].sort());
      expect(events.sort()).toEqual([...created].sort());
      // The relay came back by itself: every event reaches ClickHouse once.
      for (const service of [api, publisher]) expect(await stillRunning(service)).toBe(true);
      await expectStoredOnce(platform, sinkUrl);
      expect(
        publisher.logLines.some((l) => l.message === 'relay attempt failed; rows stay pending; backing off'),
      ).toBe(true);
    } finally {
      await platform.stop();
      postgres.remove();
    }
  }, 240_000);

  it('the schema registry away: new event types wait at the publisher, new schema ids at the sink', async () => {
    const registry = new URL(process.env.SCHEMA_REGISTRY_URL!);
    const target = { host: registry.hostname, port: Number(registry.port) };
    const [toPublisher, toSink] = await Promise.all([startTcpProxy(target), startTcpProxy(target)]);
    const via = (port: number) => Object.assign(new URL(registry), { host: `127.0.0.1:${port}` }).toString();
    const platform = await createPlatform('registry');
    try {
      const api = platform.start('user-api');
      const publisher = platform.start('outbox-publisher', {
        SCHEMA_REGISTRY_URL: via(toPublisher.port),
        OUTBOX_BACKOFF_MAX_MS: '1000',
      });
      /** The highest attempt number a failing relay group logged since log line `from`. */
      const failedAttempts = (from: number) =>
        Math.max(
          0,
          ...publisher.logLines
            .slice(from)
            .filter((l) => l.message === 'relay attempt failed; rows stay pending; backing off')
            .map((l) => Number(l.attempt)),
        );
      let sink = platform.start('clickhouse-sink', {
        SCHEMA_REGISTRY_URL: via(toSink.port),
        SINK_BACKOFF_MAX_MS: '1000',
      });
      const base = await platform.baseUrl(api, 'user-api');
      let sinkUrl = await platform.baseUrl(sink, 'clickhouse-sink');
      const call = apiCaller(base, platform);
      const ids: string[] = [];
      for (let i = 0; i < 10; i += 1) {
        const response = await call('POST', '/users', { email: `registry-${i}@x.io`, name: `R ${i}` });
        ids.push(((await response.json()) as { id: string }).id);
      }
      await expectStoredOnce(platform, sinkUrl);

      // The first user_updated and user_deleted are published while the registry is unreachable.
      const logFrom = publisher.logLines.length;
      await toPublisher.down();
      for (const id of ids.slice(0, 5)) {
        expect((await call('PATCH', `/users/${id}`, { name: 'Renamed' }, { 'If-Match': '"1"' })).status).toBe(
          200,
        );
      }
      for (const id of ids.slice(5, 8)) expect((await call('DELETE', `/users/${id}`)).status).toBe(204);
      // A relay group failed on the registry three times in a row; the rows outlived it, pending.
      await waitFor('a third failed relay attempt on the registry', async () => failedAttempts(logFrom) >= 3);
      const pool = new pg.Pool({ connectionString: platform.databaseUrl, max: 1 });
      const waiting = async () =>
        (
          await pool.query<{ status: string; n: string }>(
            'select status, count(*) as n from outbox group by status',
          )
        ).rows;
      // Still pending: not published, and not given up on as failed.
      expect(await waiting()).toEqual(expect.arrayContaining([{ status: 'pending', n: '8' }]));
      await toPublisher.up();
      await expectStoredOnce(platform, sinkUrl);

      // A sink that has never seen these schema ids starts while the registry is unreachable.
      sink.signal('SIGTERM');
      expect(await sink.exitCode()).toBe(0);
      await toSink.down();
      for (const id of ids.slice(0, 3)) {
        expect((await call('PATCH', `/users/${id}`, { name: 'Again' }, { 'If-Match': '"2"' })).status).toBe(
          200,
        );
      }
      sink = platform.start('clickhouse-sink', {
        SCHEMA_REGISTRY_URL: via(toSink.port),
        SINK_BACKOFF_MAX_MS: '1000',
      });
      sinkUrl = await platform.baseUrl(sink, 'clickhouse-sink');
      await waitFor('the sink tried to decode', async () =>
        sink.logLines.some((l) => l.message === 'decode failed; partition paused, retrying'),
      );
      await toSink.up();
      await expectStoredOnce(platform, sinkUrl);
      await pool.end();
      // Nothing was taken for poison: no dead letters.
      expect(sink.logLines.filter((l) => l.message === 'message dead-lettered')).toEqual([]);
    } finally {
      await platform.stop();
      await Promise.all([toPublisher.close(), toSink.close()]);
    }
  }, 240_000);

  it('a consumer far behind: the lag grows while it is away and shrinks to 0, nothing dropped', async () => {
    const platform = await createPlatform('behind');
    const kafka = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      const api = platform.start('user-api');
      platform.start('outbox-publisher');
      const base = await platform.baseUrl(api, 'user-api');
      const groupId = platform.groupId;
      const lag = async () => {
        const [ends, [committed]] = await Promise.all([
          admin.fetchTopicOffsets(platform.topic),
          admin.fetchOffsets({ groupId, topics: [platform.topic] }),
        ]);
        return ends.reduce((sum, { partition, high }) => {
          const at = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
          return sum + Number(high) - Math.max(0, at);
        }, 0);
      };
      const create = async (from: number, count: number) => {
        for (let i = from; i < from + count; i += 8) {
          await Promise.all(
            Array.from({ length: Math.min(8, from + count - i) }, (_, j) =>
              fetch(`${base}/users`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', ...platform.authHeader },
                body: JSON.stringify({ email: `behind-${i + j}@x.io`, name: `B ${i + j}` }),
              }).then((r) => expect(r.status).toBe(201)),
            ),
          );
        }
      };

      await create(0, 1500);
      await waitFor('the backlog on the topic', async () => (await lag()) === 1500);
      // The sink comes back far behind, with small batches (slow), while writes go on.
      const sink = platform.start('clickhouse-sink', { SINK_BATCH_SIZE: '50' });
      const sinkUrl = await platform.baseUrl(sink, 'clickhouse-sink');
      const more = create(1500, 1000);
      const seen: number[] = [];
      await waitFor(
        'caught up',
        async () => {
          seen.push(await lag());
          return seen.at(-1) === 0 && (await outboxEventIds(platform.databaseUrl)).length === 2500;
        },
        180_000,
      );
      await more;
      expect(Math.max(...seen)).toBeGreaterThan(0);
      const committed = await expectStoredOnce(platform, sinkUrl);
      expect(committed).toHaveLength(2500);
      // The sink's own gauge agrees once it has caught up.
      const metrics = await (await fetch(`${sinkUrl}/metrics`)).text();
      expect(metrics).toMatch(/sink_consumer_lag\{partition="0"\} 0/);
    } finally {
      await admin.disconnect();
      await platform.stop();
    }
  }, 300_000);

  // A full disk needs a file system of its own to fill: a small tmpfs, which needs root.
  (canMountTmpfs() ? it : it.skip)(
    "the sink's disk full: inserts refused, nothing committed past them, all stored once freed",
    async () => {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'full-chdb-'));
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', dataDir]);
      const platform = await createPlatform('diskfull', { CLICKHOUSE_DATA_DIR: dataDir });
      try {
        const api = platform.start('user-api');
        platform.start('outbox-publisher');
        const sink = platform.start('clickhouse-sink', { SINK_BACKOFF_MAX_MS: '1000' });
        const base = await platform.baseUrl(api, 'user-api');
        const sinkUrl = await platform.baseUrl(sink, 'clickhouse-sink');
        const create = async (from: number, count: number) => {
          for (let i = from; i < from + count; i += 1) {
            const response = await fetch(`${base}/users`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...platform.authHeader },
              body: JSON.stringify({ email: `full-${i}@x.io`, name: `F ${i}` }),
            });
            expect(response.status).toBe(201);
          }
        };
        await create(0, 20);
        await expectStoredOnce(platform, sinkUrl);

        // Fill the file system, then write more.
        const filler = path.join(dataDir, 'filler');
        fillUp(filler);
        await create(20, 30);
        await waitFor('an insert refused for lack of space', async () =>
          sink.logLines.some(
            (l) =>
              l.message === 'insert failed; partition paused, retrying' &&
              /space/i.test(JSON.stringify(l.error)),
          ),
        );
        // Five commit intervals (200 ms in these tests) for a wrong commit to happen.
        await sleep(1000);
        // Nothing committed past what is stored: the 30 new events are all still to be read.
        const kafka = new Kafka({
          brokers: process.env.KAFKA_BROKERS!.split(','),
          logLevel: logLevel.NOTHING,
        });
        const admin = kafka.admin();
        await admin.connect();
        const [committed] = await admin.fetchOffsets({ groupId: platform.groupId, topics: [platform.topic] });
        await admin.disconnect();
        const committedTotal = (committed?.partitions ?? []).reduce(
          (sum, p) => sum + Math.max(0, Number(p.offset)),
          0,
        );
        expect(committedTotal).toBe(20);
        expect(await stillRunning(sink)).toBe(true);

        fs.rmSync(filler);
        await expectStoredOnce(platform, sinkUrl);
      } finally {
        await platform.stop();
        execFileSync('umount', [dataDir]);
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
    240_000,
  );
});

function canMountTmpfs(): boolean {
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { recursive: true, force: true });
  }
}

/** Writes to `file` until the file system refuses (ENOSPC). */
function fillUp(file: string): void {
  const chunk = Buffer.alloc(1 << 20, 1);
  const fd = fs.openSync(file, 'w');
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
    // The last partial chunk may have left a few KB; fill those too.
    const byte = Buffer.alloc(4096, 1);
    try {
      for (;;) fs.writeSync(fd, byte);
    } catch {
      // full
    }
  } finally {
    fs.closeSync(fd);
  }
}
