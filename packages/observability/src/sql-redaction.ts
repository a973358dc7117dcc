/**
 * A SQL statement with its literal values replaced by `?`, as OpenTelemetry's database
 * conventions advise for `db.query.text`. MikroORM inlines parameters into the statements it
 * sends, so without this a trace of `POST /users` would hold the user's email and name.
 * Replaced: single-quoted strings (with '' escapes, and E'' strings), and numbers standing alone.
 */
export function redactSqlLiterals(sql: string): string {
  return sql
    .replace(/(?:\b[Ee])?'(?:[^']|'')*'/g, '?')
    .replace(/(?<![\w$.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b/g, '?');
}
