import { z } from 'zod';
import { ConfigError, envField } from '@platform/runtime';

/** A Kafka topic name: letters, digits, '.', '_' and '-', at most 249 characters. */
export const kafkaTopicName = () =>
  z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, { message: 'expected a Kafka topic name' });

const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

export const kafkaEnvShape = {
  KAFKA_BROKERS: envField.hostPortList(),
  /** Defaults to the service name; shows up in broker logs and quotas. */
  KAFKA_CLIENT_ID: z.string().optional(),
  /** Kafka's own names for what a listener speaks (security.protocol in Kafka's clients). */
  KAFKA_SECURITY_PROTOCOL: z
    .enum(SECURITY_PROTOCOLS, { message: `expected one of ${SECURITY_PROTOCOLS.join(', ')}` })
    .default('PLAINTEXT'),
  KAFKA_SASL_MECHANISM: z
    .enum(SASL_MECHANISMS, { message: `expected one of ${SASL_MECHANISMS.join(', ')}` })
    .optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  /** CA certificates the brokers' certificates must chain to; unset, Node's bundled public CAs. */
  KAFKA_TLS_CA: envField.pem('certificate').optional(),
  /** A client certificate and its key, for brokers that authenticate clients by TLS (mTLS). */
  KAFKA_TLS_CERT: envField.pem('certificate').optional(),
  KAFKA_TLS_KEY: envField.pem('private key').optional(),
};

export const schemaRegistryEnvShape = {
  /** Confluent-API base URL, e.g. http://registry:8081 or Apicurio's .../apis/ccompat/v7 */
  SCHEMA_REGISTRY_URL: envField.url(['http:', 'https:']),
  SCHEMA_REGISTRY_USERNAME: z.string().optional(),
  SCHEMA_REGISTRY_PASSWORD: z.string().optional(),
};

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** Present: connections use TLS, verifying the brokers' certificates (never switched off). */
  tls?: { ca?: string; cert?: string; key?: string };
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
}

export interface SchemaRegistryConfig {
  url: string;
  auth?: { username: string; password: string };
}

/** Kafka settings from the environment; refuses combinations that would not do what they say. */
export function kafkaConfig(
  env: z.infer<z.ZodObject<typeof kafkaEnvShape>>,
  defaultClientId: string,
): KafkaConfig {
  const protocol = env.KAFKA_SECURITY_PROTOCOL;
  const usesTls = protocol === 'SSL' || protocol === 'SASL_SSL';
  const usesSasl = protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
  const problems: string[] = [];
  const unused = (names: string[], why: string) => {
    const set = names.filter((name) => env[name as keyof typeof env] !== undefined);
    if (set.length > 0) problems.push(`${set.join(', ')}: ${why} (KAFKA_SECURITY_PROTOCOL=${protocol})`);
  };
  if (usesSasl) {
    for (const name of ['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'] as const) {
      if (env[name] === undefined)
        problems.push(`${name}: required with KAFKA_SECURITY_PROTOCOL=${protocol}`);
    }
    if (protocol === 'SASL_PLAINTEXT' && env.KAFKA_SASL_MECHANISM === 'PLAIN') {
      problems.push(
        'KAFKA_SASL_MECHANISM: PLAIN over SASL_PLAINTEXT sends the password in clear text; use SASL_SSL',
      );
    }
  } else {
    unused(['KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD'], 'only used with SASL_*');
  }
  if (usesTls) {
    if ((env.KAFKA_TLS_CERT === undefined) !== (env.KAFKA_TLS_KEY === undefined)) {
      problems.push('KAFKA_TLS_CERT, KAFKA_TLS_KEY: set both (a client certificate and its key) or neither');
    }
  } else {
    unused(['KAFKA_TLS_CA', 'KAFKA_TLS_CERT', 'KAFKA_TLS_KEY'], 'only used with SSL or SASL_SSL');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const tls = {
    ...(env.KAFKA_TLS_CA ? { ca: env.KAFKA_TLS_CA } : {}),
    ...(env.KAFKA_TLS_CERT ? { cert: env.KAFKA_TLS_CERT } : {}),
    ...(env.KAFKA_TLS_KEY ? { key: env.KAFKA_TLS_KEY } : {}),
  };
  const {
    KAFKA_SASL_MECHANISM: mechanism,
    KAFKA_SASL_USERNAME: username,
    KAFKA_SASL_PASSWORD: password,
  } = env;
  return {
    brokers: env.KAFKA_BROKERS,
    clientId: env.KAFKA_CLIENT_ID ?? defaultClientId,
    ...(usesTls ? { tls } : {}),
    // All three are set here: checked above.
    ...(usesSasl && mechanism && username && password ? { sasl: { mechanism, username, password } } : {}),
  };
}

export function schemaRegistryConfig(
  env: z.infer<z.ZodObject<typeof schemaRegistryEnvShape>>,
): SchemaRegistryConfig {
  const { SCHEMA_REGISTRY_USERNAME: username, SCHEMA_REGISTRY_PASSWORD: password } = env;
  return {
    url: env.SCHEMA_REGISTRY_URL,
    ...(username && password ? { auth: { username, password } } : {}),
  };
}
