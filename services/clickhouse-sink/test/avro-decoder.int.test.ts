import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { createSchemaRegistry } from '@platform/kafka';
import { uniqueName } from '@platform/testing';
import { createAvroDecoder } from '../src/adapters/registry/avro-decoder.js';
import { PoisonMessageError } from '../src/domain/errors.js';

// A writer schema that carries the full name of one of the sink's reader schemas but cannot be
// read as it (a foreign producer registering under a subject of its own) is the message's
// fault for good: it goes to the dead letters, instead of being retried for ever.
describe('the Avro decoder against the real registry', () => {
  const registry = createSchemaRegistry({ url: process.env.SCHEMA_REGISTRY_URL! });

  it('refuses as poison a writer schema that cannot be resolved into the reader of its name', async () => {
    // A subject of its own (a foreign producer's): its first version is checked against nothing.
    const subject = uniqueName('incompatible-value');
    const { id } = await registry.register(
      {
        type: SchemaType.AVRO,
        schema: JSON.stringify({
          type: 'record',
          name: 'UserCreated',
          namespace: 'platform.users.v1',
          // event_id as a number, and no other field: no resolution into the real UserCreated.
          fields: [{ name: 'event_id', type: 'int' }],
        }),
      },
      { subject },
    );
    const value = await registry.encode(id, { event_id: 7 });

    const decoder = createAvroDecoder(registry);
    const refusal = await decoder.decode(value).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(PoisonMessageError);
    expect(refusal).toMatchObject({ code: 'INCOMPATIBLE_SCHEMA' });
    expect((refusal as Error).message).toMatch(
      new RegExp(`^schema id ${id} cannot be read as platform\\.users\\.v1\\.UserCreated: `),
    );
  });
});
