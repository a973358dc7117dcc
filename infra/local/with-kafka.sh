#!/usr/bin/env bash
# with-kafka.sh <version> <command...>
#
# Runs a command against a Kafka broker of the given version started beside the stack's own
# (own ports, data directory and log: .local-stack/logs/kafka-other.log), then stops that broker.
# The command sees KAFKA_BROKERS, LOCAL_KAFKA_LIB, LOCAL_KAFKA_VERSION, LOCAL_KAFKA_SASL_SSL_*,
# and LOCAL_KAFKA_NAME, LOCAL_KAFKA_PORTS, LOCAL_KAFKA_PID_FILE (to kill and restart it) of that
# broker; the
# rest of the environment (PostgreSQL, registry, Jaeger) is the caller's. `./platform test` uses
# it to run the Kafka-facing suites on the second supported Kafka line:
#
#   eval "$(./platform env)" && infra/local/with-kafka.sh 3.9.1 npm test -w @platform/outbox-publisher
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT_DIR/infra/local/kafka.sh"

(($# >= 2)) || die "usage: infra/local/with-kafka.sh <kafka version> <command...>"
version="$1"
shift

# LOCAL_KAFKA_OTHER_NAME: the broker's name (its pid file, data directory and log); `./platform
# chaos` runs one of its own beside the stack's and the contract pass's.
kafka_configure "${LOCAL_KAFKA_OTHER_NAME:-kafka-other}" "$version" "${LOCAL_KAFKA_OTHER_PORT:-27192}" \
  "${LOCAL_KAFKA_OTHER_CONTROLLER_PORT:-27193}" "${LOCAL_KAFKA_OTHER_SECURE_PORT:-27194}"
trap kafka_down EXIT
kafka_up

export KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
# What infra/local/kafka-restart.sh needs to start this broker again after the command killed it.
export LOCAL_KAFKA_NAME="$KAFKA_NAME"
export LOCAL_KAFKA_PORTS="$KAFKA_PORT $KAFKA_CONTROLLER_PORT $KAFKA_SECURE_PORT"
export LOCAL_KAFKA_PID_FILE="$RUN_DIR/$KAFKA_NAME.pid"
export LOCAL_KAFKA_LIB="$KAFKA_HOME/lib"
export LOCAL_KAFKA_VERSION="$KAFKA_VERSION"
kafka_secure_env
log "running on Kafka $KAFKA_VERSION ($KAFKA_BROKERS): $*"
"$@"
