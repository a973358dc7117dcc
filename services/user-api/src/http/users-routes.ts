import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { preconditionRequired } from '../domain/errors.js';
import {
  createUserInput,
  listUsersQuery,
  parseInput,
  updateUserInput,
  userId,
} from '../domain/user-input.js';
import type { UserService } from '../users/user-service.js';
import { requireScope, type Caller, type TokenVerifier } from './auth.js';
import { etagOf, idempotencyKeyHeader, ifMatchHeader, versionsOf } from './headers.js';
import { readJsonBody } from './json-body.js';

export interface UsersRoutesDeps {
  users: UserService;
  bodyLimitBytes: number;
  /** Verifies bearer tokens: reads need users:read, changes users:write. */
  verifyToken: TokenVerifier;
}

/** The subject of the caller's verified token (requireScope put it there). */
const callerOf = (ctx: Context): string | undefined => (ctx.state.caller as Caller | undefined)?.subject;

function idOf(ctx: Context): string {
  return parseInput(userId, ctx.params.id, 'path/id');
}

/** The versions If-Match allows: undefined for any (or no header), empty when none can match. */
function expectedVersions(ctx: Context): number[] | undefined {
  const header = ctx.get('If-Match');
  if (!header) return undefined;
  const versions = versionsOf(parseInput(ifMatchHeader, header, 'header/If-Match'));
  return versions === 'any' ? undefined : versions;
}

export function usersRoutes({ users, bodyLimitBytes, verifyToken }: UsersRoutesDeps): Router {
  const router = new Router({ strict: true }); // see createRouters
  const read = requireScope(verifyToken, 'users:read');
  const write = requireScope(verifyToken, 'users:write');

  router.post('/users', write, async (ctx) => {
    const input = parseInput(createUserInput, await readJsonBody(ctx, bodyLimitBytes));
    const header = ctx.get('Idempotency-Key');
    const key = header ? parseInput(idempotencyKeyHeader, header, 'header/Idempotency-Key') : undefined;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify(['POST', '/users', input.email, input.name]))
      .digest('hex');
    const { user, replayed } = await users.createUser(
      input,
      key ? { caller: callerOf(ctx) ?? '', key, fingerprint } : undefined,
      callerOf(ctx),
    );
    ctx.status = 201;
    ctx.set('Location', `/users/${user.id}`);
    ctx.set('ETag', etagOf(user.version));
    if (replayed) ctx.set('Idempotent-Replayed', 'true');
    ctx.body = user;
  });

  router.get('/users', read, async (ctx) => {
    const query = parseInput(listUsersQuery, ctx.query, 'query');
    const page = await users.listUsers(query);
    if (page.nextCursor) {
      ctx.set('Link', `</users?limit=${query.limit}&cursor=${page.nextCursor}>; rel="next"`);
    }
    ctx.body = { items: page.items, next_cursor: page.nextCursor };
  });

  router.get('/users/:id', read, async (ctx) => {
    const user = await users.getUser(idOf(ctx));
    ctx.set('ETag', etagOf(user.version));
    ctx.body = user;
  });

  router.patch('/users/:id', write, async (ctx) => {
    const id = idOf(ctx);
    if (!ctx.get('If-Match')) throw preconditionRequired();
    const patch = parseInput(updateUserInput, await readJsonBody(ctx, bodyLimitBytes));
    const user = await users.updateUser(id, patch, expectedVersions(ctx), callerOf(ctx));
    ctx.set('ETag', etagOf(user.version));
    ctx.body = user;
  });

  router.delete('/users/:id', write, async (ctx) => {
    await users.deleteUser(idOf(ctx), expectedVersions(ctx), callerOf(ctx));
    ctx.status = 204;
  });

  return router;
}
