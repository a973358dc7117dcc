import fs from 'node:fs';
import { uniqueName } from '@platform/testing';
import { createEventStore } from '../src/adapters/clickhouse/event-store.js';
import {
  committedOffsets,
  createTopic,
  deleteTopic,
  produceEvents,
  topicId,
  userCreated,
} from './support/event-producer.js';
import { engineTarget, sinkOver, useEmbeddedEngine } from './support/in-process-sink.js';
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
  async function storeOldThenReplace(
    replace: () => Promise<void>,
    freshCount = 1200,
    commitIntervalMs = 1000,
  ) {
    await createTopic(target.topic, 1);
    const old = Array.from({ length: 1500 }, () => userCreated());
    await produceEvents(target.topic, old);
    sink = startSink(target, {
      SINK_FLUSH_INTERVAL_MS: '300',
      SINK_COMMIT_INTERVAL_MS: String(commitIntervalMs),
    });
    const oldIds = old.map((e) => e.event_id);
    await waitFor('old events stored', async () => (await countOf(oldIds)).total === '1500');
    await waitFor(
      'old events committed',
      async () => (await committedOffsets(target.groupId, target.topic)).get(0) === 1500,
    );
    const oldTopicId = await topicId(target.topic);

    await replace();
    // The new topic's first 1000 events take offsets 0-999: below what is stored of the old
    // topic, and the same range as its first batch. Longer than 1500, the new topic also has
    // messages where the old read position points.
    const fresh = Array.from({ length: freshCount }, () => userCreated());
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
    ['at once', 0, 1200, 1000],
    ['after 3 s', 3000, 1200, 1000],
    // The topic id is checked before each commit: commits far apart leave kafkajs time to read
    // the new topic at the old position.
    ['at once, longer than the old read position', 0, 2500, 8000],
  ])(
    're-created %s under a running sink: every new event stored once',
    async (_when, goneForMs, count, commitMs) => {
      const { oldIds, freshIds, newTopicId } = await storeOldThenReplace(
        () => recreate(goneForMs),
        count,
        commitMs,
      );

      await waitFor(
        'new offsets committed',
        async () => (await committedOffsets(target.groupId, target.topic)).get(0) === count,
      );
      await waitFor('new events stored', async () => (await countOf(freshIds)).total === String(count));
      // A moment for a second copy to arrive, were one on its way.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await countOf(freshIds)).toEqual({ total: String(count), distinct: String(count) });
      expect(await countOf(oldIds)).toEqual({ total: '1500', distinct: '1500' });
      const stored = await sink!.query<{ topic_id: string; rows: string }>(
        `SELECT kafka_topic_id AS topic_id, toString(count()) AS rows
       FROM analytics.event_log WHERE event_id IN (${freshIds.map((id) => `'${id}'`).join(',')})
       GROUP BY kafka_topic_id`,
      );
      expect(stored).toEqual([{ topic_id: newTopicId, rows: String(count) }]);
      // What was inserted, not what ClickHouse shows after merging its parts (the table collapses
      // rows of one event id): each old and each new event once, none of them labelled wrongly.
      const inserted = sink!.process.logLines
        .filter((line) => line.message === 'batch inserted')
        .reduce((sum, line) => sum + Number(line.rows), 0);
      expect(inserted).toBe(1500 + count);
    },
  );

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

describe('clickhouse-sink: a commit crossing the topic re-creation (real Kafka, engine)', () => {
  const engine = useEmbeddedEngine('sink-commit-gap');

  it('a commit that lands on the new topic (its id checked just before) does not make the group skip it', async () => {
    const topic = uniqueName('commit-gap');
    const groupId = uniqueName('commit-gap-sink');
    await createTopic(topic, 1);
    await produceEvents(
      topic,
      Array.from({ length: 300 }, () => userCreated()),
    );
    // Longer than the old topic: offset 300 exists in the new one, so a commit of 300 landing on
    // it would be taken at its word.
    const fresh = Array.from({ length: 2000 }, () => userCreated());
    let replaced = false;
    const oldInserted = () => lines.some((l) => l.message === 'batch inserted' && l.last_offset === '299');
    const { sink, lines } = sinkOver(
      createEventStore(engine.writer(), engine.reader(), engineTarget),
      {
        topic,
        groupId,
        batchSize: 300,
        flushIntervalMs: 200,
        commitIntervalMs: 3000,
        backoff: { initialMs: 100, maxMs: 1000 },
        sessionTimeoutMs: 10_000,
        heartbeatIntervalMs: 1000,
        fetchMaxWaitMs: 200,
      },
      {
        // The topic is replaced right after the commit path read its id: the commit that follows
        // is made for the old topic and lands on the new one.
        identity: (real) => ({
          ...real,
          async currentId() {
            const id = await real.currentId();
            // The first check after the old events' insert is the commit's: commits only
            // happen through it, so nothing is committed yet.
            if (!replaced && oldInserted()) {
              replaced = true;
              await deleteTopic(topic);
              await waitFor('topic created again', () =>
                createTopic(topic, 1).then(
                  () => true,
                  () => false,
                ),
              );
              await produceEvents(topic, fresh);
            }
            return id;
          },
        }),
      },
    );
    await sink.start();
    try {
      await waitFor(
        'the new topic committed to its end',
        async () => (await committedOffsets(groupId, topic)).get(0) === 2000,
        60_000,
      );
    } finally {
      await sink.stop();
    }
    expect(replaced).toBe(true);
    const [row] = (await engine
      .reader()
      .query({
        query: `SELECT count() AS total FROM ${engineTarget.database}.${engineTarget.table}
                WHERE kafka_topic = {topic:String} AND event_id IN ({ids:Array(String)})`,
        query_params: { topic, ids: fresh.map((e) => e.event_id) },
        format: 'JSONEachRow',
      })
      .then((result) => result.json<{ total: string }>()))!;
    expect(row?.total).toBe('2000');
    expect(
      lines.some(
        (l) => l.message === 'committed offset belongs to a replaced topic of this name; reading again',
      ),
    ).toBe(true);
  }, 120_000);
});
