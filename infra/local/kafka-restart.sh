#!/usr/bin/env bash
# kafka-restart.sh: starts again the broker with-kafka.sh started (after a command of its run
# killed it), with the same name, version, ports and data; waits until it serves.
# Reads LOCAL_KAFKA_NAME, LOCAL_KAFKA_VERSION and LOCAL_KAFKA_PORTS, as with-kafka.sh exports them.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT_DIR/infra/local/kafka.sh"

: "${LOCAL_KAFKA_NAME:?run under infra/local/with-kafka.sh}" "${LOCAL_KAFKA_VERSION:?}" "${LOCAL_KAFKA_PORTS:?}"
read -r port controller_port secure_port <<<"$LOCAL_KAFKA_PORTS"
kafka_configure "$LOCAL_KAFKA_NAME" "$LOCAL_KAFKA_VERSION" "$port" "$controller_port" "$secure_port"
kafka_up
