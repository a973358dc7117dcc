import { kafkaConfig, kafkaEnvShape, schemaRegistryConfig, schemaRegistryEnvShape } from '@platform/kafka';
import type { KafkaConfig, SchemaRegistryConfig } from '@platform/kafka';
import { baseConfig, baseEnvShape, envField, parseEnv, type BaseConfig } from '@platform/runtime';

const envShape = {
  ...baseEnvShape,
  ...kafkaEnvShape,
  ...schemaRegistryEnvShape,
  DATABASE_URL: envField.url(['postgres:', 'postgresql:']),
  DATABASE_POOL_MAX: envField.positiveInt(100).default(5),
};

export interface PublisherConfig extends BaseConfig {
  database: { url: string; poolMax: number };
  kafka: KafkaConfig;
  schemaRegistry: SchemaRegistryConfig;
}

export function loadPublisherConfig(env: NodeJS.ProcessEnv = process.env): PublisherConfig {
  const e = parseEnv(envShape, env);
  return Object.freeze({
    ...baseConfig(e),
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX },
    kafka: kafkaConfig(e, 'outbox-publisher'),
    schemaRegistry: schemaRegistryConfig(e),
  });
}
