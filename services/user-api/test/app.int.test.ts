import http from 'node:http';
import { Registry } from '@platform/observability';
import type { MikroORM } from '@mikro-orm/postgresql';
import { memoryLogger } from '@platform/testing';
import { createOrm, databaseProbe } from '../src/adapters/postgres/orm.js';
import { createApp, type AppDeps } from '../src/app.js';
import { loadDatabaseConfig } from '../src/config.js';
import { listen, type RunningServer } from '../src/http/server.js';
import { createOutboxWriter } from '../src/outbox/outbox-writer.js';
import { createUserService } from '../src/users/user-service.js';

describe('user-api HTTP basics (real PostgreSQL)', () => {
  const { logger, lines } = memoryLogger();
  const depsFor = (orm: MikroORM): AppDeps => ({
    logger,
    database: databaseProbe(orm),
    users: createUserService({ orm, outbox: createOutboxWriter({ environment: 'test' }) }),
    bodyLimitBytes: 16384,
    metrics: new Registry(),
    verifyToken: () => Promise.reject(new Error('no route here needs a token')),
  });
  let orm: MikroORM;
  let server: RunningServer;
  let base: string;

  beforeAll(async () => {
    orm = await createOrm(loadDatabaseConfig().database);
    server = await listen(createApp(depsFor(orm)), { host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${server.port}`;
  });

  afterAll(async () => {
    await server.close();
    await orm.close();
  });

  it('answers liveness and readiness', async () => {
    const health = await fetch(`${base}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
  });

  it('echoes a well-formed request id and logs the request under it', async () => {
    const response = await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': 'req-123' } });
    expect(response.headers.get('x-request-id')).toBe('req-123');
    expect(lines).toContainEqual(
      expect.objectContaining({
        message: 'http request',
        request_id: 'req-123',
        path: '/healthz',
        status: 200,
      }),
    );
  });

  it('replaces a malformed request id with a fresh UUID', async () => {
    const response = await fetch(`${base}/healthz`, { headers: { 'X-Request-Id': 'bad id with spaces' } });
    expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers an unknown route with a 404 problem document', async () => {
    const response = await fetch(`${base}/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toEqual({
      type: 'not-found',
      title: 'No such resource',
      status: 404,
      instance: '/nope',
      request_id: response.headers.get('x-request-id'),
    });
  });

  // fetch() refuses TRACE and CONNECT, so these go through node:http.
  const rawRequest = (method: string, path: string) =>
    new Promise<{ status: number; allow: string | undefined; type: string | undefined; body: string }>(
      (resolve, reject) => {
        const request = http.request(`${base}${path}`, { method }, (response) => {
          let body = '';
          response.on('data', (chunk: Buffer) => (body += chunk.toString()));
          response.on('end', () =>
            resolve({
              status: response.statusCode!,
              allow: response.headers.allow,
              type: response.headers['content-type'],
              body,
            }),
          );
        });
        request.on('error', reject);
        request.end();
      },
    );

  it.each([
    ['TRACE', '/healthz', 'HEAD, GET'],
    ['DELETE', '/healthz', 'HEAD, GET'],
    ['PUT', '/users', 'POST, HEAD, GET'],
    ['TRACE', '/users/00000000-0000-7000-8000-000000000000', 'HEAD, GET, PATCH, DELETE'],
  ])('answers %s %s with 405, its Allow list and a problem document', async (method, path, allow) => {
    const response = await rawRequest(method, path);
    expect(response.status).toBe(405);
    expect(response.allow?.split(', ').sort()).toEqual(allow.split(', ').sort());
    expect(response.type).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(response.body)).toEqual(
      expect.objectContaining({ type: 'method-not-allowed', status: 405, instance: path }),
    );
  });

  it('lists the methods of a path for OPTIONS, and answers 404 for any method on no path', async () => {
    const options = await rawRequest('OPTIONS', '/users');
    expect(options.status).toBe(204);
    expect(options.allow?.split(', ').sort()).toEqual(['GET', 'HEAD', 'POST']);
    const nowhere = await rawRequest('TRACE', '/nope');
    expect(nowhere.status).toBe(404);
    expect(nowhere.allow).toBeUndefined();
  });

  it('is not ready once the database is unreachable', async () => {
    // Port 1 on loopback refuses connections: a database that is down.
    const url = new URL(loadDatabaseConfig().database.url);
    url.port = '1';
    const unreachable = await createOrm({ url: url.toString(), ssl: false, poolMax: 1 });
    const app = createApp(depsFor(unreachable));
    const other = await listen(app, { host: '127.0.0.1', port: 0 });
    try {
      const response = await fetch(`http://127.0.0.1:${other.port}/readyz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ type: 'not-ready', status: 503 });
    } finally {
      await other.close();
      await unreachable.close();
    }
  });
});
