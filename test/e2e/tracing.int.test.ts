import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { waitFor, type ServiceProcess } from '@platform/testing';
import { createPlatform, type Platform } from './support/platform.js';
import {
  jaegerQueryUrl,
  jaegerTrace,
  linksOf,
  parentOf,
  tag,
  traceSpans,
  type JaegerSpan,
} from './support/jaeger.js';
import type * as TraceWaterfall from '../../infra/ops/trace-waterfall.js';

// `./platform trace`'s renderer, drawn here on the real trace of a request.
const { traceWaterfall } = (await import(
  new URL('../../infra/ops/trace-waterfall.js', import.meta.url).href
)) as typeof TraceWaterfall;

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** Waits until the trace holds a span matching `predicate`, then returns all its spans. */
async function traceWith(traceId: string, what: string, predicate: (span: JaegerSpan) => boolean) {
  let spans: JaegerSpan[] = [];
  await waitFor(
    what,
    async () => {
      spans = await traceSpans(traceId);
      return spans.some(predicate);
    },
    60_000,
  );
  return spans;
}

function only(spans: JaegerSpan[], service: string, operation: string | RegExp): JaegerSpan[] {
  return spans.filter(
    (s) =>
      s.service === service &&
      (typeof operation === 'string' ? s.operationName === operation : operation.test(s.operationName)),
  );
}

const logLine = (service: ServiceProcess, message: string) =>
  service.logLines.filter((l) => l.message === message);

