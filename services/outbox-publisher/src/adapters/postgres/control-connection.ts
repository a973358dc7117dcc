import pg from 'pg';
import type { Logger } from '@platform/observability';
import { describeError, type PostgresConnection } from '@platform/runtime';
import { planLanes } from '../../domain/lanes.js';

// Advisory lock keys: (namespace, lane) for lanes, (namespace, SLOT_BASE + k) for the slot that
// counts this instance as live. Session-level locks vanish with the connection, so a crashed or
// killed instance frees its lanes at once for the others.
const NAMESPACE = 0x6f757462; // "outb"
const SLOT_BASE = 1_000_000;
const MAX_INSTANCES = 256;

/**
 * One dedicated PostgreSQL session per publisher instance: it holds the instance's lane locks
 * and LISTENs for commits to the outbox. If it drops, the instance owns no lane until it has
 * reconnected (another instance may take them over meanwhile).
 */
export interface ControlConnection {
  /** Re-plans this instance's fair share of lanes; returns the lanes it holds now. */
  refreshLanes(): Promise<number[]>;
  /** Lanes held right now (empty while disconnected). */
  lanes(): number[];
  /** Called on each commit notification. */
  onCommit(listener: () => void): void;
  close(): Promise<void>;
}

export function createControlConnection(options: {
  database: PostgresConnection;
  totalLanes: number;
  logger: Logger;
}): ControlConnection {
  const { database, totalLanes, logger } = options;
  let client: pg.Client | undefined;
  let held: number[] = [];
  const listeners: (() => void)[] = [];

  const dropped = (error?: unknown) => {
    if (held.length)
      logger.warn('control connection lost; lanes released', { lanes: held, error: describeError(error) });
    held = [];
    client = undefined;
  };

  async function connect(): Promise<pg.Client> {
    const next = new pg.Client({
      connectionString: database.url,
      ssl: database.ssl,
      application_name: 'outbox-publisher',
    });
    next.on('error', dropped);
    next.on('end', () => dropped());
    next.on('notification', () => listeners.forEach((listener) => listener()));
    await next.connect();
    await next.query('LISTEN outbox_pending');
    for (let slot = 0; slot < MAX_INSTANCES; slot += 1) {
      const { rows } = await next.query<{ ok: boolean }>('select pg_try_advisory_lock($1, $2) as ok', [
        NAMESPACE,
        SLOT_BASE + slot,
      ]);
      if (rows[0]?.ok) return next;
    }
    await next.end();
    throw new Error(`more than ${MAX_INSTANCES} publisher instances on this database`);
  }

  return {
    async refreshLanes() {
      client ??= await connect();
      const { rows } = await client.query<{ live: number }>(
        `select count(*)::int as live from pg_locks
          where locktype = 'advisory' and granted and objsubid = 2 and classid::bigint = $1 and objid::bigint >= $2
            and database = (select oid from pg_database where datname = current_database())`,
        [NAMESPACE, SLOT_BASE],
      );
      const plan = planLanes({ held, total: totalLanes, live: rows[0]?.live ?? 1 });
      for (const lane of plan.release) {
        await client.query('select pg_advisory_unlock($1, $2)', [NAMESPACE, lane]);
      }
      held = held.filter((lane) => !plan.release.includes(lane));
      // Start the search at a random lane so instances starting together spread out.
      const offset = Math.floor(Math.random() * totalLanes);
      const target = held.length + plan.want;
      for (let i = 0; i < totalLanes && held.length < target; i += 1) {
        const lane = (offset + i) % totalLanes;
        if (held.includes(lane)) continue;
        const { rows: got } = await client.query<{ ok: boolean }>(
          'select pg_try_advisory_lock($1, $2) as ok',
          [NAMESPACE, lane],
        );
        if (got[0]?.ok) held.push(lane);
      }
      held.sort((a, b) => a - b);
      return held;
    },
    lanes: () => held,
    onCommit: (listener) => listeners.push(listener),
    async close() {
      const current = client;
      client = undefined;
      held = [];
      await current?.end().catch(() => undefined);
    },
  };
}
