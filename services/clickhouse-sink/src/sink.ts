import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '@platform/observability';
import { backoffDelay, describeError, type BackoffPolicy, type HealthReport } from '@platform/runtime';
import type { EventStore } from './adapters/clickhouse/event-store.js';
import type { DeadLetterQueue } from './adapters/kafka/dead-letters.js';
import type { TopicIdentity } from './adapters/kafka/topic-identity.js';
import type { EventDecoder } from './adapters/registry/avro-decoder.js';
import { createBatchInsert, type Slot } from './batch-insert.js';
import { createDeadLetterStep } from './dead-letter-step.js';
import { createCommitScheduler } from './domain/commit-scheduler.js';
import { PoisonMessageError } from './domain/errors.js';
import { toEventRow } from './domain/event-row.js';
import { PartitionBatch } from './domain/partition-batch.js';
import { PartitionPositions } from './domain/partition-positions.js';
import { createPartitionQueue } from './domain/partition-queue.js';
import { retryUntilDone } from './domain/retry-policy.js';
import type { SinkMetrics } from './metrics.js';
import { startMessageSpan } from './sink-tracing.js';

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
  fetchMaxWaitMs: number;
}

export interface SinkDeps {
  kafka: Kafka;
  store: EventStore;
  decoder: EventDecoder;
  deadLetters: DeadLetterQueue;
  identity: TopicIdentity;
  logger: Logger;
  metrics: SinkMetrics;
  settings: SinkSettings;
  /**
   * Called once when consuming stopped for good while the sink was not asked to stop (kafkajs
   * gave up on an error it does not retry): main exits non-zero so a supervisor restarts it.
   */
  onFailure?: (reason: string, error: unknown) => void;
}

// Group errors telling a member to rejoin (kafkajs's error type names).
const REBALANCE_SIGNALS = new Set(['REBALANCE_IN_PROGRESS', 'UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION']);
const isRebalanceSignal = (error: unknown) =>
  typeof error === 'object' &&
  error !== null &&
  REBALANCE_SIGNALS.has(String((error as { type?: unknown }).type));

/**
 * Kafka -> ClickHouse. Per partition: decode, map, gather up to batchSize messages or
 * flushIntervalMs, insert with a deduplication token of the partition and offset range, and
 * only then let the offset be committed. On (re)assignment the highest offset already stored
 * is read back from ClickHouse, and redelivered messages up to it are skipped: a crash between
 * insert and commit stores nothing twice. Positions belong to one topic id: a topic deleted and
 * re-created under the same name is noticed before each commit and read again from its start.
 *
 * This wires the Kafka consumer loop to the named pieces: the partition's batch
 * (domain/partition-batch.ts) and positions (domain/partition-positions.ts), the per-partition
 * queue, the retry policy, the commit scheduler (domain/) and the dead-letter step.
 */
