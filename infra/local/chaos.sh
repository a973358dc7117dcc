#!/usr/bin/env bash
# chaos.sh [seconds]: the chaos run (test/chaos/chaos.int.test.ts) on a Kafka broker of its own,
# which it kills and restarts (the stack's broker, shared with other tests, is left alone).
# Needs the stack up, its environment (./platform env) and the services built. `./platform chaos`
# and `./platform test` (a short run) call it. CHAOS_REPORT_FILE: where to write the report (JSON).
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

export CHAOS_SECONDS="${1:-${CHAOS_SECONDS:-60}}"
[[ "$CHAOS_SECONDS" =~ ^[1-9][0-9]*$ ]] || die "chaos: the duration is a whole number of seconds"
export LOCAL_KAFKA_OTHER_NAME=kafka-chaos
export LOCAL_KAFKA_OTHER_PORT="${LOCAL_KAFKA_CHAOS_PORT:-27292}"
export LOCAL_KAFKA_OTHER_CONTROLLER_PORT="${LOCAL_KAFKA_CHAOS_CONTROLLER_PORT:-27293}"
export LOCAL_KAFKA_OTHER_SECURE_PORT="${LOCAL_KAFKA_CHAOS_SECURE_PORT:-27294}"
# A fresh broker each run: nothing of an earlier run's topics or groups.
rm -rf "$STATE_DIR"/kafka-chaos-*
log "chaos: ${CHAOS_SECONDS}s of load while the publisher, the sink and a broker of its own are killed"
cd "$ROOT_DIR/test"
bash "$ROOT_DIR/infra/local/with-kafka.sh" "${LOCAL_KAFKA_VERSION:-4.4.0}" \
  node --experimental-vm-modules ../node_modules/jest/bin/jest.js \
  --testMatch '<rootDir>/chaos/**/*.test.ts' --forceExit chaos
