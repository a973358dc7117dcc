import type { OrderPlaced, PlatformEvent, UserCreated, UserDeleted, UserUpdated } from '@platform/schemas';
import { PoisonRowError, type OutboxRow } from './outbox-row.js';

type Context = Record<string, unknown>;

function field<T>(context: Context, name: string, check: (value: unknown) => value is T, what: string): T {
  const value = context[name];
  if (!check(value)) throw new PoisonRowError(`event_context.${name} must be ${what}`);
  return value;
}
const isString = (value: unknown): value is string => typeof value === 'string';
const isInt = (value: unknown): value is number => Number.isInteger(value);
const isSafeInt = (value: unknown): value is number => Number.isSafeInteger(value);

function change(context: Context, name: 'email' | 'name'): { from: string; to: string } | null {
  const value = (context.changes as Context | undefined)?.[name];
  if (value === undefined || value === null) return null;
  const { from, to } = value as Context;
  if (!isString(from) || !isString(to))
    throw new PoisonRowError(`event_context.changes.${name} must be {from, to}`);
  return { from, to };
}

/**
 * Maps an outbox row to the Avro record of its event type: the envelope from the row's columns,
 * the payload from event_context. Throws PoisonRowError for what no retry can fix.
 */
export function toEventRecord(row: OutboxRow): PlatformEvent {
  if (typeof row.eventContext !== 'object' || row.eventContext === null || Array.isArray(row.eventContext)) {
    throw new PoisonRowError('event_context must be a JSON object');
  }
  const context = row.eventContext as Context;
  const envelope = {
    event_id: row.eventId,
    event_time: row.eventDateTime.getTime(),
    environment: row.environment,
    aggregate_type: row.aggregateType,
    aggregate_id: row.aggregateId,
    metadata_version: row.metadataVersion,
    actor: row.actor,
  };
  switch (row.eventType) {
    case 'user_created':
      return {
        ...envelope,
        event_type: 'user_created',
        user_id: field(context, 'user_id', isString, 'a string'),
        email: field(context, 'email', isString, 'a string'),
        name: field(context, 'name', isString, 'a string'),
        version: field(context, 'version', isInt, 'an integer'),
      } satisfies UserCreated;
    case 'user_updated':
      return {
        ...envelope,
        event_type: 'user_updated',
        user_id: field(context, 'user_id', isString, 'a string'),
        version: field(context, 'version', isInt, 'an integer'),
        changes: { email: change(context, 'email'), name: change(context, 'name') },
      } satisfies UserUpdated;
    case 'user_deleted':
      return {
        ...envelope,
        event_type: 'user_deleted',
        user_id: field(context, 'user_id', isString, 'a string'),
        version: field(context, 'version', isInt, 'an integer'),
      } satisfies UserDeleted;
    // The second aggregate type: written into the same outbox by another part of the app.
    case 'order_placed':
      return {
        ...envelope,
        event_type: 'order_placed',
        order_id: field(context, 'order_id', isString, 'a string'),
        user_id: field(context, 'user_id', isString, 'a string'),
        total_cents: field(context, 'total_cents', isSafeInt, 'a whole number'),
        currency: field(context, 'currency', isString, 'a string'),
      } satisfies OrderPlaced;
    default:
      throw new PoisonRowError(`unknown event_type "${row.eventType}"`);
  }
}
