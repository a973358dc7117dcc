import { ConnectionException } from '@mikro-orm/core';

// What a database that is restarting, failing over or out of connections looks like from here:
// the request did not fail because of what it asked, and the same request may succeed shortly.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// SQLSTATE: class 08 connection exception; 57P01-03 shutting down, crashed, starting up;
// 53300 too many connections.
const UNAVAILABLE_STATES = /^(08...|57P0[123]|53300)$/;
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection timeout|timeout exceeded when trying to connect/i;

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
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.test(code))) return true;
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return true;
  const wrapped = [cause, ...(Array.isArray(errors) ? errors : [])];
  return wrapped.some((inner) => isDatabaseUnavailable(inner, depth + 1));
}
