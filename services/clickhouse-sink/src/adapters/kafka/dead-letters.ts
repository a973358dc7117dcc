import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import { ensureTopic, injectTraceContext } from '@platform/kafka';
import type { PoisonMessageError } from '../../domain/errors.js';
import type { KafkaPosition } from '../../domain/event-row.js';

/** Where messages that can never be stored go, with why and where they came from. */
export interface DeadLetterQueue {
  readonly topic: string;
  send(message: KafkaMessage, source: KafkaPosition, error: PoisonMessageError): Promise<void>;
  close(): Promise<void>;
}

/**
 * The dead-letter topic keeps the original key, value bytes and headers, and adds headers
 * naming the error and the source position, so a fixed consumer can re-read it later.
 */
export function createDeadLetterQueue(kafka: Kafka, topic: string): DeadLetterQueue {
  let producer: Producer | undefined;

  async function ready(): Promise<Producer> {
    if (producer) return producer;
    await ensureTopic(kafka, { topic, partitions: 1 });
    const next = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await next.connect();
    producer = next;
    return next;
  }

  return {
    topic,
    async send(message, source, error) {
      const current = await ready();
      // The original headers, except that the trace context (when tracing is on) becomes the
      // active one: the dead-letter send, so a consumer of this topic continues from there.
      const trace: Record<string, string> = {};
      injectTraceContext(trace);
      await current.send({
        topic,
        acks: -1,
        messages: [
          {
            key: message.key,
            value: message.value,
            headers: {
              ...message.headers,
              ...trace,
              'dlq.error.code': error.code,
              'dlq.error.reason': error.message,
              'dlq.source.topic': source.topic,
              'dlq.source.topic_id': source.topicId,
              'dlq.source.partition': String(source.partition),
              'dlq.source.offset': source.offset,
              'dlq.failed_at': new Date().toISOString(),
            },
          },
        ],
      });
    },
    async close() {
      await producer?.disconnect();
      producer = undefined;
    },
  };
}
