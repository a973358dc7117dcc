import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { waitFor } from '@platform/testing';
import { apiCaller, createPlatform, sinkQuery, SINK_QUERY_TOKEN, type Platform } from './support/platform.js';

const services = path.resolve(import.meta.dirname, '../../services');
const outboxCli = path.join(services, 'outbox-publisher/dist/cli.js');

interface AuditOutput {
  matches: boolean;
  committed: number;
  stored: number;
  missing: { total: number; processed: number; events: { event_id: string; outbox_status: string }[] };
  extra: { total: number; events: { event_id: string }[] };
  repair?: { republished: number; recently_published: number; published: number; failed_again: number };
}

/**
 * Runs SQL on the sink's embedded ClickHouse directory with the engine the sink uses (chdb),
 * in a process of its own: what an operator's mistake or a lost part would do to the table.
 */
function changeWarehouse(dataDir: string, statements: string[]): void {
  const script = `
    import { Session } from 'chdb';
    const session = new Session(process.env.DATA_DIR);
    for (const sql of JSON.parse(process.env.STATEMENTS)) session.query(sql);
    session.close();`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: path.join(services, 'clickhouse-sink'),
    env: { ...process.env, DATA_DIR: dataDir, STATEMENTS: JSON.stringify(statements) },
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`changing the warehouse failed: ${run.stderr}`);
}

describe('outbox-cli audit: the outbox reconciled with ClickHouse, on the running pipeline', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await createPlatform('audit');
  });

  afterAll(async () => {
    await platform.stop();
  });

  it('names exactly the events deleted from ClickHouse and one it never had, and --repair stores them again', async () => {
    const api = platform.start('user-api');
    platform.start('outbox-publisher');
    let sink = platform.start('clickhouse-sink');
    const base = await platform.baseUrl(api, 'user-api');
    let sinkUrl = await platform.baseUrl(sink, 'clickhouse-sink');
    const call = apiCaller(base, platform);
    for (let i = 0; i < 30; i += 1) {
      expect((await call('POST', '/users', { email: `audit-${i}@x.io`, name: `A ${i}` })).status).toBe(201);
    }
    const storedIds = async () =>
      (
        await sinkQuery<{ id: string }>(
          sinkUrl,
          'SELECT DISTINCT toString(event_id) AS id FROM analytics.event_log ORDER BY id',
        )
      ).map((r) => r.id);
    await waitFor('30 events in ClickHouse', async () => (await storedIds()).length === 30, 120_000);
    const audit = (...args: string[]) => {
      const run = spawnSync(process.execPath, [outboxCli, 'audit', '--settle-minutes', '0', ...args], {
        env: {
          ...process.env,
          DATABASE_URL: platform.databaseUrl,
          SINK_QUERY_URL: sinkUrl,
          SINK_QUERY_TOKEN,
        },
        encoding: 'utf8',
      });
      return {
        status: run.status,
        stderr: run.stderr,
        output: JSON.parse(run.stdout || '{}') as AuditOutput,
      };
    };

    // Everything arrived: the audit agrees, with exit code 0
    const clean = audit();
    expect(clean.status).toBe(0);
    expect(clean.output).toMatchObject({ matches: true, committed: 30, stored: 30 });

    // Three events deleted from ClickHouse, and one added that was never committed
    const deleted = (await storedIds()).slice(3, 6);
    const extra = randomUUID();
    sink.signal('SIGTERM');
    expect(await sink.exitCode()).toBe(0);
    changeWarehouse(platform.dataDir, [
      // A mutation, not a lightweight DELETE: the table has a projection (stored positions).
      `ALTER TABLE analytics.event_log DELETE WHERE event_id IN (${deleted.map((id) => `'${id}'`).join(', ')})
       SETTINGS mutations_sync = 2`,
      `INSERT INTO analytics.event_log (event_id, event_type, event_time, environment, aggregate_type, aggregate_id, payload)
       VALUES ('${extra}', 'user_created', now64(3), 'test', 'user', '${randomUUID()}', '{}')`,
    ]);
    sink = platform.start('clickhouse-sink');
    sinkUrl = await platform.baseUrl(sink, 'clickhouse-sink');

    // A list limit of 4 splits the 30-event bucket by the id hash's first digit: only the parts
    // holding a difference are listed (the narrowing's SQL, on both databases).
    const found = audit('--list-limit', '4');
    expect(found.status).toBe(3);
    expect(found.output).toMatchObject({ matches: false, committed: 30, stored: 28 });
    expect(found.output.missing).toMatchObject({ total: 3, processed: 3 });
    expect(found.output.missing.events.map((e) => e.event_id).sort()).toEqual(deleted);
    expect(found.output.extra.events.map((e) => e.event_id)).toEqual([extra]);
    expect(found.stderr).toMatch(/audit: differing buckets: /);

    // --repair publishes the missing ones again through the replay path, --wait follows it
    const repaired = audit('--repair', '--wait');
    expect(repaired.output.repair).toEqual({
      republished: 3,
      recently_published: 0,
      published: 3,
      failed_again: 0,
    });
    await waitFor('the deleted events stored again', async () => (await storedIds()).length === 31, 60_000);

    // Only the event ClickHouse should not have is left
    const after = audit();
    expect(after.status).toBe(3);
    expect(after.output).toMatchObject({
      committed: 30,
      stored: 31,
      missing: { total: 0 },
      extra: { total: 1 },
    });
  });
});
