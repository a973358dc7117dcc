import type pg from 'pg';
import type { OutboxRow } from '../../domain/outbox-row.js';

/** What the relay did with a claimed batch; stored in the claim's transaction. */
export interface BatchOutcome {
  processedIds: string[];
  failed: { id: string; reason: string }[];
}

/** The outbox as the relay needs it. */
export interface OutboxStore {
  /**
   * Claims up to `limit` pending rows of the given lanes in id order, skipping aggregates that
   * have a failed row before them, and hands them to `handle`. The rows stay locked until the
   * outcome is stored in the same transaction; if `handle` throws, nothing changes.
   *
   * The lane lock is the lease; the row locks back it up. They wait (FOR UPDATE) rather than
   * skip (SKIP LOCKED): if a lane ever changed hands while its old owner was still finishing a
   * batch, skipping that batch's rows would let the new owner publish an aggregate's later
   * events first. Waiting, it sees them processed once the old owner commits, and a second
   * statement drops rows that the old owner's commit put behind a failed one.
   */
  relayBatch(
    lanes: number[],
    limit: number,
    handle: (rows: OutboxRow[]) => Promise<BatchOutcome>,
  ): Promise<number>;
  /** Notes a failed attempt on rows that stay pending (for operators: attempts, last_error). */
  recordAttempt(ids: string[], error: string): Promise<void>;
  /** Deletes up to `limit` rows processed before `cutoff`; returns how many. */
  deleteProcessedBefore(cutoff: Date, limit: number): Promise<number>;
  /** The backlog for metrics: cheap (partial indexes), whatever the processed history. */
  backlog(): Promise<OutboxBacklog>;
}

export interface OutboxBacklog {
  pending: number;
  failed: number;
  /** Age of the oldest pending row (0 when none is pending). */
  oldestPendingAgeSeconds: number;
}

const COLUMNS = `id, event_id, event_type, event_date_time, environment, event_context, metadata_version,
  aggregate_type, aggregate_id, actor, traceparent, tracestate`;

/** The lane of an aggregate: the same expression everywhere (31-bit hash, modulo the lane count). */
const LANE_SQL = `(hashtext(aggregate_type || ':' || aggregate_id) & 2147483647) % $1`;

interface RowRecord {
  id: string;
  event_id: string;
  event_type: string;
  event_date_time: Date;
  environment: string;
  event_context: unknown;
  metadata_version: number;
  aggregate_type: string;
  aggregate_id: string;
  actor: string | null;
  traceparent: string | null;
  tracestate: string | null;
}

const toRow = (r: RowRecord): OutboxRow => ({
  id: r.id,
  eventId: r.event_id,
  eventType: r.event_type,
  eventDateTime: r.event_date_time,
  environment: r.environment,
  eventContext: r.event_context,
  metadataVersion: r.metadata_version,
  aggregateType: r.aggregate_type,
  aggregateId: r.aggregate_id,
  actor: r.actor,
  traceparent: r.traceparent,
  tracestate: r.tracestate,
});

export function createOutboxStore(pool: pg.Pool, totalLanes: number): OutboxStore {
  return {
    async relayBatch(lanes, limit, handle) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('begin');
        const { rows: claimed } = await client.query<RowRecord>(
          `select ${COLUMNS} from outbox o
            where status = 'pending'
              and ${LANE_SQL} = any($2::int[])
              and not exists (
                select 1 from outbox f
                 where f.status = 'failed' and f.aggregate_type = o.aggregate_type
                   and f.aggregate_id = o.aggregate_id and f.id < o.id)
            order by id
            limit $3
            for update`,
          [totalLanes, lanes, limit],
        );
        // A claim that waited for row locks (a batch of the lane's previous owner, still in
        // flight when lanes were re-dealt) saw the failed rows of its snapshot, from before that
        // batch committed. A new statement sees the commit: drop the rows now behind a failed one.
        const blocked = new Set(
          claimed.length === 0
            ? []
            : (
                await client.query<{ id: string }>(
                  `select o.id from outbox o
                    where o.id = any($1::bigint[])
                      and exists (
                        select 1 from outbox f
                         where f.status = 'failed' and f.aggregate_type = o.aggregate_type
                           and f.aggregate_id = o.aggregate_id and f.id < o.id)`,
                  [claimed.map((row) => row.id)],
                )
              ).rows.map((row) => row.id),
        );
        const rows = claimed.filter((row) => !blocked.has(row.id));
        if (rows.length === 0) {
          await client.query('commit');
          return 0;
        }
        const outcome = await handle(rows.map(toRow));
        if (outcome.processedIds.length > 0) {
          await client.query(
            `update outbox set status = 'processed', processed_at = now(), attempts = attempts + 1, last_error = null
              where id = any($1::bigint[])`,
            [outcome.processedIds],
          );
        }
        for (const { id, reason } of outcome.failed) {
          await client.query(
            `update outbox set status = 'failed', attempts = attempts + 1, last_error = $2 where id = $1`,
            [id, reason],
          );
        }
        await client.query('commit');
        return rows.length;
      } catch (error) {
        // A connection the rollback cannot use is closed instead of going back to the pool.
        await client.query('rollback').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw error;
      } finally {
        client.release(broken);
      }
    },

    async recordAttempt(ids, error) {
      await pool.query(
        `update outbox set attempts = attempts + 1, last_error = $2 where id = any($1::bigint[])`,
        [ids, error.slice(0, 2000)],
      );
    },

    async backlog() {
      const { rows } = await pool.query<{ pending: string; failed: string; oldest: number | null }>(
        `select (select count(*) from outbox where status = 'pending') as pending,
                (select count(*) from outbox where status = 'failed') as failed,
                (select extract(epoch from now() - created_at)::float8 from outbox
                  where status = 'pending' order by id limit 1) as oldest`,
      );
      const [row] = rows;
      return {
        pending: Number(row?.pending ?? 0),
        failed: Number(row?.failed ?? 0),
        oldestPendingAgeSeconds: Math.max(0, row?.oldest ?? 0),
      };
    },

    async deleteProcessedBefore(cutoff, limit) {
      // The outer conditions are re-checked on the row's newest version after waiting for its
      // lock; the subquery's are not: a row a replay has just set back to pending must stay.
      const result = await pool.query(
        `delete from outbox where status = 'processed' and processed_at < $1 and id in (
           select id from outbox where status = 'processed' and processed_at < $1 order by processed_at limit $2)`,
        [cutoff, limit],
      );
      return result.rowCount ?? 0;
    },
  };
}
