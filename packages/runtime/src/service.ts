import { createLogger, startTelemetry, type Logger } from '@platform/observability';
import { ConfigError } from './errors.js';
import type { BaseConfig } from './config.js';

/** Stops what `start` started: stop accepting work, drain in-flight work, close connections. */
export type StopService = () => Promise<void>;

/** What a running service can ask of its process. */
export interface ServiceLifecycle {
  /**
   * The service's core loop stopped for good (a consumer that crashed and will not restart):
   * drain what can be drained, then exit with code 1 so a supervisor restarts the process.
   */
  fail(reason: string, error?: unknown): void;
}

export interface ServiceDefinition<Config extends BaseConfig> {
  name: string;
  version: string;
  /** Reads and validates the environment; throws ConfigError. */
  loadConfig: () => Config;
  start: (config: Config, logger: Logger, lifecycle: ServiceLifecycle) => Promise<StopService>;
}

/**
 * The life of a service process: tracing first, then validated config, then `start`, then
 * wait for SIGTERM/SIGINT and drain. A configuration error exits with code 78 (EX_CONFIG)
 * and the list of problems; a start failure, a core loop that stopped (`lifecycle.fail`) or a
 * drain that overruns the timeout exits 1.
 */
export async function runService<Config extends BaseConfig>(
  service: ServiceDefinition<Config>,
): Promise<void> {
  const telemetry = startTelemetry(service);
  const config = loadConfigOrExit(service.name, service.loadConfig);

  const logger = createLogger({ service: service.name, version: service.version, level: config.logLevel });
  logger.info('service starting', { environment: config.environment, tracing: telemetry.enabled });

  // Signals are handled from the start: one that arrives while starting is honoured as soon as
  // start-up has finished (stopping half-started adapters is not safe).
  let stop: StopService | undefined;
  let requested: string | undefined;
  let stopping = false;
  let exitCode = 0;
  const shutdown = async (signal: string) => {
    if (stopping && signal === 'failure') return;
    if (stopping) {
      logger.warn('second signal during shutdown; exiting now', { signal });
      process.exit(1);
    }
    if (!stop) {
      requested = signal;
      logger.info('shutdown requested during start-up; stopping once started', { signal });
      return;
    }
    stopping = true;
    logger.info('shutdown requested; draining', { signal, timeoutMs: config.shutdownTimeoutMs });
    const timer = setTimeout(() => {
      logger.error('shutdown did not finish in time; exiting', { timeoutMs: config.shutdownTimeoutMs });
      process.exit(1);
    }, config.shutdownTimeoutMs);
    try {
      await stop();
      logger.info('service stopped', { exit_code: exitCode });
      await telemetry.shutdown();
      clearTimeout(timer);
      // Explicit: a library timer left behind must not keep a drained process alive.
      process.exit(exitCode);
    } catch (error) {
      logger.error('shutdown failed', { error: describeError(error) });
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  const lifecycle: ServiceLifecycle = {
    fail(reason, error) {
      if (exitCode !== 0) return;
      exitCode = 1;
      logger.error('service failed; draining, then exiting with code 1', {
        reason,
        ...(error === undefined ? {} : { error: describeError(error) }),
      });
      void shutdown('failure');
    },
  };

  try {
    stop = await service.start(config, logger, lifecycle);
  } catch (error) {
    logger.error('service failed to start', { error: describeError(error) });
    await telemetry.shutdown();
    process.exit(1);
  }
  logger.info('service started');
  if (requested) await shutdown(requested);
}

/**
 * Loads configuration for a process (a service or a one-shot command); on a ConfigError prints
 * the list of problems and exits with code 78 (EX_CONFIG).
 */
export function loadConfigOrExit<Config>(processName: string, loadConfig: () => Config): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${processName}: ${error.message}\n`);
    process.exit(78);
  }
}

/** Error fields for a log line: name, code (when the error has one), message and stack. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return {
    name: error.name,
    message: error.message,
    ...(code === undefined ? {} : { code }),
    stack: error.stack,
  };
}
