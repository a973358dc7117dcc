import { uniqueName } from '@platform/testing';
import { createEventStore, type EventStore } from '../src/adapters/clickhouse/event-store.js';
import {
  committedOffsets,
  createTopic,
  produceEvents,
  readDeadLetters,
  topicId,
  userCreated,
} from './support/event-producer.js';
import { engineTarget as target, sinkOver, useEmbeddedEngine } from './support/in-process-sink.js';
import { waitFor } from './support/sink-process.js';

describe('ClickHouse inserts failing for a while (real Kafka, registry, ClickHouse engine)', () => {
  const engine = useEmbeddedEngine('sink-failures');

  it('stays in the group through an outage longer than its session (it heartbeats while it waits)', async () => {
    const topic = uniqueName('outage');
    const groupId = uniqueName('outage-sink');
    await createTopic(topic, 1);
    await produceEvents(
      topic,
      Array.from({ length: 500 }, () => userCreated()),
    );
    // ClickHouse refuses every insert for three session timeouts; the backoff sleeps up to 4 s,
    // longer than a third of the session, so only heartbeats sent during the waits keep it in.
    const sessionTimeoutMs = 6000;
    const real = createEventStore(engine.writer(), engine.reader(), target);
    let outageEnds = Number.POSITIVE_INFINITY;
    const store: EventStore = {
      ...real,
      async insert(rows, token) {
        if (outageEnds === Number.POSITIVE_INFINITY) outageEnds = Date.now() + 3 * sessionTimeoutMs;
        if (Date.now() < outageEnds) throw new Error('injected: ClickHouse is down');
        await real.insert(rows, token);
      },
    };
    const { sink, lines } = sinkOver(store, {
      topic,
      groupId,
      // Full batches are inserted inside kafkajs's batch callback, which blocks its own
      // heartbeats while the insert is retried: the case that needs ours.
      batchSize: 100,
      flushIntervalMs: 60_000,
      commitIntervalMs: 200,
      backoff: { initialMs: 1000, maxMs: 4000 },
      sessionTimeoutMs,
      heartbeatIntervalMs: 1000,
      fetchMaxWaitMs: 1000,
    });
    await sink.start();
    try {
      await waitFor(
        'every event stored and committed after the outage',
        async () => (await committedOffsets(groupId, topic)).get(0) === 500,
        90_000,
      );
    } finally {
      await sink.stop();
    }
    expect(Date.now()).toBeGreaterThan(outageEnds); // the outage happened, and ended
    // One assignment at start; an eviction would have brought a second.
    expect(lines.filter((l) => l.message === 'partitions assigned')).toHaveLength(1);
    const [row] = (await real.readOnlyQuery(
      `SELECT count() AS total FROM analytics.event_log WHERE kafka_topic = '${topic}'`,
    )) as { total: string }[];
    expect(row!.total).toBe('500');
  }, 120_000);

  it('lets the group rebalance during an outage, then resumes the partition it gets back', async () => {
    const topic = uniqueName('rebalance');
    const groupId = uniqueName('rebalance-sink');
    await createTopic(topic, 1);
    await produceEvents(
      topic,
      Array.from({ length: 300 }, () => userCreated()),
    );
    const real = createEventStore(engine.writer(), engine.reader(), target);
    let down = true; // ClickHouse refuses every insert until the test says otherwise
    const store: EventStore = {
      ...real,
      async insert(rows, token) {
        if (down) throw new Error('injected: ClickHouse is down');
        await real.insert(rows, token);
      },
    };
    const { sink, kafka, lines } = sinkOver(store, {
      topic,
      groupId,
      batchSize: 100, // inserted (and retried) inside kafkajs's batch callback
      flushIntervalMs: 60_000,
      commitIntervalMs: 200,
      backoff: { initialMs: 1000, maxMs: 4000 },
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 1000,
      fetchMaxWaitMs: 1000,
    });
    // A second member joins while the sink retries, takes its turn, and leaves again.
    const visitor = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 1000 });
    await sink.start();
    try {
      await waitFor('an insert being retried', async () =>
        lines.some((l) => l.message === 'insert failed; partition paused, retrying'),
      );
      await visitor.connect();
      await visitor.subscribe({ topic, fromBeginning: true });
      let visitorJoined = false;
      visitor.on(visitor.events.GROUP_JOIN, () => (visitorJoined = true));
      await visitor.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: async () => undefined });
      // Well inside kafkajs's 60 s rebalance timeout: the sink rejoined instead of being waited for.
      await waitFor('the group rebalanced with the visitor', async () => visitorJoined, 30_000);
      await visitor.disconnect();
      down = false;
      await waitFor(
        'every event stored and committed after the outage',
        async () => (await committedOffsets(groupId, topic)).get(0) === 300,
        60_000,
      );
      // The visitor's leaving rebalances the group once more (it may come after the commit).
      await waitFor(
        'the group rebalanced after the visitor left',
        async () => lines.filter((l) => l.message === 'partitions assigned').length >= 3,
        30_000,
      );
    } finally {
      await visitor.disconnect();
      await sink.stop();
    }
    const [row] = (await real.readOnlyQuery(
      `SELECT count() AS total, uniqExact(event_id) AS unique FROM analytics.event_log WHERE kafka_topic = '${topic}'`,
    )) as { total: string; unique: string }[];
    expect(row).toEqual({ total: '300', unique: '300' });
  }, 150_000);

  it('loses nothing, stores nothing twice, never commits past what is stored, and resumes', async () => {
    const topic = uniqueName('failures');
    const groupId = uniqueName('failures-sink');
    await createTopic(topic, 1);
    await produceEvents(
      topic,
      Array.from({ length: 3000 }, () => userCreated()),
    );

    // Two kinds of failure, in turn: the insert reached ClickHouse but its answer was lost
    // (the retry must be dropped by the deduplication token), then ClickHouse refused outright.
    const real = createEventStore(engine.writer(), engine.reader(), target);
    const script = ['stored-then-failed', 'stored-then-failed', 'refused', 'refused', 'refused'];
    const store: EventStore = {
      ...real,
      async insert(rows, token) {
        const step = script.shift();
        if (step === 'refused') throw new Error('injected: ClickHouse refused the insert');
        await real.insert(rows, token);
        if (step === 'stored-then-failed') throw new Error('injected: the answer to the insert was lost');
      },
    };
    const { sink, lines } = sinkOver(store, {
      topic,
      groupId,
      batchSize: 1000,
      flushIntervalMs: 500,
      commitIntervalMs: 100,
      backoff: { initialMs: 100, maxMs: 400 },
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 1000,
      fetchMaxWaitMs: 1000,
    });

    const count = async () => {
      const [row] = (await real.readOnlyQuery(
        `SELECT count() AS total, uniqExact(event_id) AS unique FROM analytics.event_log WHERE kafka_topic = '${topic}'`,
      )) as { total: string; unique: string }[];
      return row!;
    };
    let committedAheadOfStore = false;
    await sink.start();
    try {
      await waitFor('every event stored and committed', async () => {
        // Watch the invariant the whole way: the committed offset never passes what is stored.
        const committed = (await committedOffsets(groupId, topic)).get(0) ?? -1;
        const stored = (await real.storedOffsets(await topicId(topic))).get(0) ?? -1n;
        if (committed > 0 && BigInt(committed) > stored + 1n) committedAheadOfStore = true;
        return committed === 3000;
      });
    } finally {
      await sink.stop();
    }

    expect(committedAheadOfStore).toBe(false);
    expect(script).toEqual([]); // every injected failure happened
    expect(await count()).toEqual({ total: '3000', unique: '3000' });
    expect(
      lines.filter((l) => l.message === 'insert failed; partition paused, retrying').length,
    ).toBeGreaterThanOrEqual(5);
  });

  // A SIGTERM while ClickHouse is down: the sink gives up its retries, stores and commits what
  // it can (nothing here), and leaves the group, instead of retrying until the shutdown timer
  // kills it without a LeaveGroup (its partitions then wait a session timeout for a new owner).
  it('stops while inserts are failing: ends its retries, commits nothing unstored, leaves the group', async () => {
    const topic = uniqueName('stop-during-outage');
    const groupId = uniqueName('stop-during-outage-sink');
    await createTopic(topic, 1);
    await produceEvents(
      topic,
      Array.from({ length: 200 }, () => userCreated()),
    );
    const real = createEventStore(engine.writer(), engine.reader(), target);
    const store: EventStore = {
      ...real,
      async insert() {
        throw new Error('injected: ClickHouse is down');
      },
    };
    const { sink, kafka, lines } = sinkOver(store, {
      topic,
      groupId,
      batchSize: 100, // full batches: inserted inside kafkajs's batch callback
      flushIntervalMs: 60_000,
      commitIntervalMs: 200,
      backoff: { initialMs: 1000, maxMs: 30_000 },
      sessionTimeoutMs: 6000,
      heartbeatIntervalMs: 1000,
      fetchMaxWaitMs: 1000,
    });
    await sink.start();
    await waitFor('an insert being retried', async () =>
      lines.some((l) => l.message === 'insert failed; partition paused, retrying'),
    );
    // Ends at all: the shutdown timer is not what ends it. (No duration is asserted.)
    let stopped = false;
    const stopping = sink.stop().then(() => (stopped = true));
    await waitFor('stop() to return', async () => stopped, 45_000);
    await stopping;

    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([groupId]);
      expect(groups[0]!.members).toEqual([]); // it left: no member waits out a session
    } finally {
      await admin.disconnect();
    }
    expect((await committedOffsets(groupId, topic)).get(0) ?? -1).toBe(-1); // nothing was stored
  }, 90_000);
});

