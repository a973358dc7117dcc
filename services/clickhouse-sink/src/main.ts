import { createKafka } from '@platform/kafka';
import { packageVersion, runService } from '@platform/runtime';
import { createClickHouse, ensureDatabase } from './adapters/clickhouse/client.js';
import { loadSinkConfig } from './config.js';

// Wires the sink's adapters and checks each is reachable. Consuming, batching and inserting
// is issue #5.
await runService({
  name: 'clickhouse-sink',
  version: packageVersion(import.meta.url),
  loadConfig: loadSinkConfig,
  async start(config, logger) {
    const clickhouse = createClickHouse(config.clickhouse);
    await ensureDatabase(clickhouse, config.clickhouse.database);
    const admin = createKafka(config.kafka, logger).admin();
    await admin.connect();
    logger.info('connected', {
      clickhouse: config.clickhouse.kind,
      database: config.clickhouse.database,
      brokers: config.kafka.brokers,
    });
    return async () => {
      await admin.disconnect();
      await clickhouse.close();
    };
  },
});
