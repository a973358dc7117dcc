import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '@platform/observability';
import { backoffDelay, describeError, type BackoffPolicy, type HealthReport } from '@platform/runtime';
import type { EventStore } from './adapters/clickhouse/event-store.js';
import type { DeadLetterQueue } from './adapters/kafka/dead-letters.js';
import type { CommittedOffset, GroupOffsets } from './adapters/kafka/group-offsets.js';
import type { TopicIdentity } from './adapters/kafka/topic-identity.js';
import type { EventDecoder } from './adapters/registry/avro-decoder.js';
import { isRefusedData } from './adapters/clickhouse/errors.js';
import { createBatchInsert, type Slot } from './batch-insert.js';
import { createDeadLetterStep } from './dead-letter-step.js';
import { createCommitScheduler } from './domain/commit-scheduler.js';
import { PoisonMessageError } from './domain/errors.js';
import { toEventRow } from './domain/event-row.js';
import { createPartitionQueue } from './domain/partition-queue.js';
import { retryUntilDone } from './domain/retry-policy.js';
import { SinkCore, type InsertFailureStep, type InsertJob } from './domain/sink-core.js';
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
  /** Refusals of a batch's data by ClickHouse before it is split in halves (see domain/sink-core.ts). */
  rejectionsBeforeSplit?: number;
}

