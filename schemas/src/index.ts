import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { UserEventType } from './user-events.js';

export type * from './user-events.js';

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

/**
 * Registry subject of a record on a topic: `<topic>-<namespace>.<name>`, Confluent's
 * TopicRecordNameStrategy. One topic carries several record types (one per event type), each
 * evolving under its own subject with BACKWARD compatibility; a topic-wide subject
 * (TopicNameStrategy) would force every event type into one schema.
 */
export function subjectFor(topic: string, schema: AvroRecordSchema): string {
  return `${topic}-${schema.namespace}.${schema.name}`;
}
