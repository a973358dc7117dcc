import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';

/** The tracing preload every service runs with (as in production: see its package.json start). */
const instrument = import.meta.resolve('@platform/observability/instrument');

/**
 * A service's built main running as a real child process, started the way production starts it
 * (`node --import @platform/observability/instrument <main>`), with its output parsed as log lines.
 */
export class ServiceProcess {
  readonly logLines: Record<string, unknown>[] = [];
  stderr = '';
  private readonly child: ChildProcessByStdio<null, Readable, Readable>;
  private readonly exited: Promise<number | null>;

  constructor(mainFile: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, ['--import', instrument, mainFile], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let pending = '';
    this.child.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) this.logLines.push(parseLine(line));
    });
    this.child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  /** Resolves with the first log line whose message matches; rejects if the process exits first. */
  async waitForLog(message: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.logLines.find((l) => l.message === message);
      if (line) return line;
      if (this.child.exitCode !== null) {
        throw new Error(
          `process exited (${this.child.exitCode}) before logging "${message}": ${this.stderr}`,
        );
      }
      if (Date.now() > deadline) throw new Error(`no "${message}" log line within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The operating system's id of the process (to read its threads from /proc, for example). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  signal(name: NodeJS.Signals): void {
    this.child.kill(name);
  }

  /** The exit code (null when killed by a signal). */
  exitCode(): Promise<number | null> {
    return this.exited;
  }
}

/** A log line as an object; a line that is not JSON (a library printing on its own) is kept as text. */
function parseLine(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { message: line, unstructured: true };
  }
}
