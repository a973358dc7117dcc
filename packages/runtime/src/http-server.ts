import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { Registry } from '@platform/observability';

export interface RunningServer {
  /** The bound port (useful when configured as 0). */
  port: number;
  /** Stops accepting connections and resolves once in-flight requests have finished. */
  close(): Promise<void>;
}

/** Starts `server` on host:port and resolves once it listens. */
export async function listen(
  server: Server,
  options: { host: string; port: number },
): Promise<RunningServer> {
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets with no request in flight (a scraper's, a client's) would hold
        // close() open.
        server.closeIdleConnections();
      }),
  };
}

/** What GET /healthz reports: a stopped core loop is not healthy. */
export type HealthReport = { status: 'ok' } | { status: 'failing'; reason: string };

export interface OpsServerOptions {
  host: string;
  port: number;
  /** The service's own view of its health; without it, answering at all counts as healthy. */
  health?: () => HealthReport;
  registry: Registry;
  /** Answers further requests (the sink's POST /query); resolves false for one it does not serve. */
  handle?: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;
}

/**
 * The HTTP side door of a worker service: GET /metrics (Prometheus text format), GET /healthz
 * (200 while `health` says ok, 503 with its reason otherwise), and whatever `handle` adds.
 */
export function startOpsServer(options: OpsServerOptions): Promise<RunningServer> {
  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'GET' && path === '/metrics') {
      const text = await options.registry.metrics();
      response.writeHead(200, { 'content-type': options.registry.contentType });
      response.end(text);
      return;
    }
    if (request.method === 'GET' && path === '/healthz') {
      const report = options.health?.() ?? { status: 'ok' };
      response.writeHead(report.status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
      response.end(JSON.stringify(report));
      return;
    }
    if (options.handle && (await options.handle(request, response))) return;
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: 'not found' }));
  }
  const server = createServer((request, response) => {
    void route(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    });
  });
  return listen(server, options);
}