describe('ClickHouse refusing one row for good (real Kafka, registry, ClickHouse engine)', () => {
  const engine = useEmbeddedEngine('sink-refused');

  it('splits the batch, dead-letters the one row ClickHouse refuses with its reason, stores the rest, moves on', async () => {
    const topic = uniqueName('refused');
    const groupId = uniqueName('refused-sink');
    await createTopic(topic, 1);
    const events = Array.from({ length: 10 }, () => userCreated());
    events[6] = { ...events[6]!, name: 'refuse-me' };
    await produceEvents(topic, events);
    // A real refusal by the engine, about the data: a constraint the one row breaks.
    await engine.writer().command({
      query: `ALTER TABLE ${target.database}.${target.table} ADD CONSTRAINT refuse_me CHECK position(payload, 'refuse-me') = 0`,
    });
    const { sink, lines, deadLetterTopic } = sinkOver(
      createEventStore(engine.writer(), engine.reader(), target),
      {
        topic,
        groupId,
        batchSize: 10,
        flushIntervalMs: 200,
        commitIntervalMs: 200,
        backoff: { initialMs: 50, maxMs: 200 },
        sessionTimeoutMs: 10_000,
        heartbeatIntervalMs: 1000,
        fetchMaxWaitMs: 200,
      },
    );
    await sink.start();
    try {
      await waitFor(
        'every offset committed past the refused row',
        async () => (await committedOffsets(groupId, topic)).get(0) === 10,
        60_000,
      );
    } finally {
      await sink.stop();
    }
    const stored = (await engine
      .reader()
      .query({
        query: `SELECT event_id FROM ${target.database}.${target.table} WHERE kafka_topic = {topic:String}`,
        query_params: { topic },
        format: 'JSONEachRow',
      })
      .then((result) => result.json<{ event_id: string }>())) as { event_id: string }[];
    expect(stored.map((row) => row.event_id).sort()).toEqual(
      events
        .filter((_, index) => index !== 6)
        .map((event) => event.event_id)
        .sort(),
    );
    const [dead] = await readDeadLetters(deadLetterTopic, 1);
    expect(dead!.headers['event_id']).toBe(events[6]!.event_id);
    expect(dead!.headers['dlq.error.code']).toBe('INSERT_REFUSED');
    expect(dead!.headers['dlq.error.reason']).toMatch(/Constraint `refuse_me` .* is violated/);
    expect(dead!.headers['dlq.source.offset']).toBe('6');
    expect(
      lines.filter((l) => l.message === 'ClickHouse keeps refusing a batch; inserting it in halves').length,
    ).toBeGreaterThan(0);
  }, 90_000);
});
