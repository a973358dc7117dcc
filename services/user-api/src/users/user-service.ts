import { LockMode, OptimisticLockError, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import { duplicateEmail, idempotencyKeyReused, userNotFound, versionMismatch } from '../domain/errors.js';
import type { CreateUserInput, UpdateUserInput } from '../domain/user-input.js';
import { diffUser, userCreated, userDeleted, userUpdated } from '../domain/user-events.js';
import { uuidV7 } from '../domain/uuid-v7.js';
import { IdempotencyRecord } from '../entities/idempotency-record.entity.js';
import { User } from '../entities/user.entity.js';
import type { OutboxWriter } from '../outbox/outbox-writer.js';
import { toUserView, type UserView } from './user-view.js';

export interface UserServiceDeps {
  orm: MikroORM;
  outbox: OutboxWriter;
}

export interface IdempotencyContext {
  /** Whose key it is (the token's subject): keys of different callers never meet. */
  caller: string;
  key: string;
  /** sha-256 of the request; a retry must match it. */
  fingerprint: string;
}

export interface CreateUserResult {
  user: UserView;
  /** True when this answers a retry: the user was created by an earlier request. */
  replayed: boolean;
}

/**
 * The user use cases. Each mutation is ONE transaction holding the user change and its outbox
 * row: both are committed or neither is.
 */
export function createUserService({ orm, outbox }: UserServiceDeps) {
  async function findReplay(idempotency: IdempotencyContext): Promise<CreateUserResult | undefined> {
    const record = await orm.em
      .fork()
      .findOne(IdempotencyRecord, { caller: idempotency.caller, key: idempotency.key });
    if (!record) return undefined;
    if (record.requestFingerprint !== idempotency.fingerprint) throw idempotencyKeyReused();
    return { user: record.responseBody as UserView, replayed: true };
  }

  return {
    /** `actor`: who asks (the token's subject); it goes into the event. */
    async createUser(
      input: CreateUserInput,
      idempotency?: IdempotencyContext,
      actor?: string,
    ): Promise<CreateUserResult> {
      if (idempotency) {
        const replay = await findReplay(idempotency);
        if (replay) return replay;
      }
      try {
        const view = await orm.em.fork().transactional(async (em) => {
          const now = new Date();
          const user = em.create(User, {
            id: uuidV7(),
            ...input,
            createdAt: now,
            updatedAt: now,
            version: 1,
          });
          await outbox.append(em, { ...userCreated(user), ...(actor ? { actor } : {}) });
          const view = toUserView(user);
          if (idempotency) {
            em.create(IdempotencyRecord, {
              caller: idempotency.caller,
              key: idempotency.key,
              requestFingerprint: idempotency.fingerprint,
              responseStatus: 201,
              responseBody: view,
              responseLocation: `/users/${user.id}`,
            });
          }
          return view;
        });
        return { user: view, replayed: false };
      } catch (error) {
        if (!(error instanceof UniqueConstraintViolationException)) throw error;
        // A concurrent request with the same key may have won the race; answer as its retry.
        const replay = idempotency && (await findReplay(idempotency));
        if (replay) return replay;
        throw duplicateEmail();
      }
    },

    async getUser(id: string): Promise<UserView> {
      const user = await orm.em.fork().findOne(User, id);
      if (!user) throw userNotFound(id);
      return toUserView(user);
    },

    async listUsers(options: {
      limit: number;
      cursor?: string;
    }): Promise<{ items: UserView[]; nextCursor: string | null }> {
      const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
      const users = await orm.em.fork().find(User, after ? { id: { $gt: after } } : {}, {
        orderBy: { id: 'asc' },
        limit: options.limit + 1,
      });
      const page = users.slice(0, options.limit);
      const last = page.at(-1);
      return {
        items: page.map(toUserView),
        nextCursor: users.length > options.limit && last ? encodeCursor(last.id) : null,
      };
    },

    /**
     * Applies a patch if the user is still at one of `expectedVersions` (any version when
     * undefined); emits user_updated with what changed, nothing when the patch changes nothing.
     */
    async updateUser(
      id: string,
      patch: UpdateUserInput,
      expectedVersions?: readonly number[],
      actor?: string,
    ): Promise<UserView> {
      try {
        return await orm.em.fork().transactional(async (em) => {
          // The row lock serialises changes of one user, so its events enter the outbox in
          // commit order.
          const user = await em.findOne(User, id, { lockMode: LockMode.PESSIMISTIC_WRITE });
          if (!user) throw userNotFound(id);
          if (expectedVersions && !expectedVersions.includes(user.version)) {
            throw versionMismatch(user.version);
          }
          const changes = diffUser(user, patch);
          if (Object.keys(changes).length === 0) return toUserView(user);
          const now = new Date();
          em.assign(user, { ...patch, updatedAt: now });
          await em.flush(); // increments the version, which the event carries
          await outbox.append(em, { ...userUpdated(user, changes, now), ...(actor ? { actor } : {}) });
          return toUserView(user);
        });
      } catch (error) {
        if (error instanceof UniqueConstraintViolationException) throw duplicateEmail();
        // Cannot happen while the row lock is held; kept so a future change cannot turn it into a 500.
        if (error instanceof OptimisticLockError)
          throw versionMismatch(Math.max(0, ...(expectedVersions ?? [])) + 1);
        throw error;
      }
    },

    /** Deletes the user (if still at one of `expectedVersions`, when given); emits user_deleted. */
    async deleteUser(id: string, expectedVersions?: readonly number[], actor?: string): Promise<void> {
      await orm.em.fork().transactional(async (em) => {
        const user = await em.findOne(User, id, { lockMode: LockMode.PESSIMISTIC_WRITE });
        if (!user) throw userNotFound(id);
        if (expectedVersions && !expectedVersions.includes(user.version)) {
          throw versionMismatch(user.version);
        }
        await outbox.append(em, { ...userDeleted(user, new Date()), ...(actor ? { actor } : {}) });
        em.remove(user);
      });
    },
  };
}

export type UserService = ReturnType<typeof createUserService>;
