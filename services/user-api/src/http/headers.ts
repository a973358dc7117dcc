import { z } from 'zod';

// The request headers the API reads, as zod schemas: the routes validate with them and the
// OpenAPI document is generated from them.

/** Printable ASCII, as in the IETF Idempotency-Key draft's examples (UUIDs, random strings). */
export const idempotencyKeyHeader = z
  .string()
  .regex(/^[\x21-\x7e]{1,255}$/, { message: 'must be 1-255 printable ASCII characters' })
  .describe('A retry with the same key and body returns the original response');

// RFC 9110, 13.1.1: "*" or a list of entity tags, each [W/]"<etagc>*" (obs-text arrives as
// Latin-1 characters in Node's header strings).
const ENTITY_TAG = /(W\/)?"([\x21\x23-\x7e\x80-\xff]*)"/g;
const TAG = '(W/)?"[\\x21\\x23-\\x7e\\x80-\\xff]*"';
const IF_MATCH = new RegExp(`^(\\*|${TAG}([ \\t]*,[ \\t]*${TAG})*)$`);

export const ifMatchHeader = z
  .string()
  .regex(IF_MATCH, { message: 'must be * or a list of entity tags, e.g. "3"' })
  .describe('The ETag of the version being changed, e.g. "3" (a list: any of them), or *');

/** ETag of a user version: a strong validator, e.g. "3". */
export const etagOf = (version: number) => `"${version}"`;

/**
 * The versions a valid If-Match header names: "any" for `*`, else the versions of its strong
 * tags that are ours. Weak tags never match (If-Match compares strongly), nor do tags we never
 * issue: an empty list, and the request fails with 412.
 */
export function versionsOf(header: string): 'any' | number[] {
  if (header === '*') return 'any';
  const versions: number[] = [];
  for (const [, weak, opaque = ''] of header.matchAll(ENTITY_TAG)) {
    if (!weak && /^\d{1,9}$/.test(opaque)) versions.push(Number(opaque));
  }
  return versions;
}
