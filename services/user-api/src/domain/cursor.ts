import { validationFailed } from './errors.js';

// Opaque to clients: base64url of the last id of the previous page. Keyset pagination on the
// primary key: rows added while a client pages never make it see a row twice or skip one.

export function encodeCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function decodeCursor(cursor: string): string {
  try {
    const { after } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof after === 'string' && UUID.test(after)) return after;
  } catch {
    // fall through: not a cursor we issued
  }
  throw validationFailed([{ field: 'query/cursor', message: 'is not a cursor this API issued' }]);
}
