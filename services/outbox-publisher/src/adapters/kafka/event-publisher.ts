import type { Kafka, Producer } from 'kafkajs';
import { ensureTopic } from '@platform/kafka';
import type { Logger } from '@platform/observability';

export interface OutgoingMessage {
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** Where the relay sends events. `publish` resolves once every in-sync replica has them. */
export interface EventPublisher {
  readonly topic: string;
  publish(messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface TopicSettings {
  topic: string;
  partitions: number;
  /** -1: the broker's default.replication.factor. */
  replicationFactor: number;
}

/**
 * `count` publishers (one per lane group) to one topic: kafkajs behind EventPublisher, each an
 * idempotent producer of its own (no duplicates from its own retries; separate producers keep
 * separate sequence numbers), one request in flight (order holds across retries), acks from all
 * in-sync replicas. The topic is created with the configured partitions if missing, once for
 * all of them (concurrent creations made the losers' first batches fail). Connecting and topic
 * creation happen on first use and again after a failure, so a broker that is down at start-up
 * or later only delays publishing.
 */
export function createEventPublishers(
  kafka: Kafka,
  settings: TopicSettings,
  logger: Logger,
  count: number,
): EventPublisher[] {
  let topicReady: Promise<void> | undefined;
  const ensureTopicOnce = () =>
    (topicReady ??= ensureTopic(kafka, settings).then(
      (created) => {
        if (created) logger.info('topic created', { ...settings });
      },
      (error: unknown) => {
        topicReady = undefined; // try again with the next batch
        throw error;
      },
    ));
  return Array.from({ length: count }, () => createEventPublisher(kafka, settings, ensureTopicOnce));
}

function createEventPublisher(
  kafka: Kafka,
  settings: TopicSettings,
  ensureTopicOnce: () => Promise<void>,
): EventPublisher {
  let producer: Producer | undefined;

  async function ready(): Promise<Producer> {
    if (producer) return producer;
    await ensureTopicOnce();
    const next = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await next.connect();
    producer = next;
    return next;
  }

  return {
    topic: settings.topic,
    async publish(messages) {
      const current = await ready();
      try {
        await current.send({ topic: settings.topic, acks: -1, messages });
      } catch (error) {
        // Start from a fresh producer next time: kafkajs may keep a broken connection state.
        producer = undefined;
        await current.disconnect().catch(() => undefined);
        throw error;
      }
    },
    async close() {
      await producer?.disconnect();
      producer = undefined;
    },
  };
}
