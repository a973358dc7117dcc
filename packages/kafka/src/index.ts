export {
  kafkaConfig,
  kafkaEnvShape,
  kafkaTopicName,
  schemaRegistryConfig,
  schemaRegistryEnvShape,
} from './config.js';
export type { KafkaConfig, SaslMechanism, SchemaRegistryConfig } from './config.js';
export { createKafka } from './kafka.js';
export { createSchemaRegistry, registerAvroSchema } from './schema-registry.js';
export { ensureTopic } from './topics.js';
export { extractTraceContext, injectTraceContext } from './trace-headers.js';
export { createTopicIdReader } from './topic-ids.js';
export type { TopicIdReader } from './topic-ids.js';
