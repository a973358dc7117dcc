// Benchmark: Kafka -> ClickHouse through the sink, against its two limits.
//
//   eval "$(./platform env)" && ./platform stack up
//   npx turbo run build --filter=@platform/clickhouse-sink...
//   npm run bench -w @platform/clickhouse-sink
//
// In one run, with BENCH_EVENTS (1000000) events pre-produced on a fresh topic (6 partitions):
//   a. raw inserts of the same rows, 1000 per insert with a dedup token, into the embedded engine
//   b. a raw kafkajs consume of the topic, without decoding or inserting
//   s. the sink (its own process, default settings) draining the topic into the embedded engine
//   a'. the raw inserts again, into a fresh engine: the engine's speed drifts on these machines,
//      so the sink is compared with both
// and prints events/s for each, the sink's ratios to them, and where each process spent its CPU
// per thread (the engine's threads included, read from /proc).
//
// The engines' data directories are removed only at the end. On a file system without a journal
// (these machines' root), ext4 skips inodes freed in the last ~30 s when it creates a file, so
// deleting one phase's tens of thousands of part files made the next phase's inserts several
// times slower (perf: ext4_create -> recently_deleted). TMPDIR=/dev/shm takes the disk out.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { subjectFor, userEventSchemas } from '@platform/schemas';
import { progressReporter } from '@platform/runtime';
import { ServiceProcess, threadCpu, writeBenchResult } from '@platform/testing';
import { cpuBetween, describeCpu } from './thread-cpu.js';
import { createClickHouse } from '../dist/adapters/clickhouse/client.js';
import { createEventStore } from '../dist/adapters/clickhouse/event-store.js';
import { migrate } from '../dist/adapters/clickhouse/migrations.js';
import { toEventRow } from '../dist/domain/event-row.js';
import { dedupToken } from '../dist/domain/partition-batch.js';

const total = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const serviceDir = path.resolve(import.meta.dirname, '..');
const brokers = (
  process.env.KAFKA_BROKERS ?? fail('KAFKA_BROKERS is not set (eval "$(./platform env)")')
).split(',');
const registry = new SchemaRegistry({
  host: process.env.SCHEMA_REGISTRY_URL ?? fail('SCHEMA_REGISTRY_URL is not set'),
});
const kafka = new Kafka({ brokers, clientId: 'sink-bench', logLevel: logLevel.NOTHING });
const topic = `bench-sink-${randomUUID().slice(0, 8)}`;
const log = (message) => console.log(`[bench] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const dataDirs = [];
function freshDataDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dataDirs.push(dir);
  return dir;
}
function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

function event(i) {
  const id = randomUUID();
  return {
    event_id: randomUUID(),
    event_type: 'user_created',
    event_time: Date.now() - (i % 90) * 86_400_000,
    environment: 'bench',
    aggregate_type: 'user',
    aggregate_id: id,
    metadata_version: 1,
    actor: 'bench',
    user_id: id,
    email: `bench-${i}@x.io`,
    name: 'Bench User',
    version: 1,
  };
}

async function produce() {
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true });
  await admin.disconnect();
  const schema = userEventSchemas.user_created;
  const { id } = await registry.register(
    { type: 'AVRO', schema: JSON.stringify(schema) },
    { subject: subjectFor(topic, schema) },
  );
  const producer = kafka.producer();
  await producer.connect();
  const progress = progressReporter('[bench] produced', total, process.stdout);
  for (let i = 0; i < total; i += 5000) {
    const messages = [];
    for (let j = i; j < Math.min(total, i + 5000); j += 1) {
      const e = event(j);
      messages.push({
        key: e.aggregate_id,
        value: await registry.encode(id, e),
        headers: { event_id: e.event_id },
      });
    }
    await producer.send({ topic, messages });
    progress.update(Math.min(total, i + 5000));
  }
  progress.finish(total);
  await producer.disconnect();
}

async function rawConsume() {
  const consumer = kafka.consumer({ groupId: `${topic}-raw` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let started;
  const rows = [];
  await new Promise((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        started ??= performance.now();
        seen += batch.messages.length;
        if (seen >= total) resolve();
      },
    });
  });
  const elapsed = (performance.now() - started) / 1000;
  await consumer.disconnect();
  return { rate: total / elapsed, rows };
}

// The raw inserts never touch Kafka: any fixed id stands for the topic's.
const BENCH_TOPIC_ID = '00000000-0000-4000-8000-00000000be4c';

async function rawInserts() {
  // The rows the sink would build, made up front so only the inserts are timed.
  const rows = Array.from({ length: total }, (_, i) =>
    toEventRow(event(i), { topic, topicId: BENCH_TOPIC_ID, partition: 0, offset: String(i) }),
  );
  const dataDir = freshDataDir('bench-raw-');
  const client = createClickHouse({ kind: 'embedded', dataDir, database: 'analytics' });
  await migrate(client, { database: 'analytics', table: 'event_log' });
  const store = createEventStore(client, client, { database: 'analytics', table: 'event_log' });
  const cpuBefore = threadCpu(process.pid);
  const started = performance.now();
  for (let i = 0; i < rows.length; i += 1000) {
    await store.insert(
      rows.slice(i, i + 1000),
      dedupToken({ topic, topicId: BENCH_TOPIC_ID }, 0, BigInt(i), BigInt(i + 999)),
    );
  }
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuBetween(cpuBefore, threadCpu(process.pid));
  await client.close();
  return { rate: total / elapsed, cpu };
}

const BENCH_QUERY_TOKEN = 'bench-query-token-0123456789abcdef';

async function sink() {
  const dataDir = freshDataDir('bench-sink-');
  const child = new ServiceProcess(path.join(serviceDir, 'dist/main.js'), {
    ...process.env,
    CLICKHOUSE_URL: '',
    CLICKHOUSE_DATA_DIR: dataDir,
    SINK_TOPIC: topic,
    SINK_GROUP_ID: `${topic}-sink`,
    SINK_DLQ_TOPIC: `${topic}-dlq`,
    SINK_HTTP_PORT: '0',
    SINK_QUERY_TOKEN: BENCH_QUERY_TOKEN,
    LOG_LEVEL: 'info',
  });
  process.on('exit', () => child.signal('SIGKILL')); // never leave it running if the bench dies
  const { http_port: port } = await child.waitForLog('consuming', 120_000);
  const query = async () => {
    const response = await fetch(`http://127.0.0.1:${port}/query`, {
      method: 'POST',
      body: 'SELECT count() AS n FROM analytics.event_log',
      headers: { authorization: `Bearer ${BENCH_QUERY_TOKEN}` },
    });
    return Number((await response.json()).rows[0].n);
  };
  let started;
  let cpuBefore;
  let stored = 0;
  const progress = progressReporter('[bench] sink stored', total, process.stdout);
  while (stored < total) {
    stored = await query();
    cpuBefore ??= stored > 0 ? threadCpu(child.pid) : undefined;
    if (stored > 0) started ??= performance.now() - 250; // first batch landed within the last poll
    progress.update(stored);
    await sleep(250);
  }
  progress.finish(stored);
  const elapsed = (performance.now() - started) / 1000;
  const cpu = cpuBetween(cpuBefore, threadCpu(child.pid));
  child.signal('SIGTERM');
  await child.exitCode();
  return { rate: total / elapsed, cpu };
}

