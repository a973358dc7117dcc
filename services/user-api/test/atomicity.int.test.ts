import { createOutboxWriter, type OutboxWriter } from '../src/outbox/outbox-writer.js';
import { startTestApi } from './support/api-client.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

// The outbox promise: a user change and its event are committed together or not at all.
describe('user change and outbox row are atomic (real PostgreSQL)', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  const counts = async () => {
    const [row] = await db.sql<{ users: string; outbox: string }>(
      'select (select count(*) from users) as users, (select count(*) from outbox) as outbox',
    );
    return { users: Number(row!.users), outbox: Number(row!.outbox) };
  };

  it('leaves no user when the outbox insert fails in the database', async () => {
    // Given an outbox that rejects every insert (a trigger raising an error)
    await db.sql(`
      create function reject_outbox() returns trigger language plpgsql as
        $$ begin raise exception 'outbox unavailable'; end $$`);
    await db.sql(
      'create trigger reject_outbox before insert on outbox for each row execute function reject_outbox()',
    );
    const api = await startTestApi(db);
    try {
      // When a user is created
      const response = await api.request('POST', '/users', { json: { email: 'a@x.io', name: 'A' } });

      // Then the client gets a 500 without internals, and neither row exists
      expect(response.status).toBe(500);
      expect(JSON.stringify(response.body)).not.toMatch(/outbox unavailable|stack/i);
      expect(await counts()).toEqual({ users: 0, outbox: 0 });
    } finally {
      await api.close();
      await db.sql('drop trigger reject_outbox on outbox');
      await db.sql('drop function reject_outbox');
    }
  });

  it('leaves neither row when a fault strikes after the user insert, before commit', async () => {
    // Given a writer that lets the user INSERT reach the database, then fails
    let userRowsSeenInsideTransaction = -1;
    const real = createOutboxWriter({ environment: 'test' });
    const crashAfterInsert: OutboxWriter = {
      async append(em, event) {
        await real.append(em, event);
        await em.flush(); // the INSERTs run, inside the still-open transaction
        const [row] = await em.execute<[{ n: string }]>('select count(*) as n from users');
        userRowsSeenInsideTransaction = Number(row.n);
        throw new Error('crash after insert, before commit');
      },
    };
    const api = await startTestApi(db, { outbox: crashAfterInsert });
    try {
      const response = await api.request('POST', '/users', { json: { email: 'b@x.io', name: 'B' } });
      expect(response.status).toBe(500);
      // The user row was really written inside the transaction...
      expect(userRowsSeenInsideTransaction).toBe(1);
      // ...and rolled back with it.
      expect(await counts()).toEqual({ users: 0, outbox: 0 });
    } finally {
      await api.close();
    }
  });

  it('commits both rows when nothing fails', async () => {
    const api = await startTestApi(db);
    try {
      expect((await api.request('POST', '/users', { json: { email: 'c@x.io', name: 'C' } })).status).toBe(
        201,
      );
      expect(await counts()).toEqual({ users: 1, outbox: 1 });
    } finally {
      await api.close();
    }
  });
});
