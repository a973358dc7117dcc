import { z } from 'zod';
import {
  kafkaConfig,
  kafkaEnvShape,
  kafkaTopicName,
  schemaRegistryConfig,
  schemaRegistryEnvShape,
} from '@platform/kafka';
import type { KafkaConfig, SchemaRegistryConfig } from '@platform/kafka';
import {
  baseConfig,
  baseEnvShape,
  envField,
  parseEnv,
  postgresConnection,
  type BaseConfig,
  type PostgresConnection,
} from '@platform/runtime';
import type { TopicSettings } from './adapters/kafka/event-publisher.js';
import type { RelaySettings } from './relay.js';

const envShape = {
  ...baseEnvShape,
  ...kafkaEnvShape,
  ...schemaRegistryEnvShape,
  DATABASE_URL: envField.url(['postgres:', 'postgresql:']),
  DATABASE_POOL_MAX: envField.positiveInt(100).default(5),
  OUTBOX_TOPIC: kafkaTopicName().default('user-events'),
  OUTBOX_TOPIC_PARTITIONS: envField.positiveInt(10_000).default(6),
  OUTBOX_TOPIC_REPLICATION_FACTOR: z.coerce
    .number({ message: 'expected -1 (broker default) or a whole number' })
    .int()
    .min(-1)
    .refine((n) => n !== 0, { message: 'expected -1 (broker default) or a whole number' })
    .default(-1),
  OUTBOX_BATCH_SIZE: envField.positiveInt(10_000).default(1000),
  OUTBOX_POLL_INTERVAL_MS: envField.positiveInt(60_000).default(1000),
  OUTBOX_LANES: envField.positiveInt(1024).default(16),
  OUTBOX_LANE_REFRESH_MS: envField.positiveInt(600_000).default(5000),
  OUTBOX_BACKOFF_INITIAL_MS: envField.positiveInt(60_000).default(200),
  OUTBOX_BACKOFF_MAX_MS: envField.positiveInt(600_000).default(30_000),
  OUTBOX_RETENTION_HOURS: envField.positiveInt(24 * 365).default(168),
  OUTBOX_RETENTION_BATCH_SIZE: envField.positiveInt(100_000).default(5000),
  OUTBOX_RETENTION_INTERVAL_MS: envField.positiveInt(86_400_000).default(60_000),
  PUBLISHER_HTTP_HOST: z.string().default('127.0.0.1'),
  PUBLISHER_HTTP_PORT: envField.port().default(9465),
};

export interface PublisherConfig extends BaseConfig {
  database: PostgresConnection & { poolMax: number };
  kafka: KafkaConfig;
  schemaRegistry: SchemaRegistryConfig;
  topic: TopicSettings;
  lanes: number;
  relay: RelaySettings;
  retention: { retentionMs: number; batchSize: number; intervalMs: number };
  /** GET /metrics and GET /healthz. */
  http: { host: string; port: number };
}

export function loadPublisherConfig(env: NodeJS.ProcessEnv = process.env): PublisherConfig {
  const e = parseEnv(envShape, env);
  return Object.freeze({
    ...baseConfig(e),
    database: { ...postgresConnection(e.DATABASE_URL), poolMax: e.DATABASE_POOL_MAX },
    kafka: kafkaConfig(e, 'outbox-publisher'),
    schemaRegistry: schemaRegistryConfig(e),
    topic: {
      topic: e.OUTBOX_TOPIC,
      partitions: e.OUTBOX_TOPIC_PARTITIONS,
      replicationFactor: e.OUTBOX_TOPIC_REPLICATION_FACTOR,
    },
    lanes: e.OUTBOX_LANES,
    relay: {
      batchSize: e.OUTBOX_BATCH_SIZE,
      pollIntervalMs: e.OUTBOX_POLL_INTERVAL_MS,
      laneRefreshMs: e.OUTBOX_LANE_REFRESH_MS,
      backoff: { initialMs: e.OUTBOX_BACKOFF_INITIAL_MS, maxMs: e.OUTBOX_BACKOFF_MAX_MS },
    },
    retention: {
      retentionMs: e.OUTBOX_RETENTION_HOURS * 3_600_000,
      batchSize: e.OUTBOX_RETENTION_BATCH_SIZE,
      intervalMs: e.OUTBOX_RETENTION_INTERVAL_MS,
    },
    http: { host: e.PUBLISHER_HTTP_HOST, port: e.PUBLISHER_HTTP_PORT },
  });
}
