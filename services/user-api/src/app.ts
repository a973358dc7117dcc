import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from '@platform/observability';
import { sendProblem } from './http/problem.js';
import { requestContext } from './http/request-context.js';

export interface AppDeps {
  logger: Logger;
  database: { isReady(): Promise<boolean> };
}

/** The HTTP application, built from its dependencies; tests build it the same way main does. */
export function createApp(deps: AppDeps): Koa {
  const router = new Router();

  // Liveness: the process answers. Never touches dependencies, so a database outage does not
  // get the process restarted.
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  // Readiness: this instance can serve requests now (the database is reachable).
  router.get('/readyz', async (ctx) => {
    if (await deps.database.isReady()) {
      ctx.body = { status: 'ready' };
    } else {
      sendProblem(ctx, { type: 'not-ready', title: 'Database unreachable', status: 503 });
    }
  });

  const app = new Koa();
  app.use(requestContext(deps.logger));
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
