import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OrderEvent, OrderEventType } from './order-events.js';
import type { UserEvent, UserEventType } from './user-events.js';

export type * from './order-events.js';
export type * from './user-events.js';

/** Every event the platform carries: the user aggregate's, and the order aggregate's. */
export type PlatformEvent = UserEvent | OrderEvent;
export type EventType = PlatformEvent['event_type'];

/** An Avro record schema as parsed from an .avsc file. */
export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace: string;
  fields: { name: string; type: unknown; default?: unknown }[];
  doc?: string;
}

const avroDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../avro');

export function readSchema(file: string): AvroRecordSchema {
  return JSON.parse(fs.readFileSync(path.join(avroDir, file), 'utf8')) as AvroRecordSchema;
}

/** The schema of each user event type; the topic's records are one of these. */
export const userEventSchemas: Readonly<Record<UserEventType, AvroRecordSchema>> = Object.freeze({
  user_created: readSchema('user-created.avsc'),
  user_updated: readSchema('user-updated.avsc'),
  user_deleted: readSchema('user-deleted.avsc'),
});

/** The schema of each order event type (the second aggregate). */
export const orderEventSchemas: Readonly<Record<OrderEventType, AvroRecordSchema>> = Object.freeze({
  order_placed: readSchema('order-placed.avsc'),
});

/** The schema of every event type the topic carries: what the publisher and the sink know. */
export const eventSchemas: Readonly<Record<EventType, AvroRecordSchema>> = Object.freeze({
  ...userEventSchemas,
  ...orderEventSchemas,
});

/**
 * Registry subject of a record on a topic: `<topic>-<namespace>.<name>`, Confluent's
 * TopicRecordNameStrategy. One topic carries several record types (one per event type), each
 * evolving under its own subject with BACKWARD compatibility; a topic-wide subject
 * (TopicNameStrategy) would force every event type into one schema.
 */
export function subjectFor(topic: string, schema: AvroRecordSchema): string {
  return `${topic}-${schema.namespace}.${schema.name}`;
}
