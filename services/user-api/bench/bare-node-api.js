// The peer of POST /users for the benchmark: what a person would write without Koa and an ORM,
// on bare node:http and pg. It does the same work per request as the API:
//   - verifies the bearer token (jose, the same key set, issuer, audience and algorithms) and its
//     users:write scope;
//   - reads a JSON body within the same limit and validates it with the API's own zod schema;
//   - writes the user row and its outbox row in one transaction (BEGIN, two INSERTs, COMMIT);
//   - answers 201 with the user as JSON, Location and ETag; 409 on a taken email.
// It does not log, measure, trace, rate-limit or take idempotency keys: the difference is the
// price of those and of the frameworks. Not a product: only the benchmark starts it.
//
//   DATABASE_URL=... HTTP_PORT=3098 AUTH_JWKS_FILE=... AUTH_ISSUER=... AUTH_AUDIENCE=... \
//     DATABASE_POOL_MAX=20 APP_ENV=bench node bench/bare-node-api.js
import fs from 'node:fs';
import http from 'node:http';
import { createLocalJWKSet, jwtVerify } from 'jose';
import pg from 'pg';
import { createUserInput } from '../dist/domain/user-input.js';
import { uuidV7 } from '../dist/domain/uuid-v7.js';

const env = (name) => process.env[name] ?? fail(`${name} is not set`);
function fail(message) {
  console.error(`bare-node-api: ${message}`);
  process.exit(78);
}

const BODY_LIMIT_BYTES = 16 * 1024; // the API's default HTTP_BODY_LIMIT_BYTES
const keySet = createLocalJWKSet(JSON.parse(fs.readFileSync(env('AUTH_JWKS_FILE'), 'utf8')));
const verifyOptions = {
  issuer: env('AUTH_ISSUER'),
  audience: env('AUTH_AUDIENCE'),
  algorithms: ['ES256', 'RS256'],
  clockTolerance: 5,
  requiredClaims: ['sub', 'exp'],
};
const environment = env('APP_ENV');
const pool = new pg.Pool({
  connectionString: env('DATABASE_URL'),
  max: Number(process.env.DATABASE_POOL_MAX ?? 10),
});

function send(response, status, body, headers = {}) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': status < 400 ? 'application/json' : 'application/problem+json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

const problem = (response, status, type, title) =>
  send(response, status, { type: `https://errors.outbox-platform.dev/${type}`, title, status });

async function readBody(request) {
  let size = 0;
  const chunks = [];
  for await (const chunk of request) {
    size += chunk.length;
    if (size > BODY_LIMIT_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function createUser(request, response) {
  const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
  let payload;
  try {
    if (!token) throw new Error('no token');
    ({ payload } = await jwtVerify(token, keySet, verifyOptions));
  } catch {
    return problem(response, 401, 'unauthorized', 'A valid bearer token is required');
  }
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  if (!scopes.includes('users:write')) return problem(response, 403, 'forbidden', 'Scope missing');
  if (!/^application\/json/i.test(request.headers['content-type'] ?? '')) {
    return problem(response, 415, 'unsupported-media-type', 'JSON only');
  }
  const text = await readBody(request);
  if (text === undefined) return problem(response, 413, 'payload-too-large', 'Body too large');
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return problem(response, 400, 'malformed-json', 'Body is not JSON');
  }
  const input = createUserInput.safeParse(body);
  if (!input.success) return problem(response, 422, 'validation-failed', input.error.message);

  const now = new Date();
  const user = { id: uuidV7(), email: input.data.email, name: input.data.name, version: 1 };
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      'INSERT INTO users (id, email, name, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $4, 1)',
      [user.id, user.email, user.name, now],
    );
    await client.query(
      `INSERT INTO outbox (event_id, event_type, event_date_time, environment, event_context,
         metadata_version, aggregate_type, aggregate_id, actor)
       VALUES ($1, 'user_created', $2, $3, $4, 1, 'user', $5, $6)`,
      [uuidV7(), now, environment, { user_id: user.id, ...input.data, version: 1 }, user.id, payload.sub],
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error.code === '23505') return problem(response, 409, 'duplicate-email', 'Email taken');
    throw error;
  } finally {
    client.release();
  }
  const created = now.toISOString();
  send(
    response,
    201,
    { ...user, created_at: created, updated_at: created },
    { location: `/users/${user.id}`, etag: '"1"' },
  );
}

const server = http.createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/readyz') return send(response, 200, { status: 'ready' });
  if (request.method !== 'POST' || request.url !== '/users') {
    return problem(response, 404, 'not-found', 'Not found');
  }
  createUser(request, response).catch((error) => {
    console.error(error);
    if (!response.headersSent) problem(response, 500, 'internal', 'Internal error');
  });
});
server.listen(Number(env('HTTP_PORT')), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => pool.end()));
