// Benchmark: POST /users throughput and latency against the physical limit of the same database.
//
//   eval "$(./platform env)" && ./platform stack up && npm run bench -w @platform/user-api
//
// In one run, on one fresh database:
//   1. pgbench runs bench/two-inserts.sql (the same two inserts per transaction) -> raw TPS
//   2. the API (a separate process, built dist/main.js) under autocannon at full speed -> max RPS
//   3. the API at half of that rate, open loop (requests sent on a fixed schedule, latency
//      measured from the scheduled send time, so a stall is not hidden) -> latency percentiles
//   4. the same POST on bare node:http + pg (bench/bare-node-api.js: same token check, validation,
//      transaction and answer; no framework, ORM, logging or metrics) at full speed -> its max RPS
//   5. when JAEGER_OTLP_ENDPOINT is set (the local stack with tracing on), the API again at full
//      speed, tracing into Jaeger all requests, then 1 % of them, then none again (a control
//      for drift) -> the cost of tracing, as ratios
// and prints the figures, their ratios, and each server process's CPU time per request.
// Settings: BENCH_SECONDS (20), BENCH_CONNECTIONS (50),
// BENCH_DB_CONNECTIONS (20, pgbench clients and the API's pool), BENCH_PORT (3099).
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { processCpu, recreateDatabase, writeBenchResult } from '@platform/testing';
import { DEV_AUDIENCE, DEV_ISSUER, ensureDevKeys, mintDevToken } from '../dist/dev-auth.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 20);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const dbConnections = Number(process.env.BENCH_DB_CONNECTIONS ?? 20);
const port = Number(process.env.BENCH_PORT ?? 3099);
const serviceDir = path.resolve(import.meta.dirname, '..');
const serverUrl = new URL(
  process.env.DATABASE_URL ?? fail('DATABASE_URL is not set (eval "$(./platform env)")'),
);
// The API verifies a bearer token on every request, as in production (one signature check each).
const keysDir = path.join(serviceDir, '../../.local-stack/auth');
const jwksFile = await ensureDevKeys(keysDir);
const authorization = `Bearer ${await mintDevToken(keysDir, { subject: 'bench', scopes: ['users:write'], expiresIn: '2h' })}`;

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(1);
}

const log = (message) => console.log(`[bench] ${message}`);

function pgBin(name) {
  const dirs = fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').sort() : [];
  const candidate = dirs.map((v) => `/usr/lib/postgresql/${v}/bin/${name}`).findLast((p) => fs.existsSync(p));
  return candidate ?? name;
}

