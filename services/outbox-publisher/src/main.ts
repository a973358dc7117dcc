import { createKafka, createSchemaRegistry } from '@platform/kafka';
import { packageVersion, runService } from '@platform/runtime';
import { createPool } from './adapters/postgres/pool.js';
import { loadPublisherConfig } from './config.js';

// Wires the relay's adapters and checks each is reachable. The relay loop itself
// (claim outbox rows, encode, produce, mark processed) is issue #4.
await runService({
  name: 'outbox-publisher',
  version: packageVersion(import.meta.url),
  loadConfig: loadPublisherConfig,
  async start(config, logger) {
    const pool = await createPool(config.database);
    const producer = createKafka(config.kafka, logger).producer({ idempotent: true });
    await producer.connect();
    createSchemaRegistry(config.schemaRegistry);
    logger.info('connected', { brokers: config.kafka.brokers });
    return async () => {
      await producer.disconnect();
      await pool.end();
    };
  },
});
