// What the publisher's benchmarks share: a fresh, migrated database on the server DATABASE_URL names.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';

const migrate = path.resolve(import.meta.dirname, '../../user-api/dist/migrate.js');

/** The URL of database `name`, dropped if it existed, created and migrated (the API's migrations). */
export async function freshDatabaseUrl(name) {
  if (!process.env.DATABASE_URL) {
    console.error('bench: DATABASE_URL is not set (eval "$(./platform env)")');
    process.exit(1);
  }
  const server = new URL(process.env.DATABASE_URL);
  const admin = new pg.Client({ connectionString: server.toString() });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  execFileSync(process.execPath, [migrate], {
    env: { ...process.env, DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
  return url.toString();
}
