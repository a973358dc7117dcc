import { PoisonRowError, type OutboxRow } from './outbox-row.js';

export interface PlannedBatch<Message> {
  /** In claim (id) order: what to produce, then mark processed. */
  publish: { row: OutboxRow; message: Message }[];
  /** Rows that can never be published; marked failed with the reason. */
  failed: { row: OutboxRow; reason: string }[];
  /** Rows left pending because an earlier row of their aggregate failed (order must hold). */
  held: OutboxRow[];
}

const aggregateKey = (row: OutboxRow) => `${row.aggregateType}\u0000${row.aggregateId}`;

/**
 * Turns a claimed batch into messages. A poison row fails alone and does not stop other
 * aggregates; the later rows of its own aggregate stay pending behind it, so consumers never
 * see an aggregate's events out of order (an operator requeues the failed row once fixed).
 * Errors other than PoisonRowError (registry unreachable, ...) propagate: the batch is retried.
 */
export async function planBatch<Message>(
  rows: OutboxRow[],
  encode: (row: OutboxRow) => Promise<Message>,
): Promise<PlannedBatch<Message>> {
  const plan: PlannedBatch<Message> = { publish: [], failed: [], held: [] };
  const blocked = new Set<string>();
  for (const row of rows) {
    const key = aggregateKey(row);
    if (blocked.has(key)) {
      plan.held.push(row);
      continue;
    }
    try {
      plan.publish.push({ row, message: await encode(row) });
    } catch (error) {
      if (!(error instanceof PoisonRowError)) throw error;
      plan.failed.push({ row, reason: error.message });
      blocked.add(key);
    }
  }
  return plan;
}
