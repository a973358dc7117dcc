import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import type { PostgresConnection } from '@platform/runtime';
import { entities } from '../../entities/index.js';
import { isDatabaseUnavailable } from './availability.js';
import { migrationsList } from '../../migrations/index.js';

export interface DatabaseConfig extends PostgresConnection {
  poolMax: number;
}

/**
 * MikroORM on PostgreSQL. The schema is owned by the migrations in src/migrations (applied by
 * `npm run migrate`), never by schema:update at run time.
 */
export function createOrm(config: DatabaseConfig): Promise<MikroORM> {
  return MikroORM.init({
    clientUrl: config.url,
    // TLS as the URL asked for it (postgresConnection): MikroORM itself reads no URL parameters.
    driverOptions: { ssl: config.ssl },
    entities,
    pool: { min: 0, max: config.poolMax },
    extensions: [Migrator],
    migrations: { migrationsList, snapshot: false, snapshotOnMigrate: false, silent: true },
  });
}

/** Applies pending migrations; returns the names of those it ran. */
export async function migrate(orm: MikroORM): Promise<string[]> {
  const applied = await orm.migrator.up();
  return applied.map((migration) => migration.name);
}

/**
 * Readiness as the HTTP layer sees it: does a trivial query answer within the timeout?
 * (MikroORM connects lazily, so `orm.checkConnection()` reports false until a first query.)
 */
export function databaseProbe(
  orm: MikroORM,
  timeoutMs = 2000,
): { isReady(): Promise<boolean>; isUnavailable(error: unknown): boolean } {
  return {
    isUnavailable: isDatabaseUnavailable,
    isReady: async () => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      const query = orm.em
        .fork()
        .execute('select 1')
        .then(() => true)
        .catch(() => false);
      try {
        return await Promise.race([query, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
