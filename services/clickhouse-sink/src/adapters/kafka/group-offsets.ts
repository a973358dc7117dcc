import type { Admin, Kafka } from 'kafkajs';

/** A partition's committed offset, and the id of the topic it was committed for (its metadata). */
export interface CommittedOffset {
  offset: bigint;
  /** What the sink committed with the offset; undefined for a commit without it (older sinks). */
  topicId?: string;
}

/** What the consumer group has committed on the topic, and where the topic's partitions start. */
export interface GroupOffsets {
  committed(): Promise<Map<number, CommittedOffset>>;
  /** Each partition's earliest offset still held (the low watermark). */
  starts(): Promise<Map<number, bigint>>;
  close(): Promise<void>;
}

export function createGroupOffsets(kafka: Kafka, topic: string, groupId: string): GroupOffsets {
  let admin: Admin | undefined;
  async function connected(): Promise<Admin> {
    if (!admin) {
      const next = kafka.admin();
      await next.connect();
      admin = next;
    }
    return admin;
  }
  return {
    async committed() {
      const [result] = await (await connected()).fetchOffsets({ groupId, topics: [topic] });
      const committed = new Map<number, CommittedOffset>();
      for (const { partition, offset, metadata } of result?.partitions ?? []) {
        if (Number(offset) < 0) continue; // nothing committed
        committed.set(partition, { offset: BigInt(offset), ...(metadata ? { topicId: metadata } : {}) });
      }
      return committed;
    },
    async starts() {
      const offsets = await (await connected()).fetchTopicOffsets(topic);
      return new Map(offsets.map(({ partition, low }) => [partition, BigInt(low)]));
    },
    async close() {
      await admin?.disconnect();
      admin = undefined;
    },
  };
}
