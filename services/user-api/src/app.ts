import Router from '@koa/router';
import Koa from 'koa';
import type { Logger, Registry } from '@platform/observability';
import { httpMetrics } from './http/http-metrics.js';
import { openApiDocument } from './http/openapi.js';
import { sendProblem } from './http/problem.js';
import { requestContext } from './http/request-context.js';
import { usersRoutes } from './http/users-routes.js';
import type { UserService } from './users/user-service.js';

export interface AppDeps {
  logger: Logger;
  database: { isReady(): Promise<boolean> };
  users: UserService;
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /** Where the HTTP metrics go; served on GET /metrics. */
  metrics: Registry;
}

/** The routers of the application: the system routes and the users resource. */
export function createRouters(deps: AppDeps): Router[] {
  const system = new Router();

  // Liveness: the process answers. Never touches dependencies, so a database outage does not
  // get the process restarted.
  system.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });

  // Readiness: this instance can serve requests now (the database is reachable).
  system.get('/readyz', async (ctx) => {
    if (await deps.database.isReady()) {
      ctx.body = { status: 'ready' };
    } else {
      sendProblem(ctx, { type: 'not-ready', title: 'Database unreachable', status: 503 });
    }
  });

  // Prometheus scrapes this (text format); see README, "Metrics".
  system.get('/metrics', async (ctx) => {
    ctx.type = deps.metrics.contentType;
    ctx.body = await deps.metrics.metrics();
  });

  const document = openApiDocument();
  system.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });

  return [system, usersRoutes({ users: deps.users, bodyLimitBytes: deps.bodyLimitBytes })];
}

/** The HTTP application, built from its dependencies; tests build it the same way main does. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.use(httpMetrics(deps.metrics));
  app.use(requestContext(deps.logger));
  for (const router of createRouters(deps)) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  return app;
}

/** Every route, as "METHOD /path/{param}" (the OpenAPI spelling), HEAD left out. */
export function routeList(routers: Router[]): string[] {
  return routers.flatMap((router) =>
    router.stack.flatMap((layer) =>
      layer.methods
        .filter((method) => method !== 'HEAD')
        .map((method) => `${method} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`),
    ),
  );
}
