export { createLogger, LOG_LEVELS } from './logger.js';
export type { Logger, LoggerOptions, LogLevel } from './logger.js';
export { startTelemetry, tracingConfigured } from './telemetry.js';
export type { Telemetry } from './telemetry.js';
export { Counter, createMetricsRegistry, Gauge, Histogram, Registry } from './metrics.js';