export function createSink({
  kafka,
  store,
  decoder,
  deadLetters,
  identity,
  logger,
  metrics,
  settings,
  onFailure,
}: SinkDeps) {
  const consumer: Consumer = kafka.consumer({
    groupId: settings.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: settings.sessionTimeoutMs,
    heartbeatInterval: settings.heartbeatIntervalMs,
    maxWaitTimeInMs: settings.fetchMaxWaitMs,
  });
  // kafkajs heartbeats only between batches and when asked to; a wait of ours (an insert retried
  // while ClickHouse is down, a timed flush holding a partition) must ask, or a short session
  // would evict this member while it is healthy. Taken from the first batch: it is the group's.
  let heartbeat: () => Promise<void> = async () => undefined;
  const batches = new Map<number, PartitionBatch<Slot>>();
  const positions = new PartitionPositions();
  const queue = createPartitionQueue();
  const deadLetter = createDeadLetterStep({ deadLetters, metrics, logger });
  const insertBatch = createBatchInsert({ store, metrics, logger, topic: settings.topic });
  // The id of the topic the assignment's positions belong to, read with them after each join.
  let topicId: string | undefined;
  let positionsLoading: Promise<string> | undefined;
  let assignments = 0; // counts joins: a load that finishes after a newer join is dropped
  let flushTimer: NodeJS.Timeout | undefined;
  const commits = createCommitScheduler({
    intervalMs: settings.commitIntervalMs,
    commit: () => commitStored(),
    onError: (error) => logger.warn('offset commit failed; will retry', { error: describeError(error) }),
  });
  let stopping = false;
  let following = false; // reading a re-created topic: in-flight batches end, nothing commits
  let closing = false; // set first on stop: ends the wait for the topic
  let running: Promise<void> = Promise.resolve();
  /** Why consuming stopped for good, once it has: the health endpoint reports it. */
  let failure: string | undefined;
  const failed = (reason: string, error: unknown) => {
    if (closing || failure) return;
    failure = `${reason}: ${describeError(error).message as string}`;
    logger.error('consumer stopped for good', { reason, error: describeError(error) });
    onFailure?.(reason, error);
  };

  function batchOf(partition: number, sourceTopicId: string): PartitionBatch<Slot> {
    let batch = batches.get(partition);
    if (!batch) {
      batch = new PartitionBatch<Slot>(
        sourceTopicId,
        partition,
        settings.batchSize,
        settings.flushIntervalMs,
      );
      batches.set(partition, batch);
    }
    return batch;
  }

  /**
   * Once per assignment: which topic we read (its id), and what of it is already stored. Shared
   * by every partition's first batch and the commit check; resolves to the topic id.
   */
  function loadPositions(): Promise<string> {
    if (positionsLoading) return positionsLoading;
    const assignment = assignments;
    const loading = (async () => {
      const id = await identity.currentId();
      if (!id) throw new Error(`topic ${settings.topic} does not exist (deleted?)`);
      const offsets = await store.storedOffsets(id);
      if (assignment === assignments) {
        positions.restore(offsets);
        topicId = id;
      }
      return id;
    })();
    positionsLoading = loading;
    loading.catch(() => {
      if (positionsLoading === loading) positionsLoading = undefined; // the next caller tries again
    });
    return loading;
  }

  /** Retries `work` (domain/retry-policy.ts) until it succeeds, the partition is taken away, or we stop. */
  function retrying<T>(
    what: string,
    partition: number,
    work: () => Promise<T>,
    alive: () => boolean,
  ): Promise<T> {
    const target = [{ topic: settings.topic, partitions: [partition] }];
    // kafkajs refuses to pause or resume while the consumer is stopped (following a re-created
    // topic): there is nothing to hold back then.
    const whileRunning = (change: () => void) => {
      try {
        change();
      } catch {
        // not consuming
      }
    };
    return retryUntilDone(work, settings.backoff, {
      alive,
      pause: () => whileRunning(() => consumer.pause(target)),
      resume: () => whileRunning(() => consumer.resume(target)),
      wait: waitHeartbeating,
      onRetry: (attempt, delayMs, error) =>
        logger.warn(`${what} failed; partition paused, retrying`, {
          partition,
          attempt,
          delay_ms: delayMs,
          error: describeError(error),
        }),
    });
  }

  /**
   * Sleeps, heartbeating meanwhile. The group answering that it rebalances ends the wait with
   * that error: what is being retried is no longer ours to store, and kafkajs rejoins only once
   * the batch callback returns. Other heartbeat failures (the broker unreachable) are kafkajs's.
   */
  async function waitHeartbeating(ms: number): Promise<void> {
    const until = Date.now() + ms;
    // A stop ends the wait: the retry after it then sees the work is no longer ours.
    for (let left = ms; left > 0 && !closing; left = until - Date.now()) {
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, settings.heartbeatIntervalMs)));
      await heartbeat().catch((error: unknown) => {
        if (isRebalanceSignal(error)) throw error;
      });
    }
  }

  async function flush(partition: number, force: boolean, alive: () => boolean): Promise<void> {
    const batch = batches.get(partition);
    while (batch && (force ? batch.size > 0 : batch.isDue(Date.now()))) {
      const front = batch.peek();
      if (!front) return;
      await insertBatch(partition, { ...front, topicId: batch.topicId }, (work) =>
        retrying('insert', partition, work, alive),
      );
      batch.removeFront(front.items.length, Date.now());
      positions.markStored(partition, front.lastOffset);
    }
  }

  async function accept(
    message: KafkaMessage,
    partition: number,
    sourceTopicId: string,
    alive: () => boolean,
  ): Promise<void> {
    const position = { topic: settings.topic, topicId: sourceTopicId, partition, offset: message.offset };
    const trace = startMessageSpan(message, position, settings.groupId);
    let slot: Slot;
    try {
      const record = await retrying('decode', partition, () => decoder.decode(message.value), alive);
      slot = { row: toEventRow(record, position), trace };
    } catch (error) {
      if (!(error instanceof PoisonMessageError)) throw error;
      await deadLetter(message, position, error, trace, (work) =>
        retrying('dead-letter', partition, work, alive),
      );
      slot = { row: null };
    }
    batchOf(partition, sourceTopicId).add(message.offset, slot, Date.now());
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
    // closing: a stop was asked for; a retry in progress (ClickHouse down) must give way to it.
    const alive = () => isRunning() && !isStale() && !closing && !stopping && !following;
    // Waiting for the partition (a timed flush may hold it) is waiting too.
    const waiting = setInterval(() => void heartbeat().catch(() => undefined), settings.heartbeatIntervalMs);
    try {
      await queue.run(partition, async () => {
        clearInterval(waiting);
        const sourceTopicId = await loadPositions();
        for (const message of batch.messages) {
          if (!alive()) return;
          // Already in ClickHouse (redelivered after a crash or a rebalance): skip, do not store twice.
          if (!positions.isStored(partition, BigInt(message.offset)))
            await accept(message, partition, sourceTopicId, alive);
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

  /**
   * Commits what is stored, once the topic is known to be the one it was read from. Kafka drops
   * a group's offsets when their topic is deleted; committing the old topic's positions onto a
   * re-created one would make the group skip its first messages.
   */
  async function commitStored(): Promise<void> {
    if (following || positions.partitions.length === 0) return;
    const readFrom = topicId ?? (await loadPositions());
    const current = await identity.currentId();
    if (current !== readFrom) {
      if (current === undefined) {
        logger.warn('topic is gone; nothing is committed until it is back', { topic: settings.topic });
        return;
      }
      if (!stopping) await followRecreatedTopic(readFrom, current);
      return;
    }
    const offsets = positions.toCommit(settings.topic);
    if (offsets.length === 0) return;
    await consumer.commitOffsets(offsets);
    positions.markCommitted(offsets);
    logger.debug('offsets committed', { offsets });
  }

  /**
   * kafkajs fetches by topic name and keeps its position when the topic is re-created, so it would
   * go on at the old offset and never read the new topic's first messages. Store what is buffered
   * (it was fetched under the old id), leave the group and join again: the new assignment starts
   * from the group's committed offsets, which Kafka dropped with the old topic, so from the start.
   */
  async function followRecreatedTopic(oldId: string, newId: string): Promise<void> {
    logger.warn('topic was re-created; reading the new one from its start', {
      topic: settings.topic,
      old_topic_id: oldId,
      topic_id: newId,
    });
    following = true;
    try {
      await consumer.stop();
      await Promise.all(
        [...batches.keys()].map((partition) =>
          queue
            .run(partition, () => flush(partition, true, () => !stopping))
            .catch((error) =>
              // The old topic is gone: what could not be stored now cannot be read again.
              logger.error('buffered messages of the replaced topic could not be stored', {
                partition,
                error: describeError(error),
              }),
            ),
        ),
      );
    } finally {
      following = false;
      if (!closing) await consumer.run(runOptions);
    }
  }

  const runOptions = {
    autoCommit: false,
    eachBatchAutoResolve: false,
    // Several partitions at once: one decodes and gathers while another waits on its insert.
    partitionsConsumedConcurrently: 3,
    eachBatch,
  };

  return {
    async start(): Promise<void> {
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        // After a rebalance kafkajs resumes from committed offsets: forget what is buffered
        // (it will be delivered again) and re-read what is stored, and from which topic.
        for (const batch of batches.values()) batch.clear();
        batches.clear();
        positions.reassign(event.payload.memberAssignment[settings.topic] ?? []);
        // A partition paused for an insert retried when the group rebalanced would stay paused
        // (kafkajs keeps pauses across assignments): nothing of ours waits on it any more.
        consumer.resume([{ topic: settings.topic, partitions: positions.partitions }]);
        assignments += 1;
        topicId = undefined;
        positionsLoading = undefined;
        logger.info('partitions assigned', { assignment: event.payload.memberAssignment });
      });
      // kafkajs restarts its consumer after a retriable error; after any other it stops
      // consuming while the process lives on. That must not pass for healthy.
      consumer.on(consumer.events.CRASH, (event) => {
        if (!event.payload.restart) failed('the Kafka consumer crashed', event.payload.error);
      });
      await consumer.connect();
      // Consuming starts in the background: start-up (and a SIGTERM during it) never waits for
      // the topic to appear.
      running = (async () => {
        await subscribeWhenTopicExists();
        if (closing) return;
        await consumer.run(runOptions);
        flushTimer = setInterval(
          () => {
            for (const [partition, batch] of batches) {
              if (batch.isDue(Date.now())) {
                void queue
                  .run(partition, () => flush(partition, false, () => !closing && !stopping))
                  .catch((error) =>
                    logger.warn('timed flush failed', { partition, error: describeError(error) }),
                  );
              }
            }
          },
          Math.max(50, Math.floor(settings.flushIntervalMs / 4)),
        );
        commits.start();
      })();
      running.catch((error: unknown) => failed('consuming could not start', error));
    },

    /** Healthy while consuming (or waiting for its topic); not once consuming stopped for good. */
    health(): HealthReport {
      return failure ? { status: 'failing', reason: failure } : { status: 'ok' };
    },

    /** Flushes what can be flushed, commits it, leaves the group. */
    async stop(): Promise<void> {
      closing = true;
      await running.catch((error) => logger.warn('consumer had failed', { error: describeError(error) }));
      clearInterval(flushTimer);
      await commits.stop();
      // kafkajs throws when its consumer is not running (stopped for good, between a crash and
      // its restart, or stopped to follow a re-created topic): then there is nothing to pause.
      if (batches.size > 0) {
        try {
          consumer.pause([{ topic: settings.topic }]);
        } catch (error) {
          logger.debug('nothing to pause: the consumer is not running', {
            error: describeError(error).message,
          });
        }
      }
      await Promise.all(
        [...batches.keys()].map((partition) =>
          queue
            .run(partition, () => flush(partition, true, () => false))
            .catch((error) =>
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
