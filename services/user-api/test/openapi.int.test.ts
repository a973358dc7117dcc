import { Registry } from '@platform/observability';
import { createRouters, routeList } from '../src/app.js';
import { openApiDocument } from '../src/http/openapi.js';
import { createUserService } from '../src/users/user-service.js';
import { createOutboxWriter } from '../src/outbox/outbox-writer.js';
import { memoryLogger } from '@platform/testing';
import { startTestApi } from './support/api-client.js';
import { openApiViolations } from './support/openapi-validator.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

describe('GET /openapi.json and the routes agree', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(2);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('documents exactly the operations the router serves', () => {
    const routers = createRouters({
      logger: memoryLogger().logger,
      database: { isReady: async () => true, isUnavailable: () => false },
      users: createUserService({ orm: db.orm, outbox: createOutboxWriter({ environment: 'test' }) }),
      bodyLimitBytes: 1024,
      metrics: new Registry(),
      verifyToken: () => Promise.reject(new Error('not called')),
    });
    const documented = Object.entries(openApiDocument().paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routeList(routers).sort()).toEqual(documented.sort());
  });

  it('serves the OpenAPI 3.1 document', async () => {
    const api = await startTestApi(db);
    try {
      const response = await api.request('GET', '/openapi.json');
      expect(response.status).toBe(200);
      expect(response.body).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
      expect(response.body).toMatchObject({ openapi: '3.1.0' });
    } finally {
      await api.close();
    }
  });

  it('flags responses that disagree with the document (the check the other specs rely on)', () => {
    const user = {
      id: '0190f5e2-0000-7000-8000-000000000000',
      email: 'a@x.io',
      name: 'A',
      version: 1,
      created_at: '2026-11-22T10:00:00.000Z',
      updated_at: '2026-11-22T10:00:00.000Z',
    };
    expect(openApiViolations('GET', `/users/${user.id}`, 200, 'application/json', user)).toEqual([]);
    expect(
      openApiViolations('GET', `/users/${user.id}`, 200, 'application/json', { ...user, version: '1' }),
    ).not.toEqual([]);
    expect(
      openApiViolations('GET', `/users/${user.id}`, 200, 'application/json', { ...user, secret: 1 }),
    ).not.toEqual([]);
    expect(openApiViolations('GET', `/users/${user.id}`, 418, 'application/json', {})).toEqual([
      'GET /users/{id}: status 418 not documented',
    ]);
    expect(openApiViolations('PUT', '/users', 200, 'application/json', {})).toEqual([
      'PUT /users: not in the document',
    ]);
  });
});
