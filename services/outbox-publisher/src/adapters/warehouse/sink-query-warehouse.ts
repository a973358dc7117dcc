import { PlatformError } from '@platform/runtime';
import type { AuditRange, StoredEvents } from '../../audit.js';
import type { WarehouseBucketSummary } from '../../domain/audit.js';

export class WarehouseQueryError extends PlatformError {
  constructor(message: string) {
    super('WAREHOUSE_QUERY_FAILED', message);
  }
}

/** A ClickHouse string literal. */
const literal = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const time = (date: Date) => `parseDateTime64BestEffort(${literal(date.toISOString())}, 3, 'UTC')`;
const DIGEST = 'lower(hex(MD5(toString(event_id))))';
// The first 60 bits of md5(event_id), as the outbox adapter computes them in PostgreSQL.
const ID_HASH =
  'bitShiftRight(reinterpretAsUInt64(reverse(unhex(substring(hex(MD5(toString(event_id))), 1, 16)))), 4)';

/**
 * The warehouse's stored events for the audit, read through the sink's POST /query: with the
 * embedded engine the only way in while the sink runs, and the same for a ClickHouse server.
 * Needs the sink's query token. Every figure is computed by ClickHouse; only buckets and the
 * ids of differing parts cross the wire.
 */
export function createSinkQueryWarehouse(options: {
  sinkUrl: string;
  token: string;
  database: string;
  table: string;
}): StoredEvents {
  const table = `${options.database}.${options.table}`;

  async function query<Row>(sql: string): Promise<Row[]> {
    const response = await fetch(`${options.sinkUrl}/query`, {
      method: 'POST',
      body: sql,
      headers: { Authorization: `Bearer ${options.token}` },
    }).catch((error: unknown) => {
      throw new WarehouseQueryError(`the sink at ${options.sinkUrl} is not reachable: ${String(error)}`);
    });
    const body = (await response.json().catch(() => ({}))) as { rows?: Row[]; error?: string };
    if (!response.ok || !body.rows)
      throw new WarehouseQueryError(
        `the sink's /query answered HTTP ${response.status}: ${body.error ?? 'no rows'}`,
      );
    return body.rows;
  }

  const where = (range: AuditRange) =>
    `event_time >= ${time(range.from)} AND event_time < ${time(range.to)}` +
    (range.eventType === undefined ? '' : ` AND event_type = ${literal(range.eventType)}`);

  return {
    async summaries(range, hashPrefixLength) {
      const rows = await query<{
        hour: string;
        event_type: string;
        hash_prefix: string;
        events: number;
        rows: number;
        id_hash: string;
      }>(
        `SELECT formatDateTime(toStartOfHour(event_time), '%Y-%m-%dT%H:00:00.000Z', 'UTC') AS hour, event_type,
                substring(${DIGEST}, 1, ${Number(hashPrefixLength)}) AS hash_prefix,
                toUInt32(uniqExact(event_id)) AS events, toUInt32(count()) AS rows,
                toString(groupBitXorDistinct(${ID_HASH})) AS id_hash
           FROM ${table} WHERE ${where(range)}
          GROUP BY hour, event_type, hash_prefix`,
      );
      return rows.map((r): WarehouseBucketSummary => ({
        hour: r.hour,
        eventType: r.event_type,
        hashPrefix: r.hash_prefix,
        events: Number(r.events),
        rows: Number(r.rows),
        idHash: r.id_hash,
      }));
    },

    async eventIds(range, hashPrefix) {
      const rows = await query<{ event_id: string }>(
        `SELECT DISTINCT toString(event_id) AS event_id FROM ${table}
          WHERE ${where(range)} AND startsWith(${DIGEST}, ${literal(hashPrefix)})`,
      );
      return rows.map((r) => r.event_id);
    },
  };
}
