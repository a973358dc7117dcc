import { createServer } from 'node:http';
import type Koa from 'koa';
import { listen as listenHttp, type RunningServer } from '@platform/runtime';

export type { RunningServer };

/**
 * Serves the app on host:port; `close` finishes in-flight requests first. A request must arrive
 * whole within `requestTimeoutMs` (headers within the same), so a slow client cannot hold a
 * connection open forever.
 */
export function listen(
  app: Koa,
  options: { host: string; port: number; requestTimeoutMs?: number },
): Promise<RunningServer> {
  const timeout = options.requestTimeoutMs ?? 10_000;
  const server = createServer({ requestTimeout: timeout, headersTimeout: timeout }, app.callback());
  return listenHttp(server, options);
}
