import fs from 'node:fs';

/**
 * A benchmark's figures for `./platform bench`, which sets BENCH_RESULT_FILE for each benchmark it
 * runs and builds its report from these files. Without the variable (a benchmark run by hand)
 * nothing is written: the printed table is the result.
 */
export function writeBenchResult(result: { bench: string } & Record<string, unknown>): void {
  const file = process.env.BENCH_RESULT_FILE;
  if (!file) return;
  fs.writeFileSync(
    file,
    `${JSON.stringify({ ...result, finished_at: new Date().toISOString() }, null, 2)}\n`,
  );
}
