/**
 * Messages of one partition waiting to be inserted, and when they must go: at `batchSize`
 * messages or when the oldest has waited `flushIntervalMs`, whichever comes first. A batch is
 * taken from the front and removed only once stored, so a failed insert is retried with the
 * very same messages (and the same deduplication token).
 */
export class PartitionBatch<Item> {
  private items: { offset: bigint; item: Item }[] = [];
  private oldestAt = 0;

  constructor(
    /** Kafka's id of the topic the messages came from (see `dedupToken`). */
    readonly topicId: string,
    readonly partition: number,
    private readonly batchSize: number,
    private readonly flushIntervalMs: number,
  ) {}

  add(offset: string, item: Item, now: number): void {
    if (this.items.length === 0) this.oldestAt = now;
    this.items.push({ offset: BigInt(offset), item });
  }

  get size(): number {
    return this.items.length;
  }

  isDue(now: number): boolean {
    return (
      this.items.length >= this.batchSize ||
      (this.items.length > 0 && now - this.oldestAt >= this.flushIntervalMs)
    );
  }

  /**
   * The next batch to insert (up to `limit` from the front), without removing it. With `partOf`
   * (an item's ClickHouse partition, null for an item without a row) it ends before the first
   * item of another partition than the rows before it.
   */
  peek(
    limit = this.batchSize,
    partOf: (item: Item) => string | null = () => null,
  ): { items: Item[]; firstOffset: bigint; lastOffset: bigint } | undefined {
    const front: { offset: bigint; item: Item }[] = [];
    let part: string | null = null;
    for (const entry of this.items) {
      if (front.length >= limit) break;
      const next = partOf(entry.item);
      if (next !== null && part !== null && next !== part) break;
      part ??= next;
      front.push(entry);
    }
    const [first, last] = [front[0], front.at(-1)];
    if (!first || !last) return undefined;
    return { items: front.map((f) => f.item), firstOffset: first.offset, lastOffset: last.offset };
  }

  /** Removes the batch `peek` returned, now that it is stored. */
  removeFront(count: number, now: number): void {
    this.items.splice(0, count);
    this.oldestAt = now;
  }

  clear(): void {
    this.items = [];
  }
}

/**
 * The insert_deduplication_token of a batch: the same partition and offset range of the same
 * topic always gives the same token, so ClickHouse drops a batch it has already stored (a retry
 * after an insert whose answer was lost). The topic id is part of it: a topic re-created under
 * the same name starts at offset 0 again, and its first batch must not look like the old one's.
 */
export function dedupToken(
  source: { topic: string; topicId: string },
  partition: number,
  firstOffset: bigint,
  lastOffset: bigint,
): string {
  return `${source.topic}-${source.topicId}-${partition}-${firstOffset}-${lastOffset}`;
}
