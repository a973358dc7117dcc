import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type Koa from 'koa';

export interface RunningServer {
  /** The bound port (useful when configured as 0). */
  port: number;
  /** Stops accepting connections and resolves once in-flight requests have finished. */
  close(): Promise<void>;
}

export async function listen(app: Koa, options: { host: string; port: number }): Promise<RunningServer> {
  const server: Server = createServer(app.callback());
  server.listen(options.port, options.host);
  await once(server, 'listening');
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets with no request in flight would hold close() open.
        server.closeIdleConnections();
      }),
  };
}
