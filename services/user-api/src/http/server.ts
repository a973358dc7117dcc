import { createServer } from 'node:http';
import type Koa from 'koa';
import { listen as listenHttp, type RunningServer } from '@platform/runtime';

export type { RunningServer };

/** Serves the app on host:port; `close` finishes in-flight requests first. */
export function listen(app: Koa, options: { host: string; port: number }): Promise<RunningServer> {
  return listenHttp(createServer(app.callback()), options);
}
