import { MikroORM } from '@mikro-orm/postgresql';

export interface DatabaseConfig {
  url: string;
  poolMax: number;
}

/** MikroORM on PostgreSQL. Entities are registered here as the domain gains them. */
export function createOrm(config: DatabaseConfig): Promise<MikroORM> {
  return MikroORM.init({
    clientUrl: config.url,
    entities: [],
    discovery: { warnWhenNoEntities: false },
    pool: { min: 0, max: config.poolMax },
  });
}

/**
 * Readiness as the HTTP layer sees it: does a trivial query answer within the timeout?
 * (MikroORM connects lazily, so `orm.checkConnection()` reports false until a first query.)
 */
export function databaseProbe(orm: MikroORM, timeoutMs = 2000): { isReady(): Promise<boolean> } {
  return {
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
