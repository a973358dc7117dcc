import { createKafka, createSchemaRegistry } from '@platform/kafka';
import { packageVersion, runService } from '@platform/runtime';
import { createClickHouse } from './adapters/clickhouse/client.js';
import { createEventStore } from './adapters/clickhouse/event-store.js';
import { migrate } from './adapters/clickhouse/migrations.js';
import { createDeadLetterQueue } from './adapters/kafka/dead-letters.js';
import { createAvroDecoder } from './adapters/registry/avro-decoder.js';
import { loadSinkConfig } from './config.js';
import { startHttpServer } from './http-server.js';
import { createSink } from './sink.js';

await runService({
  name: 'clickhouse-sink',
  version: packageVersion(import.meta.url),
  loadConfig: loadSinkConfig,
  async start(config, logger) {
    const clickhouse = createClickHouse(config.clickhouse);
    const target = { database: config.clickhouse.database, table: config.table };
    const applied = await migrate(clickhouse, target);
    logger.info('clickhouse schema ready', { target: config.clickhouse.kind, ...target, applied });
    const reader = createClickHouse(config.clickhouse);
    const store = createEventStore(clickhouse, reader, target);
    const kafka = createKafka(config.kafka, logger);
    const sink = createSink({
      kafka,
      store,
      decoder: createAvroDecoder(createSchemaRegistry(config.schemaRegistry)),
      deadLetters: createDeadLetterQueue(kafka, config.deadLetterTopic),
      logger,
      settings: config.sink,
    });
    await sink.start();
    const http = await startHttpServer({ ...config.http, store, logger });
    logger.info('consuming', { topic: config.sink.topic, group: config.sink.groupId, http_port: http.port });
    return async () => {
      await http.close();
      await sink.stop(); // flush, commit, leave the group
      await reader.close();
      await clickhouse.close();
    };
  },
});
