// Benchmark: outbox -> Kafka throughput and commit-to-topic latency.
//
//   eval "$(./platform env)" && ./platform stack up
//   npx turbo run build --filter=@platform/outbox-publisher...
//   npm run bench -w @platform/outbox-publisher
//
// In one run, on fresh databases and topics, with BENCH_ROWS (100000) pending rows:
//   1. the publisher (its own process, default settings, batch 1000), once per OUTBOX_CONCURRENCY
//      in BENCH_CONCURRENCY (1,2,4), all of it BENCH_REPEAT (1) times, interleaved; the median
//      per concurrency, and the default settings' figure, which is the one compared -> events/s
//   2. a raw kafkajs producer sending the same encoded messages (the limit) -> events/s
//   3. the original design's loop: select 1000 unprocessed, send, update processed, repeat on a
//      timer (BENCH_NAIVE_INTERVAL_MS, 1000), on BENCH_NAIVE_ROWS (20000)   -> events/s
//   4. commit-to-topic latency at BENCH_RATE (1000) events/s for BENCH_SECONDS (15) -> p50/p99
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { progressReporter } from '@platform/runtime';
import { ServiceProcess, writeBenchResult } from '@platform/testing';
import { commitAtRate, fillOutbox, freshDatabaseUrl } from './database.js';
import { createTopic } from './kafka.js';

const rows = Number(process.env.BENCH_ROWS ?? 100_000);
const naiveRows = Number(process.env.BENCH_NAIVE_ROWS ?? 20_000);
const naiveIntervalMs = Number(process.env.BENCH_NAIVE_INTERVAL_MS ?? 1000);
const rate = Number(process.env.BENCH_RATE ?? 1000);
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,2,4').split(',').map(Number);
const repeat = Number(process.env.BENCH_REPEAT ?? 1);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const serviceDir = path.resolve(import.meta.dirname, '..');
const brokers = (process.env.KAFKA_BROKERS ?? fail('KAFKA_BROKERS is not set')).split(',');
const registry = new SchemaRegistry({
  host: process.env.SCHEMA_REGISTRY_URL ?? fail('SCHEMA_REGISTRY_URL is not set'),
});
const kafka = new Kafka({ brokers, clientId: 'relay-bench', logLevel: logLevel.NOTHING });
const run = randomUUID().slice(0, 8);

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}
const log = (message) => console.log(`[bench] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function freshDatabase(name) {
  return new pg.Pool({ connectionString: await freshDatabaseUrl(name), max: 8 });
}

const count = async (pool, where) =>
  Number((await pool.query(`select count(*) from outbox where ${where}`)).rows[0].count);

// The records exactly as the publisher builds them, encoded through the registry once.
async function encodedMessages(pool, topic) {
  const { readSchema, subjectFor } = await import('@platform/schemas');
  const schema = readSchema('user-created.avsc');
  const { id } = await registry.register(
    { type: 'AVRO', schema: JSON.stringify(schema) },
    { subject: subjectFor(topic, schema) },
  );
  const result = await pool.query('select * from outbox order by id');
  return Promise.all(
    result.rows.map(async (r) => ({
      key: r.aggregate_id,
      headers: { event_id: r.event_id, event_type: r.event_type, aggregate_type: r.aggregate_type },
      value: await registry.encode(id, {
        event_id: r.event_id,
        event_type: r.event_type,
        event_time: r.event_date_time.getTime(),
        environment: r.environment,
        aggregate_type: r.aggregate_type,
        aggregate_id: r.aggregate_id,
        metadata_version: r.metadata_version,
        ...r.event_context,
      }),
      id: r.id,
    })),
  );
}

function startPublisher(url, topic, env = {}) {
  return new ServiceProcess(path.join(serviceDir, 'dist/main.js'), {
    ...process.env,
    DATABASE_URL: url,
    OUTBOX_TOPIC: topic,
    LOG_LEVEL: 'warn',
    PUBLISHER_HTTP_PORT: '0',
    ...env,
  });
}

/** Events/s of one publisher draining `rows`; OUTBOX_CONCURRENCY as given, or its default. */
async function benchRelay(concurrency) {
  const pool = await freshDatabase('relay_bench_publisher');
  await fillOutbox(pool, rows);
  const topic = `bench-relay-${run}-${concurrency ?? 'default'}`;
  const url = pool.options.connectionString;
  const publisher = startPublisher(
    url,
    topic,
    concurrency ? { OUTBOX_CONCURRENCY: String(concurrency) } : {},
  );
  let started;
  while ((await count(pool, `status = 'processed'`)) === 0) await sleep(20);
  started = performance.now();
  const startedCount = await count(pool, `status = 'processed'`);
  const progress = progressReporter(
    `[bench] relay (concurrency ${concurrency ?? 'default'})`,
    rows,
    process.stdout,
  );
  let done;
  while ((done = await count(pool, `status = 'processed'`)) < rows) {
    await sleep(100);
    progress.update(done);
  }
  const elapsed = (performance.now() - started) / 1000;
  progress.finish(done);
  publisher.signal('SIGTERM');
  await publisher.exitCode();
  await pool.end();
  return (rows - startedCount) / elapsed;
}

async function benchRawProducer() {
  const pool = await freshDatabase('relay_bench_raw');
  await fillOutbox(pool, rows);
  const topic = `bench-raw-${run}`;
  await createTopic(kafka, topic);
  const messages = await encodedMessages(pool, topic);
  await pool.end();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const started = performance.now();
  for (let i = 0; i < messages.length; i += 1000) {
    await producer.send({
      topic,
      acks: -1,
      messages: messages.slice(i, i + 1000).map(({ key, value, headers }) => ({ key, value, headers })),
    });
  }
  const elapsed = (performance.now() - started) / 1000;
  await producer.disconnect();
  return messages.length / elapsed;
}

async function benchNaiveLoop() {
  const pool = await freshDatabase('relay_bench_naive');
  await fillOutbox(pool, naiveRows);
  const topic = `bench-naive-${run}`;
  await createTopic(kafka, topic);
  const messages = new Map((await encodedMessages(pool, topic)).map((m) => [m.id, m]));
  const producer = kafka.producer();
  await producer.connect();
  const started = performance.now();
  // The original design: a timer fires, one batch is selected, sent, and marked.
  for (;;) {
    const tick = performance.now();
    const batch = (await pool.query(`select id from outbox where status = 'pending' order by id limit 1000`))
      .rows;
    if (batch.length === 0) break;
    await producer.send({
      topic,
      messages: batch.map(({ id }) => {
        const { key, value, headers } = messages.get(id);
        return { key, value, headers };
      }),
    });
    await pool.query(
      `update outbox set status = 'processed', processed_at = now() where id = any($1::bigint[])`,
      [batch.map((r) => r.id)],
    );
    await sleep(Math.max(0, naiveIntervalMs - (performance.now() - tick)));
  }
  const elapsed = (performance.now() - started) / 1000;
  await producer.disconnect();
  await pool.end();
  return naiveRows / elapsed;
}

async function benchLatency() {
  const pool = await freshDatabase('relay_bench_latency');
  pool.options.max = 30; // enough connections to commit 1000 single-row transactions a second
  const topic = `bench-latency-${run}`;
  await createTopic(kafka, topic);
  const publisher = startPublisher(pool.options.connectionString, topic);
  // Both ends are recorded by event id: a message can reach the consumer before this process has
  // run the COMMIT's callback (a busy event loop), so neither side may assume it comes second.
  const receivedAt = new Map();
  const consumer = kafka.consumer({ groupId: `bench-latency-${run}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const eventId = message.headers.event_id.toString();
      if (!receivedAt.has(eventId)) receivedAt.set(eventId, performance.now()); // the first copy counts
    },
  });
  await sleep(3000); // consumer joined, publisher connected
  // One transaction per event, at a steady rate, timed from the moment COMMIT returned.
  const total = rate * seconds;
  const { committedAt, achieved } = await commitAtRate(pool, rate, seconds);
  const deadline = performance.now() + 120_000;
  while (receivedAt.size < total) {
    if (performance.now() > deadline) fail(`only ${receivedAt.size} of ${total} events reached the topic`);
    await sleep(200);
  }
  // Received before the COMMIT's callback ran: the latency was below what this process can see.
  const latencies = [...committedAt].map(([eventId, at]) => Math.max(0, receivedAt.get(eventId) - at));
  await consumer.disconnect();
  publisher.signal('SIGTERM');
  await publisher.exitCode();
  await pool.end();
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1);
  return { achieved, p50: at(0.5), p99: at(0.99), samples: latencies.length };
}

