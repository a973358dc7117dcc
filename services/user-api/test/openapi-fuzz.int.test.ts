import fc from 'fast-check';
import { startTestApi, type ApiResponse, type TestApi } from './support/api-client.js';
import {
  conforms,
  document,
  parameterTextFor,
  parameterValue,
  valuesFor,
  type Operation,
  type Parameter,
} from './support/openapi-arbitraries.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

// Requests generated from /openapi.json alone, valid and not, sent to the real API on a real
// PostgreSQL. Held: no 5xx; every response is one the document lists, with a body matching it
// (startTestApi checks each); a request the document allows is accepted, or refused only for a
// reason that depends on the state (404, 409, 412, 422), never as invalid (400).

/** A parameter's value: text, or one taken from what the API answered before (resolved when sent). */
type ParameterChoice = { text: string } | { fromState: number } | undefined;

interface GeneratedRequest {
  path: string;
  method: string;
  parameters: Record<string, ParameterChoice>;
  body: { json: unknown } | { raw: string } | undefined;
}

// What a header can carry at all (RFC 9110 field values; fetch refuses the rest before sending).
const headerText = fc.string({
  unit: fc
    .oneof(fc.constant(0x09), fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
    .map((c) => String.fromCharCode(c)),
});
const anyText = fc.string({ unit: 'binary', maxLength: 30 });

// A user id, an If-Match or a cursor is most interesting when it names something that exists.
const STATEFUL = new Set(['id', 'If-Match', 'cursor']);

function parameterChoices(parameter: Parameter): fc.Arbitrary<ParameterChoice> {
  const choices: fc.WeightedArbitrary<ParameterChoice>[] = [
    { weight: 2, arbitrary: parameterTextFor(parameter.schema).map((text) => ({ text })) },
    { weight: 1, arbitrary: (parameter.in === 'header' ? headerText : anyText).map((text) => ({ text })) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  ];
  if (STATEFUL.has(parameter.name)) {
    choices.push({ weight: 6, arbitrary: fc.nat().map((n) => ({ fromState: n })) });
  }
  return fc.oneof(...choices);
}

function requestsFor(path: string, method: string, operation: Operation): fc.Arbitrary<GeneratedRequest> {
  const parameters = Object.fromEntries(
    (operation.parameters ?? []).map((parameter) => [parameter.name, parameterChoices(parameter)]),
  );
  const bodySchema = operation.requestBody?.content['application/json']?.schema;
  const body = bodySchema
    ? fc.oneof(
        { weight: 4, arbitrary: valuesFor(bodySchema).map((json) => ({ json })) },
        { weight: 1, arbitrary: fc.jsonValue().map((json) => ({ json })) },
        { weight: 1, arbitrary: anyText.map((raw) => ({ raw })) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      )
    : fc.constant(undefined);
  return fc
    .record({ parameters: fc.record(parameters, { requiredKeys: [] }), body })
    .map((generated) => ({ path, method, ...generated }));
}

const operations = document.paths as unknown as Record<string, Record<string, Operation>>;
const operationOf = (request: GeneratedRequest) => operations[request.path]![request.method]!;

const allRequests = fc.oneof(
  ...Object.entries(operations).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, operation]) => ({
      // The users resource is what there is to find; the probes and documents are simple.
      weight: path.startsWith('/users') ? 4 : 1,
      arbitrary: requestsFor(path, method, operation),
    })),
  ),
);

