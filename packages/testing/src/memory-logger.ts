import { Writable } from 'node:stream';
import { createLogger, type Logger } from '@platform/observability';

/** A real JSON logger whose lines are kept for assertions instead of printed. */
export function memoryLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger({ service: 'test', version: '0', level: 'debug', stream }), lines };
}
