import type { Admin, Kafka } from 'kafkajs';

export interface ConsumerLagReader {
  /** Per partition: high watermark minus the group's committed offset (all of it when none). */
  read(): Promise<Map<number, number>>;
  close(): Promise<void>;
}

export function createConsumerLagReader(kafka: Kafka, topic: string, groupId: string): ConsumerLagReader {
  let admin: Admin | undefined;
  return {
    async read() {
      if (!admin) {
        const next = kafka.admin();
        await next.connect();
        admin = next;
      }
      const [ends, committed] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      const committedByPartition = new Map(
        (committed[0]?.partitions ?? []).map(({ partition, offset }) => [partition, Number(offset)]),
      );
      const lag = new Map<number, number>();
      for (const { partition, high, low } of ends) {
        const position = committedByPartition.get(partition) ?? -1;
        // -1: nothing committed yet; the group starts from the beginning (the low watermark).
        lag.set(partition, Number(high) - (position >= 0 ? position : Number(low)));
      }
      return lag;
    },
    async close() {
      await admin?.disconnect();
      admin = undefined;
    },
  };
}
