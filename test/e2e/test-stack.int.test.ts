/**
 * The stack the suites run on, one real check per system. With TEST_STACK=containers (the
 * containers pass of ./platform test), that the provider (packages/testing/src/container-stack.ts)
 * started PostgreSQL, Kafka and the schema registry in containers and wired their addresses into
 * the suites' environment, and that the sink wires ClickHouse on that stack; with the local stack,
 * the same checks on its servers.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import {
  containerStackEnv,
  containerStackOptions,
  createScratchDatabase,
  uniqueName,
} from '@platform/testing';
import { createPlatform, sinkQuery, type Platform } from './support/platform.js';

const onContainers = process.env.TEST_STACK === 'containers';
/** The addresses the containers provider hands out; on the local stack, whatever it exported. */
const expected = onContainers ? containerStackEnv(containerStackOptions(process.env)) : undefined;

describe(`the test stack (${onContainers ? 'containers' : 'local'}): each system started and wired`, () => {
  it('PostgreSQL: the server at DATABASE_URL answers, and a scratch database is created and migrated there', async () => {
    if (expected) expect(process.env.DATABASE_URL).toBe(expected.DATABASE_URL);
    const url = new URL(process.env.DATABASE_URL!);
    const pool = new pg.Pool({ connectionString: url.toString(), max: 1 });
    try {
      const { rows } = await pool.query<{ port: number; fsync: string }>(
        "select inet_server_port() as port, current_setting('fsync') as fsync",
      );
      expect(rows[0]!.port).toBe(Number(url.port));
      // The containers provider runs its PostgreSQL without fsync (container-stack.ts).
      if (onContainers) expect(rows[0]!.fsync).toBe('off');
    } finally {
      await pool.end();
    }
    const scratch = await createScratchDatabase(url.toString(), 'stack');
    try {
      const client = new pg.Client({ connectionString: scratch.url });
      await client.connect();
      await client.query('create table probe (id int primary key)');
      await client.query('insert into probe values (1)');
      expect((await client.query('select count(*)::int as n from probe')).rows[0]).toEqual({ n: 1 });
      await client.end();
    } finally {
      await scratch.drop();
    }
  });

  it('Kafka: the broker at KAFKA_BROKERS is the one it advertises, and a message goes through', async () => {
    if (expected) expect(process.env.KAFKA_BROKERS).toBe(expected.KAFKA_BROKERS);
    const kafka = new Kafka({ brokers: process.env.KAFKA_BROKERS!.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    const producer = kafka.producer({ idempotent: true });
    const consumer = kafka.consumer({ groupId: uniqueName('stack-group') });
    await Promise.all([admin.connect(), producer.connect(), consumer.connect()]);
    try {
      const { brokers } = await admin.describeCluster();
      expect(brokers.map((b) => `${b.host}:${b.port}`)).toEqual(process.env.KAFKA_BROKERS!.split(','));
      const topic = uniqueName('stack');
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
      const value = randomUUID();
      await producer.send({ topic, acks: -1, messages: [{ key: 'k', value }] });
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<string>((resolve) => {
        void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) });
      });
      expect(received).toBe(value);
    } finally {
      await Promise.all([consumer.disconnect(), producer.disconnect(), admin.disconnect()]);
    }
  });

  it('schema registry: the Confluent API at SCHEMA_REGISTRY_URL registers a schema and serves it by id', async () => {
    if (expected) expect(process.env.SCHEMA_REGISTRY_URL).toBe(expected.SCHEMA_REGISTRY_URL);
    const base = process.env.SCHEMA_REGISTRY_URL!;
    const subject = uniqueName('stack-value');
    const schema = JSON.stringify({
      type: 'record',
      name: 'Probe',
      namespace: 'platform.stack',
      fields: [{ name: 'id', type: 'string' }],
    });
    const contentType = { 'content-type': 'application/vnd.schemaregistry.v1+json' };
    const registered = await fetch(`${base}/subjects/${subject}/versions`, {
      method: 'POST',
      headers: contentType,
      body: JSON.stringify({ schemaType: 'AVRO', schema }),
    });
    expect(registered.status).toBe(200);
    const { id } = (await registered.json()) as { id: number };
    const fetched = await fetch(`${base}/schemas/ids/${id}`);
    expect(fetched.status).toBe(200);
    expect(JSON.parse(((await fetched.json()) as { schema: string }).schema)).toMatchObject({
      name: 'Probe',
      namespace: 'platform.stack',
    });
  });

  describe('ClickHouse', () => {
    let platform: Platform;
    beforeAll(async () => {
      platform = await createPlatform('stack');
    });
    afterAll(async () => {
      await platform.stop();
    });

    it('the sink, on this stack, opens its ClickHouse engine, migrates it and answers queries from it', async () => {
      const sink = platform.start('clickhouse-sink');
      const sinkUrl = await platform.baseUrl(sink, 'clickhouse-sink');
      const [row] = await sinkQuery<{ tables: string; version: string }>(
        sinkUrl,
        "SELECT count() AS tables, version() AS version FROM system.tables WHERE database = 'analytics' AND name = 'event_log'",
      );
      expect(row).toMatchObject({ tables: '1' });
      expect(row!.version).toMatch(/^\d+\.\d+/);
    });
  });
});
