import type { KafkaMessage } from 'kafkajs';
import type { Logger } from '@platform/observability';
import type { DeadLetterQueue } from './adapters/kafka/dead-letters.js';
import type { PoisonMessageError } from './domain/errors.js';
import type { KafkaPosition } from './domain/event-row.js';
import type { SinkMetrics } from './metrics.js';
import { traceDeadLetter, type MessageTrace } from './sink-tracing.js';

/**
 * A message no retry can store goes to the dead-letter topic with its reason, retried (by
 * `retry`, the partition's retry policy) until the topic has it: only then may its offset be
 * committed. Counted per reason and logged.
 */
export function createDeadLetterStep(deps: {
  deadLetters: DeadLetterQueue;
  metrics: SinkMetrics;
  logger: Logger;
}) {
  return async (
    message: KafkaMessage,
    position: KafkaPosition,
    error: PoisonMessageError,
    trace: MessageTrace,
    retry: (work: () => Promise<void>) => Promise<void>,
  ): Promise<void> => {
    await retry(() =>
      traceDeadLetter(trace, deps.deadLetters.topic, error, () =>
        deps.deadLetters.send(message, position, error),
      ),
    );
    deps.metrics.deadLettered(error.code);
    deps.logger.warn('message dead-lettered', { ...position, code: error.code, reason: error.message });
  };
}
