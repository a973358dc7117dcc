// The dependency check of `./platform test`: `npm audit` over what the services run (dev tools
// left out), failing on any high or critical advisory. Exit codes: 0 clean, 1 high/critical
// advisories (listed), 3 no advisory source answered, which run-checks.sh reports as skipped,
// never as passed: on these machines the registry refuses the audit endpoint (POST
// .../security/advisories/bulk: 405) and no other advisory database is reachable (docs/development.md,
// "Dependency audit"). DEPENDENCY_AUDIT_REPORT=<file> judges a saved `npm audit --json` report
// instead (test/checks/dependency-audit.unit.test.ts).
import { execFile } from 'node:child_process';
import fs from 'node:fs';

const FAILING = new Set(['high', 'critical']);

const saved = process.env.DEPENDENCY_AUDIT_REPORT;
const output = saved
  ? { stdout: fs.readFileSync(saved, 'utf8') }
  : await new Promise((resolve) => {
      execFile(
        'npm',
        ['audit', '--json', '--omit=dev'],
        { maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
        // npm audit exits non-zero when it finds anything; its JSON says what happened either way.
        (error, stdout) => resolve({ stdout, error }),
      );
    });

let report;
try {
  report = JSON.parse(output.stdout);
} catch {
  console.log(`dependency audit: npm audit gave no report (${output.error?.message ?? 'empty output'})`);
  process.exit(3);
}

if (!report.metadata?.vulnerabilities) {
  // An error document: the advisory endpoint did not answer.
  const reason = report.message ?? report.error?.summary ?? 'no advisory data';
  console.log(`dependency audit: skipped, the advisory source did not answer: ${reason}`);
  process.exit(3);
}

const counts = report.metadata.vulnerabilities;
const failing = Object.values(report.vulnerabilities ?? {}).filter((v) => FAILING.has(v.severity));
console.log(
  `dependency audit of ${report.metadata.dependencies?.prod ?? '?'} runtime packages: ` +
    Object.entries(counts)
      .map(([severity, n]) => `${n} ${severity}`)
      .join(', '),
);
for (const v of failing) {
  const via = v.via.map((item) => (typeof item === 'string' ? item : `${item.title} (${item.url})`));
  console.log(
    `  ${v.severity}: ${v.name} ${v.range}: ${via.join('; ')}${v.fixAvailable ? ' [fix available]' : ''}`,
  );
}
process.exit(failing.length > 0 ? 1 : 0);
