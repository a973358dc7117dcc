import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from '@platform/observability';
import type { KafkaConfig } from './config.js';

const LEVEL_NAMES: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/**
 * A kafkajs client whose own log lines go through the service's structured logger, speaking
 * TLS and SASL as configured.
 */
export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  const { tls, sasl } = config;
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    ...(tls ? { ssl: { ...tls, rejectUnauthorized: true } } : {}),
    ...(sasl ? { sasl: kafkajsSasl(sasl) } : {}),
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

// kafkajs names the mechanisms in lower case; the union type wants each spelled out.
function kafkajsSasl({ mechanism, username, password }: NonNullable<KafkaConfig['sasl']>): SASLOptions {
  switch (mechanism) {
    case 'PLAIN':
      return { mechanism: 'plain', username, password };
    case 'SCRAM-SHA-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'SCRAM-SHA-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}
