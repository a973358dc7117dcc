import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * A Prometheus registry for one service: the Node.js process metrics (CPU, memory, event loop
 * lag, GC) and `service_info{service, version} 1`, to which the service adds its own.
 */
export function createMetricsRegistry(service: { name: string; version: string }): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'service_info',
    help: 'The running service and its version (always 1).',
    labelNames: ['service', 'version'],
    registers: [registry],
  }).set({ service: service.name, version: service.version }, 1);
  return registry;
}

export interface OpsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Answers further requests (the sink's POST /query); resolves false for one it does not serve. */
  handle?: (request: IncomingMessage, response: ServerResponse) => Promise<boolean>;
}

export interface OpsServer {
  /** The bound port (useful when configured as 0). */
  port: number;
  close(): Promise<void>;
}

/**
 * The HTTP side door of a worker service: GET /metrics (Prometheus text format), GET /healthz
 * (the process answers), and whatever `handle` adds.
 */
export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server = createServer((request, response) => {
    void route(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
    });
  });
  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'GET' && path === '/metrics') {
      const text = await options.registry.metrics();
      response.writeHead(200, { 'content-type': options.registry.contentType });
      response.end(text);
      return;
    }
    if (request.method === 'GET' && path === '/healthz') {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: 'ok' }));
      return;
    }
    if (options.handle && (await options.handle(request, response))) return;
    response.writeHead(404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ error: 'not found' }));
  }
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections(); // a scraper's keep-alive connection would hold close() open
      }),
  };
}
