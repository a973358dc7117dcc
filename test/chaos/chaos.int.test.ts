import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { waitFor, type ServiceProcess } from '@platform/testing';
import {
  apiCaller,
  createPlatform,
  SINK_QUERY_TOKEN,
  sinkQuery,
  type Platform,
  type ServiceName,
} from '../e2e/support/platform.js';

/*
 * ./platform chaos: API load while the publisher, the sink and the Kafka broker are killed
 * (SIGKILL) at random and started again, then a reckoning of that window: lost, duplicated and
 * out-of-order events, the time to store everything once the load stopped, and the audit.
 * It runs on a broker of its own (infra/local/with-kafka.sh), which it kills and restarts
 * (infra/local/kafka-restart.sh); CHAOS_SECONDS is how long the load and the kills go on.
 */

const seconds = Number(process.env.CHAOS_SECONDS ?? 60);
const root = path.resolve(import.meta.dirname, '../..');
const outboxCli = path.join(root, 'services/outbox-publisher/dist/cli.js');
const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const between = (min: number, max: number) => min + Math.random() * (max - min);
const say = (line: string) => process.stderr.write(`[chaos] ${line}\n`);

type Victim = 'outbox-publisher' | 'clickhouse-sink' | 'broker';

describe('chaos: load while the publisher, the sink and the broker are killed at random', () => {
  let platform: Platform;

  beforeAll(async () => {
    if (!process.env.LOCAL_KAFKA_PID_FILE)
      throw new Error('run under infra/local/with-kafka.sh (./platform chaos)');
    platform = await createPlatform('chaos');
  });

  afterAll(async () => {
    await platform.stop();
  });

  it(
    'loses nothing, stores each event once, keeps each aggregate in order',
    async () => {
      // A supervisor, as in production: a service that exits by itself (it refuses to start
      // while the broker is down, or exits 1 when its consumer stopped for good) is started
      // again a second later. The ones this test kills it restarts itself.
      const running = new Map<ServiceName, ServiceProcess>();
      const killed = new Set<ServiceProcess>();
      const supervisorRestarts: Record<string, number> = {};
      let supervising = true;
      const start = (name: ServiceName): ServiceProcess => {
        const started = platform.start(name);
        running.set(name, started);
        void started.exitCode().then(async () => {
          if (!supervising || killed.has(started) || running.get(name) !== started) return;
          supervisorRestarts[name] = (supervisorRestarts[name] ?? 0) + 1;
          say(`${name} exited by itself; the supervisor starts it again`);
          await sleep(1000);
          if (supervising && running.get(name) === started) start(name);
        });
        return started;
      };
      const api = start('user-api');
      start('outbox-publisher');
      start('clickhouse-sink');
      const call = apiCaller(await platform.baseUrl(api, 'user-api'), platform);
      const sinkUrl = async () => platform.baseUrl(running.get('clickhouse-sink')!, 'clickhouse-sink');

      // The load: clients that create a user and change it a few times (an aggregate of several
      // events, whose order must hold), for CHAOS_SECONDS.
      const loadEnds = Date.now() + seconds * 1000;
      let accepted = 0;
      let refused = 0;
      const client = async () => {
        while (Date.now() < loadEnds) {
          const created = await call('POST', '/users', {
            email: `c${Date.now()}${Math.random()}@x.io`,
            name: 'C 0',
          });
          if (created.status !== 201) {
            refused += 1;
            continue;
          }
          accepted += 1;
          const { id } = (await created.json()) as { id: string };
          for (let version = 1; version <= 3 && Date.now() < loadEnds; version += 1) {
            const changed = await call(
              'PATCH',
              `/users/${id}`,
              { name: `C ${version}` },
              { 'If-Match': `"${version}"` },
            );
            if (changed.status === 200) accepted += 1;
            else refused += 1;
            await sleep(20);
          }
        }
      };

      // The chaos: every few seconds one victim is killed, and started again after a moment.
      const kills: Record<Victim, number> = { 'outbox-publisher': 0, 'clickhouse-sink': 0, broker: 0 };
      const killBroker = async () => {
        const pid = Number(fs.readFileSync(process.env.LOCAL_KAFKA_PID_FILE!, 'utf8'));
        process.kill(pid, 'SIGKILL');
        await waitFor('the broker dead', async () => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        });
        await sleep(between(500, 2000));
        await run('bash', [path.join(root, 'infra/local/kafka-restart.sh')], { cwd: root });
      };
      // Each round kills all three, in a random order: a short run still hits each of them.
      let round: Victim[] = [];
      const chaos = async () => {
        while (Date.now() < loadEnds - 3000) {
          await sleep(between(2000, 5000));
          if (round.length === 0) {
            round = (['outbox-publisher', 'clickhouse-sink', 'broker'] as Victim[]).sort(
              () => Math.random() - 0.5,
            );
          }
          const victim = round.pop()!;
          kills[victim] += 1;
          say(`${Math.round((loadEnds - Date.now()) / 1000)} s left: SIGKILL ${victim}`);
          if (victim === 'broker') {
            await killBroker();
            continue;
          }
          const process_ = running.get(victim)!;
          killed.add(process_);
          process_.signal('SIGKILL');
          await process_.exitCode();
          await sleep(between(200, 2000));
          start(victim);
        }
      };

      await Promise.all([client(), client(), client(), client(), chaos()]);
      const loadEnded = Date.now();
      say(`load over: ${accepted} changes accepted, ${refused} refused; kills ${JSON.stringify(kills)}`);

      // Everything committed, stored: how long after the load it took.
      const db = new pg.Pool({ connectionString: platform.databaseUrl, max: 2 });
      try {
        const { rows: outbox } = await db.query<{ id: string; event_id: string; aggregate_id: string }>(
          'select id, event_id::text, aggregate_id from outbox order by id',
        );
        const committed = new Set(outbox.map((row) => row.event_id));
        const storedIds = async () =>
          new Set(
            (
              await sinkQuery<{ id: string }>(
                await sinkUrl(),
                `SELECT DISTINCT toString(event_id) AS id FROM analytics.event_log WHERE kafka_topic = '${platform.topic}'`,
              )
            ).map((row) => row.id),
          );
        let stored = new Set<string>();
        await waitFor(
          'every committed event stored',
          async () => {
            stored = await storedIds().catch(() => stored);
            return [...committed].every((id) => stored.has(id));
          },
          240_000,
        ).catch(() => undefined);
        const secondsToStore = (Date.now() - loadEnded) / 1000;
        const lost = [...committed].filter((id) => !stored.has(id));

        // Duplicated: an event stored as two rows that ClickHouse will not merge into one.
        const [duplicates] = await sinkQuery<{ events: string; awaiting_merge: string }>(
          await sinkUrl(),
          `SELECT (SELECT count() FROM (SELECT event_id FROM analytics.event_log FINAL
                     WHERE kafka_topic = '${platform.topic}' GROUP BY event_id HAVING count() > 1)) AS events,
                  (SELECT count() - uniqExact(event_id) FROM analytics.event_log
                     WHERE kafka_topic = '${platform.topic}') AS awaiting_merge`,
        );

        // Out of order: on the topic, an aggregate's events first seen out of commit order.
        const commitOrder = new Map(outbox.map((row) => [row.event_id, BigInt(row.id)]));
        const inversions = await topicInversions(platform.topic, commitOrder);
        const deadLetters = await topicSize(platform.dlqTopic);

        const audit = spawnSync(process.execPath, [outboxCli, 'audit', '--settle-minutes', '0'], {
          env: {
            ...process.env,
            DATABASE_URL: platform.databaseUrl,
            SINK_QUERY_URL: await sinkUrl(),
            SINK_QUERY_TOKEN,
          },
          encoding: 'utf8',
        });
        const report = {
          seconds_of_load: seconds,
          changes_accepted: accepted,
          kills,
          supervisor_restarts: supervisorRestarts,
          committed: committed.size,
          stored: stored.size,
          lost: lost.length,
          duplicated: Number(duplicates?.events ?? 0),
          rows_awaiting_merge: Number(duplicates?.awaiting_merge ?? 0),
          out_of_order: inversions,
          dead_lettered: deadLetters,
          seconds_to_store_after_load: Math.round(secondsToStore * 10) / 10,
          audit_matches: audit.status === 0,
        };
        say(`report ${JSON.stringify(report, null, 2)}`);
        if (process.env.CHAOS_REPORT_FILE)
          fs.writeFileSync(process.env.CHAOS_REPORT_FILE, JSON.stringify(report));
        expect({ lost: lost.slice(0, 10), duplicated: report.duplicated, out_of_order: inversions }).toEqual({
          lost: [],
          duplicated: 0,
          out_of_order: 0,
        });
        expect(kills['outbox-publisher'] + kills['clickhouse-sink'] + kills.broker).toBeGreaterThan(0);
        expect(report.audit_matches).toBe(true);
      } finally {
        supervising = false;
        await db.end();
      }
    },
    (seconds + 600) * 1000,
  );
});