const byConcurrency = new Map(concurrencies.map((concurrency) => [concurrency, []]));
for (let round = 1; round <= repeat; round += 1) {
  for (const concurrency of concurrencies) {
    log(
      `relay: ${rows} pending rows, own process, OUTBOX_CONCURRENCY=${concurrency} (round ${round}/${repeat})`,
    );
    const figure = await benchRelay(concurrency);
    byConcurrency.get(concurrency).push(figure);
    log(`relay (concurrency ${concurrency}): ${figure.toFixed(0)} events/s`);
  }
}
log(`relay: ${rows} pending rows, the publisher with its default settings`);
const relay = await benchRelay(undefined);
log(`relay: ${relay.toFixed(0)} events/s`);
log(`raw kafkajs producer: the same ${rows} messages, 1000 per send, acks=all`);
const raw = await benchRawProducer();
log(`raw producer: ${raw.toFixed(0)} events/s`);
log(`original loop: ${naiveRows} rows, 1000 per ${naiveIntervalMs} ms timer tick`);
const naive = await benchNaiveLoop();
log(`original loop: ${naive.toFixed(0)} events/s`);
log(`latency: ${rate} events/s for ${seconds}s, one transaction each`);
const latency = await benchLatency();

console.log('\n| measure | value |\n| --- | --- |');
for (const [concurrency, figures] of byConcurrency) {
  const each = figures.length > 1 ? ` (median of ${figures.map((f) => f.toFixed(0)).join(', ')})` : '';
  console.log(
    `| publisher, OUTBOX_CONCURRENCY=${concurrency} | ${median(figures).toFixed(0)} events/s${each} |`,
  );
}
console.log(
  `| publisher, default settings, ${rows} pending rows | ${relay.toFixed(0)} events/s (target >= 25000) |`,
);
console.log(`| raw kafkajs producer, same messages | ${raw.toFixed(0)} events/s |`);
console.log(`| publisher / raw producer | ${((relay / raw) * 100).toFixed(0)}% (target >= 50%) |`);
console.log(`| original loop (1000 per ${naiveIntervalMs} ms tick) | ${naive.toFixed(0)} events/s |`);
console.log(`| publisher / original loop | ${(relay / naive).toFixed(1)}x |`);
console.log(
  `| commit-to-topic latency at ${latency.achieved.toFixed(0)} events/s | p50 ${latency.p50} ms, p99 ${latency.p99} ms (target p99 < 200 ms; ${latency.samples} samples) |`,
);
writeBenchResult({
  bench: 'relay',
  rows,
  by_concurrency: Object.fromEntries([...byConcurrency].map(([c, figures]) => [c, figures])),
  publisher_events_per_second: relay,
  raw_producer_events_per_second: raw,
  original_loop_events_per_second: naive,
  latency_ms: { rate: latency.achieved, p50: Number(latency.p50), p99: Number(latency.p99) },
});
