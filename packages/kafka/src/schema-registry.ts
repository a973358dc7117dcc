import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
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

const byName = (error: unknown, name: string) => error instanceof Error && error.name === name;

/**
 * The id of an Avro schema under a subject, registering it if needed, robust to a registration
 * that was interrupted. @kafkajs/confluent-schema-registry registers, then sets the subject's
 * compatibility; a process killed in between leaves a subject without its own setting, which
 * Apicurio reports as NONE, and the client then refuses every later register() for it. So: look
 * the schema up first (the common case after a restart), and if registering still trips over a
 * missing subject setting, set it to BACKWARD and register again.
 */
export async function registerAvroSchema(
  registry: SchemaRegistry,
  config: SchemaRegistryConfig,
  subject: string,
  schema: object,
): Promise<number> {
  const confluentSchema = { type: SchemaType.AVRO, schema: JSON.stringify(schema) } as const;
  try {
    return await registry.getRegistryIdBySchema(subject, confluentSchema);
  } catch (error) {
    if (!byName(error, 'ConfluentSchemaRegistryError')) throw error; // not "not found"
  }
  try {
    return (await registry.register(confluentSchema, { subject })).id;
  } catch (error) {
    // Another process registering the same subject at the same moment set its compatibility
    // first (Apicurio: "A rule named 'COMPATIBILITY' already exists"): it is set now, go again.
    if (error instanceof Error && /already exists/.test(error.message)) {
      return (await registry.register(confluentSchema, { subject })).id;
    }
    if (!byName(error, 'ConfluentSchemaRegistryCompatibilityError')) throw error;
    const response = await fetch(`${config.url}/config/${encodeURIComponent(subject)}`, {
      method: 'PUT',
      headers: {
        'content-type': 'application/vnd.schemaregistry.v1+json',
        ...(config.auth
          ? {
              authorization: `Basic ${Buffer.from(`${config.auth.username}:${config.auth.password}`).toString('base64')}`,
            }
          : {}),
      },
      body: JSON.stringify({ compatibility: 'BACKWARD' }),
    });
    if (!response.ok) {
      throw new Error(`could not set BACKWARD on subject ${subject}: HTTP ${response.status}`, {
        cause: error,
      });
    }
    return (await registry.register(confluentSchema, { subject })).id;
  }
}
