import type { User } from '../entities/user.entity.js';
import type { NewEvent } from '../outbox/outbox-writer.js';

/**
 * The events a user's life emits. `context` is the event's payload; its shape per event type is
 * versioned by the outbox's metadata_version (see outbox-writer.ts).
 */
export const USER_EVENT_TYPES = ['user_created', 'user_updated', 'user_deleted'] as const;

export type UserChanges = Partial<Record<'email' | 'name', { from: string; to: string }>>;

export function userCreated(user: User): NewEvent {
  return {
    eventType: 'user_created',
    aggregateType: 'user',
    aggregateId: user.id,
    occurredAt: user.createdAt,
    context: { user_id: user.id, email: user.email, name: user.name, version: user.version },
  };
}

export function userUpdated(user: User, changes: UserChanges, occurredAt: Date): NewEvent {
  return {
    eventType: 'user_updated',
    aggregateType: 'user',
    aggregateId: user.id,
    occurredAt,
    context: { user_id: user.id, changes, version: user.version },
  };
}

export function userDeleted(user: User, occurredAt: Date): NewEvent {
  return {
    eventType: 'user_deleted',
    aggregateType: 'user',
    aggregateId: user.id,
    occurredAt,
    context: { user_id: user.id, version: user.version },
  };
}

/** What a patch really changes: fields whose new value differs from the current one. */
export function diffUser(
  user: Pick<User, 'email' | 'name'>,
  patch: { email?: string; name?: string },
): UserChanges {
  const changes: UserChanges = {};
  for (const field of ['email', 'name'] as const) {
    const to = patch[field];
    if (to !== undefined && to !== user[field]) changes[field] = { from: user[field], to };
  }
  return changes;
}
