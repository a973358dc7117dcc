import { randomUUID } from 'node:crypto';
import { useTestApi } from './support/api-client.js';
import { testToken } from './support/tokens.js';

describe('concurrent and retried creates (real PostgreSQL)', () => {
  const t = useTestApi(50);

  const countWhere = async (sql: string, values: unknown[]) =>
    Number((await t.db.sql<{ n: string }>(`select count(*) as n ${sql}`, values))[0]!.n);

  it('100 concurrent creates with one email: exactly one 201, the rest 409, exactly one event', async () => {
    const responses = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        // Letter case varies: uniqueness is case-insensitive.
        t.api.request('POST', '/users', {
          json: { email: i % 2 ? 'race@x.io' : 'RACE@x.io', name: `R${i}` },
        }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(99);
    expect(await countWhere('from users where lower(email) = $1', ['race@x.io'])).toBe(1);
    const winner = responses.find((r) => r.status === 201)!.body as { id: string };
    expect(await countWhere('from outbox where aggregate_id = $1', [winner.id])).toBe(1);
    expect(await countWhere('from outbox', [])).toBe(1);
  });

  it('replays the original response to a retried Idempotency-Key: no second user, no second event', async () => {
    const key = randomUUID();
    const first = await t.api.request('POST', '/users', {
      json: { email: 'idem@x.io', name: 'I' },
      headers: { 'Idempotency-Key': key },
    });
    const retry = await t.api.request('POST', '/users', {
      json: { email: 'idem@x.io', name: 'I' },
      headers: { 'Idempotency-Key': key },
    });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('location')).toBe(first.headers.get('location'));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const id = (first.body as { id: string }).id;
    expect(await countWhere('from users where lower(email) = $1', ['idem@x.io'])).toBe(1);
    expect(await countWhere('from outbox where aggregate_id = $1', [id])).toBe(1);
  });

  it('gives concurrent retries with one key the same original response', async () => {
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.api.request('POST', '/users', {
          json: { email: 'same-key@x.io', name: 'S' },
          headers: { 'Idempotency-Key': key },
        }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(new Set(responses.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(await countWhere('from users where lower(email) = $1', ['same-key@x.io'])).toBe(1);
    expect(
      await countWhere('from outbox where event_type = $1 and event_context->>$2 = $3', [
        'user_created',
        'email',
        'same-key@x.io',
      ]),
    ).toBe(1);
  });

  it('refuses a key reused for a different request with 422', async () => {
    const key = randomUUID();
    await t.api.request('POST', '/users', {
      json: { email: 'k1@x.io', name: 'K' },
      headers: { 'Idempotency-Key': key },
    });
    const reused = await t.api.request('POST', '/users', {
      json: { email: 'k2@x.io', name: 'K' },
      headers: { 'Idempotency-Key': key },
    });
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ type: 'idempotency-key-reused' });
    expect(await countWhere('from users where lower(email) = $1', ['k2@x.io'])).toBe(0);
  });

  it("keeps each caller's keys apart: another caller's same key neither replays nor blocks", async () => {
    const key = randomUUID();
    const mine = await t.api.request('POST', '/users', {
      json: { email: 'scoped-a@x.io', name: 'A' },
      headers: { 'Idempotency-Key': key },
    });
    expect(mine.status).toBe(201);
    const other = await testToken({ subject: 'another-client' });
    // The same request under the same key from someone else: not the first caller's user back.
    const same = await t.api.request('POST', '/users', {
      json: { email: 'scoped-a@x.io', name: 'A' },
      headers: { 'Idempotency-Key': key },
      token: other,
    });
    expect(same.status).toBe(409);
    expect(same.headers.get('idempotent-replayed')).toBeNull();
    // Another request under that key from someone else: its own, not "key reused".
    const different = await t.api.request('POST', '/users', {
      json: { email: 'scoped-b@x.io', name: 'B' },
      headers: { 'Idempotency-Key': key },
      token: other,
    });
    expect(different.status).toBe(201);
    // And each caller's retry still replays its own response.
    const retry = await t.api.request('POST', '/users', {
      json: { email: 'scoped-b@x.io', name: 'B' },
      headers: { 'Idempotency-Key': key },
      token: other,
    });
    expect([retry.status, retry.headers.get('idempotent-replayed'), retry.body]).toEqual([
      201,
      'true',
      different.body,
    ]);
  });
});