async function freshDatabase(name) {
  const url = new URL(await recreateDatabase(serverUrl.toString(), name));
  execFileSync(process.execPath, ['dist/migrate.js'], {
    cwd: serviceDir,
    env: { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
  return url;
}

function pgbench(url) {
  log(`pgbench: ${dbConnections} clients, ${seconds}s, two inserts per transaction`);
  const output = execFileSync(
    pgBin('pgbench'),
    [
      '-n',
      '-c',
      String(dbConnections),
      '-j',
      '2',
      '-T',
      String(seconds),
      '-f',
      path.join(serviceDir, 'bench/two-inserts.sql'),
      '-h',
      url.hostname,
      '-p',
      url.port,
      '-U',
      decodeURIComponent(url.username),
      url.pathname.slice(1),
    ],
    { env: { ...process.env, PGPASSWORD: decodeURIComponent(url.password) }, encoding: 'utf8' },
  );
  const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(output)?.[1]);
  const latency = Number(/latency average = ([\d.]+) ms/.exec(output)?.[1]);
  if (!tps) fail(`could not read pgbench's output:\n${output}`);
  return { tps, latencyMs: latency };
}

// Our API as production starts it (tracing preload included), and its bare-Node peer.
const OUR_API = ['--import', '@platform/observability/instrument', 'dist/main.js'];
const BARE_NODE_API = ['bench/bare-node-api.js'];

/**
 * A server process on `port`: our API unless `args` says otherwise; tracing on only if `otlp` is
 * given, sampling `sampleRatio` of the requests (all by default).
 */
async function startApi(url, { args = OUR_API, otlp, sampleRatio = 1 } = {}) {
  const logFile = fs.openSync(path.join(serviceDir, '../../.local-stack/logs/bench-user-api.log'), 'w');
  const env = { ...process.env };
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const child = spawn(process.execPath, args, {
    cwd: serviceDir,
    env: {
      ...env,
      ...(otlp
        ? {
            OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
            OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
            OTEL_TRACES_SAMPLER_ARG: String(sampleRatio),
          }
        : {}),
      DATABASE_URL: url.toString(),
      HTTP_PORT: String(port),
      HTTP_HOST: '127.0.0.1',
      DATABASE_POOL_MAX: String(dbConnections),
      APP_ENV: 'bench',
      AUTH_JWKS_FILE: jwksFile,
      // One client address drives all the load: the per-client limit would cap the figure.
      HTTP_RATE_LIMIT_PER_SECOND: '1000000',
      HTTP_RATE_LIMIT_BURST: '1000000',
      AUTH_ISSUER: DEV_ISSUER,
      AUTH_AUDIENCE: DEV_AUDIENCE,
    },
    stdio: ['ignore', logFile, logFile],
  });
  for (let i = 0; i < 100; i += 1) {
    if (
      await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return child;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  fail(`${args.at(-1)} did not become ready; see .local-stack/logs/bench-user-api.log`);
}

let sequence = 0;
function load(options) {
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration: seconds,
    ...options,
    requests: [
      {
        method: 'POST',
        path: '/users',
        headers: { 'content-type': 'application/json', authorization },
        // A new email per request, so every request creates a user (no 409s).
        setupRequest: (request) => ({
          ...request,
          body: JSON.stringify({ email: `bench-${process.pid}-${(sequence += 1)}@x.io`, name: 'Bench User' }),
        }),
      },
    ],
  });
}

/**
 * Open-loop load at a fixed rate: request i is due at start + i/rate, whether or not earlier ones
 * have answered; its latency counts from that due time (no coordinated omission). autocannon's
 * overallRate releases each second's requests in a burst, which measures its own queueing.
 */
async function pacedLoad(rate) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const total = Math.floor(rate * seconds);
  const latencies = [];
  let errors = 0;
  const start = performance.now();
  const inFlight = [];
  for (let i = 0; i < total; i += 1) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const body = JSON.stringify({
      email: `paced-${process.pid}-${(sequence += 1)}@x.io`,
      name: 'Bench User',
    });
    inFlight.push(
      new Promise((resolve) => {
        const request = http.request(
          {
            host: '127.0.0.1',
            port,
            path: '/users',
            method: 'POST',
            agent,
            headers: {
              'content-type': 'application/json',
              'content-length': Buffer.byteLength(body),
              authorization,
            },
          },
          (response) => {
            response.resume();
            response.on('end', () => {
              if (response.statusCode !== 201) errors += 1;
              latencies.push(performance.now() - due);
              resolve();
            });
          },
        );
        request.on('error', () => {
          errors += 1;
          resolve();
        });
        request.end(body);
      }),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q) =>
    Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(1));
  return { rps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), errors };
}

/** User + system CPU time of a process so far, in milliseconds (from /proc; Linux only). */
function cpuMillis(pid) {
  const { user, system } = processCpu(pid);
  return (user + system) * 1000;
}

