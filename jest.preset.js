// One jest setup for every workspace: TypeScript as native ES modules (MikroORM 7 is ESM-only),
// test files named *.unit.test.ts (no I/O) or *.int.test.ts (real PostgreSQL/Kafka/registry/ClickHouse).
import fs from 'node:fs';
import path from 'node:path';
import { passFiles } from './infra/ci/test-passes.js';

const resultsDir = path.join(import.meta.dirname, 'test-results');
// Starts the containers test stack when TEST_STACK=containers (packages/testing, container-stack.ts).
const testStack = path.join(import.meta.dirname, 'packages/testing/dist');

export function jestConfig(overrides = {}) {
  const workspace = path.basename(process.cwd());
  // A later pass of ./platform test (TEST_PASS) runs only this workspace's files listed for it.
  const packageName = JSON.parse(fs.readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')).name;
  const selected = passFiles(process.env.TEST_PASS, packageName);
  const selection = selected
    ? { testMatch: selected.map((file) => `<rootDir>/${file}`), passWithNoTests: true }
    : {};
  return {
    testEnvironment: 'node',
    extensionsToTreatAsEsm: ['.ts'],
    transform: {
      '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
    },
    // Sources import siblings as './x.js' (NodeNext); jest must find the .ts file.
    moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
    testMatch: ['<rootDir>/test/**/*.test.ts'],
    testTimeout: 60_000,
    // Two files at a time: most of a suite's time is waiting (for brokers, processes, timers),
    // which a second worker fills; jest's default on these 2-core machines is one.
    maxWorkers: Number(process.env.TEST_WORKERS ?? 2),
    globalSetup: path.join(testStack, 'jest-global-setup.js'),
    globalTeardown: path.join(testStack, 'jest-global-teardown.js'),
    reporters: [
      'default',
      // Read by infra/ci/summarize.js to print the run's "N passed, N failed" line.
      [
        path.join(import.meta.dirname, 'infra/ci/json-reporter.cjs'),
        // TEST_RESULTS_LABEL (set by infra/ci/run-checks.sh) keeps the runs on each Kafka line apart.
        { outputFile: path.join(resultsDir, process.env.TEST_RESULTS_LABEL ?? '', `${workspace}.json`) },
      ],
    ],
    ...overrides,
    ...selection,
  };
}
