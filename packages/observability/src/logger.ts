import { trace } from '@opentelemetry/api';
import winston from 'winston';

export const LOG_LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The subset of a logger the platform's code uses; winston's Logger satisfies it. */
export interface Logger {
  error(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  debug(message: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  service: string;
  version: string;
  level: LogLevel;
  /** Where lines go; standard output unless a test captures them. */
  stream?: NodeJS.WritableStream;
}

/** Adds the active span's ids, so a log line can be found from its trace and back. */
const traceContext = winston.format((info) => {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (spanContext) {
    info.trace_id = spanContext.traceId;
    info.span_id = spanContext.spanId;
  }
  return info;
});

/** One JSON object per line: timestamp, level, message, service, version, trace ids, fields. */
export function createLogger(options: LoggerOptions): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: options.level,
    levels: { error: 0, warn: 1, info: 2, debug: 3 },
    defaultMeta: { service: options.service, version: options.version },
    format: winston.format.combine(winston.format.timestamp(), traceContext(), winston.format.json()),
    transports: [transport],
  });
}
