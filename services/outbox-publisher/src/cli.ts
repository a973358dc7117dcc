import pg from 'pg';
import {
  envField,
  loadConfigOrExit,
  parseEnv,
  postgresConnection,
  progressReporter,
} from '@platform/runtime';
import { createOutboxAudit } from './adapters/postgres/outbox-audit.js';
import { replayProcessed } from './adapters/postgres/outbox-replay.js';
import { createSinkQueryWarehouse } from './adapters/warehouse/sink-query-warehouse.js';
import { createAudit, describeAudit } from './audit.js';
import { loadAuditConfig } from './config.js';
import { AuditInputError, auditWindow } from './domain/audit.js';

// Operator commands on the outbox (DATABASE_URL from the environment):
//   stats                          pending, failed, held back, oldest pending age
//   requeue --all | --id <id>...   failed rows back to pending (after fixing the cause)
//   replay --since <ISO time>      processed rows created since then back to pending: they are
//                                  published again (consumers deduplicate on event_id)
//   ... --wait                     (requeue, replay) then follow the publisher until every one
//                                  of those rows is published or failed again, with progress
//                                  (done/total, rate, ETA) on stderr
//   audit [--since T] [--until T] [--settle-minutes N] [--list-limit N] [--repair [--wait]]
//                                  reconciles the outbox with the warehouse (through the sink's
//                                  /query: SINK_QUERY_URL, SINK_QUERY_TOKEN) per hour and event
//                                  type and names the events only one side has; exit code 3 when
//                                  they differ. --list-limit: the most ids one query lists (5000;
//                                  at most the sink's SINK_QUERY_MAX_ROWS). --repair publishes
//                                  the missing processed ones again through the replay path
//                                  (not those published within the settle minutes).
const usage =
  'usage: outbox-cli stats | requeue (--all | --id <id> [--id <id>...]) [--wait] | replay --since <ISO-8601 time> [--wait]\n' +
  '       | audit [--since <ISO-8601 time>] [--until <ISO-8601 time>] [--settle-minutes <n>] [--list-limit <n>] [--repair [--wait]]';

function fail(message: string): never {
  process.stderr.write(`outbox-cli: ${message}\n${usage}\n`);
  process.exit(2);
}

const [command, ...args] = process.argv.slice(2);
const wait = args.includes('--wait');
// With --wait the changed rows' ids come back (and are followed); without, only their count.
const returningIds = wait ? 'returning id' : '';
/** Every value given for a repeatable flag, e.g. --id 1 --id 2. */
const flag = (name: string) =>
  args.flatMap((arg, i) => {
    const value = args[i + 1];
    return arg === name && value !== undefined ? [value] : [];
  });

const { DATABASE_URL } = loadConfigOrExit('outbox-cli', () =>
  parseEnv({ DATABASE_URL: envField.url(['postgres:', 'postgresql:']) }),
);
const database = loadConfigOrExit('outbox-cli', () => postgresConnection(DATABASE_URL));
const pool = new pg.Pool({ connectionString: database.url, ssl: database.ssl, max: 1 });

async function stats() {
  const { rows } = await pool.query(`
    select
      count(*) filter (where status = 'pending') as pending,
      count(*) filter (where status = 'failed') as failed,
      count(*) filter (where status = 'processed') as processed,
      coalesce(extract(epoch from now() - min(created_at) filter (where status = 'pending')), 0)::float8
        as oldest_pending_age_seconds,
      (select count(*) from outbox p where p.status = 'pending' and exists (
         select 1 from outbox f where f.status = 'failed' and f.aggregate_type = p.aggregate_type
           and f.aggregate_id = p.aggregate_id and f.id < p.id)) as held_back_by_failed
    from outbox`);
  const failed = await pool.query(
    `select id, event_id, event_type, aggregate_id, attempts, last_error from outbox where status = 'failed' order by id limit 20`,
  );
  const row = rows[0] as Record<string, string | number>;
  const result = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)]));
  console.log(JSON.stringify({ ...result, failed_rows: failed.rows }, null, 2));
}

/**
 * Follows the rows put back to pending (by id) until none is pending any more, showing progress
 * on stderr; resolves to how many ended published and how many failed again.
 */
