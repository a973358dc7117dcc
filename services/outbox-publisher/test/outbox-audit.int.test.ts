import { randomUUID } from 'node:crypto';
import { createOutboxAudit } from '../src/adapters/postgres/outbox-audit.js';
import {
  commitEvents,
  createOutboxDatabase,
  userEvent,
  type OutboxDatabase,
} from './support/outbox-database.js';

// `audit --repair` publishes again what the warehouse lacks. Run twice in a row, the second run
// still finds the first run's events missing (the sink has not stored them yet): it must not
// publish them once more, nor again at every later run while they are on their way.
describe('the audit repair against the outbox (real PostgreSQL)', () => {
  let db: OutboxDatabase;

  beforeAll(async () => {
    db = await createOutboxDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('puts back to pending only the missing events published before the settle time', async () => {
    const [longAgo, justNow, pending] = await commitEvents(db.pool, [
      userEvent(randomUUID(), 'user_created'),
      userEvent(randomUUID(), 'user_created'),
      userEvent(randomUUID(), 'user_created'),
    ]);
    await db.pool.query(
      `update outbox set status = 'processed', processed_at = now() - interval '1 hour' where event_id = $1`,
      [longAgo],
    );
    // Published a moment ago (by the previous repair): maybe still on its way to ClickHouse.
    await db.pool.query(`update outbox set status = 'processed', processed_at = now() where event_id = $1`, [
      justNow,
    ]);
    const audit = createOutboxAudit(db.pool);
    const settledBefore = new Date(Date.now() - 5 * 60_000);

    const first = await audit.republish([longAgo!, justNow!, pending!], settledBefore);
    expect(first).toHaveLength(1);
    const status = async () =>
      (
        await db.pool.query<{ event_id: string; status: string }>(
          'select event_id::text, status from outbox where event_id = any($1::uuid[]) order by id',
          [[longAgo, justNow, pending]],
        )
      ).rows.map((row) => row.status);
    expect(await status()).toEqual(['pending', 'processed', 'pending']);

    // The relay publishes it again; a repair right after leaves it alone.
    await db.pool.query(`update outbox set status = 'processed', processed_at = now() where event_id = $1`, [
      longAgo,
    ]);
    expect(await audit.republish([longAgo!, justNow!], settledBefore)).toEqual([]);
    expect(await status()).toEqual(['processed', 'processed', 'pending']);
  });
});
