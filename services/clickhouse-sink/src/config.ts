import { z } from 'zod';
import { kafkaConfig, kafkaEnvShape, schemaRegistryConfig, schemaRegistryEnvShape } from '@platform/kafka';
import { baseConfig, baseEnvShape, envField, parseEnv, type BaseConfig } from '@platform/runtime';
import type { KafkaConfig, SchemaRegistryConfig } from '@platform/kafka';
import type { ClickHouseConfig } from './adapters/clickhouse/client.js';

const envShape = {
  ...baseEnvShape,
  ...kafkaEnvShape,
  ...schemaRegistryEnvShape,
  /** A ClickHouse server over HTTP(S); when unset the embedded engine (chdb) is used. */
  CLICKHOUSE_URL: envField.url(['http:', 'https:']).optional(),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected a plain identifier' })
    .default('analytics'),
  /** Data directory of the embedded engine; one process may hold it at a time. */
  CLICKHOUSE_DATA_DIR: z.string().default('clickhouse-data'),
};

export interface SinkConfig extends BaseConfig {
  kafka: KafkaConfig;
  schemaRegistry: SchemaRegistryConfig;
  clickhouse: ClickHouseConfig;
}

export function loadSinkConfig(env: NodeJS.ProcessEnv = process.env): SinkConfig {
  const e = parseEnv(envShape, env);
  return Object.freeze({
    ...baseConfig(e),
    kafka: kafkaConfig(e, 'clickhouse-sink'),
    schemaRegistry: schemaRegistryConfig(e),
    clickhouse: e.CLICKHOUSE_URL
      ? {
          kind: 'server' as const,
          url: e.CLICKHOUSE_URL,
          username: e.CLICKHOUSE_USER,
          password: e.CLICKHOUSE_PASSWORD,
          database: e.CLICKHOUSE_DATABASE,
        }
      : { kind: 'embedded' as const, dataDir: e.CLICKHOUSE_DATA_DIR, database: e.CLICKHOUSE_DATABASE },
  });
}
