// Writes one workspace's jest totals to a JSON file, for infra/ci/summarize.js.
const fs = require('node:fs');
const path = require('node:path');

class JsonTotalsReporter {
  constructor(_globalConfig, options) {
    this.outputFile = options.outputFile;
  }

  onRunComplete(_contexts, results) {
    const failedSuites = results.testResults
      .filter((suite) => suite.testExecError)
      .map((suite) => ({ file: suite.testFilePath, error: suite.testExecError.message }));
    fs.mkdirSync(path.dirname(this.outputFile), { recursive: true });
    fs.writeFileSync(
      this.outputFile,
      JSON.stringify({
        passed: results.numPassedTests,
        failed: results.numFailedTests,
        skipped: results.numPendingTests + results.numTodoTests,
        // A suite that could not run (import error, failing beforeAll) has no failed tests of
        // its own, yet the run failed: it counts as one failure.
        failedSuites,
        // Per-file and per-test wall times: summarize.js lists the slowest tests of the run.
        suites: results.testResults.map((suite) => ({
          file: path.relative(process.cwd(), suite.testFilePath),
          seconds: (suite.perfStats.end - suite.perfStats.start) / 1000,
          tests: suite.testResults.map((test) => ({
            title: test.fullName,
            seconds: (test.duration ?? 0) / 1000,
          })),
        })),
      }),
    );
  }
}

module.exports = JsonTotalsReporter;