function summary(result) {
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

const url = await freshDatabase('user_api_bench');
const raw = pgbench(url);
log(`pgbench: ${raw.tps.toFixed(0)} transactions/s, average latency ${raw.latencyMs} ms`);

const api = await startApi(url);
let traced;
try {
  log(`API at full speed: ${connections} connections, ${seconds}s`);
  const cpuBefore = cpuMillis(api.pid);
  const maxResult = await load({});
  const cpuPerRequest = (cpuMillis(api.pid) - cpuBefore) / maxResult.requests.total;
  const max = summary(maxResult);
  log(
    `API at full speed: ${max.rps.toFixed(0)} requests/s, p50 ${max.p50} ms, p99 ${max.p99} ms, ${max.errors} errors`,
  );
  const halfRate = Math.max(1, Math.floor(max.rps / 2));
  log(`API at half its maximum: ${halfRate} requests/s, ${seconds}s`);
  const half = await pacedLoad(halfRate);
  log(
    `API at half rate: ${half.rps.toFixed(0)} requests/s, p50 ${half.p50} ms, p99 ${half.p99} ms, ${half.errors} errors`,
  );
  api.kill('SIGTERM');
  await new Promise((resolve) => api.once('exit', resolve));

  log(`bare node:http + pg, the same POST, at full speed: ${connections} connections, ${seconds}s`);
  const bareApi = await startApi(url, { args: BARE_NODE_API });
  let bare;
  try {
    const before = cpuMillis(bareApi.pid);
    const result = await load({});
    bare = { ...summary(result), cpuPerRequest: (cpuMillis(bareApi.pid) - before) / result.requests.total };
    log(`bare Node: ${bare.rps.toFixed(0)} requests/s, p50 ${bare.p50} ms, p99 ${bare.p99} ms`);
  } finally {
    bareApi.kill('SIGTERM');
    await new Promise((resolve) => bareApi.once('exit', resolve));
  }

  if (process.env.JAEGER_OTLP_ENDPOINT) {
    traced = [];
    // Last, tracing off again: a control for drift (the tables have grown since phase 2).
    for (const ratio of [1, 0.01, 0]) {
      log(`API tracing ${ratio * 100}% of requests into Jaeger, at full speed, ${seconds}s`);
      const otlp = ratio > 0 ? process.env.JAEGER_OTLP_ENDPOINT : undefined;
      const tracedApi = await startApi(url, { otlp, sampleRatio: ratio });
      try {
        const before = cpuMillis(tracedApi.pid);
        const result = await load({});
        const cpu = (cpuMillis(tracedApi.pid) - before) / result.requests.total;
        traced.push({ ratio, ...summary(result), cpuPerRequest: cpu });
        log(`API tracing ${ratio * 100}%: ${traced.at(-1).rps.toFixed(0)} requests/s`);
      } finally {
        tracedApi.kill('SIGTERM');
        await new Promise((resolve) => tracedApi.once('exit', resolve));
      }
    }
  } else {
    log('JAEGER_OTLP_ENDPOINT not set: the tracing phase is skipped');
  }

  const ratio = max.rps / raw.tps;
  console.log('\n| measure | value |\n| --- | --- |');
  console.log(
    `| pgbench, same two inserts per transaction (${dbConnections} clients) | ${raw.tps.toFixed(0)} tx/s |`,
  );
  console.log(
    `| POST /users at full speed (${connections} connections) | ${max.rps.toFixed(0)} req/s (p99 ${max.p99} ms) |`,
  );
  console.log(`| API / pgbench | ${(ratio * 100).toFixed(0)}% (target >= 50%) |`);
  console.log(
    `| POST /users at half its maximum (${halfRate} req/s, open loop) | p50 ${half.p50} ms, p99 ${half.p99} ms (target p99 < 50 ms) |`,
  );
  console.log(`| API process CPU per request (user + system) | ${cpuPerRequest.toFixed(2)} ms |`);
  console.log(
    `| the same POST on bare node:http + pg, full speed | ${bare.rps.toFixed(0)} req/s (p99 ${bare.p99} ms), CPU ${bare.cpuPerRequest.toFixed(2)} ms/request |`,
  );
  console.log(`| API / bare Node | ${((max.rps / bare.rps) * 100).toFixed(0)}% (target >= 70%) |`);
  for (const run of traced ?? []) {
    console.log(
      `| POST /users at full speed, ${run.ratio > 0 ? `${run.ratio * 100}% of requests traced (HTTP + PostgreSQL spans)` : 'tracing off again (control)'} | ${run.rps.toFixed(0)} req/s, ${((run.rps / max.rps) * 100).toFixed(0)}% of untraced, CPU ${run.cpuPerRequest.toFixed(2)} ms/request |`,
    );
  }
  console.log(`| CPU cores on this machine | ${(await import('node:os')).availableParallelism()} |`);
  console.log(
    `| errors (non-2xx, timeouts) | ${max.errors + half.errors + bare.errors + (traced ?? []).reduce((sum, run) => sum + run.errors, 0)} |`,
  );
  const rows = (
    await new pg.Pool({ connectionString: url.toString(), max: 1 }).query(
      'select (select count(*) from users) as users, (select count(*) from outbox) as outbox',
    )
  ).rows[0];
  console.log(`| rows written (users / outbox) | ${rows.users} / ${rows.outbox} |`);
  writeBenchResult({
    bench: 'user-api',
    pgbench_tps: raw.tps,
    api: { ...max, cpu_ms_per_request: cpuPerRequest },
    half_rate: { rate: halfRate, ...half },
    bare_node: { ...bare, cpu_ms_per_request: bare.cpuPerRequest },
    traced: traced ?? [],
  });
} finally {
  if (api.exitCode === null) api.kill('SIGTERM');
}
