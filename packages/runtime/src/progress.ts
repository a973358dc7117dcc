/** Where a long operation stands: how much of how much is done, after how long. */
export interface ProgressState {
  done: number;
  total: number;
  elapsedSeconds: number;
}

const count = (n: number) => Math.round(n).toLocaleString('en-US');

function duration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

/** "1,200/5,000 (24 %), 400/s, ETA 10 s": the rate so far and the time left at that rate. */
export function describeProgress({ done, total, elapsedSeconds }: ProgressState): string {
  const share = total > 0 ? Math.floor((done / total) * 100) : 100;
  const rate = elapsedSeconds > 0 ? done / elapsedSeconds : 0;
  const eta = done >= total ? 'done' : rate > 0 ? `ETA ${duration((total - done) / rate)}` : 'ETA —';
  return `${count(done)}/${count(total)} (${share} %), ${count(rate)}/s, ${eta}`;
}

export interface ProgressReporter {
  update(done: number): void;
  finish(done: number): void;
}

/**
 * Shows a long operation's progress on `out` (stderr by default, so stdout stays the result):
 * redrawn in place on a terminal; elsewhere (CI, a pipe, a log) one plain line at most every
 * `lineIntervalMs` and one at the end.
 */
export function progressReporter(
  label: string,
  total: number,
  out: Pick<NodeJS.WriteStream, 'write' | 'isTTY'> = process.stderr,
  { lineIntervalMs = 5000, now = () => performance.now() } = {},
): ProgressReporter {
  const started = now();
  let lastLine = -Infinity;
  const state = (done: number) => ({ done, total, elapsedSeconds: (now() - started) / 1000 });
  return {
    update(done) {
      if (out.isTTY) {
        out.write(`\r\x1b[K${label}: ${describeProgress(state(done))}`);
      } else if (now() - lastLine >= lineIntervalMs) {
        lastLine = now();
        out.write(`${label}: ${describeProgress(state(done))}\n`);
      }
    },
    finish(done) {
      out.write(`${out.isTTY ? '\r\x1b[K' : ''}${label}: ${describeProgress(state(done))}\n`);
    },
  };
}
