import { parseEnv } from '@platform/runtime';
import { memoryLogger, uniqueName } from '@platform/testing';
import {
  createKafka,
  createTopicIdReader,
  kafkaConfig,
  kafkaEnvShape,
  type KafkaConfig,
} from '../src/index.js';
import { kafka as plaintextConfig } from './env.js';

// The local stack's broker has a SASL_SSL listener beside its PLAINTEXT one (infra/local/kafka.sh):
// the stack's development CA signed its certificate, user "platform" has SCRAM-SHA-256/512
// credentials and a PLAIN one. With an external broker there is no such listener to test.
const secureBrokers = process.env.LOCAL_KAFKA_SASL_SSL_BROKERS;
const describeSecure = secureBrokers ? describe : describe.skip;

/** Settings exactly as a service reads them, secrets and CA from files (the `_FILE` form). */
function secureConfig(overrides: Record<string, string | undefined> = {}): KafkaConfig {
  return kafkaConfig(
    parseEnv(kafkaEnvShape, {
      KAFKA_BROKERS: secureBrokers,
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: process.env.LOCAL_KAFKA_SASL_USERNAME,
      KAFKA_SASL_PASSWORD_FILE: process.env.LOCAL_KAFKA_SASL_PASSWORD_FILE,
      KAFKA_TLS_CA_FILE: process.env.LOCAL_TLS_CA_FILE,
      ...overrides,
    }),
    'kafka-security-tests',
  );
}

/** What a broker answers to a metadata read: the topic id, or the error the connection ended with. */
async function readTopicId(config: KafkaConfig, topic: string): Promise<string> {
  const reader = createTopicIdReader(config);
  try {
    return (await reader.read(topic)) ?? 'no such topic';
  } catch (error) {
    return `refused: ${reasonOf(error)}`;
  } finally {
    await reader.close().catch(() => undefined);
  }
}

/**
 * An error's message with those of its causes (connection errors nest the TLS one). Duck-typed:
 * errors made by Node itself come from another realm than jest's, so `instanceof Error` fails.
 */
function reasonOf(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as ErrorLike | undefined; e?.message !== undefined; e = e.cause) {
    parts.push(e.message);
    // AggregateError, and @platformatic/kafka's MultipleErrors (one per broker tried).
    if (Array.isArray(e.errors)) parts.push(...e.errors.map((each) => reasonOf(each)));
  }
  return parts.join(' <- ');
}
type ErrorLike = { message?: string; cause?: ErrorLike; errors?: unknown[] };

describe('Kafka over SASL_SSL (the local broker, for real)', () => {
  const { logger } = memoryLogger();
  const topic = uniqueName('secure');
  let topicId: string;

  beforeAll(async () => {
    if (!secureBrokers) return;
    const admin = createKafka(secureConfig(), logger).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    // The same topic seen through the PLAINTEXT listener: one broker, two doors.
    topicId = await readTopicId(plaintextConfig, topic);
  });

  describeSecure('accepted', () => {
    it('produces and consumes with SCRAM-SHA-512, credentials and CA from files', async () => {
      const client = createKafka(secureConfig(), logger);
      const producer = client.producer({ idempotent: true });
      const consumer = client.consumer({ groupId: uniqueName('secure-group') });
      await producer.connect();
      try {
        await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'over TLS' }] });
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        const value = await new Promise<string>((resolve) => {
          void consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) });
        });
        expect(value).toBe('over TLS');
      } finally {
        await Promise.all([producer.disconnect(), consumer.disconnect()]);
      }
    });

    it.each(['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])(
      'authenticates with %s through both clients (kafkajs, and the topic-id reader)',
      async (mechanism) => {
        const config = secureConfig({ KAFKA_SASL_MECHANISM: mechanism });
        const producer = createKafka(config, logger).producer();
        await producer.connect();
        try {
          const [metadata] = await producer.send({ topic, acks: -1, messages: [{ value: mechanism }] });
          expect(metadata!.errorCode).toBe(0);
        } finally {
          await producer.disconnect();
        }
        expect(topicId).toMatch(/^[0-9a-f-]{36}$/);
        await expect(readTopicId(config, topic)).resolves.toBe(topicId);
      },
    );
  });

  describeSecure('refused', () => {
    it('a wrong password, by kafkajs and by the topic-id reader', async () => {
      const config = secureConfig({
        KAFKA_SASL_PASSWORD_FILE: undefined,
        KAFKA_SASL_PASSWORD: 'not-the-password',
      });
      const producer = createKafka(config, logger).producer();
      await expect(producer.connect()).rejects.toThrow(/SASL SCRAM SHA512 authentication failed/);
      await expect(readTopicId(config, topic)).resolves.toMatch(/^refused: .*[Aa]uthentication failed/);
    });

    it('a broker certificate not signed by a trusted CA (no KAFKA_TLS_CA: only public CAs)', async () => {
      await expect(readTopicId(secureConfig({ KAFKA_TLS_CA_FILE: undefined }), topic)).resolves.toMatch(
        /^refused: .*unable to verify the first certificate/,
      );
    });

    it('TLS without SASL credentials, and plaintext, on the SASL_SSL listener', async () => {
      const tlsOnly = kafkaConfig(
        parseEnv(kafkaEnvShape, {
          KAFKA_BROKERS: secureBrokers,
          KAFKA_SECURITY_PROTOCOL: 'SSL',
          KAFKA_TLS_CA_FILE: process.env.LOCAL_TLS_CA_FILE,
        }),
        'kafka-security-tests',
      );
      // The broker closes a connection that asks anything before authenticating.
      await expect(readTopicId(tlsOnly, topic)).resolves.toMatch(/^refused: .*Connection closed/);
      const plaintext = { ...plaintextConfig, brokers: [secureBrokers!] };
      await expect(readTopicId(plaintext, topic)).resolves.toMatch(/^refused: .*Broker requires TLS/);
    });
  });
});
