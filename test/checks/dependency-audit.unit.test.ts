import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// The verdicts of infra/ci/dependency-audit.js on saved `npm audit --json` reports (npm's
// format, version 2): the live endpoint does not answer on these machines.
const script = path.resolve(import.meta.dirname, '../../infra/ci/dependency-audit.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audit-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function judge(report: object) {
  const file = path.join(dir, `${Math.random()}.json`);
  fs.writeFileSync(file, JSON.stringify(report));
  const run = spawnSync(process.execPath, [script], {
    env: { ...process.env, DEPENDENCY_AUDIT_REPORT: file },
    encoding: 'utf8',
  });
  return { code: run.status, output: run.stdout };
}

const advisory = (severity: string) => ({
  name: 'semver',
  severity,
  isDirect: false,
  via: [
    {
      source: 1096482,
      name: 'semver',
      title: 'semver vulnerable to Regular Expression Denial of Service',
      url: 'https://github.com/advisories/GHSA-c2qf-rxjj-qqgw',
      severity,
      range: '>=7.0.0 <7.5.2',
    },
  ],
  effects: [],
  range: '7.0.0 - 7.5.1',
  nodes: ['node_modules/semver'],
  fixAvailable: true,
});
const report = (severity?: string) => ({
  auditReportVersion: 2,
  vulnerabilities: severity ? { semver: advisory(severity) } : {},
  metadata: {
    vulnerabilities: {
      info: 0,
      low: 0,
      moderate: severity === 'moderate' ? 1 : 0,
      high: severity === 'high' ? 1 : 0,
      critical: 0,
    },
    dependencies: { prod: 120, dev: 300, total: 420 },
  },
});

describe('dependency audit verdicts', () => {
  it('fails on a high advisory, naming the package and the advisory', () => {
    const { code, output } = judge(report('high'));
    expect(code).toBe(1);
    expect(output).toContain(
      'high: semver 7.0.0 - 7.5.1: semver vulnerable to Regular Expression Denial of Service (https://github.com/advisories/GHSA-c2qf-rxjj-qqgw) [fix available]',
    );
  });

  it('passes with none, or with only moderate ones (listed in the counts)', () => {
    expect(judge(report())).toMatchObject({ code: 0 });
    const moderate = judge(report('moderate'));
    expect(moderate.code).toBe(0);
    expect(moderate.output).toContain('dependency audit of 120 runtime packages: 0 info, 0 low, 1 moderate');
  });

  it('reports "skipped" (exit 3), never "passed", when the advisory source does not answer', () => {
    const refused = judge({
      message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
      statusCode: 405,
    });
    expect(refused).toEqual({
      code: 3,
      output: expect.stringContaining('skipped, the advisory source did not answer: 405 Method Not Allowed'),
    });
  });
});
