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
  type BaseConfig,
} from '@platform/runtime';
import type { ClickHouseConfig } from './adapters/clickhouse/client.js';
import type { QueryLimits } from './adapters/clickhouse/event-store.js';
import type { SinkSettings } from './sink.js';

const envShape = {
  ...baseEnvShape,
  ...kafkaEnvShape,
  ...schemaRegistryEnvShape,
  /** A ClickHouse server over HTTP(S); when unset the embedded engine (chdb) is used. */
  CLICKHOUSE_URL: envField.url(['http:', 'https:']).optional(),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  /** CA certificate(s) an https:// server's certificate must chain to; unset, the public CAs. */
  CLICKHOUSE_TLS_CA: envField.pem('certificate').optional(),
  /** A client certificate and its key, for servers that authenticate clients by TLS (needs the CA). */
  CLICKHOUSE_TLS_CERT: envField.pem('certificate').optional(),
  CLICKHOUSE_TLS_KEY: envField.pem('private key').optional(),
  CLICKHOUSE_DATABASE: envField.identifier().default('analytics'),
  CLICKHOUSE_TABLE: envField.identifier().default('event_log'),
  /** Data directory of the embedded engine; one process may hold it at a time. */
  CLICKHOUSE_DATA_DIR: z.string().default('clickhouse-data'),
  SINK_TOPIC: kafkaTopicName().default('user-events'),
  SINK_GROUP_ID: z.string().min(1).default('clickhouse-sink'),
  SINK_DLQ_TOPIC: kafkaTopicName().default('user-events.dlq'),
  SINK_BATCH_SIZE: envField.positiveInt(100_000).default(1000),
  SINK_FLUSH_INTERVAL_MS: envField.positiveInt(600_000).default(1000),
  SINK_COMMIT_INTERVAL_MS: envField.positiveInt(600_000).default(1000),
  SINK_BACKOFF_INITIAL_MS: envField.positiveInt(60_000).default(200),
  SINK_BACKOFF_MAX_MS: envField.positiveInt(600_000).default(30_000),
  /**
   * How long the group waits for a silent member before giving its partitions to others: after a
   * crash (SIGKILL: no LeaveGroup) a restarted sink stalls about this long. 6 s is the broker's
   * default minimum (group.min.session.timeout.ms). docs/architecture.md, "Restart after a crash".
   */
  SINK_SESSION_TIMEOUT_MS: envField.positiveInt(300_000).default(6000),
  SINK_HEARTBEAT_INTERVAL_MS: envField.positiveInt(100_000).default(1000),
  /**
   * How long the broker may hold a fetch that finds nothing new. A stopping sink waits for the
   * fetch in flight, so this bounds an idle sink's shutdown (kafkajs's default is 5000).
   */
  SINK_FETCH_MAX_WAIT_MS: envField.positiveInt(60_000).default(1000),
  /**
   * How long a schema id the registry answers 404 for is waited for before its messages are
   * dead-lettered: a registry replica or a restore may lag behind the producers.
   */
  SINK_SCHEMA_MISSING_GRACE_MS: envField.positiveInt(86_400_000).default(300_000),
  /** Bearer token POST /query requires; unset, /query is off. A secret: at least 24 characters. */
  SINK_QUERY_TOKEN: z.string().min(24, { message: 'must be at least 24 characters' }).optional(),
  SINK_QUERY_MAX_SECONDS: envField.positiveInt(3600).default(10),
  SINK_QUERY_MAX_ROWS: envField.positiveInt(10_000_000).default(10_000),
  SINK_QUERY_MAX_BYTES: envField.positiveInt(1_000_000_000).default(10_000_000),
  SINK_HTTP_HOST: z.string().default('127.0.0.1'),
  SINK_HTTP_PORT: envField.port().default(9464),
};

