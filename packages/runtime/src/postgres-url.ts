import fs from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { ConfigError } from './errors.js';
import { PEM } from './pem.js';

/** A PostgreSQL URL split into what node-pg reads from a URL and its TLS settings. */
export interface PostgresConnection {
  /** The URL without its TLS parameters: `ssl` carries them. */
  url: string;
  /** node-pg's `ssl` option: false for none. */
  ssl: false | ConnectionOptions;
}

const TLS_PARAMETERS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'ssl', 'uselibpqcompat'];
const MODES = ['disable', 'require', 'verify-ca', 'verify-full'];

/**
 * Reads libpq's TLS parameters of a PostgreSQL URL (`sslmode`, `sslrootcert`, `sslcert`,
 * `sslkey`) with the meaning libpq documents, and turns them into node-pg's `ssl` option:
 *  - no sslmode, or `disable`: no TLS (node-pg's default; libpq's default `prefer`, which falls
 *    back to plaintext, is refused, as is `allow`: a downgrade an attacker can force);
 *  - `require`: encrypted, the certificate verified only if `sslrootcert` is given (libpq);
 *  - `verify-ca`: the certificate chains to `sslrootcert`; `verify-full`: also names the host.
 *  `sslrootcert=system`, or none, means Node's bundled public CAs.
 * Both clients need this done for them: MikroORM builds its pool from the URL's host, port,
 * user, password and database and drops every other parameter (sslmode=verify-full connected
 * in plaintext), and node-pg reads the parameters itself but takes `require` to mean verify-full.
 * Problems are a ConfigError naming `variable`; the URL itself (it may hold a password) is never shown.
 */
export function postgresConnection(databaseUrl: string, variable = 'DATABASE_URL'): PostgresConnection {
  const url = new URL(databaseUrl);
  const param = (name: string) => url.searchParams.get(name) ?? undefined;
  const mode = param('sslmode') ?? 'disable';
  const problems: string[] = [];
  if (!MODES.includes(mode)) {
    problems.push(`${variable}: sslmode=${mode} is not supported; use ${MODES.join(', ')}`);
  }
  if (param('ssl') !== undefined || param('uselibpqcompat') !== undefined) {
    problems.push(
      `${variable}: use sslmode (and sslrootcert, sslcert, sslkey) instead of ssl or uselibpqcompat`,
    );
  }
  const read = (name: string, what: keyof typeof PEM): string | undefined => {
    const file = param(name);
    if (file === undefined || (name === 'sslrootcert' && file === 'system')) return undefined;
    try {
      const text = fs.readFileSync(file, 'utf8');
      if (!PEM[what].test(text)) problems.push(`${variable}: ${name}=${file} holds no PEM ${what}`);
      return text;
    } catch (error) {
      problems.push(
        `${variable}: ${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
      return undefined;
    }
  };
  const ca = read('sslrootcert', 'certificate');
  const cert = read('sslcert', 'certificate');
  const key = read('sslkey', 'private key');
  if ((param('sslcert') === undefined) !== (param('sslkey') === undefined)) {
    problems.push(`${variable}: sslcert and sslkey go together (a client certificate and its key)`);
  }
  if (mode === 'disable' && ['sslrootcert', 'sslcert', 'sslkey'].some((name) => param(name) !== undefined)) {
    problems.push(`${variable}: sslrootcert, sslcert and sslkey need an sslmode other than disable`);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const verify = mode !== 'require' || param('sslrootcert') !== undefined;
  for (const name of TLS_PARAMETERS) url.searchParams.delete(name);
  if (mode === 'disable') return { url: url.toString(), ssl: false };
  return {
    url: url.toString(),
    ssl: {
      ...(ca ? { ca } : {}),
      ...(cert && key ? { cert, key } : {}),
      rejectUnauthorized: verify,
      // verify-ca (and require with a root certificate): the chain, not the host name.
      ...(verify && mode !== 'verify-full' ? { checkServerIdentity: () => undefined } : {}),
    },
  };
}
