import { z } from 'zod';
import { createUserInput, listUsersQuery, updateUserInput, userId } from '../domain/user-input.js';
import { userListSchema, userViewSchema } from '../users/user-view.js';
import { idempotencyKeyHeader, ifMatchHeader } from './headers.js';

// The OpenAPI 3.1 description of every route, generated from the same zod schemas that validate
// requests and shape responses. A test checks that the router and this document list the same
// operations and validates every response the tests receive against it; a property-based test
// sends requests generated from it (test/openapi-fuzz.int.test.ts).

export const problemSchema = z.object({
  type: z.string().describe('Stable machine-readable identifier, e.g. "duplicate-email"'),
  title: z.string(),
  status: z.int(),
  detail: z.string().optional(),
  instance: z.string().describe('The request path'),
  request_id: z.string().describe('Also in the X-Request-Id response header and the logs'),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  current_version: z.int().optional(),
  required_scope: z.string().optional(),
});

function jsonSchema(schema: z.ZodType, io: 'input' | 'output') {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io }) as Record<string, unknown>;
  return rest;
}

const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});
const idParam = { name: 'id', in: 'path', required: true, schema: jsonSchema(userId, 'input') };
const ifMatch = (required: boolean) => ({
  name: 'If-Match',
  in: 'header',
  required,
  schema: jsonSchema(ifMatchHeader, 'input'),
});
const etagHeader = { ETag: { description: 'Version of the user, e.g. "3"', schema: { type: 'string' } } };
const common = {
  '400': problem('Invalid path, query, header or body; `errors` lists each field'),
  '401': problem('No valid bearer token; WWW-Authenticate says why'),
  '403': problem('The token lacks the scope the operation needs (required_scope)'),
  '500': problem('Unexpected error; nothing about it is revealed'),
  '429': {
    ...problem('Too many requests from this client; retry after Retry-After seconds'),
    headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
  },
  '503': {
    ...problem(
      'The database is unavailable (restarting, failing over) or too many requests are in flight; ' +
        'retry, with the same Idempotency-Key',
    ),
    headers: { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } },
  },
};
/** An OAuth2 access token (JWT) carrying this scope; OpenAPI 3.1 lists scopes for any scheme. */
const needs = (scope: string) => [{ bearer: [scope] }];
const withBody = {
  '413': problem('Body too large'),
  '415': problem('Body is not JSON'),
};

export function openApiDocument() {
  return {
    openapi: '3.1.0',
    info: {
      title: 'User API',
      version: '1.0.0',
      description:
        'Users, each change committed together with its event in the transactional outbox. ' +
        'Errors are RFC 9457 problem documents. Every response carries X-Request-Id.',
    },
    paths: {
      '/users': {
        post: {
          operationId: 'createUser',
          security: needs('users:write'),
          summary: 'Create a user; emits user_created',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              schema: jsonSchema(idempotencyKeyHeader, 'input'),
            },
          ],
          requestBody: { required: true, content: json('CreateUser') },
          responses: {
            '201': {
              description: 'Created (or the original response to a retried Idempotency-Key)',
              headers: { Location: { schema: { type: 'string' } }, ...etagHeader },
              content: json('User'),
            },
            ...common,
            ...withBody,
            '409': problem('A user with this email exists'),
            '422': problem('Idempotency-Key reused for a different request'),
          },
        },
        get: {
          operationId: 'listUsers',
          security: needs('users:read'),
          summary: 'List users in id order, by cursor',
          parameters: [
            { name: 'limit', in: 'query', schema: jsonSchema(listUsersQuery.shape.limit, 'input') },
            {
              name: 'cursor',
              in: 'query',
              schema: jsonSchema(listUsersQuery.shape.cursor, 'input'),
              description: 'next_cursor of the previous page, as given (opaque; any other value: 400)',
            },
          ],
          responses: { '200': { description: 'A page of users', content: json('UserList') }, ...common },
        },
      },
      '/users/{id}': {
        get: {
          operationId: 'getUser',
          security: needs('users:read'),
          parameters: [idParam],
          responses: {
            '200': { description: 'The user', headers: etagHeader, content: json('User') },
            ...common,
            '404': problem('No such user'),
          },
        },
        patch: {
          operationId: 'updateUser',
          security: needs('users:write'),
          summary: 'Change email and/or name; emits user_updated with what changed',
          parameters: [idParam, ifMatch(true)],
          requestBody: { required: true, content: json('UpdateUser') },
          responses: {
            '200': { description: 'The updated user', headers: etagHeader, content: json('User') },
            ...common,
            '404': problem('No such user'),
            '409': problem('Another user has this email'),
            '412': problem('If-Match does not match the current version'),
            ...withBody,
            '428': problem('If-Match is missing'),
          },
        },
        delete: {
          operationId: 'deleteUser',
          security: needs('users:write'),
          summary: 'Delete a user; emits user_deleted',
          parameters: [idParam, ifMatch(false)],
          responses: {
            '204': { description: 'Deleted' },
            ...common,
            '404': problem('No such user'),
            '412': problem('If-Match does not match the current version'),
          },
        },
      },
      '/healthz': {
        get: {
          operationId: 'liveness',
          responses: { '200': { description: 'The process is alive', content: json('Status') } },
        },
      },
      '/readyz': {
        get: {
          operationId: 'readiness',
          responses: {
            '200': { description: 'The database is reachable', content: json('Status') },
            '503': problem('The database is unreachable'),
          },
        },
      },
      '/openapi.json': {
        get: {
          operationId: 'openApiDocument',
          responses: { '200': { description: 'This document', content: { 'application/json': {} } } },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An access token from the OIDC provider (AUTH_JWKS_URL, AUTH_ISSUER, AUTH_AUDIENCE); ' +
            'scopes users:read (GET) and users:write (POST, PATCH, DELETE)',
        },
      },
      schemas: {
        CreateUser: jsonSchema(createUserInput, 'input'),
        UpdateUser: jsonSchema(updateUserInput, 'input'),
        User: jsonSchema(userViewSchema, 'output'),
        UserList: jsonSchema(userListSchema, 'output'),
        Problem: jsonSchema(problemSchema, 'output'),
        Status: jsonSchema(z.object({ status: z.enum(['ok', 'ready']) }), 'output'),
      },
    },
  };
}
