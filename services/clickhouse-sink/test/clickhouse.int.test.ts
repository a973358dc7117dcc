import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse, type ClickHouseConfig } from '../src/adapters/clickhouse/client.js';

// The embedded engine unless CLICKHOUSE_URL points at a server; a fresh data directory per run.
function testTarget(): ClickHouseConfig {
  const database = `smoke_${process.pid}`;
  if (process.env.CLICKHOUSE_URL) {
    return {
      kind: 'server',
      url: process.env.CLICKHOUSE_URL,
      username: process.env.CLICKHOUSE_USER ?? 'default',
      password: process.env.CLICKHOUSE_PASSWORD ?? '',
      database,
    };
  }
  return { kind: 'embedded', dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'chdb-smoke-')), database };
}

describe('ClickHouse through createClickHouse', () => {
  const target = testTarget();
  const table = `${target.database}.events`;
  let client: ClickHouseClient;

  beforeAll(async () => {
    client = createClickHouse(target);
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${target.database}` });
  });

  afterAll(async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${target.database}` });
    await client.close();
    if (target.kind === 'embedded') fs.rmSync(target.dataDir, { recursive: true, force: true });
  });

  it('creates a monthly-partitioned table, inserts rows over three months and reads them back', async () => {
    await client.command({
      query: `
        CREATE TABLE ${table} (
          event_id UUID,
          event_type LowCardinality(String),
          event_time DateTime64(3, 'UTC')
        )
        ENGINE = ReplacingMergeTree
        PARTITION BY toYYYYMM(event_time)
        ORDER BY (event_type, event_time, event_id)`,
    });
    const rows = ['2026-01-15', '2026-02-15', '2026-03-15'].flatMap((day, month) =>
      Array.from({ length: 10 }, (_, i) => ({
        event_id: `00000000-0000-4000-8000-${String(month * 100 + i).padStart(12, '0')}`,
        event_type: i % 2 ? 'user_created' : 'user_updated',
        event_time: `${day} 10:00:00.${String(i).padStart(3, '0')}`,
      })),
    );
    await client.insert({ table, values: rows, format: 'JSONEachRow' });

    const counts = await client.query({
      query: `SELECT toYYYYMM(event_time) AS month, count() AS rows FROM ${table} GROUP BY month ORDER BY month`,
      format: 'JSONEachRow',
    });
    expect(await counts.json()).toEqual([
      { month: 202601, rows: '10' },
      { month: 202602, rows: '10' },
      { month: 202603, rows: '10' },
    ]);

    const parts = await client.query({
      query: `SELECT DISTINCT partition FROM system.parts
              WHERE database = {db:String} AND table = 'events' AND active ORDER BY partition`,
      query_params: { db: target.database },
      format: 'JSONEachRow',
    });
    expect(await parts.json()).toEqual([
      { partition: '202601' },
      { partition: '202602' },
      { partition: '202603' },
    ]);
  });
});
