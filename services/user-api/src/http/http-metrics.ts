import { trace } from '@opentelemetry/api';
import type { Middleware } from 'koa';
import { Histogram, type Registry } from '@platform/observability';

/** The route template @koa/router matched ("/users/:id"), or "unmatched" (keeps label values few). */
function routeOf(ctx: object): string {
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  return typeof matched === 'string' ? matched : 'unmatched';
}

/**
 * Per request: one observation of `http_server_request_duration_seconds{method, route,
 * status_code}` (its _count is the request rate; 5xx codes are the errors), and the tracing
 * span named after the route ("POST /users"), as the HTTP instrumentation cannot know it.
 * Outermost middleware: it wraps requestContext, so the status it sees is the one sent (errors
 * already rendered as problems).
 */
export function httpMetrics(registry: Registry): Middleware {
  const duration = new Histogram({
    name: 'http_server_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method, route template and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return async (ctx, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = routeOf(ctx);
      const span = trace.getActiveSpan();
      if (span && route !== 'unmatched') {
        span.updateName(`${ctx.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      duration.observe(
        { method: ctx.method, route, status_code: String(ctx.status) },
        (performance.now() - started) / 1000,
      );
    }
  };
}
