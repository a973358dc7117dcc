import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { createSchemaRegistry, registerAvroSchema } from '../src/index.js';
import { uniqueName } from '@platform/testing';
import { registry } from './env.js';

const userV1 = {
  type: 'record' as const,
  name: 'UserCreated',
  namespace: 'platform.smoke',
  fields: [
    { name: 'event_id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'email', type: 'string' },
  ],
};
// Adding a field with a default is a BACKWARD-compatible change.
const userV2 = { ...userV1, fields: [...userV1.fields, { name: 'name', type: 'string', default: '' }] };
// Adding a field without a default is not: v2 readers could not read v1 data.
const userBreaking = { ...userV1, fields: [...userV1.fields, { name: 'age', type: 'int' }] };

const avro = (schema: object) => ({ type: SchemaType.AVRO as const, schema: JSON.stringify(schema) });

describe('schema registry through createSchemaRegistry (real registry)', () => {
  const client = createSchemaRegistry(registry);

  it('registers an Avro schema and round-trips a record in the Confluent wire format', async () => {
    const subject = uniqueName('smoke-value');
    const { id } = await client.register(avro(userV1), { subject });
    expect(await client.getLatestSchemaId(subject)).toBe(id);

    const record = { event_id: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', email: 'a@example.com' };
    const encoded = await client.encode(id, record);
    // Magic byte 0, then the schema id as a 4-byte big-endian integer, then the Avro body.
    expect(encoded[0]).toBe(0);
    expect(encoded.readInt32BE(1)).toBe(id);
    expect(await client.decode(encoded)).toEqual(record);

    const fetched = await client.getSchema(id);
    expect(JSON.parse(JSON.stringify(fetched))).toMatchObject({ name: 'platform.smoke.UserCreated' });
  });

  it('enforces BACKWARD compatibility: accepts an added defaulted field, rejects a required one', async () => {
    const subject = uniqueName('smoke-value');
    const v1 = await client.register(avro(userV1), { subject });
    const v2 = await client.register(avro(userV2), { subject });
    expect(v2.id).not.toBe(v1.id);
    await expect(client.register(avro(userBreaking), { subject })).rejects.toThrow(/incompatible|409/i);

    // A v2 reader reads v1 data, filling the default.
    const encodedV1 = await client.encode(v1.id, {
      event_id: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
      email: 'b@x.io',
    });
    const decoded = await client.decode(encodedV1, { [SchemaType.AVRO]: { readerSchema: userV2 } });
    expect(decoded).toEqual({ event_id: '1b4e28ba-2fa1-11d2-883f-0016d3cca427', email: 'b@x.io', name: '' });
  });

  it('registers robustly after a registration that was interrupted before it set the subject compatibility', async () => {
    // Given a subject created by a bare POST (what a process killed inside register() leaves)
    const subject = uniqueName('interrupted-value');
    const created = await fetch(`${registry.url}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(userV1) }),
    });
    expect(created.ok).toBe(true);
    const { id: v1 } = (await created.json()) as { id: number };

    // Then the same schema is found, and a new version registers (and the subject gets BACKWARD)
    expect(await registerAvroSchema(client, registry, subject, userV1)).toBe(v1);
    const v2 = await registerAvroSchema(client, registry, subject, userV2);
    expect(v2).not.toBe(v1);
    const config = await fetch(`${registry.url}/config/${subject}`);
    expect(((await config.json()) as { compatibilityLevel: string }).compatibilityLevel).toBe('BACKWARD');
  });

  it('registers one id when several processes register a new subject at the same moment', async () => {
    // Each its own client, as separate publisher processes (or lane groups) are.
    const subject = uniqueName('concurrent-value');
    const ids = await Promise.all(
      Array.from({ length: 6 }, () =>
        registerAvroSchema(createSchemaRegistry(registry), registry, subject, userV1),
      ),
    );
    expect(new Set(ids).size).toBe(1);
    expect(await registerAvroSchema(client, registry, subject, userV1)).toBe(ids[0]);
  });
});
