export { baseConfig, baseEnvShape, envField, parseEnv } from './config.js';
export type { BaseConfig } from './config.js';
export { ConfigError, PlatformError } from './errors.js';
export { describeError, loadConfigOrExit, runService } from './service.js';
export type { ServiceDefinition, StopService } from './service.js';
export { packageVersion } from './package-version.js';
export { backoffDelay } from './backoff.js';
export type { BackoffPolicy } from './backoff.js';
