import avro from 'avsc';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { eventSchemas } from '@platform/schemas';
import { PoisonMessageError } from '../../domain/errors.js';

/** Turns a Confluent-framed Avro value into a record; PoisonMessageError when it never will. */
export interface EventDecoder {
  decode(value: Buffer | null): Promise<Record<string, unknown>>;
}

// The schemas this sink was built with, by full name: older writer versions are read into them.
const readers = new Map(
  Object.values(eventSchemas).map((schema) => [
    `${schema.namespace}.${schema.name}`,
    avro.Type.forSchema(schema as avro.Schema),
  ]),
);

function isNotFound(error: unknown): boolean {
  const status = (error as { status?: number }).status;
  return status === 404 || /not found|40403/i.test(String((error as Error).message));
}

/**
 * The registry does not know a schema id yet. Within the grace period that is taken for lag (a
 * replica behind, a restore in progress) and retried like an unreachable registry.
 */
export class SchemaNotFoundYetError extends Error {
  readonly code = 'SCHEMA_NOT_FOUND_YET';
  constructor(id: number, waitedMs: number, graceMs: number) {
    super(`schema id ${id} is not in the registry (yet?): waited ${waitedMs} of ${graceMs} ms`);
    this.name = 'SchemaNotFoundYetError';
  }
}

export interface AvroDecoderOptions {
  /** How long an id the registry answers 404 for is retried before its messages are poison. */
  missingGraceMs?: number;
  now?: () => number;
}

/**
 * Decodes with the writer schema named by the frame's id (fetched from the registry once per
 * id), resolved into the current reader schema of the same record when this sink knows it.
 * A registry that cannot be reached is not the message's fault: that error propagates and the
 * caller retries. Nor is an id the registry does not know, for `missingGraceMs` from the first
 * 404: an id that never appears cannot be told from one that appears late by any one answer.
 * Past it, the message is poison (and so is every later one of that id while it stays unknown).
 */
export function createAvroDecoder(registry: SchemaRegistry, options: AvroDecoderOptions = {}): EventDecoder {
  const { missingGraceMs = 300_000, now = Date.now } = options;
  const decoders = new Map<number, (body: Buffer) => unknown>();
  const missingSince = new Map<number, number>();

  async function decoderFor(id: number): Promise<(body: Buffer) => unknown> {
    const known = decoders.get(id);
    if (known) return known;
    let writer: avro.Type;
    try {
      writer = (await registry.getSchema(id)) as unknown as avro.Type;
    } catch (error) {
      if (!isNotFound(error)) throw error;
      const since = missingSince.get(id) ?? now();
      missingSince.set(id, since);
      const waited = now() - since;
      if (waited < missingGraceMs) throw new SchemaNotFoundYetError(id, waited, missingGraceMs);
      throw new PoisonMessageError(
        'UNKNOWN_SCHEMA_ID',
        `schema id ${id} is not in the registry (missing for ${missingGraceMs} ms and more)`,
      );
    }
    missingSince.delete(id);
    const reader = writer.name ? readers.get(writer.name) : undefined;
    const decode = reader ? readingAs(id, reader, writer) : (body: Buffer) => writer.fromBuffer(body);
    decoders.set(id, decode);
    return decode;
  }

  /**
   * Reads `writer`'s data as `reader`. A writer that cannot be (it claims the reader's name with
   * incompatible fields) never will be: every message of that id is poison.
   */
  function readingAs(id: number, reader: avro.Type, writer: avro.Type): (body: Buffer) => unknown {
    let resolver: avro.Resolver;
    try {
      resolver = reader.createResolver(writer);
    } catch (error) {
      const refusal = new PoisonMessageError(
        'INCOMPATIBLE_SCHEMA',
        `schema id ${id} cannot be read as ${reader.name ?? 'its reader'}: ${(error as Error).message}`,
      );
      return () => {
        throw refusal;
      };
    }
    return (body: Buffer) => reader.fromBuffer(body, resolver);
  }

  return {
    async decode(value) {
      if (!value || value.length < 5 || value.readUInt8(0) !== 0) {
        throw new PoisonMessageError(
          'NOT_CONFLUENT_FRAMING',
          'value is not magic byte 0 + schema id + Avro body',
        );
      }
      const decode = await decoderFor(value.readInt32BE(1));
      try {
        return decode(value.subarray(5)) as Record<string, unknown>;
      } catch (error) {
        if (error instanceof PoisonMessageError) throw error;
        throw new PoisonMessageError('UNDECODABLE', `Avro body does not decode: ${(error as Error).message}`);
      }
    },
  };
}
