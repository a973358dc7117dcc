#!/usr/bin/env bash
# with-kafka.sh <version> <command...>
#
# Runs a command against a Kafka broker of the given version started beside the stack's own
# (own ports, data directory and log: .local-stack/logs/kafka-other.log), then stops that broker.
# The command sees KAFKA_BROKERS, LOCAL_KAFKA_LIB, LOCAL_KAFKA_VERSION and LOCAL_KAFKA_SASL_SSL_*
# of that broker; the
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

kafka_configure kafka-other "$version" "${LOCAL_KAFKA_OTHER_PORT:-27192}" \
  "${LOCAL_KAFKA_OTHER_CONTROLLER_PORT:-27193}" "${LOCAL_KAFKA_OTHER_SECURE_PORT:-27194}"
trap kafka_down EXIT
kafka_up

export KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT"
export LOCAL_KAFKA_LIB="$KAFKA_HOME/lib"
export LOCAL_KAFKA_VERSION="$KAFKA_VERSION"
kafka_secure_env
log "running on Kafka $KAFKA_VERSION ($KAFKA_BROKERS): $*"
"$@"
