import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { baseConfig, baseEnvShape, ConfigError, envField, parseEnv } from '../src/index.js';

const shape = {
  ...baseEnvShape,
  DATABASE_URL: envField.url(['postgres:', 'postgresql:']),
  HTTP_PORT: envField.port().default(3000),
  KAFKA_BROKERS: envField.hostPortList(),
  BATCH_SIZE: envField.positiveInt(5000).default(1000),
  FEATURE_ON: envField.boolean().default(false),
  NAME: z.string(),
};

const valid = {
  DATABASE_URL: 'postgres://u:secret@db:5432/app',
  KAFKA_BROKERS: 'k1:9092, k2:9093',
  NAME: 'x',
};

function problemsOf(env: Record<string, string | undefined>): readonly string[] {
  try {
    parseEnv(shape, env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('parseEnv', () => {
  it('applies defaults and converts types', () => {
    const env = parseEnv(shape, valid);
    expect(env).toEqual({
      ...valid,
      KAFKA_BROKERS: ['k1:9092', 'k2:9093'],
      HTTP_PORT: 3000,
      BATCH_SIZE: 1000,
      FEATURE_ON: false,
      LOG_LEVEL: 'info',
      APP_ENV: 'local',
      SHUTDOWN_TIMEOUT_MS: 30_000,
    });
    expect(baseConfig(env)).toEqual({ logLevel: 'info', environment: 'local', shutdownTimeoutMs: 30_000 });
  });

  it('lists every missing and invalid variable in one error', () => {
    const problems = problemsOf({
      HTTP_PORT: '70000',
      KAFKA_BROKERS: 'no-port',
      BATCH_SIZE: '5001',
      FEATURE_ON: 'yes',
      LOG_LEVEL: 'verbose',
      NAME: '',
    });
    expect([...problems].sort()).toEqual([
      'BATCH_SIZE: expected a whole number of at most 5000 (got "5001")',
      'DATABASE_URL: required but not set',
      'FEATURE_ON: expected true or false (got "yes")',
      'HTTP_PORT: expected a port number between 0 and 65535 (got "70000")',
      'KAFKA_BROKERS: expected host:port[,host:port...] (got "no-port")',
      'LOG_LEVEL: expected one of error, warn, info, debug (got "verbose")',
      'NAME: required but not set',
    ]);
  });

  it('never repeats the value of a variable that may hold a secret', () => {
    const problems = problemsOf({ ...valid, DATABASE_URL: 'mysql://u:hunter2@db/app' });
    expect(problems).toEqual(['DATABASE_URL: expected a URL starting with postgres:// or postgresql://']);
  });

  it('reads any variable from the file its _FILE variable names, and shows none of its content', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'config-files-'));
    try {
      const secret = path.join(dir, 'database-url');
      fs.writeFileSync(secret, 'postgres://u:from-file@db:5432/app\n'); // a trailing newline, as editors write
      const { DATABASE_URL: _set, ...rest } = valid;
      expect(parseEnv(shape, { ...rest, DATABASE_URL_FILE: secret }).DATABASE_URL).toBe(
        'postgres://u:from-file@db:5432/app',
      );

      const wrong = path.join(dir, 'wrong');
      fs.writeFileSync(wrong, 'mysql://u:hunter2@db/app');
      expect(problemsOf({ ...rest, DATABASE_URL_FILE: wrong })).toEqual([
        'DATABASE_URL: expected a URL starting with postgres:// or postgresql://',
      ]);
      expect(problemsOf({ ...valid, DATABASE_URL_FILE: secret })).toEqual([
        'DATABASE_URL: set either DATABASE_URL or DATABASE_URL_FILE, not both',
      ]);
      expect(problemsOf({ ...rest, DATABASE_URL_FILE: path.join(dir, 'missing') })).toEqual([
        `DATABASE_URL_FILE: cannot read ${path.join(dir, 'missing')} (ENOENT)`,
      ]);
      // A non-secret name read from a file keeps its content out of messages too.
      fs.writeFileSync(path.join(dir, 'port'), 'not-a-port');
      expect(problemsOf({ ...valid, HTTP_PORT_FILE: path.join(dir, 'port') })).toEqual([
        'HTTP_PORT: expected a port number',
      ]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says how many problems there are and where variables are documented', () => {
    const error = new ConfigError(['A: required but not set']);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(
      'Invalid configuration (1 problem):\n  - A: required but not set\n' +
        'Every variable is described in .env.example and in docs/configuration.md.',
    );
  });
});
