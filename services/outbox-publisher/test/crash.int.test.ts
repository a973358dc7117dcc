import { randomUUID } from 'node:crypto';
import { uniqueName } from '@platform/testing';
import {
  commitEvents,
  createOutboxDatabase,
  userEvent,
  waitFor,
  type OutboxDatabase,
} from './support/outbox-database.js';
import { startPublisher } from './support/publisher-process.js';
import { readTopic, topicSize } from './support/topic-reader.js';

describe('SIGKILL between produce and commit loses nothing (real PostgreSQL, Kafka, registry)', () => {
  let db: OutboxDatabase;

  beforeAll(async () => {
    db = await createOutboxDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('re-publishes the killed batch after a restart: every event on the topic, none missing', async () => {
    // Given 3000 committed events
    const topic = uniqueName('crash');
    const committed: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      committed.push(
        ...(await commitEvents(
          db.pool,
          Array.from({ length: 1000 }, () => userEvent(randomUUID(), 'user_created')),
        )),
      );
    }
    // ...and marking rows processed made slow (2 ms a row), so the gap between Kafka's ack and
    // the COMMIT lasts about two seconds: the moment to kill the publisher.
    await db.pool.query(`create function slow_mark() returns trigger language plpgsql as
      $$ begin perform pg_sleep(0.002); return new; end $$`);
    await db.pool.query(`create trigger slow_mark before update on outbox for each row
      when (old.status = 'pending' and new.status = 'processed') execute function slow_mark()`);

    // When the publisher (two lane groups) is SIGKILLed right after a batch was acknowledged,
    // before its commit; the other group may have had its own batch acknowledged too
    const first = startPublisher(db.url, topic, { OUTBOX_CONCURRENCY: '2' });
    const published = await first.waitForLog('batch published');
    first.signal('SIGKILL');
    expect(await first.exitCode()).toBeNull(); // killed by the signal
    expect(published.published).toBe(1000);
    expect(await db.count(`status = 'processed'`)).toBe(0); // no batch was marked
    const onTopicAtKill = await topicSize(topic);
    expect(onTopicAtKill).toBeGreaterThanOrEqual(1000); // but Kafka has them

    // Then a restarted publisher publishes everything, the killed batch again
    await db.pool.query('drop trigger slow_mark on outbox');
    const second = startPublisher(db.url, topic);
    await waitFor('every row processed', async () => (await db.count(`status = 'processed'`)) === 3000);
    second.signal('SIGTERM');
    expect(await second.exitCode()).toBe(0);

    const messages = await readTopic(topic, await topicSize(topic));
    const ids = messages.map((m) => m.headers.event_id!);
    expect(new Set(ids)).toEqual(new Set(committed)); // none missing, nothing foreign
    expect(ids.length).toBe(3000 + onTopicAtKill); // the killed batches twice: at-least-once, as designed
  });

  it('publishes again soon after a SIGKILL and an immediate restart (lanes are not left held)', async () => {
    const topic = uniqueName('restart');
    const events = () => Array.from({ length: 100 }, () => userEvent(randomUUID(), 'user_created'));
    const processed = async () => db.count(`status = 'processed'`);
    const before = await processed();
    const first = startPublisher(db.url, topic);
    await commitEvents(db.pool, events());
    await waitFor('the first 100 published', async () => (await processed()) === before + 100);

    // Killed while it holds every lane (advisory locks of its control connection).
    first.signal('SIGKILL');
    await first.exitCode();
    const restartedAt = performance.now();
    const second = startPublisher(db.url, topic);
    await commitEvents(db.pool, events()); // 100 aggregates: every lane has work
    await waitFor('the next 100 published', async () => (await processed()) === before + 200);
    const seconds = (performance.now() - restartedAt) / 1000;
    // Reported, not held to the 10 s target (shared machines): PostgreSQL frees a killed
    // session's advisory locks when its connection drops, so nothing waits for a lease to expire.
    console.log(
      `publisher restart after SIGKILL: new events published ${seconds.toFixed(1)} s after the restart`,
    );
    expect(seconds).toBeLessThan(25);
    second.signal('SIGTERM');
    expect(await second.exitCode()).toBe(0);
  });
});
