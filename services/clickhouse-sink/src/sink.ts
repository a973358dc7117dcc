import { SpanStatusCode } from '@opentelemetry/api';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '@platform/observability';
import { backoffDelay, describeError, type BackoffPolicy } from '@platform/runtime';
import type { DeadLetterQueue } from './adapters/kafka/dead-letters.js';
import type { EventStore } from './adapters/clickhouse/event-store.js';
import type { EventDecoder } from './adapters/registry/avro-decoder.js';
import { PoisonMessageError } from './domain/errors.js';
import { toEventRow, type EventRow } from './domain/event-row.js';
import { dedupToken, PartitionBatch } from './domain/partition-batch.js';
import type { SinkMetrics } from './metrics.js';
import {
  endStored,
  recordFailedAttempt,
  startInsertSpan,
  startMessageSpan,
  traceDeadLetter,
  withSpan,
  type MessageTrace,
} from './sink-tracing.js';

export interface SinkSettings {
  topic: string;
  groupId: string;
  batchSize: number;
  flushIntervalMs: number;
  /** Stored offsets are committed this often (and at shutdown): never before the insert. */
  commitIntervalMs: number;
  backoff: BackoffPolicy;
  /** Consumer group session: a crashed member's partitions move after this long. */
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
}

export interface SinkDeps {
  kafka: Kafka;
  store: EventStore;
  decoder: EventDecoder;
  deadLetters: DeadLetterQueue;
  logger: Logger;
  metrics: SinkMetrics;
  settings: SinkSettings;
}

// Group errors telling a member to rejoin (kafkajs's error type names).
const REBALANCE_SIGNALS = new Set(['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION']);
const isRebalanceSignal = (error: unknown) =>
  typeof error === 'object' &&
  error !== null &&
  REBALANCE_SIGNALS.has(String((error as { type?: unknown }).type));

// A message sent to the dead-letter topic keeps its place in the batch with a null row: the
// batch's offset range stays contiguous, so its commit covers it only once the rows before it
// are stored. `trace` is the message's open span, ended when its row is stored.
interface Slot {
  row: EventRow | null;
  trace?: MessageTrace;
}

/**
 * Kafka -> ClickHouse. Per partition: decode, map, gather up to batchSize messages or
 * flushIntervalMs, insert with a deduplication token of the partition and offset range, and
 * only then let the offset be committed. On (re)assignment the highest offset already stored
 * is read back from ClickHouse, and redelivered messages up to it are skipped: a crash between
 * insert and commit stores nothing twice.
 */
