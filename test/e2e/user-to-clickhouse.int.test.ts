import pg from 'pg';
import { waitFor } from '@platform/testing';
import { apiCaller, createPlatform, sinkQuery, type Platform } from './support/platform.js';

describe('end to end: HTTP request -> outbox -> Kafka -> ClickHouse (all real, all processes)', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await createPlatform('e2e');
  });

  afterAll(async () => {
    await platform.stop();
  });

  it('stores every event of every committed change exactly once, through a publisher crash', async () => {
    const api = platform.start('user-api');
    const publisher = platform.start('outbox-publisher');
    const sink = platform.start('clickhouse-sink');
    const base = await platform.baseUrl(api, 'user-api');
    const sinkUrl = await platform.baseUrl(sink, 'clickhouse-sink');
    const call = apiCaller(base, platform);

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
    platform.start('outbox-publisher');

    const pool = new pg.Pool({ connectionString: platform.databaseUrl, max: 1 });
    const committed = (
      await pool.query<{ event_id: string }>('select event_id from outbox order by id')
    ).rows.map((r) => r.event_id);
    await pool.end();
    expect(committed).toHaveLength(45);

    // Delivery is at least once: a batch the killed publisher had sent but not marked is sent
    // again (same event id, another offset). ReplacingMergeTree collapses the two on merge, and
    // FINAL reads the table as merged: that is the table's promise, each event once.
    await waitFor(
      'all 45 events in ClickHouse',
      async () =>
        (await sinkQuery<{ n: string }>(sinkUrl, 'SELECT count() AS n FROM analytics.event_log FINAL'))[0]!
          .n === '45',
      120_000,
    ).catch((error: unknown) => {
      platform.printRecentLogs();
      throw error;
    });
    const stored = await sinkQuery<{ id: string; type: string }>(
      sinkUrl,
      'SELECT toString(event_id) AS id, event_type AS type FROM analytics.event_log FINAL',
    );
    expect(stored.map((r) => r.id).sort()).toEqual([...committed].sort());
    // FINAL must only hide the publisher's re-sends: the sink itself never stores one Kafka
    // message twice, so no (partition, offset) repeats in the unmerged table.
    const repeated = await sinkQuery<{ partition: number; offset: string }>(
      sinkUrl,
      `SELECT kafka_partition AS partition, toString(kafka_offset) AS offset FROM analytics.event_log
        GROUP BY kafka_partition, kafka_offset HAVING count() > 1`,
    );
    expect(repeated).toEqual([]);
    expect(stored.filter((r) => r.type === 'user_updated')).toHaveLength(10);
    expect(stored.filter((r) => r.type === 'user_deleted')).toHaveLength(5);
    // Each row says who made the change: the subject of the token the requests carried.
    const actors = await sinkQuery<{ actor: string | null }>(
      sinkUrl,
      'SELECT DISTINCT actor FROM analytics.event_log',
    );
    expect(actors).toEqual([{ actor: 'e2e-client' }]);
  });
});
