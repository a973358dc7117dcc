# Jaeger v2 (all-in-one, in-memory) for traces. Sourced by stack.sh.
# Built from the Go module proxy (lib/go.sh): Jaeger's v2 tags do not match its module path, so
# infra/local/jaeger/go.mod pins v1.76.0, released from the same commit as v2.13.0, whose
# cmd/jaeger is the v2 binary. Skipped when LOCAL_TRACING=off.

JAEGER_VERSION="1.76.0" # keep in step with infra/local/jaeger/go.mod
JAEGER_OTLP_HTTP_PORT="${LOCAL_JAEGER_OTLP_HTTP_PORT:-24318}"
JAEGER_QUERY_PORT="${LOCAL_JAEGER_QUERY_PORT:-26686}"
JAEGER_BIN="$CACHE_DIR/jaeger-$JAEGER_VERSION/jaeger"
JAEGER_LOG="$LOG_DIR/jaeger.log"
JAEGER_QUERY_URL="http://127.0.0.1:$JAEGER_QUERY_PORT"
JAEGER_OTLP_ENDPOINT="http://127.0.0.1:$JAEGER_OTLP_HTTP_PORT"

tracing_enabled() { [[ "${LOCAL_TRACING:-on}" != "off" ]]; }

jaeger_build() {
  tracing_enabled || return 0
  go_build_cached "Jaeger $JAEGER_VERSION" "$ROOT_DIR/infra/local/jaeger" \
    github.com/jaegertracing/jaeger/cmd/jaeger "$JAEGER_BIN"
}

jaeger_ready() { curl -sf "$JAEGER_QUERY_URL/api/services" >/dev/null; }

jaeger_up() {
  if pid_alive jaeger && jaeger_ready; then
    log "Jaeger already running (query API $JAEGER_QUERY_URL)"
    return 0
  fi
  local port
  for port in "$JAEGER_OTLP_HTTP_PORT" "$JAEGER_QUERY_PORT"; do
    port_open "$port" && die "port $port is taken by another process; set LOCAL_JAEGER_*_PORT"
  done
  jaeger_build
  [[ -f "$JAEGER_LOG" ]] && mv "$JAEGER_LOG" "$JAEGER_LOG.previous"
  log "starting Jaeger (OTLP $JAEGER_OTLP_ENDPOINT, query API $JAEGER_QUERY_URL)"
  JAEGER_OTLP_HTTP_PORT="$JAEGER_OTLP_HTTP_PORT" JAEGER_OTLP_GRPC_PORT="$((JAEGER_OTLP_HTTP_PORT - 1))" \
    JAEGER_QUERY_PORT="$JAEGER_QUERY_PORT" JAEGER_QUERY_GRPC_PORT="$((JAEGER_QUERY_PORT - 1))" \
    JAEGER_HEALTH_PORT="$((JAEGER_QUERY_PORT + 1))" \
    start_bg jaeger "$JAEGER_LOG" "$JAEGER_BIN" --config "$ROOT_DIR/infra/local/jaeger/config.yaml"
  wait_until 60 "Jaeger" "$JAEGER_LOG" jaeger_ready
}

jaeger_down() { stop_pid jaeger 20; }

jaeger_status() {
  if pid_alive jaeger && jaeger_ready; then echo "jaeger            up    $JAEGER_QUERY_URL"; else echo "jaeger            down"; fi
}
