/**
 * Where each assigned partition stands: the highest offset stored in ClickHouse (or sent to the
 * dead-letter topic), and the next offset committed to Kafka. An offset is committed only once
 * it is stored, and a message at or below the stored offset (redelivered after a crash or a
 * rebalance) is not stored again. Everything is forgotten when the group assigns partitions
 * anew: kafkajs then resumes from the committed offsets, and what is stored is read back.
 */
export class PartitionPositions {
  private assigned = new Set<number>();
  private readonly stored = new Map<number, bigint>();
  private readonly committed = new Map<number, bigint>();

  /** A new assignment: nothing is known about it until `restore`. */
  reassign(partitions: readonly number[]): void {
    this.assigned = new Set(partitions);
    this.stored.clear();
    this.committed.clear();
  }

  get partitions(): number[] {
    return [...this.assigned];
  }

  /** What ClickHouse already holds (read back after an assignment), for assigned partitions. */
  restore(storedOffsets: ReadonlyMap<number, bigint>): void {
    for (const [partition, offset] of storedOffsets) {
      if (this.assigned.has(partition) && offset > (this.stored.get(partition) ?? -1n))
        this.stored.set(partition, offset);
    }
  }

  isStored(partition: number, offset: bigint): boolean {
    return offset <= (this.stored.get(partition) ?? -1n);
  }

  markStored(partition: number, lastOffset: bigint): void {
    this.stored.set(partition, lastOffset);
  }

  /** The commits due: the offset after the last stored one, where it moved past the last commit. */
  toCommit(topic: string): { topic: string; partition: number; offset: string }[] {
    return [...this.stored]
      .filter(
        ([partition, offset]) =>
          this.assigned.has(partition) && offset + 1n > (this.committed.get(partition) ?? -1n),
      )
      .map(([partition, offset]) => ({ topic, partition, offset: String(offset + 1n) }));
  }

  markCommitted(offsets: readonly { partition: number; offset: string }[]): void {
    for (const { partition, offset } of offsets) this.committed.set(partition, BigInt(offset));
  }
}
