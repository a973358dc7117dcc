// Runs every benchmark in sequence and writes one report: a dated JSON file with all figures,
// a Markdown page and SVG charts (docs/bench/ unless BENCH_REPORT_DIR says otherwise).
//
//   eval "$(./platform env)" && ./platform stack up && npx turbo run build
//   ./platform bench                      # or: npm run bench:report -w @platform/system-tests
//   BENCH_ONLY=relay,sink ./platform bench
//   BENCH_FROM=docs/bench/2026-12-02.json node test/bench/report.js   # re-render, run nothing
//
// Each benchmark runs as its own command (the one its section cites), with BENCH_RESULT_FILE
// set; its own progress and table go to this terminal. About 25 minutes in all on 2 cores.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  barPanelsSvg,
  COMMANDS,
  groupedBarsSvg,
  latencyGroups,
  markdownReport,
  peerPanels,
  throughputPanels,
} from './report-render.js';

const root = path.resolve(import.meta.dirname, '../..');
const outDir = path.resolve(root, process.env.BENCH_REPORT_DIR ?? 'docs/bench');
const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
const unknown = (only ?? []).filter((name) => !(name in COMMANDS));
if (unknown.length > 0) {
  console.error(
    `bench: unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(COMMANDS).join(', ')}`,
  );
  process.exit(2);
}
const names = Object.keys(COMMANDS).filter((name) => !only || only.includes(name));
const log = (message) => console.log(`[report] ${message}`);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-report-'));

const saved = process.env.BENCH_FROM
  ? JSON.parse(fs.readFileSync(process.env.BENCH_FROM, 'utf8'))
  : undefined;
const results = saved?.results ?? {};
const started = Date.now();
for (const [index, name] of saved ? [] : names.entries()) {
  const elapsed = Math.round((Date.now() - started) / 1000);
  log(`${index + 1}/${names.length} ${name}: ${COMMANDS[name]} (${elapsed} s so far)`);
  const resultFile = path.join(scratch, `${name}.json`);
  const [command, ...args] = COMMANDS[name].split(' ');
  const code = await new Promise((resolve) =>
    spawn(command, args, {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, BENCH_RESULT_FILE: resultFile },
    }).once('exit', resolve),
  );
  if (code !== 0 || !fs.existsSync(resultFile)) {
    console.error(`bench: ${name} failed (exit ${code}); the report is not written`);
    process.exit(1);
  }
  results[name] = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
}

const date = saved?.date ?? new Date().toISOString().slice(0, 10);
const commit =
  saved?.commit ??
  execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
const machine =
  saved?.machine ??
  `${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.cpus()[0]?.model ?? 'unknown CPU'}`;
const charts = [
  {
    file: 'throughput.svg',
    title: 'Throughput of each stage beside its limits',
    panels: throughputPanels(results),
  },
  { file: 'peers.svg', title: 'The publisher beside Debezium', panels: peerPanels(results) },
].filter((chart) => chart.panels.length > 0);
const latency = latencyGroups(results);
fs.mkdirSync(outDir, { recursive: true });
for (const chart of charts)
  fs.writeFileSync(path.join(outDir, chart.file), barPanelsSvg(chart.title, chart.panels));
if (latency.length > 0) {
  const title = 'End to end: API commit → row in ClickHouse, per run';
  fs.writeFileSync(path.join(outDir, 'latency.svg'), groupedBarsSvg(title, 'milliseconds', latency));
  charts.push({ file: 'latency.svg', title });
}
const report = markdownReport(results, { date, machine, commit, charts });
fs.writeFileSync(
  path.join(outDir, `${date}.json`),
  `${JSON.stringify({ date, machine, commit, results }, null, 2)}\n`,
);
fs.writeFileSync(path.join(outDir, 'report.md'), report);
fs.rmSync(scratch, { recursive: true, force: true });
log(
  `done in ${Math.round((Date.now() - started) / 1000)} s: ${path.relative(root, outDir)}/report.md, ${date}.json, ${charts.map((c) => c.file).join(', ')}`,
);
