import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { createScratchDatabase, ServiceProcess, uniqueName, waitFor } from '@platform/testing';

const services = path.resolve(import.meta.dirname, '../../services');
const main = (name: string) => path.join(services, name, 'dist/main.js');

describe('end to end: HTTP request -> outbox -> Kafka -> ClickHouse (all real, all processes)', () => {
  const processes: ServiceProcess[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'e2e-chdb-'));
  let database: { url: string; drop(): Promise<void> };

  beforeAll(async () => {
    database = await createScratchDatabase(process.env.DATABASE_URL!, 'e2e');
    execFileSync(process.execPath, [path.join(services, 'user-api/dist/migrate.js')], {
      env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
    });
  });

  afterAll(async () => {
    for (const p of processes) p.signal('SIGTERM');
    await Promise.all(processes.map((p) => p.exitCode()));
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('stores every event of every committed change exactly once, through a publisher crash', async () => {
    const topic = uniqueName('e2e-users');
    const env = { ...process.env, DATABASE_URL: database.url, OUTBOX_TOPIC: topic, SINK_TOPIC: topic };
    const start = (name: string, extra: Record<string, string> = {}) => {
      const p = new ServiceProcess(main(name), { ...env, ...extra });
      processes.push(p);
      return p;
    };
    // Provisioned up front, as in production (the sink waiting for a missing topic is covered by
    // the sink's own tests).
    const admin = new Kafka({
      brokers: process.env.KAFKA_BROKERS!.split(','),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const api = start('user-api', { HTTP_HOST: '127.0.0.1', HTTP_PORT: '0' });
    const publisher = start('outbox-publisher', { PUBLISHER_HTTP_PORT: '0' });
    const sink = start('clickhouse-sink', {
      CLICKHOUSE_URL: '',
      CLICKHOUSE_DATA_DIR: dataDir,
      SINK_GROUP_ID: uniqueName('e2e-sink'),
      SINK_DLQ_TOPIC: uniqueName('e2e-dlq'),
      SINK_HTTP_PORT: '0',
    });
    const base = `http://127.0.0.1:${String((await api.waitForLog('listening')).port)}`;
    const sinkPort = String((await sink.waitForLog('consuming')).http_port);
    const call = (method: string, url: string, body?: object, headers: Record<string, string> = {}) =>
      fetch(`${base}${url}`, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });

    // 30 users created, 10 renamed, 5 deleted: 45 changes
    const ids: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      const response = await call('POST', '/users', { email: `e2e-${i}@x.io`, name: `User ${i}` });
      expect(response.status).toBe(201);
      ids.push(((await response.json()) as { id: string }).id);
    }
    // The publisher dies mid-stream and comes back
    publisher.signal('SIGKILL');
    await publisher.exitCode();
    for (const id of ids.slice(0, 10)) {
      expect((await call('PATCH', `/users/${id}`, { name: 'Renamed' }, { 'If-Match': '"1"' })).status).toBe(
        200,
      );
    }
    for (const id of ids.slice(20, 25)) expect((await call('DELETE', `/users/${id}`)).status).toBe(204);
    start('outbox-publisher');

    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const committed = (
      await pool.query<{ event_id: string }>('select event_id from outbox order by id')
    ).rows.map((r) => r.event_id);
    await pool.end();
    expect(committed).toHaveLength(45);

    const query = async <Row>(sql: string): Promise<Row[]> => {
      const response = await fetch(`http://127.0.0.1:${sinkPort}/query`, { method: 'POST', body: sql });
      return ((await response.json()) as { rows: Row[] }).rows;
    };
    await waitFor(
      'all 45 events in ClickHouse',
      async () => (await query<{ n: string }>('SELECT count() AS n FROM analytics.event_log'))[0]!.n === '45',
      120_000,
    ).catch((error: unknown) => {
      // What each process said last, to tell which link of the chain stopped.
      for (const p of processes)
        console.error(
          p.logLines
            .slice(-6)
            .map((l) => JSON.stringify(l))
            .join('\n'),
        );
      throw error;
    });
    const stored = await query<{ id: string; type: string }>(
      'SELECT toString(event_id) AS id, event_type AS type FROM analytics.event_log',
    );
    expect(stored.map((r) => r.id).sort()).toEqual([...committed].sort());
    expect(stored.filter((r) => r.type === 'user_updated')).toHaveLength(10);
    expect(stored.filter((r) => r.type === 'user_deleted')).toHaveLength(5);
  });
});
