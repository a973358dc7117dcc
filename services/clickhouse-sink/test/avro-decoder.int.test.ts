import { SchemaType, type SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { createSchemaRegistry } from '@platform/kafka';
import { userEventSchemas } from '@platform/schemas';
import { uniqueName } from '@platform/testing';
import { createAvroDecoder, SchemaNotFoundYetError } from '../src/adapters/registry/avro-decoder.js';
import { PoisonMessageError } from '../src/domain/errors.js';
import { userCreated } from './support/event-producer.js';

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

  it('takes a 404 for lag within the grace period (retried), for poison after it', async () => {
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(userEventSchemas.user_created) },
      { subject: uniqueName('lagging') },
    );
    const value = await registry.encode(id, userCreated());
    // A replica behind: its first answer is the registry's real 404 (for an id nobody has).
    let lagging = true;
    const replica = {
      getSchema: (wanted: number) => {
        const asked = lagging ? 2_000_000_000 : wanted;
        lagging = false;
        return registry.getSchema(asked);
      },
    } as unknown as SchemaRegistry;
    let clock = 0;
    const decoder = createAvroDecoder(replica, { missingGraceMs: 60_000, now: () => clock });
    await expect(decoder.decode(value)).rejects.toBeInstanceOf(SchemaNotFoundYetError);
    clock = 1000; // the retry, a second later: the replica has caught up
    await expect(decoder.decode(value)).resolves.toMatchObject({ event_type: 'user_created' });

    // An id that never appears: retried within the grace, poison after it.
    const neverValue = Buffer.concat([Buffer.from([0, 0x77, 0x35, 0x94, 0x00]), value.subarray(5)]);
    await expect(decoder.decode(neverValue)).rejects.toBeInstanceOf(SchemaNotFoundYetError);
    clock += 59_999;
    await expect(decoder.decode(neverValue)).rejects.toBeInstanceOf(SchemaNotFoundYetError);
    clock += 1;
    const refusal = await decoder.decode(neverValue).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(PoisonMessageError);
    expect(refusal).toMatchObject({ code: 'UNKNOWN_SCHEMA_ID' });
  });
});
