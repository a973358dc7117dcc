import { Admin } from '@platformatic/kafka';
import type { KafkaConfig } from './config.js';

/** Reads Kafka's id of a topic: what tells a topic re-created under the same name from the old one. */
export interface TopicIdReader {
  /** The id of the topic now bearing this name, or undefined while no such topic exists. */
  read(topic: string): Promise<string | undefined>;
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NO_ID = '00000000-0000-0000-0000-000000000000';

/**
 * kafkajs speaks Metadata v6, which predates topic ids (v10, Kafka 2.8), and has no way to send a
 * newer request. @platformatic/kafka's admin client reads them; it is used for this one read only,
 * kafkajs stays the client for everything else. No retries inside: callers poll and retry.
 */
export function createTopicIdReader(config: KafkaConfig): TopicIdReader {
  const admin = new Admin({
    clientId: config.clientId,
    bootstrapBrokers: config.brokers,
    retries: 0,
    timeout: 10_000,
    ...(config.tls ? { tls: { ...config.tls, rejectUnauthorized: true } } : {}),
    ...(config.sasl ? { sasl: config.sasl } : {}),
  });
  return {
    async read(topic) {
      try {
        const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
        const id = metadata.topics.get(topic)?.id;
        if (!id || !UUID.test(id) || id === NO_ID) {
          throw new Error(`the broker reports no topic id for ${topic} (Kafka >= 2.8 does)`);
        }
        return id.toLowerCase();
      } catch (error) {
        // Metadata's UNKNOWN_TOPIC_OR_PARTITION, as the client reports it.
        if (error instanceof Error && error.message === `Unknown topic ${topic}.`) return undefined;
        throw error;
      }
    },
    async close() {
      await admin.close();
    },
  };
}
