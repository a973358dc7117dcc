import type { MikroORM } from '@mikro-orm/postgresql';
import { createOrm, databaseProbe } from '../src/adapters/postgres/orm.js';
import { loadDatabaseConfig } from '../src/config.js';

describe('PostgreSQL through createOrm (real server)', () => {
  const { database } = loadDatabaseConfig();
  let orm: MikroORM;

  beforeAll(async () => {
    orm = await createOrm(database);
  });

  afterAll(async () => {
    await orm.close();
  });

  it('runs queries in a transaction and reads back what it wrote', async () => {
    const rows = await orm.em.transactional(async (em) => {
      // em.execute runs on the transaction's connection; em.getConnection().execute would not.
      await em.execute('create temporary table smoke (id int primary key, note text) on commit drop');
      await em.execute(`insert into smoke values (1, 'a'), (2, 'b')`);
      return em.execute<{ id: number; note: string }[]>('select id, note from smoke order by id');
    });
    expect(rows).toEqual([
      { id: 1, note: 'a' },
      { id: 2, note: 'b' },
    ]);
    const [{ version }] = await orm.em
      .getConnection()
      .execute<[{ version: number }]>(`select current_setting('server_version_num')::int as version`);
    expect(version).toBeGreaterThanOrEqual(150000);
  });

  it('reports readiness from the connection', async () => {
    expect(await databaseProbe(orm).isReady()).toBe(true);
  });
});
