// Benchmark: how long an event takes, as a user sees it, from the API's COMMIT to its row in
// ClickHouse, with the three services as processes on the local stack (as ./platform up runs
// them, each on a fresh database, topic, group and embedded ClickHouse).
//
//   eval "$(./platform env)" && ./platform stack up && npx turbo run build
//   npm run bench -w @platform/system-tests
//
// In one run:
//   1. the API's own maximum: closed loop, BENCH_CLIENTS (32) clients creating users for
//      BENCH_MAX_SECONDS (15) while the pipeline runs behind it          -> requests/s
//   2. open-loop load at each of BENCH_RATES (250,500,1000,2000) events/s for BENCH_SECONDS (20),
//      then at the API's maximum for BENCH_SUSTAIN_SECONDS (60): each request is sent at its
//      scheduled time whether or not earlier ones were answered.
//   3. the same rates committed straight into the outbox (one transaction per event, as the API
//      writes it, minus the HTTP layer): the pipeline alone, at rates the API cannot reach here.
// Latency per event = the moment the bench first sees the row in ClickHouse (through the sink's
// /query, polled every BENCH_POLL_MS, 100) - the moment the API's 201 arrived (just after its
// COMMIT). So each figure is an upper bound, late by up to one poll interval.
// A rate is sustained when the backlog (answered but not yet in ClickHouse) does not grow: at
// the end of the phase it is no larger than at its middle plus one second of load, and every
// event arrives within BENCH_DRAIN_SECONDS (15) of the phase's end.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { writeBenchResult } from '@platform/testing';
import { apiCaller, createPlatform, sinkQuery } from '../e2e/support/platform.ts';

