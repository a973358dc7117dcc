#!/usr/bin/env bash
# Every check of the test command, in order: format, lint, build (strict type-check), the
# Prometheus config and alert rules (promtool), then each workspace's jest suites. Expects Node, dependencies and the stack to be ready (./platform test).
# Every step runs even when an earlier one failed, so one run reports everything.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

results_dir="test-results"
checks_file="$results_dir/checks.txt"
rm -rf "$results_dir" && mkdir -p "$results_dir" && : >"$checks_file"

check() {
  local name="$1"
  shift
  echo "[checks] $name: $*"
  if "$@"; then echo "ok $name" >>"$checks_file"; else echo "failed $name" >>"$checks_file"; fi
}

check format npx prettier --check --log-level warn .
check lint npm run --silent lint
check build npx turbo run build typecheck --output-logs=errors-only
check prometheus-rules bash infra/prometheus/check.sh
# jest results land in test-results/<workspace>.json through infra/ci/json-reporter.cjs.
# A workspace whose jest could not even start writes no results; the runner's exit code catches it.
if ! npx turbo run test --concurrency 1 --continue --output-logs=full; then
  echo "failed test-runner" >>"$checks_file"
fi
node infra/ci/summarize.js "$results_dir" "$checks_file"
