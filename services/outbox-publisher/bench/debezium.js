// Benchmark: our publisher beside Debezium's outbox Event Router, in one run, on one PostgreSQL
// (a private cluster with wal_level=logical), the stack's Kafka and the same outbox table.
//
//   eval "$(./platform env)" && ./platform stack up
//   npx turbo run build --filter=@platform/outbox-publisher... --filter=@platform/user-api
//   npm run bench:debezium -w @platform/outbox-publisher
//
// Debezium Server 3.6.1 (Maven Central, ~780 MB, cached in ~/.cache/outbox-platform) runs with
// its Kafka sink and the EventRouter SMT, writing JSON (ours writes Avro through the registry):
// once as shipped (its defaults: a 500 ms poll interval, batches of 2048), once with a 10 ms poll
// interval, the one setting that matters for latency. Each relay runs alone,
// each on a fresh database and topic (6 partitions):
//   1. drain: BENCH_ROWS (100000) outbox rows committed in one transaction while the relay is
//      running; events/s from that COMMIT to the last message on the topic;
//   2. latency: BENCH_RATE (1000) events/s for BENCH_SECONDS (15), one transaction each;
//      commit -> topic per event (matched by event id), p50/p99/max.
// Debezium needs Java 21 or newer: JAVA_HOME, else /usr/lib/jvm/temurin-25-jdk-amd64, else `java`.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { progressReporter } from '@platform/runtime';
import { ServiceProcess, writeBenchResult } from '@platform/testing';
import { startPrivatePostgres } from '../../../test/e2e/support/private-postgres.ts';
import { commitAtRate, fillOutbox, freshDatabaseUrl } from './database.js';
import { createTopic, topicCounter } from './kafka.js';

const DEBEZIUM_VERSION = '3.6.1.Final';
const rows = Number(process.env.BENCH_ROWS ?? 100_000);
const rate = Number(process.env.BENCH_RATE ?? 1000);
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const serviceDir = path.resolve(import.meta.dirname, '..');
const cacheDir = path.join(os.homedir(), '.cache/outbox-platform');
const brokers = (process.env.KAFKA_BROKERS ?? fail('KAFKA_BROKERS is not set')).split(',');
const kafka = new Kafka({ brokers, clientId: 'debezium-bench', logLevel: logLevel.NOTHING });
const run = randomUUID().slice(0, 8);
const log = (message) => console.log(`[bench] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

/** Debezium Server's distribution, downloaded once and unpacked in the cache. */
function debeziumHome() {
  const home = path.join(cacheDir, `debezium-server-${DEBEZIUM_VERSION}`, 'debezium-server');
  if (fs.existsSync(home)) return home;
  const archive = path.join(cacheDir, 'downloads', `debezium-server-dist-${DEBEZIUM_VERSION}.tar.gz`);
  if (!fs.existsSync(archive)) {
    log(`downloading Debezium Server ${DEBEZIUM_VERSION} (~780 MB) from Maven Central`);
    fs.mkdirSync(path.dirname(archive), { recursive: true });
    const url = `https://repo1.maven.org/maven2/io/debezium/debezium-server-dist/${DEBEZIUM_VERSION}/debezium-server-dist-${DEBEZIUM_VERSION}.tar.gz`;
    execFileSync('curl', ['-fL', '--progress-bar', '-o', `${archive}.part`, url], { stdio: 'inherit' });
    fs.renameSync(`${archive}.part`, archive);
  }
  fs.mkdirSync(path.dirname(home), { recursive: true });
  execFileSync('tar', ['-xzf', archive, '-C', path.dirname(home)]);
  return home;
}

function javaBinary() {
  if (process.env.JAVA_HOME) return path.join(process.env.JAVA_HOME, 'bin/java');
  const temurin = '/usr/lib/jvm/temurin-25-jdk-amd64/bin/java';
  return fs.existsSync(temurin) ? temurin : 'java';
}

/** Our publisher, as `./platform up` runs it (default settings), relaying `url`'s outbox. */
async function startOurs(url, topic) {
  const child = new ServiceProcess(path.join(serviceDir, 'dist/main.js'), {
    ...process.env,
    DATABASE_URL: url,
    OUTBOX_TOPIC: topic,
    LOG_LEVEL: 'info',
    PUBLISHER_HTTP_PORT: '0',
  });
  await child.waitForLog('lanes assigned', 60_000); // connected, holding lanes: ready to relay
  return { stop: async () => (child.signal('SIGTERM'), await child.exitCode()) };
}

