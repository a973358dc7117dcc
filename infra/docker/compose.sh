# ./platform docker: docker-compose.yml run here through infra/docker/offline.override.yml, on
# the stand-in images. Sourced by ./platform after engine.sh and offline/images.sh.

COMPOSE_FILES=(-f "$ROOT_DIR/docker-compose.yml" -f "$ROOT_DIR/infra/docker/offline.override.yml")
# What the composition listens on (the host's network): docker-compose.yml's published ports and
# the services' ops ports.
COMPOSE_PORTS=(5432 9092 9093 9094 8081 4317 4318 16686 9090 3000 9464 9465 9466)

# COMPOSE_BAKE=false: compose 2.40 builds through buildx bake by default, which asks for an
# interactive grant of the host network the builds use (build.network: host).
compose() { COMPOSE_BAKE=false docker compose --project-directory "$ROOT_DIR" "${COMPOSE_FILES[@]}" "$@"; }

compose_running() { [[ -n "$(compose ps -q 2>/dev/null)" ]]; }

compose_up() {
  local start port
  start=$(date +%s)
  docker_ready
  if ! compose_running; then
    for port in "${COMPOSE_PORTS[@]}"; do
      port_open "$port" && die "port $port is taken; the composition needs it (./platform down stops the local services)"
    done
  fi
  offline_images
  # The development key set the API's container mounts (docker-compose.yml, AUTH_JWKS_FILE).
  npx turbo run build --filter=@platform/user-api --output-logs=errors-only >/dev/null || die "build failed"
  npm run --silent token -w @platform/user-api >/dev/null || die "could not create the development key set"
  log "building the service images and starting the composition (docker compose up --build)"
  compose up -d --build --wait --wait-timeout 300 || {
    compose ps -a >&2
    die "the composition did not come up; see ./platform docker compose logs"
  }
  log "composition up in $(elapsed_since "$start")s"
  compose ps
}

# The three service images, built ahead of `compose up --build` (which then finds every layer
# cached): ./platform test builds them in the background while its Kafka passes run.
compose_build_services() {
  local start
  start=$(date +%s)
  log "building the service images (docker compose build; log $OFFLINE_BUILD_LOG)"
  compose build >>"$OFFLINE_BUILD_LOG" 2>&1 ||
    { tail -n 20 "$OFFLINE_BUILD_LOG" >&2; die "building the service images failed; see $OFFLINE_BUILD_LOG"; }
  log "service images built in $(elapsed_since "$start")s"
}

# Stops and removes the containers, and with -v the volumes too.
compose_down() {
  docker_answers || { log "no Docker daemon answers; nothing to stop"; return 0; }
  docker_plugins
  compose down --remove-orphans "$@"
}

cmd_docker() {
  case "${1:-}" in
    images) docker_ready && offline_images ;;
    up) compose_up ;;
    down) shift && compose_down "$@" ;;
    compose) shift && docker_ready && compose "$@" ;;
    *) die "usage: ./platform docker images|up|down [-v]|compose <docker compose arguments>" ;;
  esac
}
