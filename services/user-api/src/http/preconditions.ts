/** ETag of a user version: a strong validator, e.g. "3". */
export const etagOf = (version: number) => `"${version}"`;

/**
 * The version an If-Match header asks for: a number, "any" for `*`, or "unmatchable" for a
 * value that can never equal one of our ETags (so the request fails with 412).
 */
export function parseIfMatch(header: string): number | 'any' | 'unmatchable' {
  const value = header.trim();
  if (value === '*') return 'any';
  const match = /^"(\d{1,9})"$/.exec(value);
  return match ? Number(match[1]) : 'unmatchable';
}
