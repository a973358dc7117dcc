#!/usr/bin/env bash
# Every check of the test command, in order: format, lint, build (strict type-check), the
# Prometheus config and alert rules (promtool), then each workspace's jest suites on the stack's
# Kafka, then the Kafka-facing suites on the other supported Kafka line and on containers, and
# docker-compose.yml on a Docker engine. Expects Node,
# dependencies and the stack to be ready (./platform test).
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
# Exit 3: no advisory source answered (as on these machines); reported as skipped, not passed.
echo "[checks] dependency-audit: node infra/ci/dependency-audit.js"
node infra/ci/dependency-audit.js
case $? in
  0) echo "ok dependency-audit" >>"$checks_file" ;;
  3) echo "skipped dependency-audit" >>"$checks_file" ;;
  *) echo "failed dependency-audit" >>"$checks_file" ;;
esac
# jest results land in test-results/<label>/<workspace>.json through infra/ci/json-reporter.cjs,
# the label naming the Kafka line the suites ran on. A workspace whose jest could not even start
# writes no results; the runner's exit code catches it.
run_suites=(npx turbo run test --concurrency 1 --continue --output-logs=full)
TEST_RESULTS_LABEL="kafka-${LOCAL_KAFKA_VERSION:-external}" "${run_suites[@]}" || echo "failed test-runner" >>"$checks_file"
# The Kafka-facing suites once more on the other supported Kafka line, on a broker of that version
# started beside the stack's (KAFKA_OTHER_LINE_VERSION, set by ./platform test; empty skips this).
other="${KAFKA_OTHER_LINE_VERSION:-}"
if [[ -n "$other" && "$other" != "${LOCAL_KAFKA_VERSION:-}" ]]; then
  echo "[checks] Kafka-facing suites on Kafka $other"
  TEST_RESULTS_LABEL="kafka-$other" bash infra/local/with-kafka.sh "$other" "${run_suites[@]}" \
    --filter=@platform/kafka --filter=@platform/outbox-publisher --filter=@platform/clickhouse-sink \
    --filter=@platform/system-tests || echo "failed test-runner-kafka-$other" >>"$checks_file"
fi
# The Kafka-facing suites and e2e once more on a test stack in containers (testcontainers,
# packages/testing/src/container-stack.ts), then docker-compose.yml itself, when ./platform test
# made a Docker engine and the stand-in images ready (TEST_CONTAINERS=1).
if [[ "${TEST_CONTAINERS:-}" == "1" ]]; then
  echo "[checks] Kafka-facing suites and e2e on containers"
  # The SASL_SSL listener is the local broker's; the containers' broker has only PLAINTEXT.
  TEST_RESULTS_LABEL="containers" TEST_STACK=containers env -u LOCAL_KAFKA_SASL_SSL_BROKERS "${run_suites[@]}" \
    --filter=@platform/kafka --filter=@platform/outbox-publisher --filter=@platform/clickhouse-sink \
    --filter=@platform/system-tests || echo "failed test-runner-containers" >>"$checks_file"
  echo "[checks] docker-compose.yml on the Docker engine"
  (cd test && TEST_RESULTS_LABEL="docker-compose" TEST_STACK=local TEST_DOCKER_COMPOSE=1 \
    npm test --silent -- e2e/docker-compose) || echo "failed docker-compose" >>"$checks_file"
elif [[ "${TEST_CONTAINERS:-}" == "failed" ]]; then
  echo "failed docker-setup" >>"$checks_file"
else
  echo "skipped containers" >>"$checks_file"
fi
node infra/ci/summarize.js "$results_dir" "$checks_file"