async function follow(label: string, ids: string[]) {
  const progress = progressReporter(label, ids.length);
  for (;;) {
    const { rows } = await pool.query<{ pending: string; failed: string }>(
      `select count(*) filter (where status = 'pending') as pending,
              count(*) filter (where status = 'failed') as failed
         from outbox where id = any($1::bigint[])`,
      [ids],
    );
    const pending = Number(rows[0]?.pending ?? 0);
    const failed = Number(rows[0]?.failed ?? 0);
    if (pending === 0) {
      progress.finish(ids.length);
      return { published: ids.length - failed, failed_again: failed };
    }
    progress.update(ids.length - pending);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function requeue() {
  const ids = flag('--id');
  if (!args.includes('--all') && ids.length === 0) fail('requeue needs --all or --id');
  if (ids.some((id) => !/^\d+$/.test(id))) fail('--id takes outbox row ids (whole numbers)');
  const result = await pool.query<{ id: string }>(
    `update outbox set status = 'pending', next_attempt_at = now()
      where status = 'failed' ${args.includes('--all') ? '' : 'and id = any($1::bigint[])'} ${returningIds}`,
    args.includes('--all') ? [] : [ids],
  );
  const requeued = result.rows.map((row) => row.id);
  const followed = wait ? await follow('requeue', requeued) : {};
  console.log(JSON.stringify({ requeued: result.rowCount, ...followed }));
}

async function replay() {
  const [since] = flag('--since');
  if (!since || Number.isNaN(Date.parse(since))) fail('replay needs --since <ISO-8601 time>');
  // --wait follows the replayed rows by id, held in memory (tens of bytes per row).
  const replayed = await replayProcessed(pool, 'created_at >= $1', [new Date(since)], wait);
  const followed = wait ? await follow('replay', replayed.ids) : {};
  console.log(
    JSON.stringify({ replayed: replayed.count, since: new Date(since).toISOString(), ...followed }),
  );
}

/** An optional ISO-8601 time flag. */
function timeFlag(name: string): Date | undefined {
  const [value] = flag(name);
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value))) fail(`${name} takes an ISO-8601 time (got ${JSON.stringify(value)})`);
  return new Date(value);
}

async function audit() {
  const config = loadConfigOrExit('outbox-cli', () => loadAuditConfig());
  const [settle = '5'] = flag('--settle-minutes');
  if (!/^\d+$/.test(settle)) fail('--settle-minutes takes a whole number of minutes');
  const [listLimit = '5000'] = flag('--list-limit');
  if (!/^[1-9]\d*$/.test(listLimit)) fail('--list-limit takes a positive whole number');
  const repair = args.includes('--repair');
  if (wait && !repair) fail('--wait follows what --repair publishes again');
  let window;
  try {
    window = auditWindow({
      since: timeFlag('--since'),
      until: timeFlag('--until'),
      now: new Date(),
      settleMs: Number(settle) * 60_000,
      retentionMs: config.retentionMs,
    });
  } catch (error) {
    if (error instanceof AuditInputError) fail(error.message);
    throw error;
  }
  const auditor = createAudit({
    committed: createOutboxAudit(pool),
    stored: createSinkQueryWarehouse({
      sinkUrl: config.sink.url,
      token: config.sink.queryToken,
      ...config.warehouse,
    }),
    listLimit: Number(listLimit),
    progress: (label, total) => progressReporter(label, total),
  });
  const startedAt = Date.now();
  const report = await auditor.run(window);
  const result: Record<string, unknown> = describeAudit(report);
  if (repair) {
    // Published within the settle time: maybe still on its way to the warehouse (a repair run
    // again soon after the last one): not published once more.
    const { republished, recentlyPublished } = await auditor.repair(
      report,
      new Date(startedAt - Number(settle) * 60_000),
    );
    result.repair = {
      republished: republished.length,
      recently_published: recentlyPublished,
      ...(wait ? await follow('repair', republished) : {}),
    };
  }
  console.log(JSON.stringify(result, null, 2));
  if (!result.matches) process.exitCode = 3;
}

const commands: Record<string, () => Promise<void>> = { stats, requeue, replay, audit };
const run = command ? commands[command] : undefined;
if (!run) fail(command ? `unknown command "${command}"` : 'no command');
try {
  await run();
} catch (error) {
  process.stderr.write(`outbox-cli: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
