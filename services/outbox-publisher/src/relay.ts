import { context, trace, type Span } from '@opentelemetry/api';
import type { Logger } from '@platform/observability';
import { backoffDelay, describeError, type BackoffPolicy } from '@platform/runtime';
import type { OutgoingMessage, EventPublisher } from './adapters/kafka/event-publisher.js';
import type { ControlConnection } from './adapters/postgres/control-connection.js';
import type { OutboxStore } from './adapters/postgres/outbox-store.js';
import type { EventEncoder } from './adapters/registry/avro-encoder.js';
import { planBatch } from './domain/batch-plan.js';
import { splitLanes } from './domain/lanes.js';
import { PoisonRowError, type OutboxRow } from './domain/outbox-row.js';
import { createWakeup, type Wakeup } from './domain/wakeup.js';
import type { RelayMetrics } from './metrics.js';
import { endWithError, startBatchSpan, startEventSpan, traceHeaders } from './relay-tracing.js';

export interface RelaySettings {
  batchSize: number;
  /** Fallback poll when no commit notification arrives. */
  pollIntervalMs: number;
  /** How often an instance re-plans its share of lanes. */
  laneRefreshMs: number;
  backoff: BackoffPolicy;
}

export interface RelayDeps {
  store: OutboxStore;
  control: ControlConnection;
  encoder: EventEncoder;
  /** One per lane group relayed at once (OUTBOX_CONCURRENCY): each group produces on its own. */
  publishers: EventPublisher[];
  logger: Logger;
  metrics: RelayMetrics;
  settings: RelaySettings;
}

function toMessage(row: OutboxRow, value: Buffer, traceHeaders: Record<string, string>): OutgoingMessage {
  const headers: Record<string, string> = {
    event_id: row.eventId,
    event_type: row.eventType,
    aggregate_type: row.aggregateType,
    ...traceHeaders,
  };
  return { key: row.aggregateId, value, headers };
}

/**
 * The relay loop: claim a batch of this instance's lanes, encode, produce, and mark the rows
 * processed only after Kafka acknowledged them, in the claim's transaction. A crash anywhere
 * before that commit leaves the rows pending, to be produced again (at-least-once).
 *
 * The instance's lanes are dealt out to lane groups (one per publisher), each running this loop
 * on its own connection, so one group's PostgreSQL work overlaps another's produce. A lane is in
 * one group at a time; when the deal changes (lanes gained or released), a group claiming a lane
 * another group is still finishing waits on that batch's row locks (FOR UPDATE), as an instance
 * does when a lane changes hands between instances, so per-aggregate order holds.
 */
