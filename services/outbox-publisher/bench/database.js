// What the publisher's benchmarks share: a fresh, migrated database, and pending rows to relay.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { recreateDatabase } from '@platform/testing';

const migrate = path.resolve(import.meta.dirname, '../../user-api/dist/migrate.js');

/**
 * The URL of database `name` on `serverUrl`'s server (the stack's by default), dropped if it
 * existed, created and migrated (the API's migrations).
 */
export async function freshDatabaseUrl(name, serverUrl = process.env.DATABASE_URL) {
  if (!serverUrl) {
    console.error('bench: DATABASE_URL is not set (eval "$(./platform env)")');
    process.exit(1);
  }
  const url = await recreateDatabase(serverUrl, name);
  execFileSync(process.execPath, [migrate], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
  return url;
}

/** `count` pending user_created rows, one user each, committed at once (a pg Client or Pool). */
export async function fillOutbox(db, count) {
  await db.query(
    `insert into outbox (event_id, event_type, event_date_time, environment, event_context, metadata_version,
       aggregate_type, aggregate_id)
     select gen_random_uuid(), 'user_created', now(), 'bench',
            jsonb_build_object('user_id', u, 'email', 'b' || i || '@x.io', 'name', 'Bench User', 'version', 1),
            1, 'user', u::text
       from (select i, gen_random_uuid() as u from generate_series(1, $1) i) s`,
    [count],
  );
}

/**
 * One user_created row per transaction, `rate` a second for `seconds`, on a schedule (open loop).
 * Resolves to when each COMMIT returned, by event id, and the rate achieved.
 */
export async function commitAtRate(pool, rate, seconds) {
  const committedAt = new Map();
  const total = rate * seconds;
  const began = performance.now();
  const inFlight = [];
  for (let i = 0; i < total; i += 1) {
    const wait = began + (i * 1000) / rate - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    const eventId = randomUUID();
    const user = randomUUID();
    inFlight.push(
      pool
        .query(
          `insert into outbox (event_id, event_type, event_date_time, environment, event_context, metadata_version, aggregate_type, aggregate_id)
           values ($1, 'user_created', now(), 'bench', $2, 1, 'user', $3)`,
          [eventId, { user_id: user, email: `l${i}@x.io`, name: 'Bench', version: 1 }, user],
        )
        .then(() => committedAt.set(eventId, performance.now())),
    );
  }
  await Promise.all(inFlight);
  return { committedAt, achieved: total / ((performance.now() - began) / 1000) };
}
