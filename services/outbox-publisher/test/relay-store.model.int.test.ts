import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { createOutboxStore, type BatchOutcome } from '../src/adapters/postgres/outbox-store.js';
import { replayProcessed } from '../src/adapters/postgres/outbox-replay.js';
import { planBatch } from '../src/domain/batch-plan.js';
import { PoisonRowError, type OutboxRow } from '../src/domain/outbox-row.js';
import {
  commitEvents,
  createOutboxDatabase,
  userEvent,
  type OutboxDatabase,
} from './support/outbox-database.js';

/*
 * Model-based test of the relay's outbox statements on a real PostgreSQL, each actor on its own
 * connections: two relay instances whose lanes overlap (lanes re-dealt while a batch is in
 * flight), the API committing events, an operator replaying an aggregate, and the retention
 * deleting processed rows. fast-check's scheduler decides when each actor's next step starts and
 * when a claimed batch is "acknowledged by Kafka", so the batches interleave in many orders;
 * PostgreSQL's own locks do the rest.
 *
 * The model is the Kafka topic as a consumer sees it (every publish appended, duplicates
 * included) and the events committed. Checked at the end, after a final drain:
 * - nothing lost: every event is on the topic, or failed, or pending behind its aggregate's
 *   failed event (the claim holds those back), and no row was deleted before it was published;
 * - per-aggregate order: the first time each event appears on the topic, the aggregate's events
 *   appear in commit (id) order, with no gap: an event is never published while an earlier one
 *   of its aggregate has not been.
 */

interface Committed {
  id: bigint;
  eventId: string;
  aggregate: string;
}

const LANES = 4;
const AGGREGATES = 3;

