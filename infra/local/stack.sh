# The whole local stack: PostgreSQL, Kafka, schema registry, Jaeger. Sourced by ./platform.
# A component whose connection variable is already set (DATABASE_URL, KAFKA_BROKERS,
# SCHEMA_REGISTRY_URL) is used as it is and not started here.

source "$ROOT_DIR/infra/local/postgres.sh"
source "$ROOT_DIR/infra/local/kafka.sh"
source "$ROOT_DIR/infra/local/registry.sh"
source "$ROOT_DIR/infra/local/jaeger.sh"

# Remember which variables the caller set to something other than this stack's own addresses
# (those come back after `eval "$(./platform env)"` and still mean the local stack).
external_value() { [[ -n "$1" && "$1" != "$2" ]] && echo "$1" || true; }
EXTERNAL_DATABASE_URL="$(external_value "${DATABASE_URL:-}" "$(pg_url)")"
EXTERNAL_KAFKA_BROKERS="$(external_value "${KAFKA_BROKERS:-}" "127.0.0.1:$KAFKA_PORT")"
EXTERNAL_SCHEMA_REGISTRY_URL="$(external_value "${SCHEMA_REGISTRY_URL:-}" "$REGISTRY_URL")"

stack_env() {
  # Where the broker's jars are: tests that must stop and restart a broker start their own.
  export LOCAL_KAFKA_LIB="$KAFKA_HOME/lib"
  # Which Kafka the suites talk to, when it is the local one (a test checks the broker is that line).
  # and where its SASL_SSL listener is (the transport-security tests skip without it).
  if [[ -z "$EXTERNAL_KAFKA_BROKERS" ]]; then
    export LOCAL_KAFKA_VERSION="$KAFKA_VERSION"
    kafka_secure_env
  fi
  # The development CA: what the TLS tests trust (PostgreSQL and ClickHouse use its certificate too).
  export LOCAL_TLS_CA_FILE="$TLS_CA_FILE" LOCAL_TLS_CERT_FILE="$TLS_CERT_FILE" LOCAL_TLS_KEY_FILE="$TLS_KEY_FILE"
  export DATABASE_URL="${EXTERNAL_DATABASE_URL:-$(pg_url)}"
  export KAFKA_BROKERS="${EXTERNAL_KAFKA_BROKERS:-127.0.0.1:$KAFKA_PORT}"
  export SCHEMA_REGISTRY_URL="${EXTERNAL_SCHEMA_REGISTRY_URL:-$REGISTRY_URL}"
  if tracing_enabled; then
    # Where traces go and can be read back. Services started by ./platform up export to it; the
    # test run gives it only to the tests that check traces (see docs/operations.md, "Tracing").
    export JAEGER_OTLP_ENDPOINT JAEGER_QUERY_URL
  fi
}

stack_up() {
  local start
  start=$(date +%s)
  # The registry stores its schemas in the local PostgreSQL, so it needs it even when the
  # services use an external database.
  if [[ -z "$EXTERNAL_DATABASE_URL" || -z "$EXTERNAL_SCHEMA_REGISTRY_URL" ]]; then pg_up; fi
  if [[ -z "$EXTERNAL_KAFKA_BROKERS" ]]; then kafka_up; else log "using Kafka at $EXTERNAL_KAFKA_BROKERS"; fi
  if [[ -z "$EXTERNAL_SCHEMA_REGISTRY_URL" ]]; then registry_up; else log "using schema registry at $EXTERNAL_SCHEMA_REGISTRY_URL"; fi
  if tracing_enabled; then jaeger_up; else log "tracing off (LOCAL_TRACING=off): Jaeger not started"; fi
  tls_ensure
  stack_env
  log "stack ready in $(elapsed_since "$start")s"
}

stack_down() {
  jaeger_down
  registry_down
  kafka_down
  pg_down
}

stack_status() {
  pg_status
  kafka_status
  registry_status
  jaeger_status
}

# True when nothing of the local stack is running (used to decide whether `test` owns it).
stack_is_down() {
  ! pg_ready && ! pid_alive kafka && ! pid_alive registry && ! pid_alive jaeger
}
