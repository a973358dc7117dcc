import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const OUTBOX_STATUSES = ['pending', 'processed', 'failed'] as const;

/**
 * One event waiting to be relayed to Kafka, written in the same transaction as the change it
 * describes. The relay (outbox-publisher) claims pending rows in `id` order.
 */
export const OutboxMessage = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox',
  properties: {
    // Commit-ordered enough for per-aggregate ordering: a later change of the same aggregate
    // cannot commit before an earlier one (the aggregate's row lock serialises them).
    id: p.bigint('string').primary().autoincrement(),
    eventId: p.uuid().unique(),
    eventType: p.string(),
    eventDateTime: p.datetime(),
    environment: p.string(),
    eventContext: p.json<Record<string, unknown>>(),
    metadataVersion: p.integer(),
    aggregateType: p.string(),
    aggregateId: p.string(),
    /** Who made the change: the subject of the caller's token (null: no caller known). */
    actor: p.text().nullable(),
    traceparent: p.string().nullable(),
    tracestate: p.string().nullable(),
    status: p.enum(OUTBOX_STATUSES).default('pending'),
    attempts: p.integer().default(0),
    nextAttemptAt: p.datetime().onCreate(() => new Date()),
    lastError: p.text().nullable(),
    processedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});

export type OutboxMessage = InferEntity<typeof OutboxMessage>;
