import { z } from 'zod';
import { envField } from '@platform/runtime';

/** A Kafka topic name: letters, digits, '.', '_' and '-', at most 249 characters. */
export const kafkaTopicName = () =>
  z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, { message: 'expected a Kafka topic name' });

export const kafkaEnvShape = {
  KAFKA_BROKERS: envField.hostPortList(),
  /** Defaults to the service name; shows up in broker logs and quotas. */
  KAFKA_CLIENT_ID: z.string().optional(),
};

export const schemaRegistryEnvShape = {
  /** Confluent-API base URL, e.g. http://registry:8081 or Apicurio's .../apis/ccompat/v7 */
  SCHEMA_REGISTRY_URL: envField.url(['http:', 'https:']),
  SCHEMA_REGISTRY_USERNAME: z.string().optional(),
  SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
};

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
}

export interface SchemaRegistryConfig {
  url: string;
  auth?: { username: string; password: string };
}

export function kafkaConfig(
  env: z.infer<z.ZodObject<typeof kafkaEnvShape>>,
  defaultClientId: string,
): KafkaConfig {
  return { brokers: env.KAFKA_BROKERS, clientId: env.KAFKA_CLIENT_ID ?? defaultClientId };
}

export function schemaRegistryConfig(
  env: z.infer<z.ZodObject<typeof schemaRegistryEnvShape>>,
): SchemaRegistryConfig {
  const { SCHEMA_REGISTRY_USERNAME: username, SCHEMA_REGISTRY_PASSWORD: password } = env;
  return {
    url: env.SCHEMA_REGISTRY_URL,
    ...(username && password ? { auth: { username, password } } : {}),
  };
}
