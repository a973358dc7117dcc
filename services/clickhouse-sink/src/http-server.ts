import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { Logger } from '@platform/observability';
import { describeError } from '@platform/runtime';
import type { EventStore } from './adapters/clickhouse/event-store.js';

/**
 * The sink's small HTTP surface: GET /healthz, and POST /query to run one read-only SQL
 * statement (the body) against the sink's ClickHouse. With the embedded engine this is the only
 * way in while the sink runs (one process holds the data directory); ClickHouse's readonly=1
 * setting refuses writes, whatever the SQL says.
 */
export async function startHttpServer(options: {
  host: string;
  port: number;
  store: EventStore;
  logger: Logger;
}): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer(async (request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (request.method === 'GET' && request.url === '/healthz') return reply(200, { status: 'ok' });
    if (request.method !== 'POST' || request.url !== '/query') return reply(404, { error: 'not found' });
    let sql = '';
    for await (const chunk of request) {
      sql += chunk;
      if (sql.length > 100_000) return reply(413, { error: 'query too long' });
    }
    try {
      reply(200, { rows: await options.store.readOnlyQuery(sql) });
    } catch (error) {
      options.logger.info('read-only query refused or failed', { error: describeError(error).message });
      reply(400, { error: (error as Error).message });
    }
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