log(`producing ${total} events to ${topic}`);
await produce();
log('a. raw 1000-row inserts into the embedded engine');
const before = await rawInserts();
log(`a. ${before.rate.toFixed(0)} rows/s`);
log('b. raw kafkajs consume, no decoding, no inserts');
const consume = (await rawConsume()).rate;
log(`b. ${consume.toFixed(0)} events/s`);
log('s. the sink');
const sinkRun = await sink();
log("a'. raw 1000-row inserts again, fresh engine");
const after = await rawInserts();
log(`a'. ${after.rate.toFixed(0)} rows/s`);
for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });

const percent = (x, y) => `${((x / y) * 100).toFixed(0)}%`;
const inserts = (before.rate + after.rate) / 2;
console.log('\n| measure | value |\n| --- | --- |');
console.log(
  `| sink, ${total} events, Kafka -> ClickHouse (embedded) | ${sinkRun.rate.toFixed(0)} events/s (target >= 35000) |`,
);
console.log(`| a. raw 1000-row inserts, same rows, same engine | ${before.rate.toFixed(0)} rows/s |`);
console.log(`| a'. the same, after the sink | ${after.rate.toFixed(0)} rows/s |`);
console.log(`| b. raw kafkajs consume, same topic | ${consume.toFixed(0)} events/s |`);
console.log(`| sink / mean of a and a' | ${percent(sinkRun.rate, inserts)} (target >= 60%) |`);
console.log(
  `| sink / a, sink / a' | ${percent(sinkRun.rate, before.rate)}, ${percent(sinkRun.rate, after.rate)} |`,
);
console.log(`| sink / b | ${percent(sinkRun.rate, consume)} |`);
if (sinkRun.cpu.length > 0) {
  console.log('\nCPU per 1000 rows, by thread (system = in the kernel):');
  console.log(`- a: ${describeCpu(before.cpu, total)}`);
  console.log(`- s: ${describeCpu(sinkRun.cpu, total)}`);
  console.log(`- a': ${describeCpu(after.cpu, total)}`);
}
writeBenchResult({
  bench: 'sink',
  events: total,
  sink_events_per_second: sinkRun.rate,
  raw_inserts_rows_per_second: { before: before.rate, after: after.rate },
  raw_consume_events_per_second: consume,
  cpu_seconds_by_thread: { raw_before: before.cpu, sink: sinkRun.cpu, raw_after: after.cpu },
});