describe('requests generated from the OpenAPI document (fast-check, real PostgreSQL)', () => {
  let db: TestDatabase;
  let api: TestApi;
  // What the API has answered so far: users (with their current version) and page cursors.
  const users: { id: string; version: number }[] = [];
  const cursors: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(4);
    api = await startTestApi(db);
    for (const n of [1, 2, 3]) {
      const { body } = await api.request<{ id: string; version: number }>('POST', '/users', {
        json: { email: `seed${n}@x.io`, name: `Seed ${n}` },
      });
      users.push({ id: body.id, version: body.version });
    }
  });

  afterAll(async () => {
    await api.close();
    await db.drop();
  });

  /** The request as sent: state resolved, parameters placed; and whether the document allows it. */
  function materialize(request: GeneratedRequest) {
    const user = (n: number) => users[n % users.length]!;
    let path = request.path;
    const query = new URLSearchParams();
    const headers: Record<string, string> = {};
    let documented = true;
    let opaqueCursor = false;
    const operation = operationOf(request);
    for (const parameter of operation.parameters ?? []) {
      const choice = request.parameters[parameter.name];
      let text: string | undefined;
      if (choice && 'fromState' in choice) {
        if (parameter.name === 'id') text = user(choice.fromState).id;
        // The ETag of the user the path names, when it names a known one: a matching If-Match.
        if (parameter.name === 'If-Match') {
          const named = users.find((u) => path.endsWith(`/${u.id}`)) ?? user(choice.fromState);
          text = `"${named.version}"`;
        }
        if (parameter.name === 'cursor') text = cursors[choice.fromState % Math.max(1, cursors.length)];
      } else if (choice) {
        text = choice.text;
        if (parameter.name === 'cursor') opaqueCursor = true; // not one the API issued
      }
      if (text === undefined) {
        if (parameter.required) documented = false;
        continue;
      }
      // Header values arrive without surrounding spaces and tabs (HTTP's optional white space;
      // not other white space such as U+00A0, which String.trim would also remove).
      const seen = parameter.in === 'header' ? text.replace(/^[ \t]+|[ \t]+$/g, '') : text;
      if (parameter.in === 'header' && seen === '') {
        if (parameter.required) documented = false;
        continue; // an empty header is no header to the server
      }
      if (!conforms(parameter.schema, parameterValue(parameter.schema, seen))) documented = false;
      if (parameter.in === 'path') path = path.replace(`{${parameter.name}}`, encodeURIComponent(text));
      if (parameter.in === 'query') query.set(parameter.name, text);
      if (parameter.in === 'header') headers[parameter.name] = text;
    }
    const bodySchema = operation.requestBody?.content['application/json']?.schema;
    if (bodySchema) {
      if (!request.body || !('json' in request.body)) documented = false;
      else if (!conforms(bodySchema, request.body.json)) documented = false;
    }
    const search = query.size > 0 ? `?${query.toString()}` : '';
    return {
      method: request.method.toUpperCase(),
      path: `${path}${search}`,
      headers,
      documented,
      opaqueCursor,
      options: {
        headers,
        ...(request.body && 'json' in request.body ? { json: request.body.json } : {}),
        ...(request.body && 'raw' in request.body
          ? { body: request.body.raw, headers: { ...headers, 'Content-Type': 'application/json' } }
          : {}),
      },
    };
  }

  /** Learns from each answer: new users, versions, deletions, cursors. */
  function remember(method: string, path: string, response: ApiResponse) {
    const body = response.body as { id?: string; version?: number; next_cursor?: string | null };
    if (method === 'POST' && response.status === 201) users.push({ id: body.id!, version: body.version! });
    const known = users.find((u) => body.id !== undefined && u.id === body.id);
    if (known && response.status === 200) known.version = body.version!;
    if (method === 'GET' && path.startsWith('/users?') && body.next_cursor) cursors.push(body.next_cursor);
  }

  it('answers every generated request as the document says', async () => {
    const seen: Record<string, number> = {};
    const stateDependent = new Set([404, 409, 412, 422]);
    await fc.assert(
      fc.asyncProperty(allRequests, async (generated) => {
        const request = materialize(generated);
        // Throws when the status or body is not what the document lists for this operation.
        const response = await api.request(request.method, request.path, request.options);
        remember(request.method, request.path, response);
        const key = `${request.method} ${generated.path} ${response.status}${request.documented ? '' : ' (invalid request)'}`;
        seen[key] = (seen[key] ?? 0) + 1;

        expect(response.status).toBeLessThan(500);
        if (request.documented && response.status >= 400 && !stateDependent.has(response.status)) {
          const errors = (response.body as { errors?: { field: string }[] }).errors ?? [];
          // A cursor is opaque: the document can state its shape, not whether the API issued it.
          const onlyTheCursor = errors.length > 0 && errors.every((e) => e.field === 'query/cursor');
          if (!(request.opaqueCursor && onlyTheCursor)) {
            throw new Error(
              `${request.method} ${request.path} ${JSON.stringify(request.options)} is allowed by the ` +
                `document but answered ${response.status}: ${JSON.stringify(response.body)}`,
            );
          }
        }
      }),
      { numRuns: 600 },
    );

    // The generator reached every operation with requests the API accepted, and with bad ones.
    const reached = [
      'POST /users 201',
      'GET /users 200',
      'GET /users/{id} 200',
      'PATCH /users/{id} 200',
      'DELETE /users/{id} 204',
    ];
    expect(reached.filter((outcome) => !seen[outcome])).toEqual([]);
    expect(Object.keys(seen).filter((k) => k.endsWith('(invalid request)')).length).toBeGreaterThan(5);
  }, 120_000);
});
