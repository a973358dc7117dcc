import { ConnectionException } from '@mikro-orm/core';

// What a database that is restarting, failing over, out of connections or refusing this service
// (its TLS or credentials) looks like from here: the request did not fail because of what it
// asked; the same request may succeed shortly, or on another instance.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// Node's codes for a server certificate it does not trust (no such code is "try again", but
// what a client of the API sees is a database it cannot reach, not a fault of its request).
const TLS_CODES =
  /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_\w+|ERR_TLS_\w+|ERR_SSL_\w+)$/;
// SQLSTATE: class 08 connection exception; class 28 authorization refused (pg_hba, password);
// 57P01-03 shutting down, crashed, starting up; 53300 too many connections.
const UNAVAILABLE_STATES = /^(08...|28...|57P0[123]|53300)$/;
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect|does not support SSL connections/i;

/** Whether an error (or anything it wraps) says PostgreSQL could not be reached or used. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (depth > 5 || typeof error !== 'object' || error === null) return false;
  if (error instanceof ConnectionException) return true;
  const { code, message, cause, errors } = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  if (
    typeof code === 'string' &&
    (NETWORK_CODES.has(code) || TLS_CODES.test(code) || UNAVAILABLE_STATES.test(code))
  ) {
    return true;
  }
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  const wrapped = [cause, ...(Array.isArray(errors) ? errors : [])];
  return wrapped.some((inner) => isDatabaseUnavailable(inner, depth + 1));
}
