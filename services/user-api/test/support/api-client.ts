import { createApp } from '../../src/app.js';
import type { RequestLimits } from '../../src/http/limits.js';
import { listen, type RunningServer } from '../../src/http/server.js';
import { databaseProbe } from '../../src/adapters/postgres/orm.js';
import { createOutboxWriter, type OutboxWriter } from '../../src/outbox/outbox-writer.js';
import { createUserService } from '../../src/users/user-service.js';
import { createMetricsRegistry, type Registry } from '@platform/observability';
import { memoryLogger } from '@platform/testing';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { openApiViolations } from './openapi-validator.js';
import { testToken, testTokenVerifier } from './tokens.js';

export interface ApiResponse<Body = unknown> {
  status: number;
  headers: Headers;
  body: Body;
}

export interface TestApi {
  request<Body = Record<string, unknown>>(
    method: string,
    path: string,
    /** `token: null` sends no Authorization; by default a read-and-write token goes along. */
    options?: { json?: unknown; body?: string; headers?: Record<string, string>; token?: string | null },
  ): Promise<ApiResponse<Body>>;
  logLines: Record<string, unknown>[];
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  /** The app's metrics registry (what the ops port's GET /metrics serves). */
  metrics: Registry;
  close(): Promise<void>;
}

/**
 * The real app on a real port over a test database. Every response is checked against the
 * OpenAPI document; a response that does not conform fails the test that received it.
 */
export async function startTestApi(
  db: TestDatabase,
  options: {
    outbox?: OutboxWriter;
    bodyLimitBytes?: number;
    limits?: RequestLimits;
    trustedProxyHops?: number;
  } = {},
): Promise<TestApi> {
  const { logger, lines } = memoryLogger();
  const metrics = createMetricsRegistry({ name: 'user-api', version: 'test' });
  const users = createUserService({
    orm: db.orm,
    outbox: options.outbox ?? createOutboxWriter({ environment: 'test' }),
  });
  const app = createApp({
    logger,
    database: databaseProbe(db.orm),
    users,
    bodyLimitBytes: options.bodyLimitBytes ?? 16384,
    metrics,
    verifyToken: await testTokenVerifier(),
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.trustedProxyHops ? { trustedProxyHops: options.trustedProxyHops } : {}),
  });
  const defaultToken = await testToken();
  const server: RunningServer = await listen(app, { host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${server.port}`;

  return {
    logLines: lines,
    metrics,
    baseUrl: base,
    close: () => server.close(),
    async request(method, path, { json, body, headers: given = {}, token = defaultToken } = {}) {
      const headers = token === null ? given : { Authorization: `Bearer ${token}`, ...given };
      const response = await fetch(`${base}${path}`, {
        method,
        headers: json === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
        ...(json !== undefined ? { body: JSON.stringify(json) } : body !== undefined ? { body } : {}),
      });
      const text = await response.text();
      const contentType = response.headers.get('content-type') ?? '';
      const parsed = contentType.includes('json') && text ? JSON.parse(text) : text;
      const violations = openApiViolations(
        method,
        path,
        response.status,
        contentType,
        parsed === '' ? undefined : parsed,
      );
      if (violations.length) {
        throw new Error(`response does not match the OpenAPI document:\n${violations.join('\n')}\n${text}`);
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
  };
}

/**
 * Registers beforeAll/afterAll for a spec that needs its own database and a running API; the
 * returned object is filled in before the first test runs.
 */
export function useTestApi(poolMax = 10): { db: TestDatabase; api: TestApi } {
  const context = {} as { db: TestDatabase; api: TestApi };
  beforeAll(async () => {
    context.db = await createTestDatabase(poolMax);
    context.api = await startTestApi(context.db);
  });
  afterAll(async () => {
    await context.api?.close();
    await context.db?.drop();
  });
  return context;
}
