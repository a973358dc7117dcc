import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Middleware } from 'koa';
import type { Logger } from '@platform/observability';
import { describeError } from '@platform/runtime';
import { ClientError } from '../domain/errors.js';
import { sendProblem } from './problem.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Outermost middleware: a request id (the caller's X-Request-Id when well-formed, else a new
 * UUID) echoed in the response and on every log line; one access log line per request; errors
 * mapped to problem documents in this one place: a ClientError to its 4xx, anything else to a
 * 500 that reveals nothing of the internals.
 */
export function requestContext(logger: Logger): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('X-Request-Id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.set('X-Request-Id', requestId);
    const log = logger.child({ request_id: requestId });
    ctx.state.logger = log;
    const started = performance.now();
    try {
      await next();
      // Errors the router answers itself (no route: 404, wrong method: 405) become problems too.
      if (ctx.status >= 400 && ctx.body == null) {
        const status = ctx.status;
        const type =
          status === 404 ? 'not-found' : (STATUS_CODES[status] ?? 'error').toLowerCase().replaceAll(' ', '-');
        sendProblem(ctx, {
          type,
          title: status === 404 ? 'No such resource' : (STATUS_CODES[status] ?? 'Error'),
          status,
        });
      }
    } catch (error) {
      if (error instanceof ClientError) {
        const { status, type, title, detail, extensions } = error;
        sendProblem(ctx, { type, title, status, ...(detail ? { detail } : {}), ...extensions });
      } else {
        log.error('request failed', { error: describeError(error) });
        sendProblem(ctx, { type: 'internal-error', title: 'Internal server error', status: 500 });
      }
    } finally {
      log.info('http request', {
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        duration_ms: Math.round((performance.now() - started) * 10) / 10,
      });
    }
  };
}
