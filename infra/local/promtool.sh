# promtool, Prometheus's checker, for the alert rules and scrape config in infra/prometheus (the
# test run checks them). Sourced by ./platform. Prometheus 3.5.0 is module version v0.305.0, the
# same as docker-compose's prom/prometheus:v3.5.0. The module also builds the Prometheus
# server, for the Docker path's stand-in image (infra/docker/offline/images.sh).

PROMTOOL_VERSION="0.305.0" # keep in step with infra/local/promtool/go.mod
PROMTOOL_BIN="$CACHE_DIR/promtool-$PROMTOOL_VERSION/promtool"

promtool_build() {
  go_build_cached "promtool (Prometheus $PROMTOOL_VERSION)" "$ROOT_DIR/infra/local/promtool" \
    github.com/prometheus/prometheus/cmd/promtool "$PROMTOOL_BIN"
}