export interface SinkDeps {
  kafka: Kafka;
  store: EventStore;
  decoder: EventDecoder;
  deadLetters: DeadLetterQueue;
  identity: TopicIdentity;
  groupOffsets: GroupOffsets;
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

/** An insert given up on by the core's decision (split, dead-letter the message, or no longer ours). */
class InsertGivenUp extends Error {
  constructor(
    readonly step: Exclude<InsertFailureStep, 'retry'>,
    override readonly cause: unknown,
  ) {
    super(`insert given up: ${step}`);
    this.name = 'InsertGivenUp';
  }
}

/**
 * Kafka -> ClickHouse. Per partition: decode, map, gather up to batchSize messages or
 * flushIntervalMs, insert with a deduplication token of the partition and offset range, and
 * only then let the offset be committed. On (re)assignment the highest offset already stored
 * is read back from ClickHouse, and redelivered messages up to it are skipped: a crash between
 * insert and commit stores nothing twice. Positions belong to one topic id: a topic deleted and
 * re-created under the same name is noticed before each commit and read again from its start.
 *
 * The decisions (what to store, which batch next, what a failed insert means, what may be
 * committed, and that nothing of an older assignment counts) are the core's
 * (domain/sink-core.ts), which a model-based test drives; this wires it to the Kafka consumer
 * loop, the per-partition queue, the retry policy, the commit scheduler and the dead-letter step.
 */
export function createSink({
  kafka,
  store,
  decoder,
  deadLetters,
  identity,
  groupOffsets,
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
  const core = new SinkCore<Slot>(
    {
      batchSize: settings.batchSize,
      flushIntervalMs: settings.flushIntervalMs,
      rejectionsBeforeSplit: settings.rejectionsBeforeSplit ?? 3,
    },
    // The table is partitioned by month of event_time ('YYYY-MM-DD ...'): one insert, one month.
    (slot) => slot.row?.event_time.slice(0, 7) ?? null,
  );
  const queue = createPartitionQueue();
  const deadLetter = createDeadLetterStep({ deadLetters, metrics, logger });
  const insertBatch = createBatchInsert({ store, metrics, logger, topic: settings.topic });
  // The stored positions (and topic id) of the current assignment, being read after a join.
  let positionsLoading: Promise<string> | undefined;
  let flushTimer: NodeJS.Timeout | undefined;
  const commits = createCommitScheduler({
    intervalMs: settings.commitIntervalMs,
    commit: () => commitStored(),
    onError: (error) => logger.warn('offset commit failed; will retry', { error: describeError(error) }),
  });
  let stopping = false;
  let following = false; // reading a re-created topic: in-flight batches end, nothing commits
  // An insert found the topic replaced: nothing more is stored until the new one is followed.
  let replaced = false;
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

  /**
   * Once per assignment: which topic we read (its id), and what of it is already stored. Shared
   * by every partition's first batch and the commit check; resolves to the topic id.
   */
  function loadPositions(): Promise<string> {
    if (positionsLoading) return positionsLoading;
    const generation = core.generation;
    const loading = (async () => {
      const id = await identity.currentId();
      if (!id) throw new Error(`topic ${settings.topic} does not exist (deleted?)`);
      const [stored, committed] = await Promise.all([store.storedOffsets(id), groupOffsets.committed()]);
      // Where to read again is settled before the positions count: should it fail, nothing is
      // stored or committed under this id, and the next load still sees the foreign commits.
      const seeks = await seeksPastForeignCommits(id, stored, committed);
      if (!core.restore(generation, id, stored)) return id; // a newer join reads its own
      for (const seek of seeks) consumer.seek(seek);
      return id;
    })();
    positionsLoading = loading;
    loading.catch(() => {
      if (positionsLoading === loading) positionsLoading = undefined; // the next caller tries again
    });
    return loading;
  }

  /**
   * Offsets are committed with the id of the topic they were read from. One committed for another
   * topic of the same name (a commit that crossed the topic's re-creation: its id was checked just
   * before) would make the group skip the new topic's first messages: such a partition is read
   * again from just after what ClickHouse holds of it (or from its start).
   */
  async function seeksPastForeignCommits(
    id: string,
    stored: ReadonlyMap<number, bigint>,
    committed: ReadonlyMap<number, CommittedOffset>,
  ): Promise<{ topic: string; partition: number; offset: string }[]> {
    const foreign = core.assigned.filter((partition) => {
      const topicId = committed.get(partition)?.topicId;
      return topicId !== undefined && topicId !== id;
    });
    if (foreign.length === 0) return [];
    const starts = await groupOffsets.starts();
    return foreign.map((partition) => {
      const storedUpTo = stored.get(partition);
      const offset = storedUpTo === undefined ? (starts.get(partition) ?? 0n) : storedUpTo + 1n;
      logger.warn('committed offset belongs to a replaced topic of this name; reading again', {
        partition,
        committed: String(committed.get(partition)?.offset),
        committed_for_topic_id: committed.get(partition)?.topicId,
        topic_id: id,
        from_offset: String(offset),
      });
      return { topic: settings.topic, partition, offset: String(offset) };
    });
  }

  /**
   * Retries `work` (domain/retry-policy.ts) until it succeeds, the partition is taken away, we
   * stop, or it fails with an error `final` names. The group hears from us during each attempt
   * too: an insert longer than the session must not get this member evicted while it runs (its
   * partitions would move and be stored again by another member).
   */
  function retrying<T>(
    what: string,
    partition: number,
    work: () => Promise<T>,
    alive: () => boolean,
    final?: (error: unknown) => boolean,
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
    const attempt = async () => {
      const beating = setInterval(
        () => void heartbeat().catch(() => undefined),
        settings.heartbeatIntervalMs,
      );
      try {
        return await work();
      } finally {
        clearInterval(beating);
      }
    };
    return retryUntilDone(attempt, settings.backoff, {
      alive,
      final,
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

  /** Inserts what the core says is due, one job after another, until nothing is. */
  async function flush(partition: number, force: boolean, alive: () => boolean): Promise<void> {
    for (let job = core.takeInsert(partition, Date.now(), force); job;) {
      if (!(await insertJob(job, alive))) return;
      job = core.takeInsert(partition, Date.now(), force);
    }
  }

  /**
   * Whether the topic still is the one the job's messages were read from. kafkajs fetches by name
   * and, when the topic is re-created, goes on reading the new one at the old position; such
   * messages must not be stored as the old topic's. Topic ids never come back: the same id now
   * means every message fetched before now came from it.
   */
  async function stillSameTopic(job: InsertJob<Slot>, alive: () => boolean): Promise<boolean> {
    const current = await retrying('topic check', job.partition, () => identity.currentId(), alive);
    if (current === job.topicId) return true;
    core.release(job);
    // A check of an older assignment's job (a join happened meanwhile) says nothing of the new one.
    if (!replaced && core.isCurrent(job.generation)) {
      replaced = true;
      logger.warn('topic was replaced under the sink; storing nothing more until it follows the new one', {
        topic: settings.topic,
        old_topic_id: job.topicId,
        topic_id: current ?? null,
      });
      commits.kick(); // the commit path follows the new topic (or waits for it to exist)
    }
    return false;
  }

  /**
   * One job, retried while it is ours; each failed attempt goes to the core, which may say to
   * split it (ClickHouse keeps refusing the data) or to dead-letter its one message.
   */
  async function insertJob(job: InsertJob<Slot>, alive: () => boolean): Promise<boolean> {
    const { partition } = job;
    const stillOurs = () => alive() && core.isCurrent(job.generation);
    try {
      if (!(await stillSameTopic(job, stillOurs))) return false;
      await insertBatch(partition, job, (attempt) =>
        retrying(
          'insert',
          partition,
          async () => {
            try {
              await attempt();
            } catch (error) {
              const step = core.insertFailed(job, isRefusedData(error));
              throw step === 'retry' ? error : new InsertGivenUp(step, error);
            }
          },
          stillOurs,
          (error) => error instanceof InsertGivenUp,
        ),
      );
      core.inserted(job, Date.now());
      return true;
    } catch (error) {
      if (!(error instanceof InsertGivenUp) || error.step === 'stale') {
        core.release(job);
        throw error;
      }
      const reason = describeError(error.cause).message as string;
      if (error.step === 'split') {
        metrics.insertSplit();
        logger.error('ClickHouse keeps refusing a batch; inserting it in halves', {
          partition,
          first_offset: String(job.firstOffset),
          last_offset: String(job.lastOffset),
          error: reason,
        });
        return true; // the next job the core hands out is the first half
      }
      // One message ClickHouse refuses on its own: it goes where poison goes, with the reason.
      // (It has a row: a job without one inserts nothing, so it is never refused.)
      const [slot] = job.items;
      if (!slot?.message || !slot.trace) {
        core.release(job);
        throw new Error('a refused job holds one message with its row', { cause: error });
      }
      const position = {
        topic: settings.topic,
        topicId: job.topicId,
        partition,
        offset: String(job.firstOffset),
      };
      try {
        await deadLetter(
          slot.message,
          position,
          new PoisonMessageError('INSERT_REFUSED', `ClickHouse refused the row: ${reason}`),
          slot.trace,
          (work) => retrying('dead-letter', partition, work, stillOurs),
        );
      } catch (deadLetterError) {
        core.release(job);
        throw deadLetterError;
      }
      core.inserted(job, Date.now());
      return true;
    }
  }

  async function accept(
    message: KafkaMessage,
    partition: number,
    sourceTopicId: string,
    generation: number,
    alive: () => boolean,
  ): Promise<void> {
    const position = { topic: settings.topic, topicId: sourceTopicId, partition, offset: message.offset };
    const trace = startMessageSpan(message, position, settings.groupId);
    let slot: Slot;
    try {
      const record = await retrying('decode', partition, () => decoder.decode(message.value), alive);
      slot = { row: toEventRow(record, position), trace, message };
    } catch (error) {
      if (!(error instanceof PoisonMessageError)) throw error;
      await deadLetter(message, position, error, trace, (work) =>
        retrying('dead-letter', partition, work, alive),
      );
      slot = { row: null };
    }
    core.add(generation, partition, BigInt(message.offset), slot, Date.now());
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
    // This batch belongs to the assignment current when kafkajs handed it over.
    const generation = core.generation;
    // closing: a stop was asked for; a retry in progress (ClickHouse down) must give way to it.
    const alive = () =>
      isRunning() &&
      !isStale() &&
      core.isCurrent(generation) &&
      !closing &&
      !stopping &&
      !following &&
      !replaced;
    // Waiting for the partition (a timed flush may hold it) is waiting too.
    const waiting = setInterval(() => void heartbeat().catch(() => undefined), settings.heartbeatIntervalMs);
    try {
      await queue.run(partition, async () => {
        clearInterval(waiting);
        const sourceTopicId = await loadPositions();
        for (const message of batch.messages) {
          if (!alive() || core.currentTopicId === undefined) return;
          // Already in ClickHouse (redelivered after a crash or a rebalance): skip, do not store twice.
          if (core.wants(generation, partition, BigInt(message.offset)))
            await accept(message, partition, sourceTopicId, generation, alive);
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
    if (following || core.assigned.length === 0) return;
    const generation = core.generation;
    const readFrom = core.currentTopicId ?? (await loadPositions());
    const current = await identity.currentId();
    if (current !== readFrom) {
      if (current === undefined) {
        logger.warn('topic is gone; nothing is committed until it is back', { topic: settings.topic });
        return;
      }
      if (!stopping) await followRecreatedTopic(readFrom, current);
      return;
    }
    replaced = false; // the same topic after all (a check that found it missing for a moment)
    if (!core.isCurrent(generation)) return; // a join happened meanwhile: its positions are not read yet
    const offsets = core.commitsDue(settings.topic);
    if (offsets.length === 0) return;
    // Each offset names the topic it belongs to (see seeksPastForeignCommits).
    await consumer.commitOffsets(offsets.map((offset) => ({ ...offset, metadata: readFrom })));
    core.committed(generation, offsets);
    logger.debug('offsets committed', { offsets });
  }

  /**
   * kafkajs fetches by topic name and keeps its position when the topic is re-created, so it would
   * go on at the old offset and never read the new topic's first messages. Leave the group and
   * join again: the new assignment starts from the group's committed offsets, which Kafka dropped
   * with the old topic, so from the start. What is buffered is dropped: fetched after the
   * re-creation it belongs to the new topic and is read again; fetched before, its topic is gone
   * (the outbox audit finds such events: ./platform audit --repair).
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
      const dropped = core.partitionsBuffered.map((partition) => ({
        partition,
        messages: core.buffered(partition),
      }));
      if (dropped.length > 0) logger.warn('buffered messages of the replaced topic dropped', { dropped });
      // Nothing of the old assignment may be flushed while the group is joined again.
      core.assign([]);
    } finally {
      following = false;
      replaced = false;
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
        // (it will be delivered again) and re-read what is stored, and from which topic. Work of
        // the old assignment still running (an insert retried, a timed flush) sees it is stale.
        core.assign(event.payload.memberAssignment[settings.topic] ?? []);
        positionsLoading = undefined;
        replaced = false;
        heartbeat = async () => undefined; // the old runner's; the next batch brings the new one
        // A partition paused for an insert retried when the group rebalanced would stay paused
        // (kafkajs keeps pauses across assignments): nothing of ours waits on it any more.
        consumer.resume([{ topic: settings.topic, partitions: core.assigned }]);
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
            // Fenced on the assignment: a partition that moved meanwhile is not flushed by us.
            const generation = core.generation;
            const alive = () =>
              !closing && !stopping && !following && !replaced && core.isCurrent(generation);
            for (const partition of core.due(Date.now())) {
              void queue
                .run(partition, () => flush(partition, false, alive))
                .catch((error) =>
                  logger.warn('timed flush failed', { partition, error: describeError(error) }),
                );
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
      if (core.partitionsBuffered.length > 0) {
        try {
          consumer.pause([{ topic: settings.topic }]);
        } catch (error) {
          logger.debug('nothing to pause: the consumer is not running', {
            error: describeError(error).message,
          });
        }
      }
      await Promise.all(
        core.partitionsBuffered.map((partition) =>
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
