import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createScratchDatabase, ServiceProcess, uniqueName } from '@platform/testing';

const services = path.resolve(import.meta.dirname, '../../../services');
// The API's development key set (built with it): the platform trusts a key set of its own.
const devAuth = (await import(path.join(services, 'user-api/dist/dev-auth.js'))) as {
  DEV_ISSUER: string;
  DEV_AUDIENCE: string;
  ensureDevKeys(dir: string): Promise<string>;
  mintDevToken(dir: string, claims: { subject: string; scopes: string[] }): Promise<string>;
};
const main = (name: string) => path.join(services, name, 'dist/main.js');

export type ServiceName = 'user-api' | 'outbox-publisher' | 'clickhouse-sink';

/**
 * The three services as real processes on the real stack, isolated from other tests: a scratch
 * database (migrated), a fresh topic (created up front, as in production), a fresh consumer
 * group, dead-letter topic and embedded ClickHouse directory. Every HTTP port is ephemeral; a
 * service's port is read from its start-up log line.
 */
export async function createPlatform(
  prefix: string,
  env: Record<string, string> = {},
  options: { databaseServerUrl?: string } = {},
) {
  const processes: ServiceProcess[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-chdb-`));
  const database = await createScratchDatabase(
    options.databaseServerUrl ?? process.env.DATABASE_URL!,
    prefix,
  );
  execFileSync(process.execPath, [path.join(services, 'user-api/dist/migrate.js')], {
    env: { ...process.env, DATABASE_URL: database.url, LOG_LEVEL: 'warn' },
  });
  const topic = uniqueName(`${prefix}-users`);
  const dlqTopic = uniqueName(`${prefix}-dlq`);
  const admin = new Kafka({
    brokers: process.env.KAFKA_BROKERS!.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();

  const groupId = uniqueName(`${prefix}-sink`);
  const keysDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-keys-`));
  const jwksFile = await devAuth.ensureDevKeys(keysDir);
  const token = await devAuth.mintDevToken(keysDir, {
    subject: `${prefix}-client`,
    scopes: ['users:read', 'users:write'],
  });
  const shared = {
    ...process.env,
    DATABASE_URL: database.url,
    OUTBOX_TOPIC: topic,
    SINK_TOPIC: topic,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    OPS_HTTP_PORT: '0',
    PUBLISHER_HTTP_PORT: '0',
    SINK_HTTP_PORT: '0',
    CLICKHOUSE_URL: '',
    CLICKHOUSE_DATA_DIR: dataDir,
    SINK_GROUP_ID: groupId,
    SINK_DLQ_TOPIC: dlqTopic,
    SINK_QUERY_TOKEN: SINK_QUERY_TOKEN,
    // Tests send a few events at a time: a batch that will not fill is stored after 200 ms, not
    // the production 1 s, and committed as soon (nothing asserted here counts inserts).
    SINK_FLUSH_INTERVAL_MS: '200',
    SINK_COMMIT_INTERVAL_MS: '200',
    // All test clients share 127.0.0.1: the per-client limit would throttle the load itself.
    HTTP_RATE_LIMIT_PER_SECOND: '1000000',
    HTTP_RATE_LIMIT_BURST: '1000000',
    AUTH_JWKS_FILE: jwksFile,
    AUTH_ISSUER: devAuth.DEV_ISSUER,
    AUTH_AUDIENCE: devAuth.DEV_AUDIENCE,
    ...env,
  };

  /** The line each service logs once it serves, with its HTTP port. */
  const readyLine: Record<ServiceName, { message: string; port: string; opsPort: string }> = {
    'user-api': { message: 'listening', port: 'port', opsPort: 'ops_port' },
    'outbox-publisher': { message: 'relaying', port: 'http_port', opsPort: 'http_port' },
    'clickhouse-sink': { message: 'consuming', port: 'http_port', opsPort: 'http_port' },
  };

  return {
    topic,
    dlqTopic,
    groupId,
    /** What a client allowed to read and write sends. */
    authHeader: { Authorization: `Bearer ${token}` },
    databaseUrl: database.url,
    /** The sink's embedded ClickHouse directory (open it only while no sink runs). */
    dataDir,
    processes,
    start(name: ServiceName, extra: Record<string, string> = {}): ServiceProcess {
      const p = new ServiceProcess(main(name), { ...shared, ...extra });
      processes.push(p);
      return p;
    },
    /** http://127.0.0.1:<port> of a started service, once it is ready. */
    async baseUrl(service: ServiceProcess, name: ServiceName): Promise<string> {
      const line = await service.waitForLog(readyLine[name].message);
      return `http://127.0.0.1:${String(line[readyLine[name].port])}`;
    },
    /** Where a started service serves /metrics (the API: its ops port, not the public one). */
    async metricsUrl(service: ServiceProcess, name: ServiceName): Promise<string> {
      const line = await service.waitForLog(readyLine[name].message);
      return `http://127.0.0.1:${String(line[readyLine[name].opsPort])}/metrics`;
    },
    /** What each process said last, to tell which link of the chain stopped. */
    printRecentLogs(): void {
      for (const p of processes) {
        console.error(
          p.logLines
            .slice(-6)
            .map((l) => JSON.stringify(l))
            .join('\n'),
        );
      }
    },
    async stop(): Promise<void> {
      for (const p of processes) p.signal('SIGTERM');
      await Promise.all(processes.map((p) => p.exitCode()));
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
      fs.rmSync(keysDir, { recursive: true, force: true });
    },
  };
}

export type Platform = Awaited<ReturnType<typeof createPlatform>>;

/** The token the platform's sink requires on /query. */
export const SINK_QUERY_TOKEN = 'e2e-query-token-0123456789abcdef';

/** Runs a read-only query through the sink's POST /query. */
export async function sinkQuery<Row>(sinkUrl: string, sql: string, token = SINK_QUERY_TOKEN): Promise<Row[]> {
  const response = await fetch(`${sinkUrl}/query`, {
    method: 'POST',
    body: sql,
    headers: { Authorization: `Bearer ${token}` },
  });
  const body = (await response.json()) as { rows?: Row[]; error?: string };
  if (!response.ok) throw new Error(body.error);
  return body.rows!;
}

/** A JSON call to the API at `base` with the platform's token: what a client would send. */
export const apiCaller =
  (base: string, platform: { authHeader: Record<string, string> }) =>
  (method: string, url: string, body?: object, headers: Record<string, string> = {}) =>
    fetch(`${base}${url}`, {
      method,
      headers: { 'content-type': 'application/json', ...platform.authHeader, ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