export function createRelay({ store, control, encoder, publishers, logger, metrics, settings }: RelayDeps) {
  const groups = publishers.length;
  if (groups < 1) throw new Error('the relay needs at least one publisher');
  const workers = publishers.map((publisher) => ({ publisher, wakeup: createWakeup() }));
  control.onCommit(() => workers.forEach(({ wakeup }) => wakeup.notify()));
  let stopping = false;
  let running: Promise<void> | undefined;

  // One refresh at a time for all groups; each waits for it when the plan is due.
  let lanesPlannedAt = 0;
  let refreshing: Promise<void> | undefined;
  function refreshLanesIfDue(): Promise<void> | undefined {
    if (Date.now() - lanesPlannedAt < settings.laneRefreshMs && control.lanes().length > 0) return undefined;
    refreshing ??= (async () => {
      const before = control.lanes().join(',');
      const lanes = await control.refreshLanes();
      lanesPlannedAt = Date.now();
      if (lanes.join(',') !== before)
        logger.info('lanes assigned', { lanes, groups: splitLanes(lanes, groups) });
    })().finally(() => (refreshing = undefined));
    return refreshing;
  }

  async function relayOneBatch(group: number, lanes: number[], publisher: EventPublisher): Promise<number> {
    let claimed: string[] = [];
    let batchSpan: Span | undefined;
    let openEventSpans: Span[] = [];
    let outcome = { published: 0, failed: 0 };
    const timings = { started: performance.now(), claimed: 0, encoded: 0, produced: 0 };
    try {
      const count = await store.relayBatch(lanes, settings.batchSize, async (rows) => {
        timings.claimed = performance.now();
        claimed = rows.map((row) => row.id);
        const span = startBatchSpan(rows, lanes);
        batchSpan = span;
        // Inside the batch span: registry calls and log lines belong to it.
        return context.with(trace.setSpan(context.active(), span), async () => {
          const plan = await planBatch(rows, (row) => encoder.encode(row));
          timings.encoded = performance.now();
          span.addEvent('encoded');
          const messages = plan.publish.map(({ row, message }) => {
            const eventSpan = startEventSpan(row, span, publisher.topic);
            openEventSpans.push(eventSpan);
            return toMessage(row, message, traceHeaders(row, eventSpan));
          });
          if (messages.length > 0) await publisher.publish(messages);
          timings.produced = performance.now();
          span.addEvent('acknowledged by Kafka');
          for (const eventSpan of openEventSpans) eventSpan.end();
          openEventSpans = [];
          for (const { row, reason } of plan.failed) {
            endWithError([startEventSpan(row, span, publisher.topic)], new PoisonRowError(reason));
            logger.error('outbox row cannot be published; marked failed', {
              outbox_id: row.id,
              event_id: row.eventId,
              event_type: row.eventType,
              reason,
              held_back: plan.held.filter((held) => held.aggregateId === row.aggregateId).length,
            });
          }
          outcome = { published: plan.publish.length, failed: plan.failed.length };
          span.setAttributes({
            'outbox.batch.published': plan.publish.length,
            'outbox.batch.failed': plan.failed.length,
            'outbox.batch.held': plan.held.length,
          });
          logger.info('batch published', {
            group,
            published: plan.publish.length,
            failed: plan.failed.length,
            held: plan.held.length,
            first_id: rows[0]?.id,
            last_id: rows.at(-1)?.id,
          });
          return {
            processedIds: plan.publish.map(({ row }) => row.id),
            failed: plan.failed.map(({ row, reason }) => ({ id: row.id, reason })),
          };
        });
      });
      if (count > 0) {
        const ms = (from: number, to: number) => Math.round((to - from) * 10) / 10;
        batchSpan?.addEvent('committed');
        batchSpan?.end();
        metrics.batchCommitted({ ...outcome, seconds: (performance.now() - timings.started) / 1000 });
        logger.debug('batch committed', {
          rows: count,
          claim_ms: ms(timings.started, timings.claimed),
          encode_ms: ms(timings.claimed, timings.encoded),
          produce_ms: ms(timings.encoded, timings.produced),
          mark_and_commit_ms: ms(timings.produced, performance.now()),
        });
      }
      return count;
    } catch (error) {
      endWithError([...openEventSpans, ...(batchSpan ? [batchSpan] : [])], error);
      metrics.attemptFailed();
      if (claimed.length > 0) {
        await store.recordAttempt(claimed, describeError(error).message as string).catch(() => undefined);
      }
      throw error;
    }
  }

  async function loop(group: number, publisher: EventPublisher, wakeup: Wakeup): Promise<void> {
    let failures = 0;
    while (!stopping) {
      try {
        await refreshLanesIfDue();
        const lanes = splitLanes(control.lanes(), groups)[group] ?? [];
        wakeup.reset();
        const claimed = lanes.length > 0 ? await relayOneBatch(group, lanes, publisher) : 0;
        failures = 0;
        // A full batch means more is waiting: go again at once. Otherwise sleep until a commit
        // is notified or the poll interval passes (notifications can be lost on reconnects).
        if (claimed < settings.batchSize) await wakeup.wait(settings.pollIntervalMs);
      } catch (error) {
        failures += 1;
        const delayMs = backoffDelay(failures, settings.backoff);
        logger.warn('relay attempt failed; rows stay pending; backing off', {
          group,
          attempt: failures,
          delay_ms: delayMs,
          error: describeError(error),
        });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  return {
    start() {
      running = Promise.all(
        workers.map(({ publisher, wakeup }, group) => loop(group, publisher, wakeup)),
      ).then(() => undefined);
    },
    /** Lets each group's current batch finish (committed or rolled back), then returns. */
    async stop() {
      stopping = true;
      workers.forEach(({ wakeup }) => wakeup.notify());
      await running;
    },
  };
}

export type Relay = ReturnType<typeof createRelay>;
