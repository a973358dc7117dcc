import type { Kafka } from 'kafkajs';

/**
 * Creates a topic unless it exists; resolves once its partitions have leaders. Returns whether
 * it created it. replicationFactor -1 means the broker's default.
 */
export async function ensureTopic(
  kafka: Kafka,
  spec: { topic: string; partitions: number; replicationFactor?: number },
): Promise<boolean> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.createTopics({
      topics: [
        {
          topic: spec.topic,
          numPartitions: spec.partitions,
          replicationFactor: spec.replicationFactor ?? -1,
        },
      ],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}
