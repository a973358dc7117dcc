import pg from 'pg';

/**
 * A plain pg pool: the relay needs SQL the ORM does not express well (FOR UPDATE SKIP LOCKED,
 * LISTEN/NOTIFY), so it talks to PostgreSQL directly.
 */
export async function createPool(config: { url: string; poolMax: number }): Promise<pg.Pool> {
  const pool = new pg.Pool({ connectionString: config.url, max: config.poolMax });
  await pool.query('SELECT 1'); // fail at start-up, not on the first batch
  return pool;
}
