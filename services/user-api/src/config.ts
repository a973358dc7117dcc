import { z } from 'zod';
import {
  baseConfig,
  baseEnvShape,
  ConfigError,
  envField,
  parseEnv,
  postgresConnection,
  type BaseConfig,
  type PostgresConnection,
} from '@platform/runtime';
import type { AuthConfig } from './http/auth.js';
import type { RequestLimits } from './http/limits.js';

const databaseEnvShape = {
  ...baseEnvShape,
  DATABASE_URL: envField.url(['postgres:', 'postgresql:']),
  DATABASE_POOL_MAX: envField.positiveInt(500).default(20),
};

const envShape = {
  ...databaseEnvShape,
  HTTP_HOST: z.string().default('0.0.0.0'),
  HTTP_PORT: envField.port().default(3000),
  HTTP_BODY_LIMIT_BYTES: envField.positiveInt(10 * 1024 * 1024).default(16 * 1024),
  /** Per client address (in memory, per process): requests per second and the burst above it. */
  HTTP_RATE_LIMIT_PER_SECOND: envField.positiveInt(1_000_000).default(100),
  HTTP_RATE_LIMIT_BURST: envField.positiveInt(1_000_000).default(200),
  HTTP_MAX_CONCURRENT_REQUESTS: envField.positiveInt(100_000).default(256),
  /** The whole request (headers and body) must arrive within this; slow clients are cut off. */
  HTTP_REQUEST_TIMEOUT_MS: envField.positiveInt(600_000).default(10_000),
  /** Behind a proxy that sets X-Forwarded-For: the client address is taken from it. */
  HTTP_TRUST_PROXY: envField.boolean().default(false),
  /** How many such proxies are in front (with HTTP_TRUST_PROXY): entries further left are ignored. */
  HTTP_TRUSTED_PROXY_HOPS: envField.positiveInt(10).default(1),
  /** How long a keyed create's first response is kept to answer retries (it holds personal data). */
  IDEMPOTENCY_RETENTION_HOURS: envField.positiveInt(24 * 365).default(24),
  IDEMPOTENCY_RETENTION_INTERVAL_MS: envField.positiveInt(86_400_000).default(60_000),
  /** GET /metrics and /healthz, apart from the public port: for Prometheus, not for clients. */
  OPS_HTTP_HOST: z.string().default('127.0.0.1'),
  OPS_HTTP_PORT: envField.port().default(9466),
  /** The OIDC provider's JWKS endpoint; or AUTH_JWKS_FILE, a JWKS file (development). */
  AUTH_JWKS_URL: envField.url(['https:', 'http:']).optional(),
  AUTH_JWKS_FILE: z.string().min(1).optional(),
  /** What accepted tokens must carry as `iss` and `aud`. */
  AUTH_ISSUER: z.string().min(1),
  AUTH_AUDIENCE: z.string().min(1),
  /** Asymmetric algorithms only: a shared-secret (HS*) or unsigned token is never accepted. */
  AUTH_ALGORITHMS: z
    .string()
    .default('ES256,RS256')
    .transform((list) => list.split(',').map((a) => a.trim()))
    .pipe(
      z
        .array(
          z.enum(['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA']),
        )
        .min(1),
    ),
  AUTH_CLOCK_TOLERANCE_SECONDS: envField.positiveInt(300).default(5),
};

export interface UserApiConfig extends BaseConfig {
  database: PostgresConnection & { poolMax: number };
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    requestTimeoutMs: number;
    trustedProxyHops: number;
  };
  limits: RequestLimits;
  ops: { host: string; port: number };
  idempotency: { retentionMs: number; intervalMs: number };
  auth: AuthConfig;
}

export interface DatabaseConfig extends BaseConfig {
  database: PostgresConnection & { poolMax: number };
}

/** What the migration runner (and tests that only need the database) read. */
export function loadDatabaseConfig(env: NodeJS.ProcessEnv = process.env): DatabaseConfig {
  const e = parseEnv(databaseEnvShape, env);
  return Object.freeze({
    ...baseConfig(e),
    database: { ...postgresConnection(e.DATABASE_URL), poolMax: e.DATABASE_POOL_MAX },
  });
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export function loadUserApiConfig(env: NodeJS.ProcessEnv = process.env): UserApiConfig {
  const e = parseEnv(envShape, env);
  if (Boolean(e.AUTH_JWKS_URL) === Boolean(e.AUTH_JWKS_FILE)) {
    throw new ConfigError([
      'AUTH_JWKS_URL or AUTH_JWKS_FILE: exactly one must be set (where token keys come from)',
    ]);
  }
  // The key set decides whose tokens are accepted: whoever can change it in transit could mint
  // any token. Plain http only for a provider on this host (development).
  if (e.AUTH_JWKS_URL) {
    const url = new URL(e.AUTH_JWKS_URL);
    if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
      throw new ConfigError([
        `AUTH_JWKS_URL: must be https (plain http is accepted only for localhost; got ${url.host})`,
      ]);
    }
  }
  return Object.freeze({
    ...baseConfig(e),
    database: { ...postgresConnection(e.DATABASE_URL), poolMax: e.DATABASE_POOL_MAX },
    http: {
      host: e.HTTP_HOST,
      port: e.HTTP_PORT,
      bodyLimitBytes: e.HTTP_BODY_LIMIT_BYTES,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      trustedProxyHops: e.HTTP_TRUST_PROXY ? e.HTTP_TRUSTED_PROXY_HOPS : 0,
    },
    limits: {
      ratePerSecond: e.HTTP_RATE_LIMIT_PER_SECOND,
      rateBurst: e.HTTP_RATE_LIMIT_BURST,
      maxConcurrent: e.HTTP_MAX_CONCURRENT_REQUESTS,
    },
    ops: { host: e.OPS_HTTP_HOST, port: e.OPS_HTTP_PORT },
    idempotency: {
      retentionMs: e.IDEMPOTENCY_RETENTION_HOURS * 3_600_000,
      intervalMs: e.IDEMPOTENCY_RETENTION_INTERVAL_MS,
    },
    auth: {
      keys: e.AUTH_JWKS_FILE
        ? { kind: 'file' as const, path: e.AUTH_JWKS_FILE }
        : { kind: 'url' as const, url: e.AUTH_JWKS_URL ?? '' },
      issuer: e.AUTH_ISSUER,
      audience: e.AUTH_AUDIENCE,
      algorithms: e.AUTH_ALGORITHMS,
      clockToleranceSeconds: e.AUTH_CLOCK_TOLERANCE_SECONDS,
    },
  });
}
