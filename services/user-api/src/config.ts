import { z } from 'zod';
import { baseConfig, baseEnvShape, envField, parseEnv, type BaseConfig } from '@platform/runtime';

const envShape = {
  ...baseEnvShape,
  DATABASE_URL: envField.url(['postgres:', 'postgresql:']),
  DATABASE_POOL_MAX: envField.positiveInt(500).default(20),
  HTTP_HOST: z.string().default('0.0.0.0'),
  HTTP_PORT: envField.port().default(3000),
  HTTP_BODY_LIMIT_BYTES: envField.positiveInt(10 * 1024 * 1024).default(16 * 1024),
};

export interface UserApiConfig extends BaseConfig {
  database: { url: string; poolMax: number };
  http: { host: string; port: number; bodyLimitBytes: number };
}

export function loadUserApiConfig(env: NodeJS.ProcessEnv = process.env): UserApiConfig {
  const e = parseEnv(envShape, env);
  return Object.freeze({
    ...baseConfig(e),
    database: { url: e.DATABASE_URL, poolMax: e.DATABASE_POOL_MAX },
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT, bodyLimitBytes: e.HTTP_BODY_LIMIT_BYTES },
  });
}
