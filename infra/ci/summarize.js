// Prints the run's final line, "N passed, N failed", from the jest totals of every workspace
// plus the non-jest checks (format, lint, build). Exit code 1 when anything failed.
import fs from 'node:fs';
import path from 'node:path';

const [resultsDir, checksFile] = process.argv.slice(2);
let passed = 0;
let failed = 0;

for (const file of fs.existsSync(resultsDir) ? fs.readdirSync(resultsDir) : []) {
  if (!file.endsWith('.json')) continue;
  const totals = JSON.parse(fs.readFileSync(path.join(resultsDir, file), 'utf8'));
  passed += totals.passed;
  failed += totals.failed + totals.failedSuites.length;
  for (const suite of totals.failedSuites) console.log(`suite failed to run: ${suite.file}`);
}

for (const line of fs.readFileSync(checksFile, 'utf8').split('\n').filter(Boolean)) {
  const [status, name] = line.split(' ');
  if (status === 'ok') passed += 1;
  else {
    failed += 1;
    console.log(`check failed: ${name}`);
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || passed === 0 ? 1 : 0;
