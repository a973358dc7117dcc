import { Counter, Gauge, Histogram, type Logger, type Registry } from '@platform/observability';
import { describeError } from '@platform/runtime';
import { POISON_MESSAGE_CODES, type PoisonMessageCode } from './domain/errors.js';

/** What the sink reports; see docs/operations.md, "Metrics", for how to read each series. */
export interface SinkMetrics {
  /** A batch is stored: its rows, and how long the insert took (retries included). */
  batchInserted(rows: number, seconds: number): void;
  /**
   * Rows are stored: each one's age then (now - its event_time, which the API stamps in the
   * transaction that commits the event), the end-to-end latency as the warehouse sees it.
   */
  eventsStored(eventTimes: readonly string[], now?: number): void;
  /** An insert attempt failed (it is retried). */
  insertFailed(): void;
  /** ClickHouse kept refusing a batch's data: it is inserted again in two halves. */
  insertSplit(): void;
  deadLettered(code: PoisonMessageCode): void;
}

export function createSinkMetrics(registry: Registry): SinkMetrics {
  const rowsInserted = new Counter({
    name: 'sink_rows_inserted_total',
    help: 'Rows stored in ClickHouse (a batch dropped by its deduplication token counts again).',
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'sink_insert_batch_size',
    help: 'Rows per insert.',
    buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000],
    registers: [registry],
  });
  const insertDuration = new Histogram({
    name: 'sink_insert_duration_seconds',
    help: 'Time to store one batch, retries included.',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const endToEnd = new Histogram({
    name: 'sink_end_to_end_latency_seconds',
    help: "From an event's time (stamped by the API when it commits it) to its row stored in ClickHouse.",
    buckets: [0.1, 0.25, 0.5, 0.75, 1, 1.5, 2, 5, 10, 30, 60, 300, 3600],
    registers: [registry],
  });
  const insertFailures = new Counter({
    name: 'sink_insert_errors_total',
    help: 'Insert attempts that failed and were retried.',
    registers: [registry],
  });
  const insertSplits = new Counter({
    name: 'sink_insert_splits_total',
    help: 'Batches ClickHouse kept refusing (a data error), inserted again in two halves.',
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'sink_dead_letters_total',
    help: 'Messages sent to the dead-letter topic, by error code.',
    labelNames: ['code'],
    registers: [registry],
  });
  // Every code from the start, at 0: an alert on its rate needs the series to exist.
  for (const code of POISON_MESSAGE_CODES) deadLetters.inc({ code }, 0);
  return {
    batchInserted(rows, seconds) {
      rowsInserted.inc(rows);
      batchSize.observe(rows);
      insertDuration.observe(seconds);
    },
    eventsStored(eventTimes, now = Date.now()) {
      // event_time as the rows carry it: 'YYYY-MM-DD HH:MM:SS.mmm', UTC.
      for (const time of eventTimes) {
        endToEnd.observe(Math.max(0, now - Date.parse(`${time.replace(' ', 'T')}Z`)) / 1000);
      }
    },
    insertFailed: () => insertFailures.inc(),
    insertSplit: () => insertSplits.inc(),
    deadLettered: (code) => deadLetters.inc({ code }),
  };
}

/**
 * `sink_consumer_lag{partition}`: messages on the topic not yet committed by the consumer group
 * (high watermark - committed offset), read from Kafka at each scrape. Offsets are committed
 * only after the rows are stored, so this is also what ClickHouse is missing. Every instance of
 * the group reports every partition: aggregate with max by partition.
 */
export function registerLagGauge(
  registry: Registry,
  readLag: () => Promise<Map<number, number>>,
  logger: Logger,
): void {
  new Gauge({
    name: 'sink_consumer_lag',
    help: 'Messages not yet stored and committed, per partition.',
    labelNames: ['partition'],
    registers: [registry],
    async collect() {
      try {
        const lag = await readLag();
        this.reset();
        for (const [partition, messages] of lag) this.set({ partition: String(partition) }, messages);
      } catch (error) {
        logger.warn('consumer lag read for metrics failed', { error: describeError(error).message });
      }
    },
  });
}