let slots = 0; // one replication slot per start (dropped when Debezium stops)

/** Debezium Server: PostgreSQL connector (pgoutput), EventRouter to `topic`, Kafka sink. */
async function startDebezium(url, topic, tuning = {}) {
  const home = debeziumHome();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'debezium-'));
  fs.mkdirSync(path.join(work, 'config'));
  const db = new URL(url);
  const settings = {
    'debezium.sink.type': 'kafka',
    'debezium.sink.kafka.producer.bootstrap.servers': brokers.join(','),
    'debezium.sink.kafka.producer.key.serializer': 'org.apache.kafka.common.serialization.StringSerializer',
    'debezium.sink.kafka.producer.value.serializer': 'org.apache.kafka.common.serialization.StringSerializer',
    'debezium.source.connector.class': 'io.debezium.connector.postgresql.PostgresConnector',
    'debezium.source.offset.storage.file.filename': path.join(work, 'offsets.dat'),
    'debezium.source.offset.flush.interval.ms': '0',
    'debezium.source.database.hostname': db.hostname,
    'debezium.source.database.port': db.port,
    'debezium.source.database.user': decodeURIComponent(db.username),
    'debezium.source.database.password': decodeURIComponent(db.password) || 'unused',
    'debezium.source.database.dbname': db.pathname.slice(1),
    'debezium.source.topic.prefix': `bench-${run}`,
    'debezium.source.slot.name': `bench_${run}_${(slots += 1)}`.replaceAll('-', '_'),
    'debezium.source.table.include.list': 'public.outbox',
    'debezium.source.plugin.name': 'pgoutput',
    'debezium.source.slot.drop.on.stop': 'true',
    'debezium.source.snapshot.mode': 'no_data', // stream what is committed from now on
    'debezium.transforms': 'outbox',
    'debezium.transforms.outbox.type': 'io.debezium.transforms.outbox.EventRouter',
    'debezium.transforms.outbox.table.field.event.id': 'event_id',
    'debezium.transforms.outbox.table.field.event.key': 'aggregate_id',
    'debezium.transforms.outbox.table.field.event.payload': 'event_context',
    'debezium.transforms.outbox.route.by.field': 'aggregate_type',
    'debezium.transforms.outbox.route.topic.replacement': topic,
    'debezium.format.key': 'json',
    'debezium.format.value': 'json',
    'debezium.format.value.schemas.enable': 'false',
    'quarkus.http.port': '0',
    ...tuning,
  };
  fs.writeFileSync(
    path.join(work, 'config/application.properties'),
    Object.entries(settings)
      .map(([key, value]) => `${key}=${value}`)
      .join('\n'),
  );
  const logFile = path.join(work, 'debezium.log');
  const out = fs.openSync(logFile, 'w');
  const classPath = [
    `${home}/debezium-server-dist-${DEBEZIUM_VERSION}-runner.jar`,
    `${home}/config/lib`,
    `${home}/lib/*`,
  ];
  const child = spawn(javaBinary(), ['-cp', classPath.join(':'), 'io.debezium.server.Main'], {
    cwd: work,
    stdio: ['ignore', out, out],
  });
  process.on('exit', () => child.kill('SIGKILL'));
  const deadline = Date.now() + 120_000;
  while (!/Searching for WAL resume position|Processing messages/.test(fs.readFileSync(logFile, 'utf8'))) {
    if (child.exitCode !== null) fail(`Debezium exited (${child.exitCode}); see ${logFile}`);
    if (Date.now() > deadline) fail(`Debezium did not start streaming; see ${logFile}`);
    await sleep(200);
  }
  await sleep(1000); // the slot is created before the log line; let the stream settle
  return {
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      fs.rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Events/s from the COMMIT of `rows` outbox rows to the last of them on the topic. */
async function drain(start, name) {
  const url = await freshDatabaseUrl(`peer_bench_${name.replaceAll('-', '_')}_drain`, server.url);
  const topic = `bench-peer-${run}-${name}-drain`;
  await createTopic(kafka, topic);
  const relay = await start(url, topic);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  const onTopic = await topicCounter(kafka, topic); // connected before the clock starts
  await fillOutbox(db, rows);
  const committed = performance.now();
  let seen;
  const deadline = committed + 600_000;
  const progress = progressReporter(`[bench] ${name} drain`, rows, process.stdout);
  while ((seen = await onTopic.count()) < rows) {
    if (performance.now() > deadline) fail(`${name}: only ${seen} of ${rows} rows reached the topic`);
    progress.update(seen);
    await sleep(100);
  }
  const elapsed = (performance.now() - committed) / 1000;
  progress.finish(seen);
  await onTopic.close();
  await relay.stop();
  await db.end();
  return rows / elapsed;
}

/** Commit -> topic per event at `rate` events/s, one transaction each; by event id. */
async function latency(start, name, eventIdOf) {
  const url = await freshDatabaseUrl(`peer_bench_${name.replaceAll('-', '_')}_latency`, server.url);
  const pool = new pg.Pool({ connectionString: url, max: 30 });
  const topic = `bench-peer-${run}-${name}-latency`;
  await createTopic(kafka, topic);
  const relay = await start(url, topic);
  const receivedAt = new Map();
  const consumer = kafka.consumer({ groupId: topic });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const eventId = eventIdOf(message);
      if (!receivedAt.has(eventId)) receivedAt.set(eventId, performance.now());
    },
  });
  await sleep(3000); // consumer joined
  const total = rate * seconds;
  const { committedAt, achieved } = await commitAtRate(pool, rate, seconds);
  const deadline = performance.now() + 120_000;
  while ([...committedAt.keys()].some((id) => !receivedAt.has(id))) {
    if (performance.now() > deadline) fail(`${name}: only ${receivedAt.size} of ${total} events arrived`);
    await sleep(200);
  }
  const latencies = [...committedAt]
    .map(([eventId, at]) => Math.max(0, receivedAt.get(eventId) - at))
    .sort((a, b) => a - b);
  await consumer.disconnect();
  await relay.stop();
  await pool.end();
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { achieved, p50: at(0.5), p99: at(0.99), max: latencies.at(-1) };
}

