import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import type { Logger, Registry } from '@platform/observability';
import { describeError } from '@platform/runtime';
import { databaseUnavailableError } from './domain/errors.js';
import type { TokenVerifier } from './http/auth.js';
import { httpMetrics } from './http/http-metrics.js';
import { requestLimits, type RequestLimits } from './http/limits.js';
import { openApiDocument } from './http/openapi.js';
import { sendProblem } from './http/problem.js';
import { requestContext } from './http/request-context.js';
import { usersRoutes } from './http/users-routes.js';
import type { UserService } from './users/user-service.js';

export interface AppDeps {
  logger: Logger;
  database: {
    isReady(): Promise<boolean>;
    /** Whether an error means the database cannot be reached now (answered 503, not 500). */
    isUnavailable(error: unknown): boolean;
  };
  users: UserService;
  /** Largest accepted request body. */
  bodyLimitBytes: number;
  /** Where the HTTP metrics go (served by the ops server, not on this app's port). */
  metrics: Registry;
  verifyToken: TokenVerifier;
  /** Rate and concurrency limits; none when absent (tests that do not test them). */
  limits?: RequestLimits;
  /**
   * How many proxies in front of the API append to X-Forwarded-For (0 or absent: none, the
   * header is ignored). The client address is the entry the outermost trusted proxy appended;
   * entries further left are the client's own writing and are not believed.
   */
  trustedProxyHops?: number;
}

/** The routers of the application: the system routes and the users resource. */
export function createRouters(deps: AppDeps): Router[] {
  // strict: /users/ is not /users (one URL per resource, as the OpenAPI document lists them).
  const system = new Router({ strict: true });

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

  const document = openApiDocument();
  system.get('/openapi.json', (ctx) => {
    ctx.body = document;
  });

  return [
    system,
    usersRoutes({ users: deps.users, bodyLimitBytes: deps.bodyLimitBytes, verifyToken: deps.verifyToken }),
  ];
}

/** The HTTP application, built from its dependencies; tests build it the same way main does. */
export function createApp(deps: AppDeps): Koa {
  const hops = deps.trustedProxyHops ?? 0;
  const app = new Koa({ proxy: hops > 0, maxIpsCount: hops });
  app.use(httpMetrics(deps.metrics));
  app.use(requestContext(deps.logger));
  if (deps.limits) app.use(requestLimits(deps.limits));
  app.use(databaseUnavailable(deps.database.isUnavailable));
  const routers = createRouters(deps);
  app.use(methodNotAllowed(routers));
  for (const router of routers) app.use(router.routes());
  return app;
}

/**
 * A path that exists under other methods answers 405 with their Allow list (OPTIONS: 204 with it),
 * across all routers. Not the routers' own allowedMethods(): each sees only its own routes, and
 * they answer 501 to a method no route uses (TRACE, CONNECT, WebDAV's). Node's HTTP parser has
 * already refused methods it does not know, so every method that gets here is a recognised one.
 */
function methodNotAllowed(routers: Router[]): Middleware {
  const layers = routers.flatMap((router) => router.stack).filter((layer) => layer.methods.length > 0);
  return async (ctx, next) => {
    await next();
    if (ctx.status !== 404 || ctx.body != null) return; // a route answered (its 404s have bodies)
    const allowed = new Set(
      layers.filter((layer) => layer.match(ctx.path)).flatMap((layer) => layer.methods),
    );
    if (allowed.size === 0) return;
    ctx.set('Allow', [...allowed].join(', '));
    ctx.status = ctx.method === 'OPTIONS' ? 204 : 405;
  };
}

/**
 * PostgreSQL unreachable (restarting, failing over, out of connections) is not the request's
 * fault: 503 with Retry-After, so a client retries (with its Idempotency-Key, a create is safe
 * to retry even when the answer to a committed one was lost). Nothing is half-written: the
 * transaction either committed or not.
 */
function databaseUnavailable(isUnavailable: (error: unknown) => boolean): Middleware {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      ctx.state.logger?.warn('database unavailable', { error: describeError(error) });
      ctx.set('Retry-After', '1');
      throw databaseUnavailableError();
    }
  };
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
