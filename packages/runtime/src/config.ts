import fs from 'node:fs';
import { z } from 'zod';
import { LOG_LEVELS } from '@platform/observability';
import { ConfigError } from './errors.js';
import { PEM } from './pem.js';

type Env = Record<string, string | undefined>;

// Values of these variables are never repeated in error messages (URLs may carry credentials).
const SECRET_NAME = /PASSWORD|SECRET|TOKEN|KEY|URL/;

/**
 * Parses environment variables with a zod object schema whose keys are the variable names.
 * Empty strings count as unset, so `FOO=` in a .env file falls back to the default. Any variable
 * `FOO` may instead come from a file named by `FOO_FILE` (Docker and Kubernetes secrets), so a
 * secret need not sit in the environment; its content is never shown in a message.
 * Throws one ConfigError that lists every missing or invalid variable.
 */
export function parseEnv<Shape extends z.ZodRawShape>(
  shape: Shape,
  env: Env = process.env,
): z.infer<z.ZodObject<Shape>> {
  const input: Env = {};
  const fileProblems: string[] = [];
  const fromFiles = new Set<string>();
  const unreadable = new Set<string>();
  for (const name of Object.keys(shape)) {
    const value = blankAsUnset(env[name]);
    const file = blankAsUnset(env[`${name}_FILE`]);
    if (file !== undefined && value !== undefined) {
      fileProblems.push(`${name}: set either ${name} or ${name}_FILE, not both`);
      input[name] = value;
    } else if (file !== undefined) {
      try {
        input[name] = blankAsUnset(fs.readFileSync(file, 'utf8'));
        fromFiles.add(name);
      } catch (error) {
        unreadable.add(name); // its own problem; no "required but not set" on top
        fileProblems.push(
          `${name}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
        );
      }
    } else {
      input[name] = value;
    }
  }
  const result = z.object(shape).safeParse(input);
  if (result.success && fileProblems.length === 0) return result.data;
  const issues = (result.success ? [] : result.error.issues).filter(
    (issue) => !unreadable.has(String(issue.path[0])),
  );
  throw new ConfigError([
    ...fileProblems,
    ...issues.map((issue) => {
      const name = String(issue.path[0]);
      const value = input[name];
      if (value === undefined) return `${name}: required but not set`;
      const shown = SECRET_NAME.test(name) || fromFiles.has(name) ? '' : ` (got ${JSON.stringify(value)})`;
      return `${name}: ${issue.message}${shown}`;
    }),
  ]);
}

const blankAsUnset = (value: string | undefined) =>
  value === undefined || value.trim() === '' ? undefined : value.trim();

/** Field types for environment variables, with messages that say what is expected. */
export const envField = {
  /** A port to listen on; 0 asks the OS for a free one (tests use it). */
  port: () =>
    z.coerce
      .number({ message: 'expected a port number' })
      .int({ message: 'expected a port number' })
      .min(0, { message: 'expected a port number between 0 and 65535' })
      .max(65535, { message: 'expected a port number between 0 and 65535' }),
  positiveInt: (max = Number.MAX_SAFE_INTEGER) =>
    z.coerce
      .number({ message: 'expected a whole number' })
      .int({ message: 'expected a whole number' })
      .min(1, { message: 'expected a whole number of at least 1' })
      .max(max, { message: `expected a whole number of at most ${max}` }),
  /** A plain SQL identifier (a database or table name), safe to put into a statement as is. */
  identifier: () => z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { message: 'expected a plain identifier' }),
  url: (protocols: readonly string[]) =>
    z.string().refine((value) => URL.canParse(value) && protocols.includes(new URL(value).protocol), {
      message: `expected a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    }),
  /** Comma-separated list, e.g. KAFKA_BROKERS=host1:9092,host2:9092. */
  hostPortList: () =>
    z
      .string()
      .transform((value) => value.split(',').map((item) => item.trim()))
      .refine((items) => items.every((item) => /^[^\s:]+:\d{1,5}$/.test(item)), {
        message: 'expected host:port[,host:port...]',
      }),
  /**
   * PEM text: certificates (a CA bundle or a chain) or a private key. Given as a file through
   * the `_FILE` form (KAFKA_TLS_CA_FILE=/etc/ssl/ca.pem), like any setting.
   */
  pem: (kind: 'certificate' | 'private key') =>
    z.string().refine((value) => PEM[kind].test(value), {
      message: `expected PEM text with a ${kind} (-----BEGIN ...)`,
    }),
  boolean: () =>
    z.enum(['true', 'false'], { message: 'expected true or false' }).transform((value) => value === 'true'),
};

/** Variables every service reads. */
export const baseEnvShape = {
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  /** Name of the deployment (local, staging, production); stamped on every event. */
  APP_ENV: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,31}$/, { message: 'expected a short lowercase name like "production"' })
    .default('local'),
  SHUTDOWN_TIMEOUT_MS: envField.positiveInt(600_000).default(30_000),
};

export interface BaseConfig {
  logLevel: (typeof LOG_LEVELS)[number];
  environment: string;
  shutdownTimeoutMs: number;
}

export function baseConfig(env: z.infer<z.ZodObject<typeof baseEnvShape>>): BaseConfig {
  return { logLevel: env.LOG_LEVEL, environment: env.APP_ENV, shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS };
}
