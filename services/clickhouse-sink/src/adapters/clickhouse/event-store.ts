import type { ClickHouseClient } from '@clickhouse/client';
import type { EventRow } from '../../domain/event-row.js';

/** Where batches of events are stored. */
export interface EventStore {
  /** The table rows go to, as `database.table`. */
  readonly table: string;
  /** Inserts one batch atomically; a repeated token is dropped by ClickHouse. */
  insert(rows: EventRow[], dedupToken: string): Promise<void>;
  /**
   * The highest stored offset per partition of one topic, by Kafka's topic id (what a new owner
   * must not store again). Read from a projection: the cost does not grow with the table.
   */
  storedOffsets(topicId: string): Promise<Map<number, bigint>>;
  /**
   * Runs a query with ClickHouse's readonly=1 (the engine itself refuses any write or setting
   * change) and within the limits on time, rows and bytes.
   */
  readOnlyQuery(sql: string): Promise<unknown[]>;
}

/** Shaped to match the `stored_positions` projection (migration 2), which ClickHouse then reads. */
export const storedOffsetsQuery = (table: string) =>
  `SELECT kafka_partition AS partition, toString(max(kafka_offset)) AS offset
   FROM ${table} WHERE kafka_topic_id = {topicId:UUID} GROUP BY kafka_partition`;

/**
 * `reader` is a second client used only for operator queries. With the embedded engine it must
 * be: chdb keeps a query's settings on its connection, so `readonly=1` sent on the writer's
 * connection would make every later insert fail. On its own connection it stays read-only for good.
 */
/** What one operator query may cost; ClickHouse enforces them (result_overflow_mode throw). */
export interface QueryLimits {
  maxSeconds: number;
  maxRows: number;
  maxBytes: number;
}

export function createEventStore(
  client: ClickHouseClient,
  reader: ClickHouseClient,
  target: { database: string; table: string },
  limits: QueryLimits = { maxSeconds: 10, maxRows: 10_000, maxBytes: 10_000_000 },
): EventStore {
  const table = `${target.database}.${target.table}`;
  return {
    table,
    async insert(rows, dedupToken) {
      await client.insert({
        table,
        values: rows,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplicate: 1, insert_deduplication_token: dedupToken },
      });
    },
    async storedOffsets(topicId) {
      const result = await client.query({
        query: storedOffsetsQuery(table),
        query_params: { topicId },
        format: 'JSONEachRow',
      });
      const rows = await result.json<{ partition: number; offset: string }>();
      return new Map(rows.map((row) => [Number(row.partition), BigInt(row.offset)]));
    },
    async readOnlyQuery(sql) {
      const result = await reader.query({
        query: sql,
        format: 'JSONEachRow',
        // readonly last: with it in force the query cannot change these (its SETTINGS clause
        // is refused), and the same values sent again with the next query are accepted.
        clickhouse_settings: {
          max_execution_time: limits.maxSeconds,
          max_result_rows: String(limits.maxRows),
          max_result_bytes: String(limits.maxBytes),
          result_overflow_mode: 'throw',
          readonly: '1',
        },
      });
      return result.json();
    },
  };
}
