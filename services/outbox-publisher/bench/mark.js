// Benchmark: the relay's "mark" step (1000 rows set processed in the claim's transaction), in
// the variants issue 10 asked about, each on the same fresh outbox in one run:
//   eval "$(./platform env)" && ./platform stack up
//   node services/outbox-publisher/bench/mark.js        # BENCH_ROWS=100000, batches of 1000
//
//   as-is      update ... where id = any($1): what the relay does (every index gets new entries:
//              status and processed_at are in index predicates, so no update can be HOT)
//   range      update ... where id between $1 and $2: one index range scan instead of 1000 probes
//              (only equivalent when a batch is contiguous, which lanes do not promise)
//   no-processed-index  as-is without outbox_processed_at_idx (what retention reads)
//   fillfactor-70       as-is on a table with room on each page for the new row versions
// Reported: ms per 1000 rows (median of the batches), and the share of HOT updates PostgreSQL saw.
import pg from 'pg';
import { fillOutbox, freshDatabaseUrl } from './database.js';

const rows = Number(process.env.BENCH_ROWS ?? 100_000);
async function freshOutbox(name, prepare) {
  const url = await freshDatabaseUrl(name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await prepare(client);
  await fillOutbox(client, rows);
  await client.query('vacuum analyze outbox');
  return { client, drop: async () => client.end() };
}

async function measure(name, { prepare = async () => {}, mark }) {
  const { client, drop } = await freshOutbox(`mark_bench_${name.replaceAll('-', '_')}`, prepare);
  const { rows: ids } = await client.query(`select id from outbox order by id`);
  const times = [];
  for (let i = 0; i < ids.length; i += 1000) {
    const batch = ids.slice(i, i + 1000).map((r) => r.id);
    const started = performance.now();
    await client.query('begin');
    await mark(client, batch);
    await client.query('commit');
    times.push(performance.now() - started);
  }
  const { rows: stats } = await client.query(
    `select n_tup_upd, n_tup_hot_upd from pg_stat_user_tables where relname = 'outbox'`,
  );
  await drop();
  times.sort((a, b) => a - b);
  const hot = Number(stats[0].n_tup_upd)
    ? (100 * Number(stats[0].n_tup_hot_upd)) / Number(stats[0].n_tup_upd)
    : 0;
  return { name, median: times[Math.floor(times.length / 2)], hot };
}

const asIs = (client, batch) =>
  client.query(
    `update outbox set status = 'processed', processed_at = now(), attempts = attempts + 1, last_error = null
      where id = any($1::bigint[])`,
    [batch],
  );
const variants = [
  ['as-is', { mark: asIs }],
  [
    'range',
    {
      mark: (client, batch) =>
        client.query(
          `update outbox set status = 'processed', processed_at = now(), attempts = attempts + 1, last_error = null
            where id between $1 and $2`,
          [batch[0], batch.at(-1)],
        ),
    },
  ],
  ['no-processed-index', { prepare: (c) => c.query('drop index outbox_processed_at_idx'), mark: asIs }],
  ['fillfactor-70', { prepare: (c) => c.query('alter table outbox set (fillfactor = 70)'), mark: asIs }],
];

const results = [];
for (const [name, variant] of variants) {
  process.stdout.write(`[bench] mark: ${name} on ${rows} rows\n`);
  results.push(await measure(name, variant));
}
console.log('\n| variant | ms per 1000 rows (median) | HOT updates |\n| --- | --- | --- |');
for (const r of results) console.log(`| ${r.name} | ${r.median.toFixed(1)} | ${r.hot.toFixed(0)} % |`);
