import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { createKafka, createSchemaRegistry, createTopicIdReader } from '@platform/kafka';
import { Registry } from '@platform/observability';
import { memoryLogger, uniqueName } from '@platform/testing';
import { createClickHouse } from '../../src/adapters/clickhouse/client.js';
import type { EventStore } from '../../src/adapters/clickhouse/event-store.js';
import { migrate } from '../../src/adapters/clickhouse/migrations.js';
import { createDeadLetterQueue } from '../../src/adapters/kafka/dead-letters.js';
import { createGroupOffsets } from '../../src/adapters/kafka/group-offsets.js';
import { createTopicIdentity, type TopicIdentity } from '../../src/adapters/kafka/topic-identity.js';
import { createAvroDecoder, type EventDecoder } from '../../src/adapters/registry/avro-decoder.js';
import { createSinkMetrics } from '../../src/metrics.js';
import { createSink, type SinkDeps, type SinkSettings } from '../../src/sink.js';
import { brokers } from './event-producer.js';

export const engineTarget = { database: 'analytics', table: 'event_log' };

/**
 * An embedded ClickHouse engine for one spec file, migrated: a writer and a reader client over
 * its data directory. Call from a describe block: it registers beforeAll/afterAll.
 */
export function useEmbeddedEngine(prefix: string): {
  writer: () => ClickHouseClient;
  reader: () => ClickHouseClient;
} {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  let writer: ClickHouseClient;
  let reader: ClickHouseClient;
  beforeAll(async () => {
    writer = createClickHouse({ kind: 'embedded', dataDir, database: engineTarget.database });
    reader = createClickHouse({ kind: 'embedded', dataDir, database: engineTarget.database });
    await migrate(writer, engineTarget);
  });
  afterAll(async () => {
    await reader.close();
    await writer.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  return { writer: () => writer, reader: () => reader };
}

/**
 * A sink in this process over `store` (real, or with failures injected), on the real Kafka and
 * registry, logging to memory; `decoder` and `onFailure` replace main's when given.
 */
export function sinkOver(
  store: EventStore,
  settings: SinkSettings,
  options: {
    decoder?: EventDecoder;
    onFailure?: SinkDeps['onFailure'];
    /** Wraps the real topic identity (to act at the moment the sink checks it). */
    identity?: (real: TopicIdentity) => TopicIdentity;
  } = {},
) {
  const { logger, lines } = memoryLogger();
  const kafkaConfig = { brokers: brokers(), clientId: `${settings.topic}-test` };
  const kafka = createKafka(kafkaConfig, logger);
  const realIdentity = createTopicIdentity(createTopicIdReader(kafkaConfig), settings.topic);
  const identity = options.identity?.(realIdentity) ?? realIdentity;
  const groupOffsets = createGroupOffsets(kafka, settings.topic, settings.groupId);
  const deadLetterTopic = uniqueName(`${settings.topic}-dlq`);
  const created = createSink({
    kafka,
    store,
    decoder:
      options.decoder ??
      createAvroDecoder(createSchemaRegistry({ url: process.env.SCHEMA_REGISTRY_URL! }), {
        missingGraceMs: 500,
      }),
    deadLetters: createDeadLetterQueue(kafka, deadLetterTopic),
    identity,
    groupOffsets,
    logger,
    metrics: createSinkMetrics(new Registry()),
    settings,
    ...(options.onFailure ? { onFailure: options.onFailure } : {}),
  });
  // As main does: the identity reader's connections close after the sink.
  const sink = {
    ...created,
    stop: () =>
      created
        .stop()
        .finally(() => identity.close())
        .finally(() => groupOffsets.close()),
  };
  return { sink, kafka, lines, deadLetterTopic };
}
