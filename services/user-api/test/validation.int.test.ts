import { useTestApi } from './support/api-client.js';

type Case = {
  name: string;
  method: 'POST' | 'PATCH' | 'GET' | 'DELETE';
  path: string;
  contentType?: string;
  body?: string;
  headers?: Record<string, string>;
  status: number;
  problem: Record<string, unknown>;
};

const USER = '{"email":"v@x.io","name":"V"}';
const invalid = (...errors: [field: string, message: string][]) => ({
  type: 'validation-failed',
  title: 'The request is not valid',
  status: 400,
  errors: errors.map(([field, message]) => ({ field, message })),
});

// Each bad input, its exact status and problem body (instance and request_id are checked for all).
const cases = (existingId: string): Case[] => [
  {
    name: 'text/plain body',
    method: 'POST',
    path: '/users',
    contentType: 'text/plain',
    body: USER,
    status: 415,
    problem: {
      type: 'unsupported-media-type',
      title: 'The body must be application/json',
      status: 415,
      detail: 'got "text/plain"',
    },
  },
  {
    name: 'form body',
    method: 'POST',
    path: '/users',
    contentType: 'application/x-www-form-urlencoded',
    body: 'email=a',
    status: 415,
    problem: {
      type: 'unsupported-media-type',
      title: 'The body must be application/json',
      status: 415,
      detail: 'got "application/x-www-form-urlencoded"',
    },
  },
  {
    name: 'truncated JSON',
    method: 'POST',
    path: '/users',
    body: '{"email":',
    status: 400,
    problem: {
      type: 'malformed-json',
      title: 'The body is not valid JSON',
      status: 400,
      detail: expect.stringMatching(/JSON/),
    },
  },
  {
    name: 'empty body',
    method: 'POST',
    path: '/users',
    body: '',
    status: 400,
    problem: {
      type: 'malformed-json',
      title: 'The body is not valid JSON',
      status: 400,
      detail: expect.any(String),
    },
  },
  {
    name: 'array instead of object',
    method: 'POST',
    path: '/users',
    body: '[]',
    status: 400,
    problem: invalid(['/', 'must be a JSON object']),
  },
  {
    name: 'missing fields',
    method: 'POST',
    path: '/users',
    body: '{}',
    status: 400,
    problem: invalid(['/email', 'is required'], ['/name', 'is required']),
  },
  {
    name: 'wrong types',
    method: 'POST',
    path: '/users',
    body: '{"email":42,"name":true}',
    status: 400,
    problem: invalid(['/email', 'must be a string'], ['/name', 'must be a string']),
  },
  {
    name: 'null values',
    method: 'POST',
    path: '/users',
    body: '{"email":null,"name":null}',
    status: 400,
    problem: invalid(['/email', 'must be a string'], ['/name', 'must be a string']),
  },
  {
    name: 'not an email',
    method: 'POST',
    path: '/users',
    body: '{"email":"not-an-email","name":"N"}',
    status: 400,
    problem: invalid(['/email', 'must be an email address']),
  },
  {
    name: 'blank name',
    method: 'POST',
    path: '/users',
    body: '{"email":"b@x.io","name":"   "}',
    status: 400,
    problem: invalid(['/name', 'must not be empty']),
  },
  {
    name: 'huge email',
    method: 'POST',
    path: '/users',
    body: JSON.stringify({ email: `${'a'.repeat(250)}@x.io`, name: 'H' }),
    status: 400,
    problem: invalid(['/email', 'must be at most 254 characters']),
  },
  {
    name: 'huge name',
    method: 'POST',
    path: '/users',
    body: JSON.stringify({ email: 'h@x.io', name: 'n'.repeat(201) }),
    status: 400,
    problem: invalid(['/name', 'must be at most 200 characters']),
  },
  // Text PostgreSQL, jsonb, Avro or ClickHouse could not store as given (\u escapes: valid JSON).
  {
    name: 'NUL in the name',
    method: 'POST',
    path: '/users',
    body: '{"email":"nul@x.io","name":"a\\u0000b"}',
    status: 400,
    problem: invalid(['/name', 'must not contain control characters']),
  },
  {
    name: 'NUL in the email',
    method: 'POST',
    path: '/users',
    body: '{"email":"nul\\u0000@x.io","name":"N"}',
    status: 400,
    problem: invalid(['/email', 'must not contain control characters']),
  },
  {
    name: 'other control characters (BEL, DEL, a C1 control)',
    method: 'POST',
    path: '/users',
    body: '{"email":"bel\\u0007@x.io","name":"a\\u007fb\\u0085"}',
    status: 400,
    problem: invalid(
      ['/email', 'must not contain control characters'],
      ['/name', 'must not contain control characters'],
    ),
  },
  {
    name: 'unpaired surrogates',
    method: 'POST',
    path: '/users',
    body: '{"email":"s\\ud800@x.io","name":"\\udc00"}',
    status: 400,
    problem: invalid(
      ['/email', 'must be valid Unicode (no unpaired surrogates)'],
      ['/name', 'must be valid Unicode (no unpaired surrogates)'],
    ),
  },
  {
    name: 'PATCH with a NUL in the name',
    method: 'PATCH',
    path: `/users/${existingId}`,
    body: '{"name":"\\u0000"}',
    headers: { 'If-Match': '"1"' },
    status: 400,
    problem: invalid(['/name', 'must not contain control characters']),
  },
  {
    name: 'unknown field',
    method: 'POST',
    path: '/users',
    body: '{"email":"u@x.io","name":"U","admin":true}',
    status: 400,
    problem: invalid(['/', 'unknown field(s): admin']),
  },
  {
    name: 'body over the limit',
    method: 'POST',
    path: '/users',
    body: JSON.stringify({ email: 'big@x.io', name: 'x'.repeat(20_000) }),
    status: 413,
    problem: {
      type: 'payload-too-large',
      title: 'The body is too large',
      status: 413,
      detail: 'at most 16384 bytes',
    },
  },
  {
    name: 'bad Idempotency-Key',
    method: 'POST',
    path: '/users',
    body: USER,
    headers: { 'Idempotency-Key': 'k'.repeat(256) },
    status: 400,
    problem: invalid(['header/Idempotency-Key', 'must be 1-255 printable ASCII characters']),
  },
  {
    name: 'GET with a bad UUID',
    method: 'GET',
    path: '/users/12345',
    status: 400,
    problem: invalid(['path/id', 'must be a UUID']),
  },
  {
    name: 'PATCH with a bad UUID',
    method: 'PATCH',
    path: '/users/not-a-uuid',
    body: '{"name":"x"}',
    headers: { 'If-Match': '"1"' },
    status: 400,
    problem: invalid(['path/id', 'must be a UUID']),
  },
  {
    name: 'DELETE with a bad UUID',
    method: 'DELETE',
    path: '/users/1%27%20or%201=1',
    status: 400,
    problem: invalid(['path/id', 'must be a UUID']),
  },
  {
    name: 'PATCH changing nothing',
    method: 'PATCH',
    path: `/users/${existingId}`,
    body: '{}',
    headers: { 'If-Match': '"1"' },
    status: 400,
    problem: invalid(['/', 'must change at least one of email, name']),
  },
  {
    name: 'PATCH with a wrong type',
    method: 'PATCH',
    path: `/users/${existingId}`,
    body: '{"name":7}',
    headers: { 'If-Match': '"1"' },
    status: 400,
    problem: invalid(['/name', 'must be a string']),
  },
  {
    name: 'PATCH with an unknown field',
    method: 'PATCH',
    path: `/users/${existingId}`,
    body: '{"version":9}',
    headers: { 'If-Match': '"1"' },
    status: 400,
    problem: invalid(['/', 'unknown field(s): version']),
  },
  {
    name: 'PATCH as text/plain',
    method: 'PATCH',
    path: `/users/${existingId}`,
    contentType: 'text/plain',
    body: '{"name":"x"}',
    headers: { 'If-Match': '"1"' },
    status: 415,
    problem: {
      type: 'unsupported-media-type',
      title: 'The body must be application/json',
      status: 415,
      detail: 'got "text/plain"',
    },
  },
  {
    // Not an entity tag at all (RFC 9110): a malformed request, not a failed precondition.
    name: 'PATCH with a malformed If-Match',
    method: 'PATCH',
    path: `/users/${existingId}`,
    body: '{"name":"x"}',
    headers: { 'If-Match': 'version-1' },
    status: 400,
    problem: invalid(['header/If-Match', 'must be * or a list of entity tags, e.g. "3"']),
  },
  {
    // A well-formed tag this API never issues (weak: If-Match compares strongly) cannot match.
    name: 'PATCH with a weak If-Match',
    method: 'PATCH',
    path: `/users/${existingId}`,
    body: '{"name":"x"}',
    headers: { 'If-Match': 'W/"1"' },
    status: 412,
    problem: {
      type: 'version-mismatch',
      title: 'The user was changed by someone else',
      status: 412,
      current_version: 1,
    },
  },
  {
    name: 'limit too large',
    method: 'GET',
    path: '/users?limit=1000',
    status: 400,
    problem: invalid(['query/limit', 'must be between 1 and 100']),
  },
  {
    name: 'unknown route',
    method: 'GET',
    path: '/nope',
    status: 404,
    problem: { type: 'not-found', title: 'No such resource', status: 404 },
  },
];

