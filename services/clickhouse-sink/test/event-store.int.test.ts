import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClickHouse } from '../src/adapters/clickhouse/client.js';
import { createEventStore, storedOffsetsQuery } from '../src/adapters/clickhouse/event-store.js';
import { migrate, migrations } from '../src/adapters/clickhouse/migrations.js';

const OLD_TOPIC = '11111111-1111-4111-8111-111111111111';
const NEW_TOPIC = '22222222-2222-4222-8222-222222222222';
const ROWS = 1_200_000;

/**
 * The position lookup a sink makes on every assignment, on a table of more than a million rows:
 * it must read a few rows per part (the projection), not the table. Shown with ClickHouse's own
 * row budget: the lookup succeeds under a budget of 10 000 rows read, the same query made to
 * ignore the projection exceeds it.
 */
describe('stored positions in ClickHouse (embedded engine, 1.2 million rows)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sink-positions-'));
  const target = { database: 'analytics', table: 'event_log' };
  const table = `${target.database}.${target.table}`;
  let writer: ClickHouseClient;
  let reader: ClickHouseClient;
  // The embedded engine keeps a query's settings on its connection: limits get a client each.
  const limitedClients: ClickHouseClient[] = [];
  const limited = () => {
    const client = createClickHouse({ kind: 'embedded', dataDir, database: 'analytics' });
    limitedClients.push(client);
    return client;
  };

  beforeAll(async () => {
    writer = createClickHouse({ kind: 'embedded', dataDir, database: 'analytics' });
    reader = createClickHouse({ kind: 'embedded', dataDir, database: 'analytics' });
    // A table made before topic ids existed (migration 1 only), holding rows of the old kind.
    await writer.command({ query: `CREATE DATABASE IF NOT EXISTS ${target.database}` });
    for (const statement of migrations[0]!.statements(target)) await writer.command({ query: statement });
    await writer.command({
      query: `INSERT INTO ${table} (event_id, event_type, event_time, environment, aggregate_type,
                aggregate_id, metadata_version, payload, kafka_topic, kafka_partition, kafka_offset)
              VALUES (generateUUIDv4(), 'user_created', now64(3), 'test', 'user', 'u', 1, '{}', 'user-events', 0, 7)`,
    });
    await migrate(writer, target); // adds the column and the projection, built for the old rows too
    await writer.command({
      query: `INSERT INTO ${table} (event_id, event_type, event_time, environment, aggregate_type,
                aggregate_id, metadata_version, payload, kafka_topic, kafka_topic_id, kafka_partition, kafka_offset)
              SELECT generateUUIDv4(), 'user_created', toDateTime64('2026-01-01 00:00:00', 3, 'UTC') + number * 5,
                'test', 'user', toString(number), 1, '{}', 'user-events', toUUID('${OLD_TOPIC}'),
                number % 3, intDiv(number, 3)
              FROM numbers(${ROWS})`,
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([writer.close(), reader.close(), ...limitedClients.map((c) => c.close())]);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const lookup = async (client: ClickHouseClient, topicId: string, settings: Record<string, string>) => {
    const result = await client.query({
      query: storedOffsetsQuery(table),
      query_params: { topicId },
      format: 'JSONEachRow',
      clickhouse_settings: settings,
    });
    const rows = await result.json<{ partition: number; offset: string }>();
    return rows.sort((a, b) => a.partition - b.partition);
  };

  it('finds the highest offset per partition of a topic id, and nothing for another id', async () => {
    const store = createEventStore(writer, reader, target);
    const last = String(ROWS / 3 - 1);
    expect(await store.storedOffsets(OLD_TOPIC)).toEqual(
      new Map([
        [0, BigInt(last)],
        [1, BigInt(last)],
        [2, BigInt(last)],
      ]),
    );
    expect(await store.storedOffsets(NEW_TOPIC)).toEqual(new Map());
    // Rows stored before topic ids existed carry the zero id.
    expect(await store.storedOffsets('00000000-0000-0000-0000-000000000000')).toEqual(new Map([[0, 7n]]));
  });

  it('reads the projection, within a budget of 10 000 rows; without it the whole table', async () => {
    const budget = { max_rows_to_read: '10000' };
    const rows = await lookup(limited(), OLD_TOPIC, budget);
    expect(rows.map((r) => r.offset)).toEqual(Array(3).fill(String(ROWS / 3 - 1)));
    await expect(lookup(limited(), OLD_TOPIC, { ...budget, optimize_use_projections: '0' })).rejects.toThrow(
      /Limit for rows or bytes to read exceeded/,
    );
    const plan = await reader.query({
      query: `EXPLAIN ${storedOffsetsQuery(table)}`,
      query_params: { topicId: OLD_TOPIC },
      format: 'JSONEachRow',
    });
    const explain = (await plan.json<{ explain: string }>()).map((line) => line.explain).join('\n');
    expect(explain).toMatch(/ReadFromMergeTree \(stored_positions\)/);
  });

  it('keeps the positions right through merges (the projection is rebuilt, not dropped)', async () => {
    await writer.insert({
      table,
      values: [0, 1, 2].map((partition) => ({
        event_id: `00000000-0000-4000-8000-00000000000${partition}`,
        event_type: 'user_created',
        event_time: '2026-01-01 00:00:00.000',
        environment: 'test',
        aggregate_type: 'user',
        aggregate_id: 'u',
        metadata_version: 1,
        payload: '{}',
        kafka_topic: 'user-events',
        kafka_topic_id: NEW_TOPIC,
        kafka_partition: partition,
        kafka_offset: String(partition * 10),
      })),
      format: 'JSONEachRow',
    });
    await writer.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
    const rows = await lookup(limited(), NEW_TOPIC, { max_rows_to_read: '10000' });
    expect(rows).toEqual([
      { partition: 0, offset: '0' },
      { partition: 1, offset: '10' },
      { partition: 2, offset: '20' },
    ]);
    expect((await lookup(limited(), OLD_TOPIC, { max_rows_to_read: '10000' })).length).toBe(3);
  });
});
