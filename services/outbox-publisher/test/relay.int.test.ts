import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { uniqueName, type ServiceProcess } from '@platform/testing';
import {
  commitEvents,
  createOutboxDatabase,
  userEvent,
  waitFor,
  type OutboxDatabase,
} from './support/outbox-database.js';
import { cliFile, startPublisher } from './support/publisher-process.js';
import { firstOccurrencesByKey, readTopic } from './support/topic-reader.js';

describe('outbox-publisher relays committed rows to Kafka (real PostgreSQL, Kafka, registry)', () => {
  let db: OutboxDatabase;
  let publisher: ServiceProcess | undefined;

  beforeEach(async () => {
    db = await createOutboxDatabase();
  });

  afterEach(async () => {
    publisher?.signal('SIGTERM');
    await publisher?.exitCode();
    publisher = undefined;
    await db.drop();
  });

  const cli = (...args: string[]) =>
    JSON.parse(
      execFileSync(process.execPath, [cliFile, ...args], {
        env: { ...process.env, DATABASE_URL: db.url },
      }).toString(),
    );

  it('publishes every row once, keyed by aggregate, Confluent-framed Avro any registry client decodes', async () => {
    // Given committed events of 10 users, 5 each, interleaved
    const topic = uniqueName('relay');
    const users = Array.from({ length: 10 }, () => randomUUID());
    const committed: string[] = [];
    for (let round = 1; round <= 5; round += 1) {
      committed.push(
        ...(await commitEvents(
          db.pool,
          users.map((id) => userEvent(id, round === 1 ? 'user_created' : 'user_updated', round)),
        )),
      );
    }

    // When the publisher runs
    publisher = startPublisher(db.url, topic);
    await waitFor('all rows processed', async () => (await db.count(`status = 'processed'`)) === 50);

    // Then the topic holds each event once, in commit order per user
    const messages = await readTopic(topic, 50);
    expect(messages).toHaveLength(50);
    expect(new Set(messages.map((m) => m.headers.event_id))).toEqual(new Set(committed));
    const order = firstOccurrencesByKey(messages);
    for (const user of users) {
      expect(order.get(user)).toEqual(committed.filter((_, i) => i % 10 === users.indexOf(user)));
    }
    // Confluent wire format: magic byte 0 and a 4-byte schema id before the Avro body
    expect(messages.every((m) => m.raw[0] === 0 && m.raw.readInt32BE(1) > 0)).toBe(true);
    const first = messages.find((m) => m.headers.event_id === committed[0])!;
    expect(first.key).toBe(users[0]);
    expect(first.headers).toMatchObject({ event_type: 'user_created', aggregate_type: 'user' });
    expect(first.value).toMatchObject({
      event_id: committed[0],
      event_type: 'user_created',
      aggregate_type: 'user',
      aggregate_id: users[0],
      environment: 'test',
      metadata_version: 1,
      user_id: users[0],
      version: 1,
    });
    // And the rows are marked processed after the broker's acknowledgement, attempt 1
    expect(await db.count(`status = 'processed' and processed_at is not null and attempts = 1`)).toBe(50);
  });

  it('wakes up on commit instead of waiting for the poll interval', async () => {
    // Polling once a minute (the maximum): only the commit notification can publish it in time.
    publisher = startPublisher(db.url, uniqueName('wake'), { OUTBOX_POLL_INTERVAL_MS: '60000' });
    await publisher.waitForLog('lanes assigned');
    await commitEvents(db.pool, [userEvent(randomUUID(), 'user_created')]);
    await waitFor('the row processed', async () => (await db.count(`status = 'processed'`)) === 1, 30_000);
  });

  it('marks a poison row failed, keeps its aggregate behind it, lets other aggregates flow; requeue resumes', async () => {
    const topic = uniqueName('poison');
    const [poisoned, healthy] = [randomUUID(), randomUUID()];
    const broken = {
      ...userEvent(poisoned, 'user_created'),
      context: { user_id: poisoned, name: 'No email', version: 1 },
    };
    await commitEvents(db.pool, [broken, userEvent(healthy, 'user_created')]);
    await commitEvents(db.pool, [
      userEvent(poisoned, 'user_updated', 2),
      userEvent(healthy, 'user_updated', 2),
    ]);

    publisher = startPublisher(db.url, topic);
    await waitFor('healthy rows processed', async () => (await db.count(`status = 'processed'`)) === 2);
    await waitFor('poison row failed', async () => (await db.count(`status = 'failed'`)) === 1);

    const [failed] = (
      await db.pool.query(`select aggregate_id, attempts, last_error from outbox where status = 'failed'`)
    ).rows;
    expect(failed).toEqual({
      aggregate_id: poisoned,
      attempts: 1,
      last_error: 'event_context.email must be a string',
    });
    expect(cli('stats')).toMatchObject({ pending: 1, failed: 1, processed: 2, held_back_by_failed: 1 });

    // An operator fixes the row and requeues it: the aggregate's events follow, in order
    await db.pool.query(
      `update outbox set event_context = event_context || '{"email":"fixed@x.io"}' where status = 'failed'`,
    );
    expect(cli('requeue', '--all')).toEqual({ requeued: 1 });
    await waitFor('all rows processed', async () => (await db.count(`status = 'processed'`)) === 4);
    const order = firstOccurrencesByKey(await readTopic(topic, 4));
    const types = async (id: string) =>
      (await db.pool.query(`select event_id from outbox where aggregate_id = $1 order by id`, [id])).rows.map(
        (r) => r.event_id,
      );
    expect(order.get(poisoned)).toEqual(await types(poisoned));
  });

  it('replays processed rows from a point in time (the CLI), publishing them again', async () => {
    const topic = uniqueName('replay');
    const ids = await commitEvents(db.pool, [
      userEvent(randomUUID(), 'user_created'),
      userEvent(randomUUID(), 'user_created'),
    ]);
    publisher = startPublisher(db.url, topic);
    await waitFor('rows processed', async () => (await db.count(`status = 'processed'`)) === 2);
    // --wait returns once the publisher has published the replayed rows again, with progress on
    // stderr: plain lines here (not a terminal), the last one saying it is done.
    const since = new Date(Date.now() - 3_600_000).toISOString();
    const run = spawnSync(process.execPath, [cliFile, 'replay', '--since', since, '--wait'], {
      env: { ...process.env, DATABASE_URL: db.url },
      encoding: 'utf8',
    });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ replayed: 2, since, published: 2, failed_again: 0 });
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(/^replay: 2\/2 \(100 %\), [\d,]+\/s, done$/);
    expect(await db.count(`status = 'processed' and attempts = 2`)).toBe(2);
    const messages = await readTopic(topic, 4);
    expect(messages.map((m) => m.headers.event_id).sort()).toEqual([...ids, ...ids].sort());
  });

  it('deletes processed rows past the retention period, in bounded batches', async () => {
    await commitEvents(
      db.pool,
      Array.from({ length: 25 }, () => userEvent(randomUUID(), 'user_created')),
    );
    await db.pool.query(`update outbox set status = 'processed', processed_at = now() - interval '2 hours'`);
    await commitEvents(db.pool, [userEvent(randomUUID(), 'user_created')]);
    publisher = startPublisher(db.url, uniqueName('retention'), {
      OUTBOX_RETENTION_HOURS: '1',
      OUTBOX_RETENTION_BATCH_SIZE: '10',
      OUTBOX_RETENTION_INTERVAL_MS: '200',
    });
    // The recent row gets published and stays; only the 25 old ones go.
    await waitFor(
      'old rows deleted, the new one processed',
      async () => (await db.count(`status = 'processed'`)) === 1 && (await db.count('true')) === 1,
    );
    expect(await db.count(`processed_at > now() - interval '1 hour'`)).toBe(1);
  });
});
