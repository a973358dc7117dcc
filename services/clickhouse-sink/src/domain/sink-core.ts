import { PartitionBatch } from './partition-batch.js';
import { PartitionPositions } from './partition-positions.js';

/** One insert the shell is to run: a front run of one partition's batch, of one generation. */
export interface InsertJob<Item> {
  /** The assignment it was taken under: once the group moved on, its outcome is dropped. */
  generation: number;
  topicId: string;
  partition: number;
  items: Item[];
  firstOffset: bigint;
  lastOffset: bigint;
}

/** What to do after an insert failed (see `insertFailed`). */
export type InsertFailureStep =
  /** Try the same job again after a backoff (ClickHouse unreachable, overloaded, ...). */
  | 'retry'
  /** ClickHouse keeps refusing this data: take the front again, half as long. */
  | 'split'
  /** One message ClickHouse keeps refusing: dead-letter it, then `inserted(job)`. */
  | 'dead-letter'
  /** The job is no longer ours (the group moved on): drop it. */
  | 'stale';

export interface SinkCoreSettings {
  batchSize: number;
  flushIntervalMs: number;
  /** Refusals of the same data (a ClickHouse error about the data, not about reaching it) before splitting. */
  rejectionsBeforeSplit: number;
}

/**
 * The sink's decisions, without I/O: which messages to store, which batch to insert next, what a
 * failed insert means, and which offsets may be committed. The shell (sink.ts) feeds it what
 * Kafka and ClickHouse say and does what it answers; the model-based test drives it the same way
 * through crashes, evictions, rebalances, late answers and partial inserts.
 *
 * Rules it keeps:
 * - Generations: every assignment starts a new one; anything of an older one (a load of stored
 *   positions, a message, an insert finishing late) changes nothing, so a partition that moved
 *   away is neither stored further nor committed by this member.
 * - One ClickHouse partition per insert: a batch is cut where the row's partition key (the month)
 *   changes. ClickHouse writes one part per partition and not atomically across them; a batch
 *   spanning two months could be stored in part, and the highest stored offset read back after
 *   a crash would then pass over the part that was not.
 * - An offset is committed only once every message below it is stored or dead-lettered.
 */
export class SinkCore<Item> {
  private generationNumber = 0;
  private topicId: string | undefined;
  private readonly batches = new Map<number, PartitionBatch<Item>>();
  private readonly positions = new PartitionPositions();
  /** Partitions with an insert out, and the job. */
  private readonly inFlight = new Map<number, InsertJob<Item>>();
  /**
   * Per partition: how many items a job may hold (halved by a split) until the refused job's
   * last offset is stored; refusals so far.
   */
  private readonly limits = new Map<number, { items: number; until: bigint }>();
  private readonly rejections = new Map<number, number>();

  constructor(
    private readonly settings: SinkCoreSettings,
    /** The ClickHouse partition an item's row goes to; null for an item without a row. */
    private readonly partitionKey: (item: Item) => string | null,
  ) {}

  get generation(): number {
    return this.generationNumber;
  }

  isCurrent(generation: number): boolean {
    return generation === this.generationNumber;
  }

  get assigned(): number[] {
    return this.positions.partitions;
  }

  /** The group assigned these partitions: forget everything buffered; returns the new generation. */
  assign(partitions: readonly number[]): number {
    this.generationNumber += 1;
    this.batches.clear();
    this.inFlight.clear();
    this.limits.clear();
    this.rejections.clear();
    this.positions.reassign(partitions);
    this.topicId = undefined;
    return this.generationNumber;
  }

  /** What ClickHouse holds of the topic (by id), read after `assign`; false when too late. */
  restore(generation: number, topicId: string, storedOffsets: ReadonlyMap<number, bigint>): boolean {
    if (!this.isCurrent(generation)) return false;
    this.positions.restore(storedOffsets);
    this.topicId = topicId;
    return true;
  }

  /** The topic id the current assignment reads, once its positions are restored. */
  get currentTopicId(): string | undefined {
    return this.topicId;
  }

  /** Whether a fetched message is to be decoded and stored (not already stored, still ours). */
  wants(generation: number, partition: number, offset: bigint): boolean {
    return (
      this.isCurrent(generation) &&
      this.topicId !== undefined &&
      this.positions.partitions.includes(partition) &&
      !this.positions.isStored(partition, offset)
    );
  }

