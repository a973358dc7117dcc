import type { Logger } from '@platform/observability';
import { deleteInBatches, describeError, runEvery } from '@platform/runtime';
import type { OutboxStore } from './adapters/postgres/outbox-store.js';

/**
 * Deletes processed rows older than the retention period, in bounded batches so no single
 * statement holds many locks or bloats the WAL; runs every `intervalMs`.
 */
export function createRetention(deps: {
  store: OutboxStore;
  logger: Logger;
  retentionMs: number;
  batchSize: number;
  intervalMs: number;
}) {
  let schedule: { stop(): Promise<void> } | undefined;

  async function sweep(): Promise<void> {
    const cutoff = new Date(Date.now() - deps.retentionMs);
    const total = await deleteInBatches(
      (limit) => deps.store.deleteProcessedBefore(cutoff, limit),
      deps.batchSize,
      () => schedule !== undefined, // stopping: leave the rest for the next start
    );
    if (total > 0)
      deps.logger.info('processed outbox rows deleted', { deleted: total, older_than: cutoff.toISOString() });
  }

  return {
    start() {
      schedule = runEvery(deps.intervalMs, sweep, (error) =>
        deps.logger.warn('retention sweep failed', { error: describeError(error) }),
      );
    },
    async stop() {
      const stopping = schedule;
      schedule = undefined;
      await stopping?.stop();
    },
    sweep,
  };
}
