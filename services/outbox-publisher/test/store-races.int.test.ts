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

// The outbox store's statements against a second session doing its part at the worst moment,
// each interleaving forced with a held transaction or lock and pg_stat_activity.
describe('the outbox store under concurrent sessions (real PostgreSQL)', () => {
  let db: OutboxDatabase;

  beforeAll(async () => {
    db = await createOutboxDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  /** Until `count` statements starting with `prefix` of this database wait for a lock. */
  const waitingOnLock = (prefix: string, count = 1) =>
    waitFor(`${count} statement(s) "${prefix}…" waiting for a lock`, async () => {
      const { rows } = await db.pool.query<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock' and query like $1`,
        [`${prefix}%`],
      );
      return rows[0]!.n === count;
    });

  // Retention deletes processed rows while an operator may be re-queueing them (`replay
  // --since`, `audit --repair`). A row set back to pending must survive a delete that was already
  // under way: otherwise `--wait` reports it published while it is gone.
  it('retention keeps a row that a replay re-queued while the delete waited for its lock', async () => {
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
      await waitingOnLock('delete from outbox');
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

  // Lanes re-dealt while the old owner still has a batch in flight: the new owner's claim waits
  // for those rows' locks. If the old owner marks the aggregate's first row failed, the new
  // owner must not publish that aggregate's later rows ahead of it.
  it('a claim that waited for a batch in flight skips the aggregate whose row that batch failed', async () => {
    // Only this test's rows are pending.
    await db.pool.query(
      `update outbox set status = 'processed', processed_at = now() where status = 'pending'`,
    );
    const aggregate = randomUUID();
    await commitEvents(db.pool, [
      userEvent(aggregate, 'user_created'),
      userEvent(aggregate, 'user_updated', 2),
      userEvent(aggregate, 'user_updated', 3),
    ]);
    const store = createOutboxStore(db.pool, 1); // one lane: both owners claim the same rows
    const claimedByNewOwner: string[] = [];
    let newOwner: Promise<number> | undefined;
    const oldOwner = store.relayBatch([0], 10, async (rows) => {
      expect(rows).toHaveLength(3);
      // The new owner claims while this batch holds its rows, and waits for them.
      newOwner = store.relayBatch([0], 10, async (next) => {
        claimedByNewOwner.push(...next.map((row) => row.id));
        return { processedIds: next.map((row) => row.id), failed: [] };
      });
      await waitingOnLock('select id, event_id');
      // The first row is poison; the aggregate's later rows are held behind it.
      return { processedIds: [], failed: [{ id: rows[0]!.id, reason: 'poison' }] };
    });
    expect(await oldOwner).toBe(3);
    await newOwner;
    expect(claimedByNewOwner).toEqual([]);
    const { rows } = await db.pool.query<{ status: string }>(
      'select status from outbox where aggregate_id = $1 order by id',
      [aggregate],
    );
    expect(rows.map((row) => row.status)).toEqual(['failed', 'pending', 'pending']);
  });
});
