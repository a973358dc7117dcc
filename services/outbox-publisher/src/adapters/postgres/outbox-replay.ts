import type pg from 'pg';

/**
 * The replay path: processed rows matching `condition` (its parameters from $1) back to
 * pending, to be published again (consumers deduplicate on event_id). Returns their outbox ids
 * when `returning` is set, else only the count. Used by `outbox-cli replay` and `audit --repair`.
 */
export async function replayProcessed(
  pool: pg.Pool,
  condition: string,
  values: unknown[],
  returning: boolean,
): Promise<{ count: number; ids: string[] }> {
  const result = await pool.query<{ id: string }>(
    `update outbox set status = 'pending', processed_at = null, next_attempt_at = now()
      where status = 'processed' and (${condition}) ${returning ? 'returning id' : ''}`,
    values,
  );
  return { count: result.rowCount ?? 0, ids: result.rows.map((row) => row.id) };
}