describe('tracing: one trace from the HTTP request to the ClickHouse row, in Jaeger', () => {
  let platform: Platform;
  let api: ServiceProcess;
  let publisher: ServiceProcess;
  let sink: ServiceProcess;
  let base: string;

  beforeAll(async () => {
    jaegerQueryUrl(); // fails at once, saying why, when no Jaeger is configured
    platform = await createPlatform('trace', {
      OTEL_EXPORTER_OTLP_ENDPOINT: process.env.JAEGER_OTLP_ENDPOINT!,
      OTEL_BSP_SCHEDULE_DELAY: '200', // export within a fraction of a second
    });
    api = platform.start('user-api');
    publisher = platform.start('outbox-publisher');
    sink = platform.start('clickhouse-sink');
    base = await platform.baseUrl(api, 'user-api');
    await platform.baseUrl(publisher, 'outbox-publisher');
    await platform.baseUrl(sink, 'clickhouse-sink');
  });

  afterAll(async () => {
    await platform?.stop();
  });

  it('connects the API, publisher and sink spans of one request, and the logs carry its ids', async () => {
    // The caller's own trace context: the API continues it, so the trace id is known up front.
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const email = `traced-${hex(4)}@example.com`;
    const response = await fetch(`${base}/users`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...platform.authHeader,
        traceparent: `00-${traceId}-${callerSpanId}-01`,
      },
      body: JSON.stringify({ email, name: 'Traced User' }),
    });
    expect(response.status).toBe(201);
    const { id: userId } = (await response.json()) as { id: string };
    const pool = new pg.Pool({ connectionString: platform.databaseUrl, max: 1 });
    const { rows } = await pool.query<{ event_id: string }>(
      'select event_id from outbox where aggregate_id = $1',
      [userId],
    );
    await pool.end();
    const eventId = rows[0]!.event_id;

    const spans = await traceWith(
      traceId,
      'the sink span in the request trace',
      (s) => s.service === 'clickhouse-sink',
    );
    // Every span of the trace comes from the three services, under one trace id.
    expect(new Set(spans.map((s) => s.service))).toEqual(
      new Set(['user-api', 'outbox-publisher', 'clickhouse-sink']),
    );

    // user-api: the server span, named after the route, continues the caller's context; the
    // two INSERTs (user, outbox) of the unit of work are its children.
    const [server] = only(spans, 'user-api', 'POST /users');
    expect(server).toBeDefined();
    expect(tag(server!, 'span.kind')).toBe('server');
    expect(parentOf(server!)).toEqual(expect.objectContaining({ traceID: traceId, spanID: callerSpanId }));
    const inserts = only(spans, 'user-api', /^pg\.query:INSERT/);
    expect(inserts.length).toBeGreaterThanOrEqual(2);
    for (const insert of inserts) expect(parentOf(insert)?.spanID).toBe(server!.spanID);

    // outbox-publisher: the event's send span is a child of the request's span (the context the
    // API stored on the outbox row) and links to its batch span, a trace of its own.
    const [send] = only(spans, 'outbox-publisher', `send ${platform.topic}`);
    expect(send).toBeDefined();
    expect(tag(send!, 'span.kind')).toBe('producer');
    expect(tag(send!, 'messaging.message.id')).toBe(eventId);
    expect(parentOf(send!)?.spanID).toBe(server!.spanID);
    const [batchLink] = linksOf(send!);
    expect(batchLink).toBeDefined();
    expect(batchLink!.traceID).not.toBe(traceId);
    const batchTrace = await traceWith(
      batchLink!.traceID,
      'the relay batch span',
      (s) => s.spanID === batchLink!.spanID,
    );
    expect(batchTrace.find((s) => s.spanID === batchLink!.spanID)?.operationName).toBe('outbox relay batch');

    // clickhouse-sink: the message's process span is a child of the send span (the context in
    // the Kafka headers) and links to the insert span, whose own trace links back to the send.
    const [processSpan] = only(spans, 'clickhouse-sink', `process ${platform.topic}`);
    expect(processSpan).toBeDefined();
    expect(tag(processSpan!, 'span.kind')).toBe('consumer');
    expect(parentOf(processSpan!)?.spanID).toBe(send!.spanID);
    const [insertLink] = linksOf(processSpan!);
    expect(insertLink).toBeDefined();
    const insertTrace = await traceWith(
      insertLink!.traceID,
      'the insert span',
      (s) => s.spanID === insertLink!.spanID,
    );
    const insert = insertTrace.find((s) => s.spanID === insertLink!.spanID)!;
    expect(insert.operationName).toBe('insert analytics.event_log');
    expect(linksOf(insert)).toContainEqual(
      expect.objectContaining({ traceID: traceId, spanID: send!.spanID }),
    );

    // Causal order on one clock: request, then send, then process.
    expect(send!.startTime).toBeGreaterThanOrEqual(server!.startTime);
    expect(processSpan!.startTime).toBeGreaterThanOrEqual(send!.startTime);

    // Logs written inside each piece of work carry its trace: the API's access line that of the
    // request, the publisher's and the sink's batch lines those of their batch spans.
    const access = logLine(api, 'http request').find((l) => l.method === 'POST' && l.path === '/users');
    expect(access).toEqual(expect.objectContaining({ trace_id: traceId, span_id: server!.spanID }));
    expect(logLine(publisher, 'batch published').map((l) => l.trace_id)).toContain(batchLink!.traceID);
    expect(logLine(sink, 'batch inserted').map((l) => l.trace_id)).toContain(insertLink!.traceID);

    // `./platform trace` draws this trace: one row per span, the request's server span first at
    // offset 0 (the caller's span is not in Jaeger), each child indented under its parent.
    const raw = await jaegerTrace(traceId);
    const drawn = traceWaterfall(raw!).split('\n');
    expect(drawn[0]).toMatch(new RegExp(`^trace ${traceId}: ${raw!.spans.length} spans, 3 services, `));
    const drawnRows = drawn.slice(3);
    expect(drawnRows).toHaveLength(raw!.spans.length);
    expect(drawnRows[0]).toMatch(/^\s+0\.0\s+[\d.]+\s+user-api\s+POST \/users\s+\|█/);
    const rowOf = (service: string, name: string) =>
      drawnRows.findIndex((row) => new RegExp(`\\s${service}\\s+${name}\\s`).test(row));
    const [sendRow, processRow] = [
      rowOf('outbox-publisher', `send ${platform.topic}`),
      rowOf('clickhouse-sink', `process ${platform.topic}`),
    ];
    expect(sendRow).toBeGreaterThan(0);
    expect(processRow).toBeGreaterThan(sendRow); // the process span is drawn under its send span
    // Each level is indented two more: POST /users, then its send, then the send's process.
    const column = (row: number, name: string) => drawnRows[row]!.indexOf(name);
    expect(column(sendRow, 'send ') - column(0, 'POST /users')).toBe(2);
    expect(column(processRow, 'process ') - column(sendRow, 'send ')).toBe(2);

    // No personal data in any span (statements are recorded without their parameters) ...
    expect(JSON.stringify([...spans, ...batchTrace, ...insertTrace])).not.toContain(email);
    // ... nor in any log line: the user's email appears nowhere.
    for (const service of [api, publisher, sink]) {
      expect(service.logLines.filter((l) => JSON.stringify(l).includes(email))).toEqual([]);
    }
  });

  it('traces a dead-lettered message: an error span under the producer context, and the send to the dead-letter topic', async () => {
    const traceId = hex(16);
    const producerSpanId = hex(8);
    const producer = new Kafka({
      brokers: process.env.KAFKA_BROKERS!.split(','),
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    await producer.send({
      topic: platform.topic,
      messages: [
        { key: 'poison', value: 'not avro', headers: { traceparent: `00-${traceId}-${producerSpanId}-01` } },
      ],
    });
    await producer.disconnect();

    const spans = await traceWith(
      traceId,
      'the dead-letter send span',
      (s) => s.operationName === `send ${platform.dlqTopic}`,
    );
    const processSpan = spans.find((s) => s.operationName === `process ${platform.topic}`)!;
    expect(processSpan).toBeDefined();
    expect(parentOf(processSpan)?.spanID).toBe(producerSpanId);
    expect(tag(processSpan, 'otel.status_code')).toBe('ERROR');
    const dlqSend = spans.find((s) => s.operationName === `send ${platform.dlqTopic}`)!;
    expect(dlqSend.service).toBe('clickhouse-sink');
    expect(parentOf(dlqSend)?.spanID).toBe(processSpan.spanID);
    expect(tag(dlqSend, 'error.type')).toBe('NOT_CONFLUENT_FRAMING');
  });
});
