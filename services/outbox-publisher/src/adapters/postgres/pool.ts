import pg from 'pg';
import type { Logger } from '@platform/observability';
import { describeError, type PostgresConnection } from '@platform/runtime';

/**
 * A plain pg pool: the relay needs SQL the ORM does not express well (FOR UPDATE SKIP LOCKED,
 * LISTEN/NOTIFY), so it talks to PostgreSQL directly.
 */
export async function createPool(
  config: PostgresConnection & { poolMax: number },
  logger: Logger,
): Promise<pg.Pool> {
  // A connection attempt that hangs (a server failing over) fails instead of holding the relay.
  const pool = new pg.Pool({
    connectionString: config.url,
    ssl: config.ssl,
    max: config.poolMax,
    connectionTimeoutMillis: 10_000,
  });
  // A connection the server closes (a restart) emits 'error': on the pool while it is idle, on
  // the client itself while it is checked out (between the claim and the commit, while the batch
  // is produced). Unheard, either ends the process. Heard, the pool drops the connection and the
  // transaction's next statement fails, so the batch is rolled back and retried.
  const lost = (error: Error) => logger.warn('database connection lost', { error: describeError(error) });
  pool.on('error', lost);
  pool.on('connect', (client) => client.on('error', lost));
  await pool.query('SELECT 1'); // fail at start-up, not on the first batch
  return pool;
}
