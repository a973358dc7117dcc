import http from 'node:http';
import { startTestApi, type TestApi } from './support/api-client.js';
import { testToken } from './support/tokens.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

describe('abuse limits: rate per client and requests in flight (real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase(4);
    // A burst of 3, then one request per 10 s; one request in flight at a time.
    api = await startTestApi(db, { limits: { ratePerSecond: 0.1, rateBurst: 3, maxConcurrent: 1 } });
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('answers 429 with Retry-After past the burst, and never limits the probes', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await api.request('GET', '/users')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await api.request('GET', '/users');
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ type: 'rate-limited', status: 429 });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 10; i += 1) expect((await api.request('GET', '/healthz')).status).toBe(200);
  });
});

describe('the rate limit behind a trusted proxy (X-Forwarded-For, real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase(4);
    // One request per client, then one per 10 s; one proxy hop in front of the API.
    api = await startTestApi(db, {
      limits: { ratePerSecond: 0.1, rateBurst: 1, maxConcurrent: 100 },
      trustedProxyHops: 1,
    });
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  const from = (forwardedFor: string) =>
    api.request('GET', '/users', { headers: { 'x-forwarded-for': forwardedFor } });

  it('keys on the address the proxy saw, whatever a client writes to the left of it', async () => {
    // The proxy appends the address it saw; anything before it the client wrote itself.
    expect((await from('1.1.1.1, 203.0.113.7')).status).toBe(200);
    expect((await from('2.2.2.2, 203.0.113.7')).status).toBe(429);
    expect((await from('203.0.113.7')).status).toBe(429);
    // Another client behind the same proxy has a budget of its own.
    expect((await from('198.51.100.9')).status).toBe(200);
  });
});

describe('requests in flight (real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: TestApi;

  beforeAll(async () => {
    db = await createTestDatabase(4);
    api = await startTestApi(db, { limits: { ratePerSecond: 1000, rateBurst: 1000, maxConcurrent: 1 } });
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  it('refuses a request beyond the cap with 503 and Retry-After, at once, while one is in flight', async () => {
    // A POST whose body is still arriving holds the only slot.
    const { port } = new URL(api.baseUrl);
    const token = await testToken();
    const slow = http.request({
      host: '127.0.0.1',
      port,
      path: '/users',
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': 40, authorization: `Bearer ${token}` },
    });
    const slowAnswer = new Promise<number>((resolve) =>
      slow.on('response', (r) => resolve(r.statusCode ?? 0)),
    );
    slow.write('{"email":"slow@x.io",');
    await new Promise((resolve) => setTimeout(resolve, 200));

    const refused = await api.request('GET', '/users');
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ type: 'overloaded' });
    expect(refused.headers.get('retry-after')).toBe('1');

    slow.end('"name":"Slow"}'.padEnd(19, ' '));
    expect(await slowAnswer).toBe(201);
    expect((await api.request('GET', '/users')).status).toBe(200); // the slot is free again
  });
});