/** The topic from its start to its end, per partition, in offset order. */
async function readTopic(topic: string): Promise<{ partition: number; eventId: string; key: string }[]> {
  const kafka = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(
    ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]),
  );
  const messages: { partition: number; eventId: string; key: string }[] = [];
  if (remaining.size === 0) return messages;
  const consumer = kafka.consumer({ groupId: `chaos-reader-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        messages.push({
          partition,
          eventId: String(message.headers?.event_id ?? ''),
          key: String(message.key),
        });
        if (Number(message.offset) + 1 >= (remaining.get(partition) ?? 0)) remaining.delete(partition);
        if (remaining.size === 0) resolve();
      },
    });
  });
  await consumer.disconnect();
  return messages;
}

/** Events of one aggregate that first appear on the topic after a later-committed one. */
async function topicInversions(topic: string, commitOrder: Map<string, bigint>): Promise<number> {
  const seen = new Set<string>();
  const lastByAggregate = new Map<string, bigint>();
  let inversions = 0;
  for (const { eventId, key } of await readTopic(topic)) {
    if (seen.has(eventId)) continue; // a re-publication: consumers deduplicate on event_id
    seen.add(eventId);
    const order = commitOrder.get(eventId);
    if (order === undefined) continue;
    const last = lastByAggregate.get(key);
    if (last !== undefined && order < last) inversions += 1;
    else lastByAggregate.set(key, order);
  }
  return inversions;
}

async function topicSize(topic: string): Promise<number> {
  const admin = new Kafka({
    brokers: process.env.KAFKA_BROKERS!.split(','),
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) return 0;
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  } finally {
    await admin.disconnect();
  }
}
