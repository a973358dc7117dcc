import { parseEnv } from '@platform/runtime';
import { kafkaConfig, kafkaEnvShape, schemaRegistryConfig, schemaRegistryEnvShape } from '../src/index.js';

/** Connection settings from the environment the test command exported (./platform test). */
export const kafka = kafkaConfig(parseEnv(kafkaEnvShape), 'kafka-package-tests');
export const registry = schemaRegistryConfig(parseEnv(schemaRegistryEnvShape));
