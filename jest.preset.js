// One jest setup for every workspace: TypeScript as native ES modules (MikroORM 7 is ESM-only),
// test files named *.unit.test.ts (no I/O) or *.int.test.ts (real PostgreSQL/Kafka/registry/ClickHouse).
import path from 'node:path';

const resultsDir = path.join(import.meta.dirname, 'test-results');
// Starts the containers test stack when TEST_STACK=containers (packages/testing, container-stack.ts).
const testStack = path.join(import.meta.dirname, 'packages/testing/dist');

export function jestConfig(overrides = {}) {
  const workspace = path.basename(process.cwd());
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
  };
}
