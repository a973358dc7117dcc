import { SpanStatusCode } from '@opentelemetry/api';
import type { KafkaMessage } from 'kafkajs';
import type { Logger } from '@platform/observability';
import { describeError } from '@platform/runtime';
import type { EventStore } from './adapters/clickhouse/event-store.js';
import type { EventRow } from './domain/event-row.js';
import { dedupToken } from './domain/partition-batch.js';
import type { SinkMetrics } from './metrics.js';
import {
  endStored,
  recordFailedAttempt,
  startInsertSpan,
  withSpan,
  type MessageTrace,
} from './sink-tracing.js';

// A message sent to the dead-letter topic keeps its place in the batch with a null row: the
// batch's offset range stays contiguous, so its commit covers it only once the rows before it
// are stored. `trace` is the message's open span, ended when its row is stored.
export interface Slot {
  row: EventRow | null;
  trace?: MessageTrace;
  /** The message as fetched: dead-lettered as it is should ClickHouse refuse its row for good. */
  message?: KafkaMessage;
}

export interface FrontBatch {
  items: Slot[];
  firstOffset: bigint;
  lastOffset: bigint;
  topicId: string;
}

/**
 * Stores one batch of a partition with the deduplication token of its offset range, retried by
 * `retry` (the partition's retry policy) until stored or no longer ours; traced and measured.
 */
export function createBatchInsert(deps: {
  store: EventStore;
  metrics: SinkMetrics;
  logger: Logger;
  topic: string;
}) {
  const { store, metrics, logger } = deps;
  return async (
    partition: number,
    front: FrontBatch,
    retry: (work: () => Promise<void>) => Promise<void>,
  ): Promise<void> => {
    const rows = front.items.flatMap((slot) => (slot.row ? [slot.row] : []));
    const traces = front.items.map((slot) => slot.trace);
    const source = { topic: deps.topic, topicId: front.topicId };
    const token = dedupToken(source, partition, front.firstOffset, front.lastOffset);
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
        await retry(attempt);
        metrics.batchInserted(rows.length, (performance.now() - started) / 1000);
        metrics.eventsStored(rows.map((row) => row.event_time));
        logInserted();
        endStored(traces, span);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: describeError(error).message as string });
        throw error;
      } finally {
        span.end();
      }
    });
  };
}