// Our publisher puts the event id in the event_id header; the EventRouter in "id", as JSON with
// its schema ({"schema": ..., "payload": "<uuid>"}).
const ourEventId = (message) => message.headers.event_id.toString();
const debeziumEventId = (message) => JSON.parse(message.headers.id.toString()).payload;

debeziumHome(); // download first: not inside a timed phase
log('private PostgreSQL with wal_level=logical');
const server = await startPrivatePostgres({
  settings: ['-c wal_level=logical', '-c max_replication_slots=8', '-c max_wal_senders=8'],
});
process.on('exit', () => server.remove());

const variants = [
  ['ours', startOurs, ourEventId],
  ['debezium', startDebezium, debeziumEventId],
  [
    'debezium-poll-10ms',
    (url, topic) => startDebezium(url, topic, { 'debezium.source.poll.interval.ms': '10' }),
    debeziumEventId,
  ],
];
const results = [];
for (const [name, start, eventIdOf] of variants) {
  log(`${name}: drain ${rows} rows committed at once`);
  const drained = await drain(start, name);
  log(`${name}: ${drained.toFixed(0)} events/s`);
  log(`${name}: latency at ${rate} events/s for ${seconds}s`);
  const timed = await latency(start, name, eventIdOf);
  log(`${name}: p50 ${timed.p50.toFixed(1)} ms, p99 ${timed.p99.toFixed(1)} ms`);
  results.push({ name, drained, ...timed });
}

const [ours, ...peers] = results;
const cells = (format) => results.map(format).join(' | ');
const ratios = (key) => peers.map((peer) => (ours[key] / peer[key]).toFixed(2)).join(' | ');
console.log(
  `\n| measure | ours (Avro) | Debezium ${DEBEZIUM_VERSION} EventRouter, defaults (JSON) | the same, poll 10 ms | ours / Debezium defaults | ours / poll 10 ms |`,
);
console.log('| --- | --- | --- | --- | --- | --- |');
console.log(
  `| drain ${rows} rows (events/s) | ${cells((r) => r.drained.toFixed(0))} | ${ratios('drained')} |`,
);
for (const key of ['p50', 'p99', 'max']) {
  console.log(
    `| commit -> topic ${key} at ${rate} events/s (ms) | ${cells((r) => r[key].toFixed(1))} | ${ratios(key)} |`,
  );
}
console.log(`| insert rate achieved (events/s) | ${cells((r) => r.achieved.toFixed(0))} | | |`);
writeBenchResult({ bench: 'debezium', version: DEBEZIUM_VERSION, rows, rate, variants: results });
process.exit(0);
