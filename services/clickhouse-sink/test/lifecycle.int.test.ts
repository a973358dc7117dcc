import fs from 'node:fs';
import { createTopic, produceEvents, userCreated } from './support/event-producer.js';
import { sinkTarget, startSink, waitFor } from './support/sink-process.js';

describe('clickhouse-sink process life cycle', () => {
  const target = sinkTarget('life');

  afterAll(() => {
    fs.rmSync(target.dataDir, { recursive: true, force: true });
  });

  it('migrates, consumes, then flushes, commits and leaves the group on SIGTERM with exit code 0', async () => {
    await createTopic(target.topic, 1);
    const sink = startSink(target);
    expect(await sink.process.waitForLog('clickhouse schema ready')).toMatchObject({
      target: 'embedded',
      database: 'analytics',
      table: 'event_log',
      applied: ['1 event table', '2 topic id and stored positions', '3 actor'],
    });
    await sink.process.waitForLog('service started');
    sink.process.signal('SIGTERM');
    expect(await sink.process.exitCode()).toBe(0);
    await sink.process.waitForLog('service stopped');

    // A second start finds the schema in place and applies nothing.
    const again = startSink(target);
    expect(await again.process.waitForLog('clickhouse schema ready')).toMatchObject({ applied: [] });
    again.process.signal('SIGTERM');
    expect(await again.process.exitCode()).toBe(0);
  });

  it('waits for a topic that does not exist yet, then consumes it; a SIGTERM ends the wait', async () => {
    const early = sinkTarget('early');
    const waiting = startSink(early);
    await waiting.process.waitForLog('cannot subscribe yet (does the topic exist?); retrying');
    waiting.process.signal('SIGTERM');
    expect(await waiting.process.exitCode()).toBe(0);

    const sink = startSink(early);
    await sink.process.waitForLog('cannot subscribe yet (does the topic exist?); retrying');
    await createTopic(early.topic, 1);
    await produceEvents(early.topic, [userCreated(), userCreated()]);
    await waitFor(
      'rows stored',
      async () =>
        (await sink.query<{ n: string }>('SELECT count() AS n FROM analytics.event_log'))[0]!.n === '2',
    );
    sink.process.signal('SIGTERM');
    expect(await sink.process.exitCode()).toBe(0);
    fs.rmSync(early.dataDir, { recursive: true, force: true });
  });

  it('exits with code 78 and every problem when configuration is invalid', async () => {
    const sink = startSink(target, {
      CLICKHOUSE_URL: 'clickhouse:9000',
      SINK_BATCH_SIZE: 'many',
      CLICKHOUSE_TABLE: 'drop table',
    });
    expect(await sink.process.exitCode()).toBe(78);
    expect(sink.process.stderr).toContain('CLICKHOUSE_URL: expected a URL starting with http:// or https://');
    expect(sink.process.stderr).toContain('SINK_BATCH_SIZE: expected a whole number (got "many")');
    expect(sink.process.stderr).toContain('CLICKHOUSE_TABLE: expected a plain identifier (got "drop table")');
  });

  it('refuses a heartbeat interval of more than a third of the session timeout', async () => {
    const sink = startSink(target, { SINK_SESSION_TIMEOUT_MS: '6000', SINK_HEARTBEAT_INTERVAL_MS: '2500' });
    expect(await sink.process.exitCode()).toBe(78);
    expect(sink.process.stderr).toContain(
      'SINK_HEARTBEAT_INTERVAL_MS: must be at most a third of SINK_SESSION_TIMEOUT_MS (6000 ms)',
    );
  });
});
