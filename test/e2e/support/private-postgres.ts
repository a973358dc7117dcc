import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '@platform/testing';

/** The newest PostgreSQL installed from Debian's packages (what ./platform runs). */
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin/initdb')))
    .sort((a, b) => Number(a) - Number(b));
  if (versions.length === 0) throw new Error(`no PostgreSQL under ${root}; run ./platform stack up`);
  return path.join(root, versions.at(-1)!, 'bin');
}

/**
 * A PostgreSQL cluster of the test's own, so the test can restart (or crash) it under load
 * without disturbing the stack other suites share. As root it runs as the 'postgres' user, as
 * ./platform does (initdb and postgres refuse root). With `tls`, it serves that certificate and
 * refuses every connection that is not TLS (pg_hba: hostssl only).
 */
export async function startPrivatePostgres(
  options: {
    tls?: { certFile: string; keyFile: string };
    /** More server settings, as `-c name=value` (a benchmark's wal_level=logical, say). */
    settings?: string[];
  } = {},
) {
  const bin = binDir();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'private-pg-'));
  const data = path.join(home, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) execFileSync('chown', ['postgres', home]);
  const run = (tool: string, args: string[]) =>
    execFileSync(
      asRoot ? 'runuser' : path.join(bin, tool),
      asRoot ? ['-u', 'postgres', '--', path.join(bin, tool), ...args] : args,
      {
        stdio: 'pipe',
      },
    );
  const port = await freePort();
  run('initdb', ['-D', data, '-U', 'platform', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8']);
  const settings = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    "-c unix_socket_directories=''",
    ...(options.settings ?? []),
  ];
  if (options.tls) {
    // The server wants its key private to its own user.
    const cert = path.join(home, 'server.pem');
    const key = path.join(home, 'server.key');
    fs.copyFileSync(options.tls.certFile, cert);
    fs.copyFileSync(options.tls.keyFile, key);
    fs.chmodSync(key, 0o600);
    if (asRoot) execFileSync('chown', ['postgres', cert, key]);
    fs.writeFileSync(
      path.join(data, 'pg_hba.conf'),
      'hostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n',
    );
    settings.push('-c ssl=on', `-c ssl_cert_file=${cert}`, `-c ssl_key_file=${key}`);
  }
  const start = () =>
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(home, 'postgres.log'),
      '-w',
      '-t',
      '60',
      'start',
      '-o',
      [...settings, '-c max_connections=100'].join(' '),
    ]);
  const stop = (mode: 'fast' | 'immediate') =>
    run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
  start();
  return {
    port,
    url: `postgres://platform@127.0.0.1:${port}/postgres`,
    /** Stops the server the way a crash would (no checkpoint: crash recovery at the next start). */
    crash: () => stop('immediate'),
    start,
    remove(): void {
      try {
        stop('immediate');
      } catch {
        // already stopped
      }
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}
