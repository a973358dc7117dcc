import pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createScratchDatabase } from '@platform/testing';
import { createOrm, migrate } from '../../src/adapters/postgres/orm.js';
import { loadDatabaseConfig } from '../../src/config.js';

export interface TestDatabase {
  url: string;
  orm: MikroORM;
  /** Runs SQL on its own connection, outside the ORM (assertions, fault injection). */
  sql<Row extends pg.QueryResultRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<Row[]>;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database for one spec file, on the server DATABASE_URL points at; specs
 * never see each other's rows.
 */
export async function createTestDatabase(poolMax = 10): Promise<TestDatabase> {
  const scratch = await createScratchDatabase(loadDatabaseConfig().database.url, 'user_api_test');
  const url = scratch.url;
  const orm = await createOrm({ url, ssl: false, poolMax });
  await migrate(orm);
  const pool = new pg.Pool({ connectionString: url, max: 2 });

  return {
    url,
    orm,
    sql: async (text, values) => (await pool.query(text, values)).rows,
    async drop() {
      await pool.end();
      await orm.close();
      await scratch.drop();
    },
  };
}