export interface SinkConfig extends BaseConfig {
  kafka: KafkaConfig;
  schemaRegistry: SchemaRegistryConfig;
  schemaMissingGraceMs: number;
  clickhouse: ClickHouseConfig;
  table: string;
  deadLetterTopic: string;
  sink: SinkSettings;
  http: { host: string; port: number };
  query: { token?: string; limits: QueryLimits };
}

export function loadSinkConfig(env: NodeJS.ProcessEnv = process.env): SinkConfig {
  const e = parseEnv(envShape, env);
  // Kafka's own rule of thumb: at least three heartbeats per session, or one late one evicts.
  if (e.SINK_HEARTBEAT_INTERVAL_MS * 3 > e.SINK_SESSION_TIMEOUT_MS) {
    throw new ConfigError([
      `SINK_HEARTBEAT_INTERVAL_MS: must be at most a third of SINK_SESSION_TIMEOUT_MS (${e.SINK_SESSION_TIMEOUT_MS} ms)`,
    ]);
  }
  return Object.freeze({
    ...baseConfig(e),
    kafka: kafkaConfig(e, 'clickhouse-sink'),
    schemaRegistry: schemaRegistryConfig(e),
    schemaMissingGraceMs: e.SINK_SCHEMA_MISSING_GRACE_MS,
    clickhouse: clickhouseConfig(e),
    table: e.CLICKHOUSE_TABLE,
    deadLetterTopic: e.SINK_DLQ_TOPIC,
    sink: {
      topic: e.SINK_TOPIC,
      groupId: e.SINK_GROUP_ID,
      batchSize: e.SINK_BATCH_SIZE,
      flushIntervalMs: e.SINK_FLUSH_INTERVAL_MS,
      commitIntervalMs: e.SINK_COMMIT_INTERVAL_MS,
      backoff: { initialMs: e.SINK_BACKOFF_INITIAL_MS, maxMs: e.SINK_BACKOFF_MAX_MS },
      sessionTimeoutMs: e.SINK_SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: e.SINK_HEARTBEAT_INTERVAL_MS,
      fetchMaxWaitMs: e.SINK_FETCH_MAX_WAIT_MS,
    },
    http: { host: e.SINK_HTTP_HOST, port: e.SINK_HTTP_PORT },
    query: {
      ...(e.SINK_QUERY_TOKEN ? { token: e.SINK_QUERY_TOKEN } : {}),
      limits: {
        maxSeconds: e.SINK_QUERY_MAX_SECONDS,
        maxRows: e.SINK_QUERY_MAX_ROWS,
        maxBytes: e.SINK_QUERY_MAX_BYTES,
      },
    },
  });
}

function clickhouseConfig(e: z.infer<z.ZodObject<typeof envShape>>): ClickHouseConfig {
  const { CLICKHOUSE_TLS_CA: ca, CLICKHOUSE_TLS_CERT: cert, CLICKHOUSE_TLS_KEY: key } = e;
  const https = e.CLICKHOUSE_URL?.startsWith('https:') ?? false;
  const problems: string[] = [];
  if (!https && (ca || cert || key)) {
    problems.push(
      'CLICKHOUSE_TLS_CA, CLICKHOUSE_TLS_CERT, CLICKHOUSE_TLS_KEY: only used with an https:// CLICKHOUSE_URL',
    );
  } else if ((cert === undefined) !== (key === undefined) || (cert && !ca)) {
    problems.push('CLICKHOUSE_TLS_CERT, CLICKHOUSE_TLS_KEY: set both, with CLICKHOUSE_TLS_CA, or neither');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (!e.CLICKHOUSE_URL) {
    return { kind: 'embedded', dataDir: e.CLICKHOUSE_DATA_DIR, database: e.CLICKHOUSE_DATABASE };
  }
  return {
    kind: 'server',
    url: e.CLICKHOUSE_URL,
    username: e.CLICKHOUSE_USER,
    password: e.CLICKHOUSE_PASSWORD,
    database: e.CLICKHOUSE_DATABASE,
    ...(ca ? { tls: { ca, ...(cert && key ? { cert, key } : {}) } } : {}),
  };
}
