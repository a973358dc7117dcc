import { uniqueName } from '@platform/testing';
import { createOutboxDatabase, type OutboxDatabase } from './support/outbox-database.js';
import { startPublisher } from './support/publisher-process.js';

describe('outbox-publisher process life cycle', () => {
  let db: OutboxDatabase;

  beforeAll(async () => {
    db = await createOutboxDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  it('starts relaying, then drains on SIGTERM with exit code 0, freeing its lanes', async () => {
    const publisher = startPublisher(db.url, uniqueName('life'));
    expect(await publisher.waitForLog('lanes assigned')).toMatchObject({ lanes: expect.any(Array) });
    publisher.signal('SIGTERM');
    expect(await publisher.exitCode()).toBe(0);
    await publisher.waitForLog('service stopped');
    const { rows } = await db.pool.query(
      // This test's database only: suites in other jest workers hold lanes of their own.
      `select count(*)::int as n from pg_locks where locktype = 'advisory'
        and database = (select oid from pg_database where datname = current_database())`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('exits with code 78 and every problem when configuration is invalid', async () => {
    const publisher = startPublisher(db.url, uniqueName('life'), {
      KAFKA_BROKERS: '',
      SCHEMA_REGISTRY_URL: 'ftp://registry',
      OUTBOX_BATCH_SIZE: '0',
    });
    expect(await publisher.exitCode()).toBe(78);
    expect(publisher.stderr).toContain('KAFKA_BROKERS: required but not set');
    expect(publisher.stderr).toContain(
      'SCHEMA_REGISTRY_URL: expected a URL starting with http:// or https://',
    );
    expect(publisher.stderr).toContain('OUTBOX_BATCH_SIZE: expected a whole number of at least 1 (got "0")');
  });

  it('fails to start, exit code 1, when the database is unreachable', async () => {
    const publisher = startPublisher('postgres://nobody:secret@127.0.0.1:1/none', uniqueName('life'));
    expect(await publisher.exitCode()).toBe(1);
    expect(publisher.logLines).toContainEqual(
      expect.objectContaining({ message: 'service failed to start' }),
    );
  });
});
