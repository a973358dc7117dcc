import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '@platform/observability';
import type { KafkaConfig } from './config.js';

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own log lines go through the service's structured logger. */
export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, namespace, log }: LogEntry) => {
        // kafkajs's own timestamp and logger name would duplicate our fields.
        const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
        kafkaLogger[LEVEL_NAMES[level] ?? 'info'](message, { namespace, ...fields });
      },
  });
}
