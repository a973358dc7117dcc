import type { Consumer, EachMessagePayload } from 'kafkajs';
import { createKafka, createTopicIdReader } from '../src/index.js';
import { memoryLogger, uniqueName } from '@platform/testing';
import { kafka } from './env.js';

describe('Kafka through createKafka (real broker)', () => {
  const { logger } = memoryLogger();
  const client = createKafka(kafka, logger);
  const admin = client.admin();
  const producer = client.producer({ idempotent: true });
  let consumer: Consumer | undefined;

  beforeAll(async () => {
    await Promise.all([admin.connect(), producer.connect()]);
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await Promise.all([admin.disconnect(), producer.disconnect()]);
  });

  it('produces to a new topic and consumes every message back in order per key', async () => {
    const topic = uniqueName('smoke');
    await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
    const sent = Array.from({ length: 30 }, (_, i) => ({
      key: `user-${i % 3}`,
      value: `event-${i}`,
      headers: { event_id: `id-${i}` },
    }));
    // acks -1: every in-sync replica has the messages before send() resolves.
    await producer.send({ topic, acks: -1, messages: sent });

    consumer = client.consumer({ groupId: uniqueName('smoke-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: { key: string; value: string; eventId: string }[] = [];
    await new Promise<void>((resolve) => {
      void consumer!.run({
        eachMessage: async ({ message }: EachMessagePayload) => {
          received.push({
            key: message.key!.toString(),
            value: message.value!.toString(),
            eventId: message.headers!.event_id!.toString(),
          });
          if (received.length === sent.length) resolve();
        },
      });
    });

    expect(received).toHaveLength(sent.length);
    for (const key of ['user-0', 'user-1', 'user-2']) {
      expect(received.filter((m) => m.key === key).map((m) => m.value)).toEqual(
        sent.filter((m) => m.key === key).map((m) => m.value),
      );
    }
    expect(new Set(received.map((m) => m.eventId)).size).toBe(sent.length);
  });

  it("reads a topic's id, a new one when the topic is re-created, and none while it is absent", async () => {
    const ids = createTopicIdReader(kafka);
    try {
      const topic = uniqueName('identity');
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      const first = await ids.read(topic);
      expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(await ids.read(topic)).toBe(first);

      await admin.deleteTopics({ topics: [topic] });
      await expect(waitForAbsent(() => ids.read(topic))).resolves.toBeUndefined();
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      const second = await ids.read(topic);
      expect(second).toMatch(/^[0-9a-f-]{36}$/);
      expect(second).not.toBe(first);
    } finally {
      await ids.close();
    }
  });
});

/** Deleting a topic is asynchronous on the broker: its metadata may name it for a moment. */
async function waitForAbsent(read: () => Promise<string | undefined>): Promise<string | undefined> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const id = await read();
    if (id === undefined) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return read();
}
