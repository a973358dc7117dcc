import fs from 'node:fs';
import { committedOffsets, createTopic, produceEvents, userCreated } from './support/event-producer.js';
import { sinkTarget, startSink, waitFor } from './support/sink-process.js';

describe('SIGKILL after an insert, before its commit (real Kafka, registry, ClickHouse engine)', () => {
  const target = sinkTarget('crash');

  afterAll(() => {
    fs.rmSync(target.dataDir, { recursive: true, force: true });
  });

  it('stores every event exactly once after the restart', async () => {
    await createTopic(target.topic, 3);
    await produceEvents(
      target.topic,
      Array.from({ length: 5000 }, () => userCreated()),
    );

    // Given a sink that has inserted everything but committed nothing (commits every 10 minutes)
    const first = startSink(target, { SINK_COMMIT_INTERVAL_MS: '600000' });
    const stored = async (sink: ReturnType<typeof startSink>) =>
      (
        await sink.query<{ total: string; unique: string }>(
          'SELECT count() AS total, uniqExact(event_id) AS unique FROM analytics.event_log',
        )
      )[0]!;
    await waitFor('5000 rows inserted', async () => (await stored(first)).total === '5000');

    // When it is SIGKILLed
    first.process.signal('SIGKILL');
    await first.process.exitCode();
    const before = await committedOffsets(target.groupId, target.topic);
    expect([...before.values()].every((offset) => offset < 0)).toBe(true); // nothing was committed

    // Then the restarted sink re-reads everything, stores nothing twice, and commits
    const second = startSink(target, { SINK_COMMIT_INTERVAL_MS: '200' });
    await produceEvents(
      target.topic,
      Array.from({ length: 1000 }, () => userCreated()),
    );
    await waitFor('offsets committed to the end', async () => {
      const offsets = await committedOffsets(target.groupId, target.topic);
      return [...offsets.values()].reduce((sum, offset) => sum + Math.max(0, offset), 0) === 6000;
    });
    expect(await stored(second)).toEqual({ total: '6000', unique: '6000' });
    second.process.signal('SIGTERM');
    expect(await second.process.exitCode()).toBe(0);
  });

  it('stores again soon after a SIGKILL and an immediate restart (no wait for the dead member)', async () => {
    const next = sinkTarget('restart');
    await createTopic(next.topic, 3);
    await produceEvents(
      next.topic,
      Array.from({ length: 300 }, () => userCreated()),
    );
    const count = async (sink: ReturnType<typeof startSink>) =>
      Number((await sink.query<{ n: string }>('SELECT count() AS n FROM analytics.event_log'))[0]!.n);
    const first = startSink(next); // default session timeout and heartbeat
    await waitFor('300 rows stored', async () => (await count(first)) === 300);
    await waitFor('offsets committed', async () => {
      const offsets = await committedOffsets(next.groupId, next.topic);
      return [...offsets.values()].reduce((sum, offset) => sum + Math.max(0, offset), 0) === 300;
    });

    first.process.signal('SIGKILL');
    await first.process.exitCode();
    const restartedAt = performance.now();
    const second = startSink(next);
    await produceEvents(
      next.topic,
      Array.from({ length: 30 }, () => userCreated()),
    );
    await waitFor('the new events stored', async () => (await count(second)) === 330, 60_000);
    const seconds = (performance.now() - restartedAt) / 1000;
    // Reported, not held to the 10 s target (shared machines); the bound fails kafkajs's former
    // default, a 30 s session the dead member held the partitions for.
    console.log(`sink restart after SIGKILL: new events stored ${seconds.toFixed(1)} s after the restart`);
    expect(seconds).toBeLessThan(25);
    second.process.signal('SIGTERM');
    expect(await second.process.exitCode()).toBe(0);
    fs.rmSync(next.dataDir, { recursive: true, force: true });
  });
});