const env = process.env;
const rates = (env.BENCH_RATES ?? '250,500,1000,2000').split(',').map(Number);
const seconds = Number(env.BENCH_SECONDS ?? 20);
const sustainSeconds = Number(env.BENCH_SUSTAIN_SECONDS ?? 60);
const maxSeconds = Number(env.BENCH_MAX_SECONDS ?? 15);
const clients = Number(env.BENCH_CLIENTS ?? 32);
const pollMs = Number(env.BENCH_POLL_MS ?? 100);
const drainSeconds = Number(env.BENCH_DRAIN_SECONDS ?? 15);
const log = (message) => console.log(`[bench] ${message}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const interactive = process.stdout.isTTY;

// Services log at info, as ./platform up runs them (the API logs every request).
const platform = await createPlatform('e2ebench', {
  // The poll below may return a few thousand rows when the sink catches up.
  SINK_QUERY_MAX_ROWS: '1000000',
  SINK_QUERY_MAX_BYTES: '1000000000',
});
const api = platform.start('user-api');
platform.start('outbox-publisher');
const sink = platform.start('clickhouse-sink');
const call = apiCaller(await platform.baseUrl(api, 'user-api'), platform);
const sinkUrl = await platform.baseUrl(sink, 'clickhouse-sink');

// Users the API answered for (aggregate id -> when), and when each was first seen in ClickHouse.
const answeredAt = new Map();
const seenAt = new Map();
// Answered users in answer order with the wall-clock time, to find the oldest not yet seen.
const answerOrder = [];
let oldestUnseen = 0;
let polling = true;
const poller = (async () => {
  while (polling) {
    const started = performance.now();
    while (oldestUnseen < answerOrder.length && seenAt.has(answerOrder[oldestUnseen].id)) oldestUnseen += 1;
    const oldest = answerOrder[oldestUnseen];
    if (oldest) {
      // event_time is stamped before the COMMIT: every unseen event's is after the oldest
      // unseen's answer minus a margin, a range of the table's sort key (cheap to read).
      const rows = await sinkQuery(
        sinkUrl,
        `SELECT aggregate_id AS id FROM analytics.event_log
          WHERE event_type = 'user_created' AND event_time >= fromUnixTimestamp64Milli(toInt64(${oldest.wall - 5000}))`,
      ).catch(() => []);
      const now = performance.now();
      for (const row of rows) if (!seenAt.has(row.id)) seenAt.set(row.id, now);
    }
    await sleep(Math.max(0, pollMs - (performance.now() - started)));
  }
})();

let failures = 0;
const refusals = new Map();
function answered(id) {
  answeredAt.set(id, performance.now());
  answerOrder.push({ id, wall: Date.now() });
  return id;
}
async function createUser() {
  const response = await call('POST', '/users', { email: `${randomUUID()}@bench.io`, name: 'Bench' }).catch(
    () => undefined,
  );
  if (response?.status !== 201) {
    failures += 1;
    const status = response?.status ?? 'no answer';
    refusals.set(status, (refusals.get(status) ?? 0) + 1);
    await response?.body?.cancel();
    return undefined;
  }
  return answered((await response.json()).id);
}

// The API's transaction without the API: the outbox row of a user_created, committed on its own.
const outbox = new pg.Pool({ connectionString: platform.databaseUrl, max: 40 });
async function commitToOutbox() {
  const user = randomUUID();
  await outbox.query(
    `insert into outbox (event_id, event_type, event_date_time, environment, event_context, metadata_version,
       aggregate_type, aggregate_id)
     values ($1, 'user_created', now(), 'bench', $2, 1, 'user', $3)`,
    [randomUUID(), { user_id: user, email: `${user}@bench.io`, name: 'Bench', version: 1 }, user],
  );
  return answered(user);
}

const pending = (ids) => ids.filter((id) => answeredAt.has(id) && !seenAt.has(id)).length;

async function closedLoop(durationSeconds) {
  const end = performance.now() + durationSeconds * 1000;
  let done = 0;
  const ids = [];
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const id = await createUser();
        if (id) ids.push(id);
        done += 1;
      }
    }),
  );
  return { rate: done / durationSeconds, ids };
}

async function openLoop(rate, durationSeconds, send = createUser) {
  const total = Math.round(rate * durationSeconds);
  const failuresBefore = failures;
  const ids = [];
  const inFlight = [];
  const start = performance.now();
  let backlogAtMiddle = 0;
  for (let i = 0; i < total; i += 1) {
    // Always yield: behind schedule, a loop that did not would send the rest in one burst.
    const wait = start + (i * 1000) / rate - performance.now();
    await (wait > 1 ? sleep(wait) : new Promise((resolve) => setImmediate(resolve)));
    inFlight.push(send().then((id) => id && ids.push(id)));
    if (i === Math.floor(total / 2)) backlogAtMiddle = pending(ids);
    if (interactive && i % rate === 0) {
      process.stdout.write(`\r[bench] ${rate}/s: ${i}/${total} sent, backlog ${pending(ids)}   `);
    }
  }
  await Promise.all(inFlight);
  const sentFor = (performance.now() - start) / 1000;
  const backlogAtEnd = pending(ids);
  const drainDeadline = performance.now() + drainSeconds * 1000;
  while (pending(ids) > 0 && performance.now() < drainDeadline) await sleep(100);
  if (interactive) process.stdout.write('\n');
  const latencies = ids.filter((id) => seenAt.has(id)).map((id) => seenAt.get(id) - answeredAt.get(id));
  latencies.sort((a, b) => a - b);
  const at = (q) =>
    latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : NaN;
  return {
    rate,
    achieved: ids.length / sentFor,
    refused: failures - failuresBefore,
    stored: latencies.length,
    answered: ids.length,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: latencies.at(-1) ?? NaN,
    backlogAtMiddle,
    backlogAtEnd,
    sustained: latencies.length === ids.length && backlogAtEnd <= backlogAtMiddle + rate,
  };
}

const results = [];
try {
  log('warming up: 200 users');
  await openLoop(100, 2);
  log(`the API's own maximum: ${clients} clients, closed loop, ${maxSeconds} s`);
  const max = await closedLoop(maxSeconds);
  log(`API maximum: ${max.rate.toFixed(0)} requests/s`);
  await sleep(drainSeconds * 1000);
  for (const rate of rates) {
    log(`open loop at ${rate} events/s for ${seconds} s`);
    const result = await openLoop(rate, seconds);
    results.push(result);
    log(
      `${rate}/s: p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms, sustained ${result.sustained}`,
    );
  }
  const apiMax = Math.floor(max.rate);
  log(`open loop at the API's maximum, ${apiMax} events/s, for ${sustainSeconds} s`);
  const atMax = await openLoop(apiMax, sustainSeconds);
  results.push({ ...atMax, label: `${apiMax} (the API's maximum), ${sustainSeconds} s` });
  const refusedBy = [...refusals].map(([status, n]) => `${n} × ${status}`).join(', ');
  for (const rate of rates) {
    log(`straight into the outbox at ${rate} events/s for ${seconds} s`);
    const result = await openLoop(rate, seconds, commitToOutbox);
    results.push({ ...result, label: `${rate}, into the outbox` });
    log(`${rate}/s into the outbox: p50 ${result.p50.toFixed(0)} ms, p99 ${result.p99.toFixed(0)} ms`);
  }

  const ms = (value) => (Number.isFinite(value) ? value.toFixed(0) : '—');
  console.log(
    `\nAPI maximum (closed loop, ${clients} clients, pipeline running): ${max.rate.toFixed(0)} requests/s`,
  );
  console.log(`API refusals over the run: ${refusedBy || 'none'}\n`);
  console.log(
    '| rate (events/s) | achieved | p50 ms | p95 ms | p99 ms | max ms | stored / answered | backlog mid → end | sustained |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results) {
    console.log(
      `| ${r.label ?? r.rate} | ${r.achieved.toFixed(0)} | ${ms(r.p50)} | ${ms(r.p95)} | ${ms(r.p99)} | ${ms(r.max)} | ${r.stored} / ${r.answered}${r.refused ? ` (${r.refused} refused)` : ''} | ${r.backlogAtMiddle} → ${r.backlogAtEnd} | ${r.sustained ? 'yes' : 'no'} |`,
    );
  }
  console.log(
    `\n(latency: first seen in ClickHouse - 201 received; polled every ${pollMs} ms, so up to that much late)`,
  );
  writeBenchResult({
    bench: 'end-to-end',
    api_max_requests_per_second: max.rate,
    poll_ms: pollMs,
    runs: results.map(({ label, rate, achieved, p50, p95, p99, max: worst, sustained }) => ({
      label: label ?? String(rate),
      into: label?.includes('outbox') ? 'outbox' : 'api',
      rate,
      achieved,
      p50,
      p95,
      p99,
      max: worst,
      sustained,
    })),
  });
} finally {
  polling = false;
  await poller;
  await outbox.end();
  await platform.stop();
}
