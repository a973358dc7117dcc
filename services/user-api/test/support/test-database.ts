import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import { createOrm, migrate } from '../../src/adapters/postgres/orm.js';
import { loadUserApiConfig } from '../../src/config.js';

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
  const serverUrl = new URL(loadUserApiConfig().database.url);
  const name = `user_api_test_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();

  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const orm = await createOrm({ url: url.toString(), poolMax });
  await migrate(orm);
  const pool = new pg.Pool({ connectionString: url.toString(), max: 2 });

  return {
    url: url.toString(),
    orm,
    sql: async (text, values) => (await pool.query(text, values)).rows,
    async drop() {
      await pool.end();
      await orm.close();
      const client = new pg.Client({ connectionString: serverUrl.toString() });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}
