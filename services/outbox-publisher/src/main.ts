import { createKafka, createSchemaRegistry } from '@platform/kafka';
import { createMetricsRegistry } from '@platform/observability';
import { packageVersion, runService, startOpsServer } from '@platform/runtime';
import { createEventPublishers } from './adapters/kafka/event-publisher.js';
import { createControlConnection } from './adapters/postgres/control-connection.js';
import { createOutboxStore } from './adapters/postgres/outbox-store.js';
import { createPool } from './adapters/postgres/pool.js';
import { createAvroEncoder } from './adapters/registry/avro-encoder.js';
import { loadPublisherConfig } from './config.js';
import { createRelayMetrics, registerBacklogGauges } from './metrics.js';
import { createRelay } from './relay.js';
import { createRetention } from './retention.js';

const service = { name: 'outbox-publisher', version: packageVersion(import.meta.url) };

await runService({
  ...service,
  loadConfig: loadPublisherConfig,
  async start(config, logger) {
    // PostgreSQL must be reachable to start; Kafka and the registry may come later (the relay
    // backs off until they answer).
    const pool = await createPool(config.database, logger);
    const control = createControlConnection({ database: config.database, totalLanes: config.lanes, logger });
    const store = createOutboxStore(pool, config.lanes);
    const kafka = createKafka(config.kafka, logger);
    const publishers = createEventPublishers(kafka, config.topic, logger, config.concurrency);
    const encoder = createAvroEncoder(
      createSchemaRegistry(config.schemaRegistry),
      config.schemaRegistry,
      config.topic.topic,
    );
    const registry = createMetricsRegistry(service);
    registerBacklogGauges(registry, () => store.backlog(), logger);
    const metrics = createRelayMetrics(registry);
    const relay = createRelay({
      store,
      control,
      encoder,
      publishers,
      logger,
      metrics,
      settings: config.relay,
    });
    const retention = createRetention({ store, logger, ...config.retention });
    const http = await startOpsServer({ ...config.http, registry });
    relay.start();
    retention.start();
    logger.info('relaying', {
      topic: config.topic.topic,
      batch_size: config.relay.batchSize,
      concurrency: config.concurrency,
      lanes: config.lanes,
      http_port: http.port,
    });
    return async () => {
      await http.close();
      await relay.stop(); // the current batch commits or rolls back
      await retention.stop();
      await Promise.all(publishers.map((publisher) => publisher.close())); // flush the producers
      await control.close(); // frees this instance's lanes
      await pool.end();
    };
  },
});
