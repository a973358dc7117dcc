import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { createOutboxStore } from '../src/adapters/postgres/outbox-store.js';
import {
  commitEvents,
  createOutboxDatabase,
  userEvent,
  waitFor,
  type OutboxDatabase,
} from './support/outbox-database.js';

// Retention deletes processed rows while an operator may be re-queueing them (`replay --since`,
// `audit --repair`). A row set back to pending must survive a delete that was already under way:
// otherwise `--wait` reports it published while it is gone.
describe('retention against a concurrent replay (real PostgreSQL, two sessions)', () => {
  let db: OutboxDatabase;

  beforeAll(async () => {
    db = await createOutboxDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('keeps a row that a replay re-queued while the delete waited for its lock', async () => {
    const [eventId] = await commitEvents(db.pool, [userEvent(randomUUID(), 'user_created')]);
    await db.pool.query(
      `update outbox set status = 'processed', processed_at = now() - interval '2 days' where event_id = $1`,
      [eventId],
    );
    // The replay, as outbox-replay.ts runs it, in a transaction left open: it holds the row.
    const replay = new pg.Client({ connectionString: db.url });
    await replay.connect();
    try {
      await replay.query('begin');
      const requeued = await replay.query(
        `update outbox set status = 'pending', processed_at = null, next_attempt_at = now()
          where status = 'processed' and event_id = $1`,
        [eventId],
      );
      expect(requeued.rowCount).toBe(1);

      // Retention starts now: its snapshot still sees the row processed, then it waits for the lock.
      const store = createOutboxStore(db.pool, 16);
      const deleting = store.deleteProcessedBefore(new Date(Date.now() - 24 * 3600_000), 100);
      await waitFor('the delete waiting for the replay', async () => {
        const { rows } = await db.pool.query<{ n: number }>(
          `select count(*)::int as n from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and query like 'delete from outbox%'`,
        );
        return rows[0]!.n === 1;
      });
      await replay.query('commit');

      expect(await deleting).toBe(0);
      const { rows } = await db.pool.query<{ status: string }>(
        'select status from outbox where event_id = $1',
        [eventId],
      );
      expect(rows).toEqual([{ status: 'pending' }]);
    } finally {
      await replay.end();
    }
  });
});
