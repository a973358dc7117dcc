import { PlatformError } from '@platform/runtime';

/**
 * An error the client can act on. `status` is the HTTP status it maps to; `type` is the stable
 * identifier of the problem document (RFC 9457) the HTTP layer sends.
 */
export class ClientError extends PlatformError {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(type.toUpperCase().replaceAll('-', '_'), detail ?? title);
  }
}

export interface FieldError {
  /** JSON-pointer-like path of the offending field, e.g. "/email" or "query/limit". */
  field: string;
  message: string;
}

export const validationFailed = (errors: FieldError[]) =>
  new ClientError(400, 'validation-failed', 'The request is not valid', undefined, { errors });
export const malformedJson = (detail: string) =>
  new ClientError(400, 'malformed-json', 'The body is not valid JSON', detail);
export const unsupportedMediaType = (got: string) =>
  new ClientError(415, 'unsupported-media-type', 'The body must be application/json', `got "${got}"`);
export const payloadTooLarge = (limitBytes: number) =>
  new ClientError(413, 'payload-too-large', 'The body is too large', `at most ${limitBytes} bytes`);
export const userNotFound = (id: string) =>
  new ClientError(404, 'user-not-found', 'No such user', `no user with id ${id}`);
export const duplicateEmail = () =>
  new ClientError(409, 'duplicate-email', 'A user with this email already exists');
export const versionMismatch = (current: number) =>
  new ClientError(412, 'version-mismatch', 'The user was changed by someone else', undefined, {
    current_version: current,
  });
export const preconditionRequired = () =>
  new ClientError(428, 'precondition-required', 'Send If-Match with the ETag of the version you change');
export const idempotencyKeyReused = () =>
  new ClientError(
    422,
    'idempotency-key-reused',
    'This Idempotency-Key was used for a different request',
    'Use a new key for a new request',
  );
export const databaseUnavailableError = () =>
  new ClientError(
    503,
    'database-unavailable',
    'The database is unavailable',
    'Retry after Retry-After seconds',
  );
export const unauthorized = (detail: string) =>
  new ClientError(401, 'unauthorized', 'Authentication required', detail);
export const forbidden = (scope: string) =>
  new ClientError(403, 'insufficient-scope', 'The token lacks the scope this needs', `needs ${scope}`, {
    required_scope: scope,
  });
export const rateLimited = (seconds: number) =>
  new ClientError(429, 'rate-limited', 'Too many requests', `retry after ${seconds} s`);
export const overloaded = () =>
  new ClientError(503, 'overloaded', 'Too many requests in flight', 'Retry after Retry-After seconds');
