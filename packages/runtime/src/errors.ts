/** Base of the platform's errors: a stable, machine-readable code next to the message. */
export class PlatformError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The environment does not describe a runnable service; lists every problem at once. */
export class ConfigError extends PlatformError {
  constructor(readonly problems: readonly string[]) {
    super(
      'CONFIG_INVALID',
      [
        `Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
        ...problems.map((problem) => `  - ${problem}`),
        'Every variable is described in .env.example and in docs/configuration.md.',
      ].join('\n'),
    );
  }
}