describe('the relay statements under interleaved instances, API, replay and retention (model-based, real PostgreSQL)', () => {
  let db: OutboxDatabase;

  beforeAll(async () => {
    db = await createOutboxDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  const scenario = fc.record({
    /** Per API request: the aggregates it writes an event for (one transaction). */
    requests: fc.array(
      fc.array(fc.integer({ min: 0, max: AGGREGATES - 1 }), { minLength: 1, maxLength: 3 }),
      {
        minLength: 1,
        maxLength: 6,
      },
    ),
    /** Which committed events (by position) the publisher refuses (encoding fails): marked failed. */
    poison: fc.uniqueArray(fc.integer({ min: 0, max: 17 }), { maxLength: 2 }),
    /** Claims each relay instance makes, and how many rows at most each. */
    claims: fc.tuple(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 5 })),
    limit: fc.integer({ min: 1, max: 3 }),
    /** A batch whose Kafka send fails after the messages went out (acks lost): rolled back. */
    lostAcks: fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { maxLength: 2 }),
    replays: fc.array(fc.integer({ min: 0, max: AGGREGATES - 1 }), { maxLength: 2 }),
    retentions: fc.integer({ min: 0, max: 2 }),
  });

  it('loses nothing and keeps each aggregate in order, whatever the interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, fc.scheduler(), async (plan, s) => {
        await db.pool.query('delete from outbox');
        const aggregates = Array.from({ length: AGGREGATES }, () => randomUUID());
        const committed: Committed[] = [];
        const topic: string[] = []; // event ids in the order Kafka acknowledged them
        const poisoned = new Set<string>();
        const deletedBeforePublished: string[] = [];
        let batchNumber = 0;
        const lostAcks = new Set(plan.lostAcks);

        const api = async () => {
          for (const request of plan.requests) {
            await s.schedule(Promise.resolve(), 'commit');
            const events = request.map((a) => userEvent(aggregates[a]!, 'user_updated'));
            const ids = await commitEvents(db.pool, events);
            const { rows } = await db.pool.query<{ id: string; event_id: string; aggregate_id: string }>(
              'select id, event_id::text, aggregate_id from outbox where event_id = any($1::uuid[])',
              [ids],
            );
            for (const row of rows) {
              const position = committed.length;
              committed.push({ id: BigInt(row.id), eventId: row.event_id, aggregate: row.aggregate_id });
              if (plan.poison.includes(position)) poisoned.add(row.event_id);
            }
          }
        };

        // The relay's handle (relay.ts): planned by planBatch, refused rows failed and their
        // aggregate's later rows held; `acked` is when Kafka answers. A lost ack: the messages
        // are out, the batch rolls back (and is published again).
        const send = async (rows: OutboxRow[], acked: () => Promise<void>): Promise<BatchOutcome> => {
          const batch = batchNumber++;
          const planned = await planBatch(rows, async (row) => {
            if (poisoned.has(row.eventId)) throw new PoisonRowError('refused by the encoder');
            return row.eventId;
          });
          await acked();
          topic.push(...planned.publish.map(({ message }) => message));
          if (lostAcks.has(batch)) throw new Error('injected: ack lost');
          return {
            processedIds: planned.publish.map(({ row }) => row.id),
            failed: planned.failed.map(({ row, reason }) => ({ id: row.id, reason })),
          };
        };
        const handle = (instance: string) => (rows: OutboxRow[]) =>
          send(rows, () =>
            s.schedule(Promise.resolve(), `${instance} acked ${rows.map((r) => r.id).join(',')}`),
          );

        // Both instances hold every lane: the overlap a re-deal leaves while a batch is in flight.
        const relay = async (instance: string, claims: number) => {
          const store = createOutboxStore(db.pool, LANES);
          for (let i = 0; i < claims; i += 1) {
            await s.schedule(Promise.resolve(), `${instance} claims`);
            await store
              .relayBatch(
                Array.from({ length: LANES }, (_, lane) => lane),
                plan.limit,
                handle(instance),
              )
              .catch((error: unknown) => {
                if (!String(error).includes('injected')) throw error;
              });
          }
        };

        const operator = async () => {
          for (const aggregate of plan.replays) {
            await s.schedule(Promise.resolve(), `replay ${aggregate}`);
            await replayProcessed(db.pool, 'aggregate_id = $1', [aggregates[aggregate]], false);
          }
        };

        const retention = async () => {
          const store = createOutboxStore(db.pool, LANES);
          for (let i = 0; i < plan.retentions; i += 1) {
            await s.schedule(Promise.resolve(), 'retention');
            // Committed before the delete started: each one is either still there or published.
            const known = [...committed];
            await store.deleteProcessedBefore(new Date(Date.now() + 3_600_000), 100);
            const { rows: left } = await db.pool.query<{ event_id: string }>(
              'select event_id::text from outbox',
            );
            const remaining = new Set(left.map((row) => row.event_id));
            for (const event of known) {
              if (!remaining.has(event.eventId) && !topic.includes(event.eventId))
                deletedBeforePublished.push(event.eventId);
            }
          }
        };

        // Every actor runs to its end (a failing one must not leave the others running into the
        // next run), then the first failure, if any, is the run's.
        const ended = await s.waitFor(
          Promise.allSettled([
            api(),
            relay('A', plan.claims[0]),
            relay('B', plan.claims[1]),
            operator(),
            retention(),
          ]),
        );
        const failure = ended.find((result) => result.status === 'rejected');
        if (failure) throw failure.reason;

        // Drain: one instance relays until nothing is left to claim.
        const store = createOutboxStore(db.pool, LANES);
        lostAcks.clear();
        const drained = (rows: OutboxRow[]) => send(rows, async () => undefined);
        while ((await store.relayBatch([0, 1, 2, 3], 100, drained)) > 0);

        expect(deletedBeforePublished).toEqual([]);
        const { rows } = await db.pool.query<{ event_id: string; status: string }>(
          'select event_id::text, status from outbox',
        );
        const status = new Map(rows.map((row) => [row.event_id, row.status]));
        const firstSeen = new Map<string, number>();
        topic.forEach((eventId, index) => {
          if (!firstSeen.has(eventId)) firstSeen.set(eventId, index);
        });
        for (const aggregate of aggregates) {
          const events = committed
            .filter((e) => e.aggregate === aggregate)
            .sort((a, b) => (a.id < b.id ? -1 : 1));
          // Published events: a prefix of the aggregate's events, first seen in commit order.
          const published = events.filter((e) => firstSeen.has(e.eventId));
          expect(published.map((e) => e.eventId)).toEqual(
            events.slice(0, published.length).map((e) => e.eventId),
          );
          const order = published.map((e) => firstSeen.get(e.eventId)!);
          expect(order).toEqual([...order].sort((a, b) => a - b));
          // The rest: the first is failed (refused), the ones after it wait behind it.
          const [stopped, ...behind] = events.slice(published.length);
          if (stopped)
            expect([stopped.eventId, status.get(stopped.eventId)]).toEqual([stopped.eventId, 'failed']);
          for (const event of behind) expect(['failed', 'pending']).toContain(status.get(event.eventId));
        }
      }),
      { numRuns: Number(process.env.MODEL_RUNS ?? 150) },
    );
  }, 300_000);
});
