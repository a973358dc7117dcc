import { memoryLogger } from '@platform/testing';
import { createIdempotencyRetention } from '../src/users/idempotency-retention.js';
import { useTestApi } from './support/api-client.js';

describe('idempotency records are purged after their retention (real PostgreSQL)', () => {
  const context = useTestApi();

  it('deletes records older than the retention, in batches, and keeps the newer ones', async () => {
    const { api, db } = context;
    for (let i = 0; i < 7; i += 1) {
      const response = await api.request('POST', '/users', {
        json: { email: `kept-${i}@x.io`, name: `K ${i}` },
        headers: { 'Idempotency-Key': `retention-${i}` },
      });
      expect(response.status).toBe(201);
    }
    const execute = (sql: string) => db.orm.em.fork().execute(sql);
    // Five of them two days old.
    await execute(
      `update idempotency_keys set created_at = now() - interval '2 days' where key in
       ('retention-0', 'retention-1', 'retention-2', 'retention-3', 'retention-4')`,
    );
    const { logger, lines } = memoryLogger();
    const retention = createIdempotencyRetention({
      orm: db.orm,
      logger,
      retentionMs: 24 * 3_600_000,
      batchSize: 2, // three statements for five rows
      intervalMs: 60_000,
    });
    expect(await retention.sweep()).toBe(5);
    const left = (await execute('select key from idempotency_keys order by key')) as { key: string }[];
    expect(left.map((r) => r.key)).toEqual(['retention-5', 'retention-6']);
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'idempotency records deleted', deleted: 5 }),
    );
    expect(await retention.sweep()).toBe(0);

    // A purged key is a new request again: same body, the user exists, so 409 (not a replay).
    const retry = await api.request('POST', '/users', {
      json: { email: 'kept-0@x.io', name: 'K 0' },
      headers: { 'Idempotency-Key': 'retention-0' },
    });
    expect(retry.status).toBe(409);
  });
});
