import fs from 'node:fs';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { uniqueName } from '@platform/testing';
import {
  createTopic,
  produceEvents,
  readDeadLetters,
  registry,
  topicId,
  userCreated,
} from './support/event-producer.js';
import { sinkTarget, startSink, TEST_QUERY_TOKEN, waitFor, type SinkTarget } from './support/sink-process.js';

describe('clickhouse-sink: Kafka -> embedded ClickHouse (real Kafka, registry, ClickHouse engine)', () => {
  let target: SinkTarget;
  let sink: ReturnType<typeof startSink> | undefined;

  beforeEach(() => {
    target = sinkTarget('sink');
  });

  afterEach(async () => {
    sink?.process.signal('SIGTERM');
    await sink?.process.exitCode();
    sink = undefined;
    fs.rmSync(target.dataDir, { recursive: true, force: true });
  });

  const count = async (where = '1') =>
    (
      await sink!.query<{ total: string; distinct: string }>(
        `SELECT count() AS total, uniqExact(event_id) AS distinct FROM analytics.event_log WHERE ${where}`,
      )
    )[0]!;

  it('turns 10 000 quick events into about 10 inserts of 1000, each event stored once', async () => {
    await createTopic(target.topic, 3);
    const events = Array.from({ length: 10_000 }, () => userCreated());
    await produceEvents(target.topic, events);
    sink = startSink(target);
    await waitFor('all rows stored', async () => (await count()).total === '10000');
    expect(await count()).toEqual({ total: '10000', distinct: '10000' });
    const inserts = sink.process.logLines.filter((l) => l.message === 'batch inserted');
    // Per partition: full batches of 1000 plus at most one partial batch each.
    expect(inserts.length).toBeGreaterThanOrEqual(10);
    expect(inserts.length).toBeLessThanOrEqual(13);
    expect(inserts.filter((l) => l.rows === 1000).length).toBeGreaterThanOrEqual(8);
  });

  it('stores events of several months in one partition per month, with Kafka provenance', async () => {
    await createTopic(target.topic, 1);
    const months = [
      '2026-01-15T10:00:00Z',
      '2026-02-15T10:00:00Z',
      '2026-03-15T10:00:00Z',
      '2026-04-15T10:00:00Z',
    ];
    await produceEvents(
      target.topic,
      months.flatMap((m) => Array.from({ length: 5 }, () => userCreated(Date.parse(m)))),
    );
    sink = startSink(target);
    await waitFor('all rows stored', async () => (await count()).total === '20');
    const parts = await sink.query<{ partition: string }>(
      `SELECT DISTINCT partition FROM system.parts WHERE database = 'analytics' AND table = 'event_log' AND active ORDER BY partition`,
    );
    expect(parts.map((p) => p.partition)).toEqual(['202601', '202602', '202603', '202604']);
    const [row] = await sink.query(
      `SELECT kafka_topic, kafka_partition, kafka_offset, event_type, JSONExtractString(payload, 'email') AS email
       FROM analytics.event_log ORDER BY kafka_offset LIMIT 1`,
    );
    expect(row).toMatchObject({
      kafka_topic: target.topic,
      kafka_partition: 0,
      kafka_offset: '0',
      event_type: 'user_created',
    });
  });

  it('sends poison messages to the dead-letter topic with reasons, stores the good ones, moves on', async () => {
    await createTopic(target.topic, 1);
    // A schema the sink can decode but not map (no envelope).
    const foreign = await registry().register(
      {
        type: SchemaType.AVRO,
        schema: JSON.stringify({
          type: 'record',
          name: 'Foreign',
          namespace: 'elsewhere',
          fields: [{ name: 'x', type: 'int' }],
        }),
      },
      { subject: uniqueName('foreign-value') },
    );
    const poison = [
      { key: 'p1', value: Buffer.from('{"json":"not avro"}') },
      { key: 'p2', value: frame(2_000_000_000, Buffer.from([1, 2, 3])) },
      { key: 'p3', value: frame(foreign.id, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff])) },
      { key: 'p4', value: await registry().encode(foreign.id, { x: 7 }) },
    ];
    await produceEvents(
      target.topic,
      [userCreated(), userCreated()],
      [...poison.map((p) => ({ ...p, headers: { origin: 'test' } }))],
    );
    // A user_created from a foreign producer with an absurd time (9e15 ms: past what a Date
    // holds), then a good event after it: the sink must get past it.
    const absurd = userCreated(9e15);
    await produceEvents(target.topic, [absurd, userCreated()]);
    sink = startSink(target);
    await waitFor('good rows stored', async () => (await count()).total === '3');

    const dead = await readDeadLetters(target.dlqTopic, 5);
    expect(dead.map((d) => [d.key, d.headers['dlq.error.code']])).toEqual([
      ['p1', 'NOT_CONFLUENT_FRAMING'],
      ['p2', 'UNKNOWN_SCHEMA_ID'],
      ['p3', 'UNDECODABLE'],
      ['p4', 'UNMAPPABLE'],
      [absurd.aggregate_id, 'UNMAPPABLE'],
    ]);
    expect(dead[4]!.headers['dlq.error.reason']).toBe(
      'event_time must be between 1900-01-01 and 2299-12-31 (UTC)',
    );
    // And the sink says it is well, because it is: still consuming.
    const { http_port: port } = await sink.process.waitForLog('consuming');
    const health = await fetch(`http://127.0.0.1:${String(port)}/healthz`);
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
    expect(dead[0]).toMatchObject({
      value: poison[0]!.value,
      headers: {
        origin: 'test',
        'dlq.source.topic': target.topic,
        'dlq.source.topic_id': await topicId(target.topic),
        'dlq.source.partition': '0',
        'dlq.source.offset': '2',
      },
    });
    expect(dead[3]!.headers['dlq.error.reason']).toBe('event_id must be a non-empty string');
  });

  it('answers read-only queries and refuses writes through ClickHouse itself', async () => {
    await createTopic(target.topic, 1);
    sink = startSink(target);
    expect(await sink.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await expect(sink.query('DROP TABLE analytics.event_log')).rejects.toThrow(/readonly/i);
    await expect(
      sink.query(`INSERT INTO analytics.event_log (event_id) VALUES (generateUUIDv4())`),
    ).rejects.toThrow(/readonly/i);
    expect((await count()).total).toBe('0');
    // Within ClickHouse's limits (10 000 result rows by default), which a query cannot lift.
    expect(await sink.query('SELECT number FROM numbers(10000)')).toHaveLength(10_000);
    await expect(sink.query('SELECT number FROM numbers(10001)')).rejects.toThrow(
      /Limit for result exceeded/,
    );
    await expect(
      sink.query('SELECT number FROM numbers(10001) SETTINGS max_result_rows = 0'),
    ).rejects.toThrow(/readonly mode/);
  });

  it('serves /query only with its token, and not at all without one configured', async () => {
    await createTopic(target.topic, 1);
    sink = startSink(target);
    const { http_port: port } = await sink.process.waitForLog('consuming');
    const post = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${String(port)}/query`, { method: 'POST', body: 'SELECT 1', headers });
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: 'Bearer wrong-token-0123456789abcdefgh' },
      { Authorization: TEST_QUERY_TOKEN }, // the token, but not as a bearer credential
    ];
    for (const headers of attempts) {
      const refused = await post(headers);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="clickhouse-sink"');
    }
    expect((await post({ Authorization: `Bearer ${TEST_QUERY_TOKEN}` })).status).toBe(200);
    // /metrics stays open to the scraper.
    expect((await fetch(`http://127.0.0.1:${String(port)}/metrics`)).status).toBe(200);
    sink.process.signal('SIGTERM');
    await sink.process.exitCode();

    sink = startSink(target, { SINK_QUERY_TOKEN: '' });
    const { http_port: other } = await sink.process.waitForLog('consuming');
    const off = await fetch(`http://127.0.0.1:${String(other)}/query`, {
      method: 'POST',
      body: 'SELECT 1',
      headers: { Authorization: `Bearer ${TEST_QUERY_TOKEN}` },
    });
    expect(off.status).toBe(403);
  });
});

function frame(id: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeInt32BE(id, 1);
  return Buffer.concat([header, body]);
}
