import type { Admin, Kafka } from 'kafkajs';

/** A partition's committed offset, and the id of the topic it was committed for (its metadata). */
export interface CommittedOffset {
  offset: bigint;
  /** What the sink committed with the offset; undefined for a commit without it (older sinks). */
  topicId?: string;
}

/** What the consumer group has committed on the topic, and where the topic's partitions stand. */
export interface GroupOffsets {
  committed(): Promise<Map<number, CommittedOffset>>;
  /** Each partition's earliest offset still held (the low watermark). */
  starts(): Promise<Map<number, bigint>>;
  /** Per partition: high watermark minus the group's committed offset (all of it when none). */
  lag(): Promise<Map<number, number>>;
  close(): Promise<void>;
}

/** One admin connection (opened on first use) for the sink's reads of group and topic offsets. */
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
  async function committed(): Promise<Map<number, CommittedOffset>> {
    const [result] = await (await connected()).fetchOffsets({ groupId, topics: [topic] });
    const offsets = new Map<number, CommittedOffset>();
    for (const { partition, offset, metadata } of result?.partitions ?? []) {
      if (Number(offset) < 0) continue; // nothing committed
      offsets.set(partition, { offset: BigInt(offset), ...(metadata ? { topicId: metadata } : {}) });
    }
    return offsets;
  }
  const watermarks = async () => (await connected()).fetchTopicOffsets(topic);
  return {
    committed,
    async starts() {
      return new Map((await watermarks()).map(({ partition, low }) => [partition, BigInt(low)]));
    },
    async lag() {
      const [ends, positions] = await Promise.all([watermarks(), committed()]);
      const lag = new Map<number, number>();
      for (const { partition, high, low } of ends) {
        // Nothing committed yet: the group starts from the beginning (the low watermark).
        const position = positions.get(partition)?.offset ?? BigInt(low);
        lag.set(partition, Number(high) - Number(position));
      }
      return lag;
    },
    async close() {
      await admin?.disconnect();
      admin = undefined;
    },
  };
}
