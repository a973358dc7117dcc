import fs from 'node:fs';
import {
  committedOffsets,
  createTopic,
  deleteTopic,
  produceEvents,
  topicId,
  userCreated,
} from './support/event-producer.js';
import { sinkTarget, startSink, waitFor, type SinkTarget } from './support/sink-process.js';

/**
 * A topic deleted and created again under the same name starts its offsets at 0 again. Stored
 * positions of the old topic must not make the sink skip the new one's messages, a batch of the
 * new topic must not look like an old one to ClickHouse's deduplication, and a running consumer
 * must not go on at the old topic's offset.
 */
describe('clickhouse-sink: a topic deleted and re-created under the same name (real Kafka, engine)', () => {
  let target: SinkTarget;
  let sink: ReturnType<typeof startSink> | undefined;

  beforeEach(() => {
    target = sinkTarget('recreated');
  });

  afterEach(async () => {
    sink?.process.signal('SIGTERM');
    await sink?.process.exitCode();
    sink = undefined;
    fs.rmSync(target.dataDir, { recursive: true, force: true });
  });

  const countOf = async (ids: string[]) =>
    (
      await sink!.query<{ total: string; distinct: string }>(
        `SELECT count() AS total, uniqExact(event_id) AS distinct FROM analytics.event_log
         WHERE event_id IN (${ids.map((id) => `'${id}'`).join(',')})`,
      )
    )[0]!;

  /** Old events at offsets 0-1499 (batches 0-999, 1000-1499), then the topic is replaced. */
  async function storeOldThenReplace(replace: () => Promise<void>) {
    await createTopic(target.topic, 1);
    const old = Array.from({ length: 1500 }, () => userCreated());
    await produceEvents(target.topic, old);
    sink = startSink(target, { SINK_FLUSH_INTERVAL_MS: '300' });
    const oldIds = old.map((e) => e.event_id);
    await waitFor('old events stored', async () => (await countOf(oldIds)).total === '1500');
    await waitFor(
      'old events committed',
      async () => (await committedOffsets(target.groupId, target.topic)).get(0) === 1500,
    );
    const oldTopicId = await topicId(target.topic);

    await replace();
    // The new topic's first 1000 events take offsets 0-999: below what is stored of the old
    // topic, and the same range as its first batch.
    const fresh = Array.from({ length: 1200 }, () => userCreated());
    await produceEvents(target.topic, fresh);
    const newTopicId = await topicId(target.topic);
    expect(newTopicId).not.toBe(oldTopicId);
    return { oldIds, freshIds: fresh.map((e) => e.event_id), newTopicId };
  }

  async function recreate(goneForMs: number) {
    await deleteTopic(target.topic);
    await new Promise((resolve) => setTimeout(resolve, goneForMs));
    // Created again as soon as the broker lets us (it refuses while the deletion is under way).
    await waitFor('topic created again', () =>
      createTopic(target.topic, 1).then(
        () => true,
        () => false,
      ),
    );
  }

  // At once, kafkajs goes on reading the new topic at the old position (or, past its end, from
  // the start with the old positions in mind); gone for a while, it rejoins the group.
  it.each([
    ['at once', 0],
    ['after 3 s', 3000],
  ])('re-created %s under a running sink: every new event stored once', async (_when, goneForMs) => {
    const { oldIds, freshIds, newTopicId } = await storeOldThenReplace(() => recreate(goneForMs));

    await waitFor('new events stored', async () => (await countOf(freshIds)).total === '1200');
    expect(await countOf(freshIds)).toEqual({ total: '1200', distinct: '1200' });
    expect(await countOf(oldIds)).toEqual({ total: '1500', distinct: '1500' });
    const [stored] = await sink!.query<{ topic_id: string; offsets: string }>(
      `SELECT any(kafka_topic_id) AS topic_id, toString(max(kafka_offset)) AS offsets
       FROM analytics.event_log WHERE event_id IN (${freshIds.map((id) => `'${id}'`).join(',')})`,
    );
    expect(stored).toEqual({ topic_id: newTopicId, offsets: '1199' });
    await waitFor(
      'new offsets committed',
      async () => (await committedOffsets(target.groupId, target.topic)).get(0) === 1200,
    );
  });

  it('while the sink was stopped: the new topic is read from its start, nothing skipped', async () => {
    const { freshIds } = await storeOldThenReplace(async () => {
      sink!.process.signal('SIGTERM');
      expect(await sink!.process.exitCode()).toBe(0);
      await recreate(0);
    });
    sink = startSink(target, { SINK_FLUSH_INTERVAL_MS: '300' });

    await waitFor('new events stored', async () => (await countOf(freshIds)).total === '1200');
    expect(await countOf(freshIds)).toEqual({ total: '1200', distinct: '1200' });
    await waitFor(
      'new offsets committed',
      async () => (await committedOffsets(target.groupId, target.topic)).get(0) === 1200,
    );
  });
});
