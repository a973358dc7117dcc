import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { uniqueName } from '@platform/testing';

export interface ReadMessage {
  partition: number;
  offset: string;
  key: string;
  headers: Record<string, string>;
  raw: Buffer;
  /** Decoded with nothing but the registry: the writer schema comes from the id in the frame. */
  value: Record<string, unknown>;
}

/**
 * Reads a whole topic from the beginning, the way another team's consumer would: a plain kafkajs
 * consumer and a registry client, none of the publisher's code or schemas.
 */
export async function readTopic(
  topic: string,
  expected: number,
  options: { brokers?: string[]; timeoutMs?: number } = {},
): Promise<ReadMessage[]> {
  const { brokers = process.env.KAFKA_BROKERS!.split(','), timeoutMs = 60_000 } = options;
  const kafka = new Kafka({ brokers, logLevel: logLevel.NOTHING });
  const registry = new SchemaRegistry({ host: process.env.SCHEMA_REGISTRY_URL! });
  const consumer = kafka.consumer({ groupId: uniqueName('reader') });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${messages.length} of ${expected} messages from ${topic}`)),
        timeoutMs,
      );
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          messages.push({
            partition,
            offset: message.offset,
            key: message.key!.toString(),
            headers: Object.fromEntries(
              Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
            ),
            raw: message.value!,
            value: (await registry.decode(message.value!)) as Record<string, unknown>,
          });
          if (messages.length >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Event ids per key in topic order, keeping the first occurrence of each (at-least-once). */
export function firstOccurrencesByKey(messages: ReadMessage[]): Map<string, string[]> {
  const sorted = [...messages].sort(
    (a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset),
  );
  const byKey = new Map<string, string[]>();
  for (const message of sorted) {
    const ids = byKey.get(message.key) ?? [];
    if (!ids.includes(message.headers.event_id!)) ids.push(message.headers.event_id!);
    byKey.set(message.key, ids);
  }
  return byKey;
}

/** How many messages a topic holds (the sum of its partitions' high watermarks). */
export async function topicSize(
  topic: string,
  brokers = process.env.KAFKA_BROKERS!.split(','),
): Promise<number> {
  const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}
