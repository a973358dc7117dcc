import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { postgresConnection } from '../src/index.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-url-'));
const caFile = path.join(dir, 'ca.pem');
fs.writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const base = 'postgres://app:s3cret@db.internal:5432/users';
const problemsOf = (url: string) => {
  try {
    postgresConnection(url);
    return [];
  } catch (error) {
    return (error as { problems: string[] }).problems;
  }
};

describe('postgresConnection: libpq TLS parameters as node-pg options', () => {
  it('no sslmode, or disable: no TLS, the URL unchanged', () => {
    expect(postgresConnection(base)).toEqual({ url: base, ssl: false });
    expect(postgresConnection(`${base}?sslmode=disable&application_name=x`)).toEqual({
      url: `${base}?application_name=x`,
      ssl: false,
    });
  });

  it('verify-full: the chain and the host name, against sslrootcert; the parameters leave the URL', () => {
    const { url, ssl } = postgresConnection(`${base}?sslmode=verify-full&sslrootcert=${caFile}`);
    expect(url).toBe(base);
    expect(ssl).toEqual({ ca: fs.readFileSync(caFile, 'utf8'), rejectUnauthorized: true });
  });

  it('verify-ca: the chain, not the host name', () => {
    const { ssl } = postgresConnection(`${base}?sslmode=verify-ca&sslrootcert=${caFile}`);
    expect(ssl).toMatchObject({ rejectUnauthorized: true });
    expect(ssl && ssl.checkServerIdentity?.('db.internal', {} as never)).toBeUndefined();
    expect(ssl && 'checkServerIdentity' in ssl).toBe(true);
  });

  it('require: encrypted, unverified unless sslrootcert is given (as libpq does)', () => {
    expect(postgresConnection(`${base}?sslmode=require`).ssl).toEqual({ rejectUnauthorized: false });
    expect(postgresConnection(`${base}?sslmode=require&sslrootcert=${caFile}`).ssl).toMatchObject({
      rejectUnauthorized: true,
    });
  });

  it('sslrootcert=system, or none: Node’s public CAs', () => {
    expect(postgresConnection(`${base}?sslmode=verify-full&sslrootcert=system`).ssl).toEqual({
      rejectUnauthorized: true,
    });
  });

  it('refuses modes that fall back to plaintext, node-pg’s own parameters and unreadable files, never showing the URL', () => {
    expect(problemsOf(`${base}?sslmode=prefer`)).toEqual([
      'DATABASE_URL: sslmode=prefer is not supported; use disable, require, verify-ca, verify-full',
    ]);
    expect(problemsOf(`${base}?ssl=true`)).toEqual([
      'DATABASE_URL: use sslmode (and sslrootcert, sslcert, sslkey) instead of ssl or uselibpqcompat',
    ]);
    expect(problemsOf(`${base}?sslmode=verify-full&sslrootcert=${dir}/missing.pem`)).toEqual([
      `DATABASE_URL: sslrootcert: cannot read ${dir}/missing.pem (ENOENT)`,
    ]);
    expect(problemsOf(`${base}?sslmode=verify-full&sslcert=${caFile}`)).toEqual([
      'DATABASE_URL: sslcert and sslkey go together (a client certificate and its key)',
    ]);
    expect(problemsOf(`${base}?sslrootcert=${caFile}`)).toEqual([
      'DATABASE_URL: sslrootcert, sslcert and sslkey need an sslmode other than disable',
    ]);
    expect(problemsOf(`${base}?sslmode=verify-full&sslkey=${caFile}&sslcert=${caFile}`)).toEqual([
      `DATABASE_URL: sslkey=${caFile} holds no PEM private key`,
    ]);
    for (const url of [`${base}?sslmode=prefer`, `${base}?ssl=1`]) {
      expect(problemsOf(url).join()).not.toContain('s3cret');
    }
  });
});
