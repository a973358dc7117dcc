import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { parseEnv, envField } from '@platform/runtime';
import { createScratchDatabase } from '@platform/testing';

export { waitFor } from '@platform/testing';

const userApiMigrate = path.resolve(import.meta.dirname, '../../../user-api/dist/migrate.js');

export interface OutboxDatabase {
  url: string;
  pool: pg.Pool;
  count(where: string): Promise<number>;
  drop(): Promise<void>;
}

/**
 * A fresh database for one spec, with the outbox schema from user-api's migrations (the table's
 * owner), applied the way operators apply them.
 */
export async function createOutboxDatabase(): Promise<OutboxDatabase> {
  const server = parseEnv({ DATABASE_URL: envField.url(['postgres:', 'postgresql:']) }).DATABASE_URL;
  const scratch = await createScratchDatabase(server, 'publisher_test');
  const url = scratch.url;
  execFileSync(process.execPath, [userApiMigrate], {
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  return {
    url,
    pool,
    count: async (where) =>
      Number((await pool.query<{ n: string }>(`select count(*) as n from outbox where ${where}`)).rows[0]!.n),
    async drop() {
      await pool.end();
      await scratch.drop();
    },
  };
}

export interface TestEvent {
  aggregateId: string;
  eventType: 'user_created' | 'user_updated' | 'user_deleted';
  context: Record<string, unknown>;
}

/** A valid event of the given type for a user, as user-api writes it. */
export function userEvent(aggregateId: string, eventType: TestEvent['eventType'], version = 1): TestEvent {
  const context =
    eventType === 'user_created'
      ? { user_id: aggregateId, email: `${aggregateId.slice(0, 8)}@x.io`, name: 'Test', version }
      : eventType === 'user_updated'
        ? { user_id: aggregateId, version, changes: { name: { from: `v${version - 1}`, to: `v${version}` } } }
        : { user_id: aggregateId, version };
  return { aggregateId, eventType, context };
}

/** Commits the events in one transaction, as one API request would; returns their event ids in order. */
export async function commitEvents(pool: pg.Pool, events: TestEvent[]): Promise<string[]> {
  if (events.length === 0) return [];
  const ids = events.map(() => randomUUID());
  const values: unknown[] = [];
  const tuples = events.map((event, i) => {
    values.push(ids[i], event.eventType, JSON.stringify(event.context), event.aggregateId);
    const n = i * 4;
    return `($${n + 1}, $${n + 2}, now(), 'test', $${n + 3}::jsonb, 1, 'user', $${n + 4})`;
  });
  await pool.query(
    `insert into outbox (event_id, event_type, event_date_time, environment, event_context, metadata_version,
       aggregate_type, aggregate_id) values ${tuples.join(', ')}`,
    values,
  );
  return ids;
}
