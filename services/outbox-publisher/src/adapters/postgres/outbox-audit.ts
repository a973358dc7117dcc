import type pg from 'pg';
import type { AuditRange, CommittedEvents } from '../../audit.js';
import type { BucketSummary, CommittedEvent } from '../../domain/audit.js';
import { replayProcessed } from './outbox-replay.js';

// The bucket's hour as the warehouse adapter writes it, and the first 60 bits of md5(event_id)
// as a bigint: ClickHouse computes the same value from the same digest.
const HOUR = `to_char(date_trunc('hour', event_date_time at time zone 'UTC'), 'YYYY-MM-DD"T"HH24:00:00.000"Z"')`;
const ID_HASH = `('x' || left(md5(event_id::text), 15))::bit(60)::bigint`;

/** The outbox's committed events for the audit: aggregated in PostgreSQL, one pass per range. */
export function createOutboxAudit(pool: pg.Pool): CommittedEvents {
  /** The range's condition, its parameters starting at $1. */
  const where = (range: AuditRange) => ({
    sql: `event_date_time >= $1 and event_date_time < $2${range.eventType === undefined ? '' : ' and event_type = $3'}`,
    values: range.eventType === undefined ? [range.from, range.to] : [range.from, range.to, range.eventType],
  });

  return {
    async summaries(range, hashPrefixLength) {
      const condition = where(range);
      const { rows } = await pool.query<{
        hour: string;
        event_type: string;
        hash_prefix: string;
        events: string;
        id_hash: string;
      }>(
        `select ${HOUR} as hour, event_type, left(md5(event_id::text), ${Number(hashPrefixLength)}) as hash_prefix,
                count(*) as events, bit_xor(${ID_HASH})::text as id_hash
           from outbox where ${condition.sql}
          group by 1, 2, 3`,
        condition.values,
      );
      return rows.map((r): BucketSummary => ({
        hour: r.hour,
        eventType: r.event_type,
        hashPrefix: r.hash_prefix,
        events: Number(r.events),
        idHash: r.id_hash,
      }));
    },

    async events(range, hashPrefix) {
      const condition = where(range);
      const { rows } = await pool.query<{ event_id: string; status: CommittedEvent['status'] }>(
        `select event_id::text, status from outbox
          where ${condition.sql} and left(md5(event_id::text), ${hashPrefix.length}) = $${condition.values.length + 1}`,
        [...condition.values, hashPrefix],
      );
      return rows.map((r) => ({ eventId: r.event_id, status: r.status }));
    },

    async republish(eventIds, publishedBefore) {
      const condition = 'event_id = any($1::uuid[]) and processed_at < $2';
      return (await replayProcessed(pool, condition, [eventIds, publishedBefore], true)).ids;
    },
  };
}
