# The three services as background processes of this checkout. Sourced by ./platform.
# Each runs its built main (services/<name>/dist/main.js) with the stack's connection
# variables; logs go to .local-stack/logs/<name>.log (one JSON object per line).

SERVICES=(user-api outbox-publisher clickhouse-sink)

service_started() { grep -q '"message":"service started"' "$LOG_DIR/$1.log"; }

service_up() {
  local name="$1" logfile="$LOG_DIR/$1.log"
  if pid_alive "$name"; then
    log "$name already running"
    return 0
  fi
  [[ -f "$logfile" ]] && mv "$logfile" "$logfile.previous"
  log "starting $name"
  (cd "$ROOT_DIR/services/$name" && start_bg "$name" "$logfile" node --import @platform/observability/instrument dist/main.js)
  local start
  start=$(date +%s)
  until service_started "$name"; do
    if ! pid_alive "$name"; then
      tail -n 20 "$logfile" >&2
      die "$name exited during start-up; see $logfile"
    fi
    (($(elapsed_since "$start") < 60)) || die "$name did not start within 60s; see $logfile"
    sleep 0.5
  done
}

# The sink's /query wants a token of its own; one is made once and kept beside the API's keys.
sink_query_env() {
  export AUTH_DEV_KEYS_DIR="${AUTH_DEV_KEYS_DIR:-$STATE_DIR/auth}"
  mkdir -p "$AUTH_DEV_KEYS_DIR"
  local query_token="$AUTH_DEV_KEYS_DIR/sink-query-token"
  [[ -f "$query_token" ]] || (umask 077 && head -c 24 /dev/urandom | base64 | tr '+/' '-_' >"$query_token")
  export SINK_QUERY_TOKEN="${SINK_QUERY_TOKEN:-$(cat "$query_token")}"
}

# The API accepts only signed bearer tokens. Locally there is no OIDC provider, so the platform
# makes a development key set once (.local-stack/auth) and the API trusts it; `npm run --silent
# token -w @platform/user-api` signs tokens with it. Set AUTH_JWKS_URL to use a real provider.
auth_env() {
  sink_query_env
  if [[ -n "${AUTH_JWKS_URL:-}" ]]; then return 0; fi
  (cd "$ROOT_DIR/services/user-api" &&
    node --input-type=module -e "import { ensureDevKeys } from './dist/dev-auth.js'; await ensureDevKeys(process.env.AUTH_DEV_KEYS_DIR)") ||
    die "could not create the development key set in $AUTH_DEV_KEYS_DIR"
  export AUTH_JWKS_FILE="${AUTH_JWKS_FILE:-$AUTH_DEV_KEYS_DIR/jwks.json}"
  export AUTH_ISSUER="${AUTH_ISSUER:-https://dev.outbox-platform.local}"
  export AUTH_AUDIENCE="${AUTH_AUDIENCE:-user-api}"
}

services_up() {
  export HTTP_PORT="${HTTP_PORT:-3000}"
  auth_env
  export CLICKHOUSE_DATA_DIR="${CLICKHOUSE_DATA_DIR:-$STATE_DIR/clickhouse}"
  # Traced into the local Jaeger unless the caller points OTEL_* elsewhere or turned tracing off.
  if tracing_enabled; then export OTEL_EXPORTER_OTLP_ENDPOINT="${OTEL_EXPORTER_OTLP_ENDPOINT:-$JAEGER_OTLP_ENDPOINT}"; fi
  local name
  for name in "${SERVICES[@]}"; do service_up "$name"; done
}

services_down() {
  local name
  # Reverse order: producers of work stop before its consumers.
  for name in user-api outbox-publisher clickhouse-sink; do stop_pid "$name" 40; done
}

services_status() {
  local name
  for name in "${SERVICES[@]}"; do
    if pid_alive "$name"; then
      printf '%-17s up    pid %s  log %s\n' "$name" "$(cat "$RUN_DIR/$name.pid")" "$LOG_DIR/$name.log"
    else
      printf '%-17s down\n' "$name"
    fi
  done
}
