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
  ConfigError,
  envField,
  parseEnv,
  postgresConnection,
  type BaseConfig,
  type PostgresConnection,
} from '@platform/runtime';
import type { TopicSettings } from './adapters/kafka/event-publisher.js';
import type { RelaySettings } from './relay.js';

// 2 and 4 measured best of 1-4 on the 2-core machine, equal within its noise; 4 overlaps more
// where there are more cores (docs/benchmarks.md, "Outbox → Kafka").
const DEFAULT_CONCURRENCY = 4;

const envShape = {
  ...baseEnvShape,
  ...kafkaEnvShape,
  ...schemaRegistryEnvShape,
  DATABASE_URL: envField.url(['postgres:', 'postgresql:']),
  /** Unset: a connection per lane group, plus three (failed-attempt notes, metrics, retention). */
  DATABASE_POOL_MAX: envField.positiveInt(100).optional(),
  /** Lane groups relayed at once by one instance (docs/benchmarks.md, "Outbox → Kafka"). */
  OUTBOX_CONCURRENCY: envField.positiveInt(64).default(DEFAULT_CONCURRENCY),
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
  /** Lane groups relayed at once; each holds a connection while it relays a batch. */
  concurrency: number;
  relay: RelaySettings;
  retention: { retentionMs: number; batchSize: number; intervalMs: number };
  /** GET /metrics and GET /healthz. */
  http: { host: string; port: number };
}

export function loadPublisherConfig(env: NodeJS.ProcessEnv = process.env): PublisherConfig {
  const e = parseEnv(envShape, env);
  const problems: string[] = [];
  if (e.OUTBOX_CONCURRENCY > e.OUTBOX_LANES) {
    problems.push(
      `OUTBOX_CONCURRENCY: at most OUTBOX_LANES (${e.OUTBOX_LANES}); a group without lanes has nothing to do`,
    );
  }
  const poolMax = e.DATABASE_POOL_MAX ?? e.OUTBOX_CONCURRENCY + 3;
  if (poolMax < e.OUTBOX_CONCURRENCY + 1) {
    problems.push(
      `DATABASE_POOL_MAX: at least OUTBOX_CONCURRENCY + 1 (${e.OUTBOX_CONCURRENCY + 1}): each lane group holds a connection`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze({
    ...baseConfig(e),
    database: { ...postgresConnection(e.DATABASE_URL), poolMax },
    kafka: kafkaConfig(e, 'outbox-publisher'),
    schemaRegistry: schemaRegistryConfig(e),
    topic: {
      topic: e.OUTBOX_TOPIC,
      partitions: e.OUTBOX_TOPIC_PARTITIONS,
      replicationFactor: e.OUTBOX_TOPIC_REPLICATION_FACTOR,
    },
    lanes: e.OUTBOX_LANES,
    concurrency: e.OUTBOX_CONCURRENCY,
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

/** What `outbox-cli audit` reads: the outbox, and the warehouse through the sink's /query. */
export interface AuditConfig {
  database: PostgresConnection;
  /** The sink's HTTP address (SINK_HTTP_PORT) and its /query token. */
  sink: { url: string; queryToken: string };
  /** The sink's table (its CLICKHOUSE_DATABASE and CLICKHOUSE_TABLE). */
  warehouse: { database: string; table: string };
  /** The publisher's: older processed rows may be gone, so the audit starts after it. */
  retentionMs: number;
}

export function loadAuditConfig(env: NodeJS.ProcessEnv = process.env): AuditConfig {
  const e = parseEnv(
    {
      DATABASE_URL: envShape.DATABASE_URL,
      SINK_QUERY_URL: envField.url(['http:', 'https:']).default('http://127.0.0.1:9464'),
      SINK_QUERY_TOKEN: z.string().min(24, { message: "must be at least 24 characters (the sink's token)" }),
      CLICKHOUSE_DATABASE: envField.identifier().default('analytics'),
      CLICKHOUSE_TABLE: envField.identifier().default('event_log'),
      OUTBOX_RETENTION_HOURS: envShape.OUTBOX_RETENTION_HOURS,
    },
    env,
  );
  return Object.freeze({
    database: postgresConnection(e.DATABASE_URL),
    sink: { url: e.SINK_QUERY_URL.replace(/\/+$/, ''), queryToken: e.SINK_QUERY_TOKEN },
    warehouse: { database: e.CLICKHOUSE_DATABASE, table: e.CLICKHOUSE_TABLE },
    retentionMs: e.OUTBOX_RETENTION_HOURS * 3_600_000,
  });
}
