import avro from 'avsc';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { registerAvroSchema, type SchemaRegistryConfig } from '@platform/kafka';
import { subjectFor, eventSchemas, type AvroRecordSchema } from '@platform/schemas';
import { toEventRecord } from '../../domain/event-record.js';
import { PoisonRowError, type OutboxRow } from '../../domain/outbox-row.js';

/** Turns an outbox row into Confluent-framed Avro (magic byte, schema id, body). */
export interface EventEncoder {
  encode(row: OutboxRow): Promise<Buffer>;
}

/** The Confluent wire format: magic byte 0, the schema id (4 bytes, big-endian), the Avro body. */
export function confluentFrame(schemaId: number, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(0, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, body]);
}

/**
 * Registers each event type's schema under its subject (TopicRecordNameStrategy) on first use
 * and caches the ids; a registry that cannot be reached is a transient error (the batch is
 * retried), a record that does not fit its schema is a PoisonRowError. Encoding itself is
 * local (avsc with the registered schema), one synchronous call per row.
 */
export function createAvroEncoder(
  registry: SchemaRegistry,
  config: SchemaRegistryConfig,
  topic: string,
): EventEncoder {
  const types = new Map(
    Object.entries(eventSchemas).map(([eventType, schema]) => [
      eventType,
      {
        schema,
        type: avro.Type.forSchema(schema as avro.Schema),
        id: undefined as Promise<number> | undefined,
      },
    ]),
  );

  // One registration per schema however many lane groups encode at once (they raced: the
  // registry refused the second one's subject setting); a failed one is tried again next time.
  function schemaId(entry: { schema: AvroRecordSchema; id: Promise<number> | undefined }): Promise<number> {
    entry.id ??= registerAvroSchema(registry, config, subjectFor(topic, entry.schema), entry.schema).catch(
      (error: unknown) => {
        entry.id = undefined;
        throw error;
      },
    );
    return entry.id;
  }

  return {
    async encode(row) {
      const record = toEventRecord(row);
      const entry = types.get(record.event_type);
      if (!entry) throw new PoisonRowError(`no schema for event_type "${record.event_type}"`);
      const invalid: string[] = [];
      if (!entry.type.isValid(record, { errorHook: (path) => invalid.push(path.join('.') || '(record)') })) {
        throw new PoisonRowError(`does not match ${entry.schema.name}: ${invalid.join(', ')}`);
      }
      return confluentFrame(await schemaId(entry), entry.type.toBuffer(record));
    },
  };
}
