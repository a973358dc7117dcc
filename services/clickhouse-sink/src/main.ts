import { createKafka, createSchemaRegistry, createTopicIdReader } from '@platform/kafka';
import { createMetricsRegistry } from '@platform/observability';
import { packageVersion, runService } from '@platform/runtime';
import { createClickHouse } from './adapters/clickhouse/client.js';
import { createEventStore } from './adapters/clickhouse/event-store.js';
import { migrate } from './adapters/clickhouse/migrations.js';
import { createDeadLetterQueue } from './adapters/kafka/dead-letters.js';
import { createGroupOffsets } from './adapters/kafka/group-offsets.js';
import { createTopicIdentity } from './adapters/kafka/topic-identity.js';
import { createAvroDecoder } from './adapters/registry/avro-decoder.js';
import { loadSinkConfig } from './config.js';
import { startHttpServer } from './http-server.js';
import { createSinkMetrics, registerLagGauge } from './metrics.js';
import { createSink } from './sink.js';

const service = { name: 'clickhouse-sink', version: packageVersion(import.meta.url) };

await runService({
  ...service,
  loadConfig: loadSinkConfig,
  async start(config, logger, lifecycle) {
    const clickhouse = createClickHouse(config.clickhouse);
    const target = { database: config.clickhouse.database, table: config.table };
    const applied = await migrate(clickhouse, target);
    logger.info('clickhouse schema ready', { target: config.clickhouse.kind, ...target, applied });
    const reader = createClickHouse(config.clickhouse);
    const store = createEventStore(clickhouse, reader, target, config.query.limits);
    const kafka = createKafka(config.kafka, logger);
    const registry = createMetricsRegistry(service);
    const identity = createTopicIdentity(createTopicIdReader(config.kafka), config.sink.topic);
    const groupOffsets = createGroupOffsets(kafka, config.sink.topic, config.sink.groupId);
    registerLagGauge(registry, () => groupOffsets.lag(), logger);
    const sink = createSink({
      kafka,
      store,
      decoder: createAvroDecoder(createSchemaRegistry(config.schemaRegistry), {
        missingGraceMs: config.schemaMissingGraceMs,
      }),
      deadLetters: createDeadLetterQueue(kafka, config.deadLetterTopic),
      identity,
      groupOffsets,
      logger,
      metrics: createSinkMetrics(registry),
      settings: config.sink,
      onFailure: (reason, error) => lifecycle.fail(reason, error),
    });
    const http = await startHttpServer({
      ...config.http,
      queryToken: config.query.token,
      store,
      registry,
      logger,
      health: () => sink.health(),
    });
    await sink.start();
    logger.info('consuming', { topic: config.sink.topic, group: config.sink.groupId, http_port: http.port });
    return async () => {
      await http.close();
      await sink.stop(); // flush, commit, leave the group
      await groupOffsets.close();
      await identity.close();
      await reader.close();
      await clickhouse.close();
    };
  },
});
