#!/usr/bin/env bash
# Every check of the test command, in order: format, lint, build (strict type-check), the
# Prometheus config and alert rules (promtool), then every workspace's jest suites on the stack's
# Kafka, then the passes that run what can differ elsewhere (infra/ci/test-passes.js): the Kafka
# contract on the other supported Kafka line, the test stack in containers, and
# docker-compose.yml on a Docker engine. Expects Node, dependencies and the stack to be ready
# (./platform test). Every step runs even when an earlier one failed, so one run reports
# everything; each step's seconds go to the phase table the run ends with.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

results_dir="test-results"
checks_file="$results_dir/checks.txt"
rm -rf "$results_dir" && mkdir -p "$results_dir" && : >"$checks_file"
export PLATFORM_PHASES_FILE="${PLATFORM_PHASES_FILE:-$results_dir/phases.tsv}"

# phase_line <name> <start epoch> <ok|failed|skipped>: one row of the phase table.
phase_line() { printf '%s\t%s\t%s\n' "$1" "$(($(date +%s) - $2))" "$3" >>"$PLATFORM_PHASES_FILE"; }

check() {
  local name="$1" start status=ok
  shift
  echo "[checks] $name: $*"
  start=$(date +%s)
  "$@" || status=failed
  echo "$status $name" >>"$checks_file"
  phase_line "$name" "$start" "$status"
}

# suites <label> <runner failure name> <command...>: one pass of jest suites through turbo.
# jest results land in test-results/<label>/<workspace>.json through infra/ci/json-reporter.cjs.
# A workspace whose jest could not even start writes no results; the runner's exit code catches it.
suites() {
  local label="$1" failure="$2" start status=ok
  shift 2
  start=$(date +%s)
  TEST_RESULTS_LABEL="$label" "$@" || { status=failed && echo "failed $failure" >>"$checks_file"; }
  phase_line "suites: $label" "$start" "$status"
}
run_suites=(npx turbo run test --concurrency 1 --continue --output-logs=full)
# The workspaces a pass of infra/ci/test-passes.js touches, as turbo filters.
pass_filters() { node infra/ci/test-passes.js filters "$1"; }

check format npx prettier --check --log-level warn .
check lint npm run --silent lint
check build npx turbo run build typecheck --output-logs=errors-only
check prometheus-rules bash infra/prometheus/check.sh
# Exit 3: no advisory source answered (as on these machines); reported as skipped, not passed.
echo "[checks] dependency-audit: node infra/ci/dependency-audit.js"
start=$(date +%s)
node infra/ci/dependency-audit.js
case $? in
  0) status=ok ;;
  3) status=skipped ;;
  *) status=failed ;;
esac
echo "$status dependency-audit" >>"$checks_file"
phase_line dependency-audit "$start" "$status"

# Every suite of every workspace, on the stack's Kafka.
suites "kafka-${LOCAL_KAFKA_VERSION:-external}" test-runner "${run_suites[@]}"

# The Kafka contract once more on the other supported Kafka line, on a broker of that version
# started beside the stack's (KAFKA_OTHER_LINE_VERSION, set by ./platform test; empty skips this).
other="${KAFKA_OTHER_LINE_VERSION:-}"
if [[ -n "$other" && "$other" != "${LOCAL_KAFKA_VERSION:-}" ]]; then
  echo "[checks] the Kafka contract suites on Kafka $other"
  # shellcheck disable=SC2046 # one filter per word
  TEST_PASS=kafka-contract suites "kafka-$other" "test-runner-kafka-$other" \
    bash infra/local/with-kafka.sh "$other" "${run_suites[@]}" $(pass_filters kafka-contract)
else
  echo "skipped kafka-other-line" >>"$checks_file"
fi

# A short chaos run (./platform chaos): API load while the publisher, the sink and a broker of
# its own are killed at random; fails on any lost, duplicated or out-of-order event.
# CHAOS_SECONDS=0 skips it (./platform test --quick).
if [[ "${CHAOS_SECONDS:-30}" != "0" ]]; then
  echo "[checks] chaos: ${CHAOS_SECONDS:-30} s of load and kills"
  start=$(date +%s)
  if TEST_RESULTS_LABEL=chaos bash infra/local/chaos.sh "${CHAOS_SECONDS:-30}"; then
    status=ok
  else
    status=failed && echo "failed chaos" >>"$checks_file"
  fi
  phase_line chaos "$start" "$status"
else
  echo "skipped chaos" >>"$checks_file"
fi

# The test stack in containers (testcontainers, packages/testing/src/container-stack.ts), then
# docker-compose.yml itself, once ./platform test has made a Docker engine and the images ready
# (in the background: TEST_CONTAINERS=pending until DOCKER_PREPARE_STATUS_FILE says how it went).
if [[ "${TEST_CONTAINERS:-}" == "pending" ]]; then
  start=$(date +%s)
  echo "[checks] waiting for the Docker engine and images (log .local-stack/logs/docker-prepare.log)"
  # Until the job writes its status, or ends without writing one (then it failed).
  until [[ -s "${DOCKER_PREPARE_STATUS_FILE:?}" ]] || ! kill -0 "${DOCKER_PREPARE_PID:?}" 2>/dev/null; do sleep 2; done
  if [[ "$(cat "$DOCKER_PREPARE_STATUS_FILE" 2>/dev/null)" == "ok" ]]; then TEST_CONTAINERS=1; else TEST_CONTAINERS=failed; fi
  phase_line "waiting for Docker images" "$start" "$([[ $TEST_CONTAINERS == 1 ]] && echo ok || echo failed)"
fi
if [[ "${TEST_CONTAINERS:-}" == "1" ]]; then
  echo "[checks] the test stack's own suites on containers"
  # The SASL_SSL listener is the local broker's; the containers' broker has only PLAINTEXT.
  # shellcheck disable=SC2046 # one filter per word
  TEST_PASS=containers TEST_STACK=containers suites containers test-runner-containers \
    env -u LOCAL_KAFKA_SASL_SSL_BROKERS "${run_suites[@]}" $(pass_filters containers)
  echo "[checks] docker-compose.yml on the Docker engine"
  start=$(date +%s)
  if (cd test && TEST_RESULTS_LABEL="docker-compose" TEST_STACK=local TEST_DOCKER_COMPOSE=1 \
    npm test --silent -- e2e/docker-compose); then status=ok; else status=failed && echo "failed docker-compose" >>"$checks_file"; fi
  phase_line "compose test" "$start" "$status"
elif [[ "${TEST_CONTAINERS:-}" == "failed" ]]; then
  echo "failed docker-setup" >>"$checks_file"
else
  echo "skipped containers" >>"$checks_file"
fi
node infra/ci/summarize.js "$results_dir" "$checks_file"
