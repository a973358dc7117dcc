import path from 'node:path';
import { ServiceProcess } from '@platform/testing';

const mainFile = path.resolve(import.meta.dirname, '../../dist/main.js');
export const cliFile = path.resolve(import.meta.dirname, '../../dist/cli.js');

/** The built publisher as a real process on a test database and topic. */
export function startPublisher(
  databaseUrl: string,
  topic: string,
  env: Record<string, string> = {},
): ServiceProcess {
  return new ServiceProcess(mainFile, {
    ...process.env,
    DATABASE_URL: databaseUrl,
    OUTBOX_TOPIC: topic,
    OUTBOX_TOPIC_PARTITIONS: '3',
    OUTBOX_BACKOFF_INITIAL_MS: '100',
    OUTBOX_BACKOFF_MAX_MS: '2000',
    LOG_LEVEL: 'info',
    PUBLISHER_HTTP_PORT: '0', // several instances run side by side
    ...env,
  });
}
