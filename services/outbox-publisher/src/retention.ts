import type { Logger } from '@platform/observability';
import { describeError } from '@platform/runtime';
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
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  async function sweep(): Promise<void> {
    const cutoff = new Date(Date.now() - deps.retentionMs);
    let total = 0;
    for (;;) {
      const deleted = await deps.store.deleteProcessedBefore(cutoff, deps.batchSize);
      total += deleted;
      if (deleted < deps.batchSize || timer === undefined) break;
    }
    if (total > 0)
      deps.logger.info('processed outbox rows deleted', { deleted: total, older_than: cutoff.toISOString() });
  }

  return {
    start() {
      timer = setInterval(() => {
        running = running
          .then(sweep)
          .catch((error) => deps.logger.warn('retention sweep failed', { error: describeError(error) }));
      }, deps.intervalMs);
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
    sweep,
  };
}