export function createSink({ kafka, store, decoder, deadLetters, logger, metrics, settings }: SinkDeps) {
  const consumer: Consumer = kafka.consumer({
    groupId: settings.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: settings.heartbeatIntervalMs,
  });
  // kafkajs heartbeats only between batches and when asked to; a wait of ours (an insert retried
  // while ClickHouse is down, a timed flush holding a partition) must ask, or a short session
  // would evict this member while it is healthy. Taken from the first batch: it is the group's.
  let heartbeat: () => Promise<void> = async () => undefined;
  const batches = new Map<number, PartitionBatch<Slot>>();
  const stored = new Map<number, bigint>(); // highest offset stored (or dead-lettered) per partition
  const committed = new Map<number, bigint>(); // next offset committed per partition
  const locks = new Map<number, Promise<unknown>>();
  let assigned = new Set<number>();
  let storedLoaded = false;
  let flushTimer: NodeJS.Timeout | undefined;
  let commitTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let closing = false; // set first on stop: ends the wait for the topic
  let running: Promise<void> = Promise.resolve();

  /** Work on one partition runs one piece at a time (kafkajs batches, timer flushes). */
  function withPartition<T>(partition: number, work: () => Promise<T>): Promise<T> {
    const previous = locks.get(partition) ?? Promise.resolve();
    const next = previous.then(work, work);
    locks.set(
      partition,
      next.catch(() => undefined),
    );
    return next;
  }

  function batchOf(partition: number): PartitionBatch<Slot> {
    let batch = batches.get(partition);
    if (!batch) {
      batch = new PartitionBatch<Slot>(
        settings.topic,
        partition,
        settings.batchSize,
        settings.flushIntervalMs,
      );
      batches.set(partition, batch);
    }
    return batch;
  }

  async function loadStoredOffsets(): Promise<void> {
    if (storedLoaded) return;
    const offsets = await store.storedOffsets(settings.topic);
    for (const [partition, offset] of offsets) {
      if (assigned.has(partition) && offset > (stored.get(partition) ?? -1n)) stored.set(partition, offset);
    }
    storedLoaded = true;
  }

  /** Retries `work` with backoff until it succeeds, the partition is taken away, or we stop. */
  async function retrying<T>(
    what: string,
    partition: number,
    work: () => Promise<T>,
    alive: () => boolean,
  ): Promise<T> {
    const target = [{ topic: settings.topic, partitions: [partition] }];
    for (let attempt = 1; ; attempt += 1) {
      try {
        const result = await work();
        if (attempt > 1) consumer.resume(target);
        return result;
      } catch (error) {
        if (error instanceof PoisonMessageError) throw error;
        if (!alive()) throw error;
        const delayMs = backoffDelay(attempt, settings.backoff);
        logger.warn(`${what} failed; partition paused, retrying`, {
          partition,
          attempt,
          delay_ms: delayMs,
          error: describeError(error),
        });
        // Backpressure: fetch nothing more for this partition until it is stored again.
        if (attempt === 1) consumer.pause(target);
        await waitHeartbeating(delayMs);
      }
    }
  }

  /**
   * Sleeps, heartbeating meanwhile. The group answering that it rebalances ends the wait with
   * that error: what is being retried is no longer ours to store, and kafkajs rejoins only once
   * the batch callback returns. Other heartbeat failures (the broker unreachable) are kafkajs's.
   */
  async function waitHeartbeating(ms: number): Promise<void> {
    const until = Date.now() + ms;
    for (let left = ms; left > 0; left = until - Date.now()) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, settings.heartbeatIntervalMs)));
      await heartbeat().catch((error: unknown) => {
        if (isRebalanceSignal(error)) throw error;
      });
    }
  }

  /** Stores one batch (retrying until stored or no longer ours), traced and measured. */
  async function insert(
    partition: number,
    front: { items: Slot[]; firstOffset: bigint; lastOffset: bigint },
    alive: () => boolean,
  ): Promise<void> {
    const rows = front.items.flatMap((slot) => (slot.row ? [slot.row] : []));
    const traces = front.items.map((slot) => slot.trace);
    const token = dedupToken(settings.topic, partition, front.firstOffset, front.lastOffset);
    const started = performance.now();
    const logInserted = () =>
      logger.info('batch inserted', {
        partition,
        rows: rows.length,
        dead_lettered: front.items.length - rows.length,
        first_offset: String(front.firstOffset),
        last_offset: String(front.lastOffset),
        duration_ms: Math.round(performance.now() - started),
      });
    if (rows.length === 0) return logInserted(); // all dead-lettered: nothing to insert

    const span = startInsertSpan(store.table, { ...front, partition, rows: rows.length }, traces);
    const attempt = async () => {
      try {
        await store.insert(rows, token);
      } catch (error) {
        recordFailedAttempt(span, error); // each failed attempt shows on the batch's span
        metrics.insertFailed();
        throw error;
      }
    };
    await withSpan(span, async () => {
      try {
        await retrying('insert', partition, attempt, alive);
        metrics.batchInserted(rows.length, (performance.now() - started) / 1000);
        logInserted();
        endStored(traces, span);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(error).message as string });
        throw error;
      } finally {
        span.end();
      }
    });
  }

  async function flush(partition: number, force: boolean, alive: () => boolean): Promise<void> {
    const batch = batches.get(partition);
    while (batch && (force ? batch.size > 0 : batch.isDue(Date.now()))) {
      const front = batch.peek();
      if (!front) return;
      await insert(partition, front, alive);
      batch.removeFront(front.items.length, Date.now());
      stored.set(partition, front.lastOffset);
    }
  }

  async function accept(message: KafkaMessage, partition: number, alive: () => boolean): Promise<void> {
    const position = { topic: settings.topic, partition, offset: message.offset };
    const trace = startMessageSpan(message, position, settings.groupId);
    let slot: Slot;
    try {
      const record = await retrying('decode', partition, () => decoder.decode(message.value), alive);
      slot = { row: toEventRow(record, position), trace };
    } catch (error) {
      if (!(error instanceof PoisonMessageError)) throw error;
      await retrying(
        'dead-letter',
        partition,
        () =>
          traceDeadLetter(trace, deadLetters.topic, error, () => deadLetters.send(message, position, error)),
        alive,
      );
      metrics.deadLettered(error.code);
      logger.warn('message dead-lettered', { ...position, code: error.code, reason: error.message });
      slot = { row: null };
    }
    batchOf(partition).add(message.offset, slot, Date.now());
  }

  async function eachBatch({
    batch,
    resolveOffset,
    heartbeat: groupHeartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    heartbeat = groupHeartbeat;
    const { partition } = batch;
    const alive = () => isRunning() && !isStale() && !stopping;
    // Waiting for the partition (a timed flush may hold it) is waiting too.
    const waiting = setInterval(() => void heartbeat().catch(() => undefined), settings.heartbeatIntervalMs);
    try {
      await withPartition(partition, async () => {
        clearInterval(waiting);
        await loadStoredOffsets();
        for (const message of batch.messages) {
          if (!alive()) return;
          // Already in ClickHouse (redelivered after a crash or a rebalance): skip, do not store twice.
          if (BigInt(message.offset) > (stored.get(partition) ?? -1n))
            await accept(message, partition, alive);
          resolveOffset(message.offset); // fetch position only; commits happen after inserts
          await flush(partition, false, alive);
          await heartbeat();
        }
      });
    } finally {
      clearInterval(waiting);
    }
  }

  /**
   * The topic belongs to the publisher, which creates it with its first event: until then the
   * sink waits (with backoff) instead of failing, and a SIGTERM ends the wait.
   */
  async function subscribeWhenTopicExists(): Promise<void> {
    for (let attempt = 1; !closing; attempt += 1) {
      try {
        await consumer.subscribe({ topic: settings.topic, fromBeginning: true });
        return;
      } catch (error) {
        const delayMs = backoffDelay(attempt, settings.backoff);
        logger.warn('cannot subscribe yet (does the topic exist?); retrying', {
          topic: settings.topic,
          attempt,
          delay_ms: delayMs,
          error: describeError(error).message,
        });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  async function commitStored(): Promise<void> {
    const offsets = [...stored]
      .filter(
        ([partition, offset]) => assigned.has(partition) && offset + 1n > (committed.get(partition) ?? -1n),
      )
      .map(([partition, offset]) => ({ topic: settings.topic, partition, offset: String(offset + 1n) }));
    if (offsets.length === 0) return;
    await consumer.commitOffsets(offsets);
    for (const { partition, offset } of offsets) committed.set(partition, BigInt(offset));
    logger.debug('offsets committed', { offsets });
  }

  return {
    async start(): Promise<void> {
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        // After a rebalance kafkajs resumes from committed offsets: forget what is buffered
        // (it will be delivered again) and re-read what is stored.
        for (const batch of batches.values()) batch.clear();
        assigned = new Set(event.payload.memberAssignment[settings.topic] ?? []);
        // A partition paused for an insert retried when the group rebalanced would stay paused
        // (kafkajs keeps pauses across assignments): nothing of ours waits on it any more.
        consumer.resume([{ topic: settings.topic, partitions: [...assigned] }]);
        storedLoaded = false;
        stored.clear();
        committed.clear();
        logger.info('partitions assigned', { assignment: event.payload.memberAssignment });
      });
      await consumer.connect();
      // Consuming starts in the background: start-up (and a SIGTERM during it) never waits for
      // the topic to appear.
      running = (async () => {
        await subscribeWhenTopicExists();
        if (closing) return;
        // Several partitions at once: one decodes and gathers while another waits on its insert.
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: 3,
          eachBatch,
        });
        flushTimer = setInterval(
          () => {
            for (const [partition, batch] of batches) {
              if (batch.isDue(Date.now())) {
                void withPartition(partition, () => flush(partition, false, () => !stopping)).catch((error) =>
                  logger.warn('timed flush failed', { partition, error: describeError(error) }),
                );
              }
            }
          },
          Math.max(50, Math.floor(settings.flushIntervalMs / 4)),
        );
        commitTimer = setInterval(() => {
          commitStored().catch((error) =>
            logger.warn('offset commit failed; will retry', { error: describeError(error) }),
          );
        }, settings.commitIntervalMs);
      })();
    },

    /** Flushes what can be flushed, commits it, leaves the group. */
    async stop(): Promise<void> {
      closing = true;
      await running.catch((error) => logger.warn('consumer had failed', { error: describeError(error) }));
      clearInterval(flushTimer);
      clearInterval(commitTimer);
      if (batches.size > 0) consumer.pause([{ topic: settings.topic }]);
      await Promise.all(
        [...batches.keys()].map((partition) =>
          withPartition(partition, () => flush(partition, true, () => false)).catch((error) =>
            logger.warn('final flush failed; those messages will be delivered again', {
              partition,
              error: describeError(error),
            }),
          ),
        ),
      );
      stopping = true;
      await commitStored().catch((error) =>
        logger.warn('final commit failed', { error: describeError(error) }),
      );
      await consumer.disconnect();
      await deadLetters.close();
    },
  };
}

export type Sink = ReturnType<typeof createSink>;
