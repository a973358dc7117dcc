import { randomUUID } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { createTopicIdReader } from '@platform/kafka';
import { subjectFor, userEventSchemas, type UserCreated } from '@platform/schemas';

export const brokers = () => process.env.KAFKA_BROKERS!.split(',');
export const kafka = () => new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING });
export const registry = () => new SchemaRegistry({ host: process.env.SCHEMA_REGISTRY_URL! });

export async function createTopic(topic: string, partitions = 3): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await admin.disconnect();
}

export async function deleteTopic(topic: string): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] });
  await admin.disconnect();
}

/** Kafka's id of the topic now bearing this name. */
export async function topicId(topic: string): Promise<string> {
  const ids = createTopicIdReader({ brokers: brokers(), clientId: 'sink-test' });
  try {
    const id = await ids.read(topic);
    if (!id) throw new Error(`no topic ${topic}`);
    return id;
  } finally {
    await ids.close();
  }
}

/** A user_created event as the publisher puts it on the topic. */
export function userCreated(eventTime = Date.now()): UserCreated {
  const id = randomUUID();
  return {
    event_id: randomUUID(),
    event_type: 'user_created',
    event_time: eventTime,
    environment: 'test',
    aggregate_type: 'user',
    aggregate_id: id,
    metadata_version: 1,
    actor: 'sink-test',
    user_id: id,
    email: `${id.slice(0, 8)}@x.io`,
    name: 'Test',
    version: 1,
  };
}

/** Encodes with the registered user_created schema (Confluent framing) and produces, in order. */
export async function produceEvents(
  topic: string,
  events: UserCreated[],
  extra: Message[] = [],
): Promise<void> {
  const client = registry();
  const schema = userEventSchemas.user_created;
  const { id } = await client.register(
    { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
    { subject: subjectFor(topic, schema) },
  );
  const messages: Message[] = [];
  for (const event of events) {
    messages.push({
      key: event.aggregate_id,
      value: await client.encode(id, event),
      headers: { event_id: event.event_id },
    });
  }
  const producer = kafka().producer();
  await producer.connect();
  for (let i = 0; i < messages.length; i += 2000) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + 2000) });
  }
  if (extra.length) await producer.send({ topic, acks: -1, messages: extra });
  await producer.disconnect();
}

/**
 * The committed offset of a group per partition (-1 when nothing is committed). On a new broker
 * the group's coordinator may still be moving (NOT_COORDINATOR), which kafkajs's admin reports
 * instead of retrying: retriable errors are retried here for a few seconds.
 */
export async function committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    for (let attempt = 1; ; attempt += 1) {
      try {
        const [result] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return new Map((result?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/** The first `count` messages of a dead-letter topic: key, value and headers as text. */
export async function readDeadLetters(
  topic: string,
  count: number,
): Promise<{ key: string; headers: Record<string, string>; value: Buffer }[]> {
  const consumer = kafka().consumer({ groupId: `${topic}-reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const dead: { key: string; headers: Record<string, string>; value: Buffer }[] = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        dead.push({
          key: message.key!.toString(),
          value: message.value!,
          headers: Object.fromEntries(Object.entries(message.headers!).map(([k, v]) => [k, String(v)])),
        });
        if (dead.length === count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return dead;
}
