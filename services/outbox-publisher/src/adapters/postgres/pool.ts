import pg from 'pg';
import type { Logger } from '@platform/observability';
import { describeError } from '@platform/runtime';

/**
 * A plain pg pool: the relay needs SQL the ORM does not express well (FOR UPDATE SKIP LOCKED,
 * LISTEN/NOTIFY), so it talks to PostgreSQL directly.
 */
export async function createPool(config: { url: string; poolMax: number }, logger: Logger): Promise<pg.Pool> {
  // A connection attempt that hangs (a server failing over) fails instead of holding the relay.
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.poolMax,
    connectionTimeoutMillis: 10_000,
  });
  // An idle connection the server closed (a restart) is an 'error' event on the pool; unheard,
  // Node would end the process on it. The pool drops that connection and opens a new one.
  pool.on('error', (error) => logger.warn('idle database connection lost', { error: describeError(error) }));
  await pool.query('SELECT 1'); // fail at start-up, not on the first batch
  return pool;
}
