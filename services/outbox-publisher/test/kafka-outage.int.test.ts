import { randomUUID } from 'node:crypto';
import { uniqueName } from '@platform/testing';
import {
  commitEvents,
  createOutboxDatabase,
  userEvent,
  waitFor,
  type OutboxDatabase,
} from './support/outbox-database.js';
import { startOwnBroker } from './support/kafka-broker.js';
import { startPublisher } from './support/publisher-process.js';
import { readTopic, topicSize } from './support/topic-reader.js';

describe('Kafka down under load (own broker, real PostgreSQL and registry)', () => {
  let db: OutboxDatabase;
  let broker: Awaited<ReturnType<typeof startOwnBroker>>;

  beforeAll(async () => {
    db = await createOutboxDatabase();
    broker = await startOwnBroker();
  });

  afterAll(async () => {
    await broker.destroy();
    await db.drop();
  });

  it('keeps rows pending and backs off while the broker is down, then drains the backlog by itself', async () => {
    const topic = uniqueName('outage');
    const publisher = startPublisher(db.url, topic, {
      KAFKA_BROKERS: broker.brokers.join(','),
      OUTBOX_BATCH_SIZE: '200',
      OUTBOX_BACKOFF_INITIAL_MS: '200',
      OUTBOX_BACKOFF_MAX_MS: '1000',
    });
    const committed: string[] = [];
    const commit = async (n: number) =>
      committed.push(
        ...(await commitEvents(
          db.pool,
          Array.from({ length: n }, () => userEvent(randomUUID(), 'user_created')),
        )),
      );

    // Flowing
    await commit(300);
    await waitFor('first rows processed', async () => (await db.count(`status = 'processed'`)) === 300);

    // When the broker stops while events keep being committed
    await broker.stop();
    for (let i = 0; i < 5; i += 1) await commit(100);
    await publisher.waitForLog('relay attempt failed; rows stay pending; backing off', 60_000);
    const failuresBefore = publisher.logLines.filter((l) =>
      l.message?.toString().startsWith('relay attempt failed'),
    ).length;
    await new Promise((resolve) => setTimeout(resolve, 5000));
    // Then nothing is marked while it is down, and retries are spaced out, not a busy loop
    expect(await db.count(`status = 'processed'`)).toBe(300);
    expect(await db.count(`status = 'pending'`)).toBe(500);
    const failuresDuring = publisher.logLines.filter((l) =>
      l.message?.toString().startsWith('relay attempt failed'),
    ).length;
    expect(failuresDuring - failuresBefore).toBeLessThan(25);

    // And once it is back, the backlog drains without intervention
    await broker.start();
    await waitFor('backlog drained', async () => (await db.count(`status = 'processed'`)) === 800, 120_000);
    const messages = await readTopic(topic, await topicSize(topic, broker.brokers), {
      brokers: broker.brokers,
    });
    expect(new Set(messages.map((m) => m.headers.event_id))).toEqual(new Set(committed));
    expect(await db.count(`status = 'pending' or status = 'failed'`)).toBe(0);

    publisher.signal('SIGTERM');
    expect(await publisher.exitCode()).toBe(0);
  });
});