  /** A message decoded (or dead-lettered: an item without a row), in offset order. */
  add(generation: number, partition: number, offset: bigint, item: Item, now: number): void {
    const topicId = this.topicId;
    if (topicId === undefined || !this.wants(generation, partition, offset)) return;
    let batch = this.batches.get(partition);
    if (!batch) {
      batch = new PartitionBatch<Item>(
        topicId,
        partition,
        this.settings.batchSize,
        this.settings.flushIntervalMs,
      );
      this.batches.set(partition, batch);
    }
    batch.add(String(offset), item, now);
  }

  /** Partitions whose batch is due (full, or its oldest message waited flushIntervalMs). */
  due(now: number): number[] {
    return [...this.batches]
      .filter(([partition, batch]) => !this.inFlight.has(partition) && batch.isDue(now))
      .map(([partition]) => partition);
  }

  buffered(partition: number): number {
    return this.batches.get(partition)?.size ?? 0;
  }

  /**
   * The next insert of a partition: its batch's front, up to the batch size (or the limit a split
   * set), cut where the ClickHouse partition changes. None while one is out, or when nothing is
   * due (`force`: anything buffered is due).
   */
  takeInsert(partition: number, now: number, force = false): InsertJob<Item> | undefined {
    const batch = this.batches.get(partition);
    if (!batch || this.inFlight.has(partition)) return undefined;
    if (!(force ? batch.size > 0 : batch.isDue(now))) return undefined;
    const limit = this.limits.get(partition)?.items ?? this.settings.batchSize;
    const front = batch.peek(limit, this.partitionKey);
    if (!front) return undefined;
    const job = { generation: this.generationNumber, topicId: batch.topicId, partition, ...front };
    this.inFlight.set(partition, job);
    return job;
  }

  /** The job is stored (or its messages dead-lettered): the front goes, its offsets may be committed. */
  inserted(job: InsertJob<Item>, now: number): boolean {
    if (!this.owns(job)) return false;
    this.inFlight.delete(job.partition);
    this.batches.get(job.partition)?.removeFront(job.items.length, now);
    this.positions.markStored(job.partition, job.lastOffset);
    this.rejections.delete(job.partition);
    // A split holds until the whole refused range is stored: its other half may hold the refusal.
    const limit = this.limits.get(job.partition);
    if (limit && job.lastOffset >= limit.until) this.limits.delete(job.partition);
    return true;
  }

  /**
   * An attempt failed. `rejected`: ClickHouse answered that it refuses the data (a data error),
   * as opposed to not being reachable or overloaded. Refused `rejectionsBeforeSplit` times, a
   * job is split in half; a single message still refused is to be dead-lettered.
   */
  insertFailed(job: InsertJob<Item>, rejected: boolean): InsertFailureStep {
    if (!this.owns(job)) return 'stale';
    if (!rejected) return 'retry';
    const count = (this.rejections.get(job.partition) ?? 0) + 1;
    this.rejections.set(job.partition, count);
    if (count < this.settings.rejectionsBeforeSplit) return 'retry';
    this.rejections.delete(job.partition);
    if (job.items.length === 1) return 'dead-letter';
    this.inFlight.delete(job.partition);
    const until = this.limits.get(job.partition)?.until ?? job.lastOffset;
    this.limits.set(job.partition, { items: Math.ceil(job.items.length / 2), until });
    return 'split';
  }

  /** The shell gave up on a job (stopping, or it failed for good): it stays buffered. */
  release(job: InsertJob<Item>): void {
    if (this.owns(job)) this.inFlight.delete(job.partition);
  }

  private owns(job: InsertJob<Item>): boolean {
    return this.isCurrent(job.generation) && this.inFlight.get(job.partition) === job;
  }

  /** Offsets that may be committed now (the next offset after the last stored one). */
  commitsDue(topic: string): { topic: string; partition: number; offset: string }[] {
    return this.positions.toCommit(topic);
  }

  committed(generation: number, offsets: readonly { partition: number; offset: string }[]): void {
    if (this.isCurrent(generation)) this.positions.markCommitted(offsets);
  }

  /** Partitions with something buffered (what a final flush has to store). */
  get partitionsBuffered(): number[] {
    return [...this.batches].filter(([, batch]) => batch.size > 0).map(([partition]) => partition);
  }
}