describe('bad input: exact status, exact problem, nothing written (real PostgreSQL)', () => {
  let existingId: string;

  const t = useTestApi();

  beforeAll(async () => {
    existingId = (
      await t.api.request<{ id: string }>('POST', '/users', { json: { email: 'keep@x.io', name: 'Keep' } })
    ).body.id;
  });

  it.each(cases('00000000-0000-7000-8000-000000000000').map((c) => [c.name, c] as const))(
    '%s',
    async (_name, template) => {
      // The PATCH cases target the user created in beforeAll.
      const c = {
        ...template,
        path: template.path.replace('00000000-0000-7000-8000-000000000000', existingId),
      };
      const headers = {
        ...(c.body !== undefined ? { 'Content-Type': c.contentType ?? 'application/json' } : {}),
        ...c.headers,
      };
      const response = await t.api.request(c.method, c.path, {
        headers,
        ...(c.body !== undefined ? { body: c.body } : {}),
      });
      expect(response.status).toBe(c.status);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body).toEqual({
        ...c.problem,
        instance: c.path.split('?')[0],
        request_id: response.headers.get('x-request-id'),
      });
    },
  );

  it('wrote nothing: the one valid user and its one event are all there is, unchanged', async () => {
    const users = await t.db.sql<{ id: string; email: string; name: string; version: number }>(
      'select * from users',
    );
    expect(users).toEqual([
      expect.objectContaining({ id: existingId, email: 'keep@x.io', name: 'Keep', version: 1 }),
    ]);
    expect(await t.db.sql('select event_type from outbox')).toEqual([{ event_type: 'user_created' }]);
    expect(await t.db.sql('select key from idempotency_keys')).toEqual([]);
  });
});
