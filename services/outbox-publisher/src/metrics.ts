import { Counter, Gauge, Histogram, type Logger, type Registry } from '@platform/observability';
import { describeError } from '@platform/runtime';
import type { OutboxBacklog } from './adapters/postgres/outbox-store.js';

/** What the relay reports; see docs/operations.md, "Metrics", for how to read each series. */
export interface RelayMetrics {
  /** A batch was produced and committed: how many rows went out, how many were marked failed. */
  batchCommitted(outcome: { published: number; failed: number; seconds: number }): void;
  /** An attempt failed (Kafka, registry or database); its rows stay pending. */
  attemptFailed(): void;
}

export function createRelayMetrics(registry: Registry): RelayMetrics {
  const published = new Counter({
    name: 'outbox_events_published_total',
    help: 'Events produced to Kafka and marked processed.',
    registers: [registry],
  });
  const poisoned = new Counter({
    name: 'outbox_events_failed_total',
    help: 'Outbox rows marked failed because no retry can publish them (see last_error).',
    registers: [registry],
  });
  const attemptFailures = new Counter({
    name: 'outbox_publish_errors_total',
    help: 'Relay attempts that failed and will be retried (Kafka, registry or database errors).',
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'outbox_publish_batch_size',
    help: 'Rows per committed relay batch.',
    buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
    registers: [registry],
  });
  const batchDuration = new Histogram({
    name: 'outbox_publish_batch_duration_seconds',
    help: 'Claim, encode, produce and commit of one relay batch.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    batchCommitted({ published: count, failed, seconds }) {
      published.inc(count);
      poisoned.inc(failed);
      batchSize.observe(count + failed);
      batchDuration.observe(seconds);
    },
    attemptFailed: () => attemptFailures.inc(),
  };
}

/**
 * Backlog gauges read from PostgreSQL at each scrape (every instance reports the same table:
 * aggregate with max(), not sum()). A failed read keeps the previous values and is logged.
 */
export function registerBacklogGauges(
  registry: Registry,
  readBacklog: () => Promise<OutboxBacklog>,
  logger: Logger,
): void {
  // Single flight: the three gauges of one scrape are collected together and share one read.
  let inFlight: Promise<OutboxBacklog | undefined> | undefined;
  const read = () =>
    (inFlight ??= readBacklog()
      .catch((error: unknown) => {
        logger.warn('outbox backlog read for metrics failed', { error: describeError(error).message });
        return undefined;
      })
      .finally(() => (inFlight = undefined)));
  const gauge = (name: string, help: string, pick: (backlog: OutboxBacklog) => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      async collect() {
        const backlog = await read();
        if (backlog) this.set(pick(backlog));
      },
    });
  gauge('outbox_pending_events', 'Outbox rows waiting to be published.', (b) => b.pending);
  gauge('outbox_failed_events', 'Outbox rows marked failed (held back until requeued).', (b) => b.failed);
  gauge(
    'outbox_oldest_pending_age_seconds',
    'Age of the oldest pending outbox row: how late publishing is.',
    (b) => b.oldestPendingAgeSeconds,
  );
}
