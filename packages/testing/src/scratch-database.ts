import { randomUUID } from 'node:crypto';
import pg from 'pg';

/**
 * An empty PostgreSQL database of its own for one spec, on the server `serverUrl` points at;
 * `drop` removes it (and ends any connection still open on it).
 */
export async function createScratchDatabase(
  serverUrl: string,
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  await runOnServer(serverUrl, [`create database ${name}`]);
  return {
    url: databaseUrl(serverUrl, name),
    drop: () => runOnServer(serverUrl, [`drop database if exists ${name} with (force)`]),
  };
}

/**
 * Database `name` on that server, dropped first if it exists (what a benchmark starts from, so
 * a run that died leaves nothing behind for the next); resolves with its URL.
 */
export async function recreateDatabase(serverUrl: string, name: string): Promise<string> {
  await runOnServer(serverUrl, [`drop database if exists ${name} with (force)`, `create database ${name}`]);
  return databaseUrl(serverUrl, name);
}

async function runOnServer(serverUrl: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
