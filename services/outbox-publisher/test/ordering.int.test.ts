import { randomUUID } from 'node:crypto';
import { uniqueName, type ServiceProcess } from '@platform/testing';
import {
  commitEvents,
  createOutboxDatabase,
  userEvent,
  waitFor,
  type OutboxDatabase,
} from './support/outbox-database.js';
import { startPublisher } from './support/publisher-process.js';
import { firstOccurrencesByKey, readTopic, topicSize } from './support/topic-reader.js';

describe('per-aggregate order with three publisher instances of three lane groups each (real PostgreSQL, Kafka, registry)', () => {
  let db: OutboxDatabase;
  const publishers: ServiceProcess[] = [];

  beforeAll(async () => {
    db = await createOutboxDatabase();
  });

  afterAll(async () => {
    for (const publisher of publishers) publisher.signal('SIGTERM');
    await Promise.all(publishers.map((p) => p.exitCode()));
    await db.drop();
  });

  it('puts each aggregate on the topic in commit order while instances share, lose and regain lanes', async () => {
    const topic = uniqueName('order');
    const settings = {
      OUTBOX_BATCH_SIZE: '40',
      OUTBOX_LANE_REFRESH_MS: '300',
      OUTBOX_TOPIC_PARTITIONS: '6',
      OUTBOX_CONCURRENCY: '3',
    };
    const start = () => {
      const publisher = startPublisher(db.url, topic, settings);
      publishers.push(publisher);
      return publisher;
    };
    const [first] = [start(), start(), start()];
    await Promise.all(publishers.map((p) => p.waitForLog('lanes assigned')));

    // Four writers commit interleaved events of 120 users, each user's events one after another
    // (as the API's row lock makes them); midway one publisher is SIGKILLed and replaced.
    const users = Array.from({ length: 120 }, () => randomUUID());
    const versions = new Map<string, number>(users.map((u) => [u, 0]));
    const writer = async (mine: string[], index: number) => {
      for (let round = 0; round < 60; round += 1) {
        const batch = [
          mine[Math.floor(Math.random() * mine.length)]!,
          mine[Math.floor(Math.random() * mine.length)]!,
        ];
        await commitEvents(
          db.pool,
          [...new Set(batch)].map((user) => {
            const version = (versions.get(user) ?? 0) + 1;
            versions.set(user, version);
            return userEvent(user, version === 1 ? 'user_created' : 'user_updated', version);
          }),
        );
        if (index === 0 && round === 30) {
          first!.signal('SIGKILL');
          start();
        }
      }
    };
    const slices = [0, 1, 2, 3].map((i) => users.slice(i * 30, i * 30 + 30));
    await Promise.all(slices.map((slice, i) => writer(slice, i)));
    const total = await db.count('true');

    await waitFor(
      'every row processed',
      async () => (await db.count(`status = 'processed'`)) === total,
      120_000,
    );
    const messages = await readTopic(topic, await topicSize(topic));
    const onTopic = firstOccurrencesByKey(messages);

    for (const user of users) {
      const { rows } = await db.pool.query<{ event_id: string }>(
        'select event_id from outbox where aggregate_id = $1 order by id',
        [user],
      );
      expect(onTopic.get(user) ?? []).toEqual(rows.map((r) => r.event_id));
    }
    // The work really was shared: several instances published batches.
    const busy = publishers.filter((p) =>
      p.logLines.some((l) => l.message === 'batch published' && Number(l.published) > 0),
    );
    expect(busy.length).toBeGreaterThanOrEqual(2);
    // ...and inside an instance, several lane groups did.
    const groupsOf = (p: ServiceProcess) =>
      new Set(
        p.logLines
          .filter((l) => l.message === 'batch published' && Number(l.published) > 0)
          .map((l) => l.group),
      );
    expect(Math.max(...publishers.map((p) => groupsOf(p).size))).toBeGreaterThanOrEqual(2);
  });
});
