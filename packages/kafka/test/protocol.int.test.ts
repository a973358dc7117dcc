import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { uniqueName } from '@platform/testing';
import { ensureTopic } from '../src/index.js';
import { brokerApiVersions, type ApiVersionRange } from './support/api-versions.js';
import { kafka as config } from './env.js';

/**
 * kafkajs 2.2.4 against the broker of this run (./platform test runs it on Kafka 4.x and on 3.9):
 * every request the platform's producer, consumer group and admin calls send must use a version
 * the broker accepts. Kafka 4.0 removed old versions (KIP-896); kafkajs negotiates from the
 * broker's ApiVersions answer, and this test records what it picked.
 */
describe('kafkajs request versions on this broker (real broker)', () => {
  const sent = new Map<string, { apiKey: number; version: number }>();
  const kafka = new Kafka({
    clientId: 'protocol-test',
    brokers: config.brokers,
    logLevel: logLevel.DEBUG,
    logCreator:
      () =>
      ({ log }: LogEntry) => {
        const request = /^Request (\w+)\(key: (\d+), version: (\d+)\)$/.exec(log.message);
        if (request)
          sent.set(`${request[1]} v${request[3]}`, {
            apiKey: Number(request[2]),
            version: Number(request[3]),
          });
      },
  });

  // LOCAL_KAFKA_VERSION is set when the run uses the local stack's broker (./platform); an
  // external broker (KAFKA_BROKERS given) has no version to check against.
  const localVersion = process.env.LOCAL_KAFKA_VERSION;
  (localVersion ? it : it.skip)('is the Kafka line the run names (LOCAL_KAFKA_VERSION)', async () => {
    const fetch = (await brokerApiVersions(config.brokers[0]!)).find((api) => api.apiKey === 1);
    // KIP-896: 4.x accepts Fetch from v4 on; 3.x still from v0.
    expect(fetch?.minVersion).toBe(localVersion!.startsWith('4.') ? 4 : 0);
  });

  it('uses only versions the broker accepts, for everything the platform does', async () => {
    const topic = uniqueName('protocol');
    await ensureTopic(kafka, { topic, partitions: 2 });
    // As the publisher: idempotent producer, acks from all in-sync replicas.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v', headers: { h: 'x' } }] });
    // As the sink: a consumer group, batches, offsets committed by hand, lag read through admin.
    const groupId = uniqueName('protocol-group');
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const consumed = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          await consumer.commitOffsets([
            { topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() },
          ]);
          resolve();
        },
      });
    });
    await consumed;
    const admin = kafka.admin();
    await admin.connect();
    await admin.fetchOffsets({ groupId, topics: [topic] });
    await admin.fetchTopicOffsets(topic);
    await consumer.disconnect(); // LeaveGroup
    await admin.deleteTopics({ topics: [topic] });
    await Promise.all([producer.disconnect(), admin.disconnect()]);

    const accepted = new Map<number, ApiVersionRange>(
      (await brokerApiVersions(config.brokers[0]!)).map((api) => [api.apiKey, api]),
    );
    const refused = [...sent].filter(([, { apiKey, version }]) => {
      const range = accepted.get(apiKey);
      return !range || version < range.minVersion || version > range.maxVersion;
    });
    expect(refused).toEqual([]);
    // The requests the platform depends on were all among them.
    expect([...sent.keys()].map((request) => request.split(' ')[0])).toEqual(
      expect.arrayContaining([
        'Produce',
        'InitProducerId',
        'JoinGroup',
        'SyncGroup',
        'Fetch',
        'OffsetCommit',
        'OffsetFetch',
        'LeaveGroup',
        'CreateTopics',
        'DeleteTopics',
        'ListOffsets',
      ]),
    );
    console.log(
      `kafkajs requests on Kafka ${localVersion ?? '(external broker)'}: ${[...sent.keys()].sort().join(', ')}`,
    );
  });
});
