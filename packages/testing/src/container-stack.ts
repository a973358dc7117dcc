/**
 * The test stack in containers: PostgreSQL, Kafka and the schema registry started with
 * testcontainers, handed to the suites through the same variables the local stack sets
 * (DATABASE_URL, KAFKA_BROKERS, SCHEMA_REGISTRY_URL). ClickHouse stays the embedded engine and
 * Jaeger the caller's, as in every other run.
 *
 * Containers use the host's network, on ports of their own: it works on every engine, including
 * ours, which has no bridge network and publishes no ports (../shared/PLATFORM.md).
 */
import { spawnSync } from 'node:child_process';

/** Which stack the suites get: the caller's addresses, or containers started for the run. */
export type TestStackKind = 'local' | 'containers';

export class TestStackError extends Error {
  readonly code = 'TEST_STACK_INVALID';
}

/**
 * TEST_STACK=local|containers decides; unset, containers are used when a Docker engine answers
 * and no address is given, so `npx jest` on a machine with Docker needs nothing else.
 */
export function chooseTestStack(env: NodeJS.ProcessEnv, dockerAnswers: () => boolean): TestStackKind {
  const chosen = env.TEST_STACK?.trim();
  if (chosen === 'local' || chosen === 'containers') return chosen;
  if (chosen)
    throw new TestStackError(`TEST_STACK must be "local" or "containers" (got ${JSON.stringify(chosen)})`);
  const addressGiven = Boolean(env.DATABASE_URL || env.KAFKA_BROKERS || env.SCHEMA_REGISTRY_URL);
  return !addressGiven && dockerAnswers() ? 'containers' : 'local';
}

export function dockerAnswers(): boolean {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

export interface ContainerSpec {
  name: 'postgres' | 'kafka' | 'registry';
  image: string;
  env: Record<string, string>;
  command: string[];
  /** When it is ready: a line in its log, a command that succeeds in it, or a URL answering 2xx. */
  ready: { logLine: RegExp } | { command: string[] } | { url: string };
}

export interface ContainerStackOptions {
  postgresImage: string;
  kafkaImage: string;
  registryImage: string;
  postgresPort: number;
  kafkaPort: number;
  kafkaControllerPort: number;
  registryPort: number;
}

/** Official images by default; TEST_STACK_*_IMAGE names others (./platform test: local stand-ins). */
export function containerStackOptions(env: NodeJS.ProcessEnv): ContainerStackOptions {
  const port = (name: string, fallback: number) => {
    const value = Number(env[name] ?? fallback);
    if (!Number.isInteger(value) || value < 1 || value > 65535) {
      throw new TestStackError(`${name} must be a TCP port (got ${JSON.stringify(env[name])})`);
    }
    return value;
  };
  return {
    postgresImage: env.TEST_STACK_POSTGRES_IMAGE || 'postgres:17',
    kafkaImage: env.TEST_STACK_KAFKA_IMAGE || 'apache/kafka:4.4.0',
    registryImage: env.TEST_STACK_REGISTRY_IMAGE || 'apicurio/apicurio-registry:3.0.9',
    postgresPort: port('TEST_STACK_POSTGRES_PORT', 35432),
    kafkaPort: port('TEST_STACK_KAFKA_PORT', 39092),
    kafkaControllerPort: port('TEST_STACK_KAFKA_CONTROLLER_PORT', 39093),
    registryPort: port('TEST_STACK_REGISTRY_PORT', 38081),
  };
}

const PG_USER = 'platform';
const PG_PASSWORD = 'platform';

/** The three containers, configured through each official image's own variables. */
export function containerSpecs(o: ContainerStackOptions): ContainerSpec[] {
  const kafka = `127.0.0.1:${o.kafkaPort}`;
  const controller = `127.0.0.1:${o.kafkaControllerPort}`;
  return [
    {
      name: 'postgres',
      image: o.postgresImage,
      env: { POSTGRES_USER: PG_USER, POSTGRES_PASSWORD: PG_PASSWORD, POSTGRES_DB: 'platform' },
      // The suites open many connections at once (scratch databases, pools per service).
      command: ['-p', String(o.postgresPort), '-c', 'max_connections=300', '-c', 'fsync=off'],
      // Over TCP: the official image's first-start server listens on the socket only.
      ready: { command: ['pg_isready', '-h', '127.0.0.1', '-p', String(o.postgresPort), '-U', PG_USER] },
    },
    {
      name: 'kafka',
      image: o.kafkaImage,
      env: {
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: `PLAINTEXT://${kafka},CONTROLLER://${controller}`,
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://${kafka}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_CONTROLLER_QUORUM_VOTERS: `1@${controller}`,
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        KAFKA_INTER_BROKER_LISTENER_NAME: 'PLAINTEXT',
        KAFKA_LOG_DIRS: '/tmp/kraft-combined-logs',
        KAFKA_NUM_PARTITIONS: '3',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_OFFSETS_TOPIC_NUM_PARTITIONS: '10',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_HEAP_OPTS: '-Xms256m -Xmx768m',
      },
      command: [],
      ready: { logLine: /Kafka Server started/ },
    },
    {
      name: 'registry',
      image: o.registryImage,
      // Apicurio (Quarkus) reads its settings from the environment; storage stays in memory.
      env: { QUARKUS_HTTP_HOST: '127.0.0.1', QUARKUS_HTTP_PORT: String(o.registryPort) },
      command: [],
      ready: { url: `http://127.0.0.1:${o.registryPort}/apis/ccompat/v7/subjects` },
    },
  ];
}

/** What the suites read: the variables `./platform env` exports for the local stack. */
export interface TestStackEnv {
  DATABASE_URL: string;
  KAFKA_BROKERS: string;
  SCHEMA_REGISTRY_URL: string;
}

export function containerStackEnv(o: ContainerStackOptions): TestStackEnv {
  return {
    DATABASE_URL: `postgres://${PG_USER}:${PG_PASSWORD}@127.0.0.1:${o.postgresPort}/platform`,
    KAFKA_BROKERS: `127.0.0.1:${o.kafkaPort}`,
    SCHEMA_REGISTRY_URL: `http://127.0.0.1:${o.registryPort}/apis/ccompat/v7`,
  };
}
