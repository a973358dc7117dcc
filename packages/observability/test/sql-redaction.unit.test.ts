import { redactSqlLiterals } from '../src/sql-redaction.js';

describe('redactSqlLiterals', () => {
  it('replaces string literals, escaped quotes and JSON included', () => {
    expect(
      redactSqlLiterals(
        `insert into "users" ("id", "email", "name") values ('01a2-7b', 'ann@example.com', 'O''Brien') returning "version"`,
      ),
    ).toBe(`insert into "users" ("id", "email", "name") values (?, ?, ?) returning "version"`);
    expect(redactSqlLiterals(`values ('{"email":"ann@example.com"}', E'a\\nb')`)).toBe('values (?, ?)');
  });

  it('replaces numbers but not identifiers or placeholders that contain digits', () => {
    expect(
      redactSqlLiterals('select * from t1 where id = $1 and version = 42 and score > -1.5e3 limit 10'),
    ).toBe('select * from t1 where id = $1 and version = ? and score > ? limit ?');
  });

  it('leaves statements without literals unchanged', () => {
    const sql = 'select id, email from users where lower(email) = lower($1) for update';
    expect(redactSqlLiterals(sql)).toBe(sql);
  });
});
