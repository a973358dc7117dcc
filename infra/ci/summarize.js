// Prints the run's final line, "N passed, N failed", from the jest totals of every workspace
// plus the non-jest checks (format, lint, build), and before it one line per label (the Kafka line
// the suites ran on: test-results/<label>/<workspace>.json). Exit code 1 when anything failed.
import fs from 'node:fs';
import path from 'node:path';

const [resultsDir, checksFile] = process.argv.slice(2);
let passed = 0;
let failed = 0;

/** Totals of the workspace result files directly in `dir`. */
function readTotals(dir) {
  const totals = { passed: 0, failed: 0, workspaces: 0 };
  for (const file of fs.readdirSync(dir)) {
    if (!file.endsWith('.json')) continue;
    const workspace = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    totals.passed += workspace.passed;
    totals.failed += workspace.failed + workspace.failedSuites.length;
    totals.workspaces += 1;
    for (const suite of workspace.failedSuites) console.log(`suite failed to run: ${suite.file}`);
  }
  return totals;
}

const dirs = fs.existsSync(resultsDir) ? [resultsDir] : [];
for (const entry of dirs.length ? fs.readdirSync(resultsDir, { withFileTypes: true }) : []) {
  if (entry.isDirectory()) dirs.push(path.join(resultsDir, entry.name));
}
for (const dir of dirs) {
  const totals = readTotals(dir);
  if (totals.workspaces === 0) continue;
  if (dir !== resultsDir) {
    console.log(
      `${path.basename(dir)}: ${totals.passed} passed, ${totals.failed} failed in ${totals.workspaces} workspaces`,
    );
  }
  passed += totals.passed;
  failed += totals.failed;
}

for (const line of fs.readFileSync(checksFile, 'utf8').split('\n').filter(Boolean)) {
  const [status, name] = line.split(' ');
  if (status === 'ok') passed += 1;
  else if (status === 'skipped') console.log(`check skipped: ${name} (counted neither passed nor failed)`);
  else {
    failed += 1;
    console.log(`check failed: ${name}`);
  }
}

printSlowest(dirs, 10);
printPhases(process.env.PLATFORM_PHASES_FILE ?? path.join(resultsDir, 'phases.tsv'));
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;

/**
 * The run's phases and their seconds (lines "name<TAB>seconds<TAB>status", written by ./platform
 * test and run-checks.sh), as a table: where a slower run spent its time shows in every CI log.
 * Background phases overlap the others, so they are not part of the total.
 */
function printPhases(file) {
  if (!fs.existsSync(file)) return;
  const rows = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split('\t'));
  if (rows.length === 0) return;
  const start = Number(process.env.PLATFORM_TEST_START);
  if (Number.isFinite(start) && start > 0) {
    rows.push(['total, so far', String(Math.round(Date.now() / 1000 - start)), '']);
  }
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log('');
  console.log(`${'phase'.padEnd(width)}  seconds  status`);
  for (const [name, seconds, status] of rows) {
    console.log(`${name.padEnd(width)}  ${seconds.padStart(7)}  ${status}`);
  }
  console.log('');
}

/** The slowest tests of the run (jest's own timings, every pass), where to look when it slows. */
function printSlowest(resultDirs, count) {
  const tests = [];
  for (const dir of resultDirs) {
    for (const file of fs.readdirSync(dir).filter((name) => name.endsWith('.json'))) {
      const workspace = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      for (const suite of workspace.suites ?? []) {
        for (const test of suite.tests) tests.push({ ...test, where: `${path.basename(dir)} ${suite.file}` });
      }
    }
  }
  if (tests.length === 0) return;
  console.log(`\nthe ${count} slowest tests (seconds, pass and file, test):`);
  for (const test of tests.sort((a, b) => b.seconds - a.seconds).slice(0, count)) {
    console.log(`${test.seconds.toFixed(1).padStart(6)}  ${test.where}  ${test.title.slice(0, 100)}`);
  }
}
