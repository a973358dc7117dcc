import { createHash } from 'node:crypto';
import Router from '@koa/router';
import type { Context } from 'koa';
import { preconditionRequired, validationFailed } from '../domain/errors.js';
import {
  createUserInput,
  listUsersQuery,
  parseInput,
  updateUserInput,
  userId,
} from '../domain/user-input.js';
import type { UserService } from '../users/user-service.js';
import { readJsonBody } from './json-body.js';
import { etagOf, parseIfMatch } from './preconditions.js';

export interface UsersRoutesDeps {
  users: UserService;
  bodyLimitBytes: number;
}

// Printable ASCII, as in the IETF Idempotency-Key draft's examples (UUIDs, random strings).
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

function idOf(ctx: Context): string {
  return parseInput(userId, ctx.params.id, 'path/id');
}

/** The version an If-Match header asks for; -1 can never match (the service answers 412 or 404). */
function expectedVersion(ctx: Context): number | undefined {
  const header = ctx.get('If-Match');
  if (!header) return undefined;
  const parsed = parseIfMatch(header);
  return parsed === 'any' ? undefined : parsed === 'unmatchable' ? -1 : parsed;
}

export function usersRoutes({ users, bodyLimitBytes }: UsersRoutesDeps): Router {
  const router = new Router();

  router.post('/users', async (ctx) => {
    const input = parseInput(createUserInput, await readJsonBody(ctx, bodyLimitBytes));
    const key = ctx.get('Idempotency-Key');
    if (key && !IDEMPOTENCY_KEY.test(key)) {
      throw validationFailed([
        { field: 'header/Idempotency-Key', message: 'must be 1-255 printable ASCII characters' },
      ]);
    }
    const fingerprint = createHash('sha256')
      .update(JSON.stringify(['POST', '/users', input.email, input.name]))
      .digest('hex');
    const { user, replayed } = await users.createUser(input, key ? { key, fingerprint } : undefined);
    ctx.status = 201;
    ctx.set('Location', `/users/${user.id}`);
    ctx.set('ETag', etagOf(user.version));
    if (replayed) ctx.set('Idempotent-Replayed', 'true');
    ctx.body = user;
  });

  router.get('/users', async (ctx) => {
    const query = parseInput(listUsersQuery, ctx.query, 'query');
    const page = await users.listUsers(query);
    if (page.nextCursor) {
      ctx.set('Link', `</users?limit=${query.limit}&cursor=${page.nextCursor}>; rel="next"`);
    }
    ctx.body = { items: page.items, next_cursor: page.nextCursor };
  });

  router.get('/users/:id', async (ctx) => {
    const user = await users.getUser(idOf(ctx));
    ctx.set('ETag', etagOf(user.version));
    ctx.body = user;
  });

  router.patch('/users/:id', async (ctx) => {
    const id = idOf(ctx);
    if (!ctx.get('If-Match')) throw preconditionRequired();
    const patch = parseInput(updateUserInput, await readJsonBody(ctx, bodyLimitBytes));
    const user = await users.updateUser(id, patch, expectedVersion(ctx));
    ctx.set('ETag', etagOf(user.version));
    ctx.body = user;
  });

  router.delete('/users/:id', async (ctx) => {
    await users.deleteUser(idOf(ctx), expectedVersion(ctx));
    ctx.status = 204;
  });

  return router;
}
