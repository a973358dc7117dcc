import type { MikroORM, QueryResult } from '@mikro-orm/postgresql';
import type { Logger } from '@platform/observability';
import { deleteInBatches, describeError, runEvery } from '@platform/runtime';

/**
 * Idempotency records hold the first response to a keyed create, personal data included (the
 * email and name it returned). They are needed only while a client may still retry; after
 * `retentionMs` they are deleted, in batches of `batchSize` so no one statement holds many locks,
 * every `intervalMs`. A retry after that is a new request (409 if the email exists by then).
 */
export function createIdempotencyRetention(deps: {
  orm: MikroORM;
  logger: Logger;
  retentionMs: number;
  batchSize: number;
  intervalMs: number;
}) {
  let schedule: { stop(): Promise<void> } | undefined;

  async function deleteBefore(cutoff: Date, limit: number): Promise<number> {
    const result = await deps.orm.em.fork().execute<QueryResult>(
      `delete from idempotency_keys where (caller, key) in (
         select caller, key from idempotency_keys where created_at < ? order by created_at limit ?)`,
      [cutoff, limit],
      'run',
    );
    return result.affectedRows;
  }

  /** Deletes every record older than the retention period; returns how many. */
  async function sweep(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - deps.retentionMs);
    const total = await deleteInBatches((limit) => deleteBefore(cutoff, limit), deps.batchSize);
    if (total > 0) {
      deps.logger.info('idempotency records deleted', { deleted: total, older_than: cutoff.toISOString() });
    }
    return total;
  }

  return {
    start() {
      schedule = runEvery(
        deps.intervalMs,
        () => sweep(),
        (error) => deps.logger.warn('idempotency retention failed', { error: describeError(error) }),
      );
    },
    async stop() {
      await schedule?.stop();
    },
    sweep,
  };
}
