import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { waitFor } from '@platform/testing';
import { createPlatform, sinkQuery, type Platform } from './support/platform.js';

// The path docs/adding-an-event-type.md describes, walked by a second aggregate type: orders,
// written into the same outbox by another part of the app (here: SQL, as its writer would),
// published under their own schema on the same topic and stored by the same sink.
describe('a second aggregate type (orders) through the platform', () => {
  let platform: Platform;

  beforeAll(async () => {
    platform = await createPlatform('orders');
  });

  afterAll(async () => {
    await platform.stop();
  });

  it('publishes order_placed under its own schema and stores it in ClickHouse beside the user events', async () => {
    platform.start('outbox-publisher');
    const sink = platform.start('clickhouse-sink');
    const sinkUrl = await platform.baseUrl(sink, 'clickhouse-sink');
    const user = randomUUID();
    const orders = [randomUUID(), randomUUID()];
    const pool = new pg.Pool({ connectionString: platform.databaseUrl, max: 1 });
    await pool.query(
      `insert into outbox (event_id, event_type, event_date_time, environment, event_context, metadata_version,
         aggregate_type, aggregate_id, actor)
       values ($1, 'order_placed', now(), 'test', $2, 1, 'order', $3, 'shop'),
              ($4, 'order_placed', now(), 'test', $5, 1, 'order', $6, 'shop')`,
      [
        randomUUID(),
        { order_id: orders[0], user_id: user, total_cents: 12_345, currency: 'EUR' },
        orders[0],
        randomUUID(),
        { order_id: orders[1], user_id: user, total_cents: 99, currency: 'USD' },
        orders[1],
      ],
    );
    await pool.end();

    const stored = () =>
      sinkQuery<{ aggregate_id: string; payload: string; actor: string }>(
        sinkUrl,
        `SELECT aggregate_id, payload, actor FROM analytics.event_log
          WHERE event_type = 'order_placed' AND aggregate_type = 'order' ORDER BY aggregate_id`,
      );
    await waitFor('both orders in ClickHouse', async () => (await stored()).length === 2, 60_000).catch(
      (error: unknown) => {
        platform.printRecentLogs();
        throw error;
      },
    );
    const rows = await stored();
    expect(rows.map((r) => r.aggregate_id)).toEqual([...orders].sort());
    const payloads = rows.map((r) => JSON.parse(r.payload) as Record<string, unknown>);
    expect(payloads).toContainEqual({
      order_id: orders[0],
      user_id: user,
      total_cents: 12_345,
      currency: 'EUR',
    });
    expect(rows.every((r) => r.actor === 'shop')).toBe(true);
    // Its own subject in the registry (TopicRecordNameStrategy), evolving apart from the users'
    const subjects = (await (await fetch(`${process.env.SCHEMA_REGISTRY_URL}/subjects`)).json()) as string[];
    expect(subjects).toContain(`${platform.topic}-platform.orders.v1.OrderPlaced`);
  });
});
