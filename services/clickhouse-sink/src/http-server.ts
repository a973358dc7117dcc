import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger, Registry } from '@platform/observability';
import { describeError, startOpsServer, type HealthReport, type RunningServer } from '@platform/runtime';
import type { EventStore } from './adapters/clickhouse/event-store.js';

/**
 * The sink's small HTTP surface: GET /healthz (503 once consuming stopped for good), GET /metrics, and POST /query to run one
 * read-only SQL statement (the body) against the sink's ClickHouse. With the embedded engine
 * this is the only way in while the sink runs (one process holds the data directory);
 * ClickHouse's readonly=1 setting refuses writes, whatever the SQL says. /query needs the bearer
 * token `queryToken` (SINK_QUERY_TOKEN) and is off without one: the ops port serves Prometheus,
 * the warehouse's rows are for those given the token.
 */
export function startHttpServer(options: {
  host: string;
  port: number;
  queryToken?: string;
  store: EventStore;
  registry: Registry;
  logger: Logger;
  health: () => HealthReport;
}): Promise<RunningServer> {
  async function query(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    if (request.method !== 'POST' || request.url !== '/query') return false;
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers });
      response.end(JSON.stringify(body));
    };
    if (!options.queryToken) {
      reply(403, { error: '/query is off: set SINK_QUERY_TOKEN to enable it' });
      return true;
    }
    if (!sameSecret(request.headers.authorization ?? '', `Bearer ${options.queryToken}`)) {
      reply(
        401,
        { error: 'a valid bearer token is required' },
        { 'www-authenticate': 'Bearer realm="clickhouse-sink"' },
      );
      return true;
    }
    let sql = '';
    for await (const chunk of request) {
      sql += chunk;
      if (sql.length > 100_000) {
        reply(413, { error: 'query too long' });
        return true;
      }
    }
    try {
      reply(200, { rows: await options.store.readOnlyQuery(sql) });
    } catch (error) {
      options.logger.info('read-only query refused or failed', { error: describeError(error).message });
      reply(400, { error: (error as Error).message });
    }
    return true;
  }
  return startOpsServer({
    host: options.host,
    port: options.port,
    registry: options.registry,
    health: options.health,
    handle: query,
  });
}

/** Compares secrets in constant time (digests first: timingSafeEqual needs equal lengths). */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
