import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { SchemaRegistryConfig } from './config.js';

/**
 * Client for a Confluent-API schema registry (Confluent Schema Registry, or Apicurio's
 * /apis/ccompat/v7). Encodes and decodes the Confluent wire format and caches schemas by id.
 */
export function createSchemaRegistry(config: SchemaRegistryConfig): SchemaRegistry {
  return new SchemaRegistry({
    host: config.url,
    ...(config.auth ? { auth: config.auth } : {}),
  });
}
