# A Docker engine for the Docker path, on machines without one running. Sourced by ./platform.
#
# Where `docker compose version` already answers (Docker Desktop, a distribution's engine with the
# compose plugin), nothing here changes anything. On our machines (no image registry, PID 1 not
# systemd, see ../shared/PLATFORM.md) it installs Debian's engine, starts the daemon without a
# bridge (containers use the host's network only), and builds the compose and buildx CLI plugins
# from the Go module proxy into a DOCKER_CONFIG of our own cache.

DOCKER_COMPOSE_VERSION="2.40.3" # keep in step with infra/docker/compose/go.mod
DOCKER_BUILDX_VERSION="0.38.2"
DOCKER_PLUGINS_CONFIG="$CACHE_DIR/docker-config"
DOCKERD_LOG="$LOG_DIR/dockerd.log"

docker_answers() { docker info >/dev/null 2>&1; }

docker_install() {
  command -v dockerd >/dev/null && command -v debootstrap >/dev/null && return 0
  log "installing the Docker engine and debootstrap from Debian packages"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq docker.io debootstrap >/dev/null ||
    die "could not install the Docker engine (apt-get install docker.io debootstrap)"
}

# The daemon as PLATFORM.md describes it: no bridge, no iptables rules; containers run with
# network_mode host, so everything they serve is on 127.0.0.1 like the local stack.
dockerd_up() {
  docker_answers && return 0
  docker_install
  [[ $(id -u) -eq 0 ]] || die "the Docker daemon is not running, and starting it needs root"
  log "starting the Docker daemon (host networking only; log $DOCKERD_LOG)"
  start_bg dockerd "$DOCKERD_LOG" dockerd --bridge=none --iptables=false --ip6tables=false --ip-masq=false
  wait_until 60 "Docker daemon" "$DOCKERD_LOG" docker_answers
}

# Compose v2 and buildx as CLI plugins, unless the docker CLI already has them. Compose builds
# images through buildx, which drives the daemon's own BuildKit.
docker_plugins() {
  if docker compose version >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; then return 0; fi
  local plugins="$DOCKER_PLUGINS_CONFIG/cli-plugins" bin="$CACHE_DIR/docker-plugins"
  go_build_cached "docker compose $DOCKER_COMPOSE_VERSION" "$ROOT_DIR/infra/docker/compose" \
    github.com/docker/compose/v2/cmd "$bin/compose-$DOCKER_COMPOSE_VERSION" \
    "-X github.com/docker/compose/v2/internal.Version=v$DOCKER_COMPOSE_VERSION"
  go_build_cached "docker buildx $DOCKER_BUILDX_VERSION" "$ROOT_DIR/infra/docker/buildx" \
    github.com/docker/buildx/cmd/buildx "$bin/buildx-$DOCKER_BUILDX_VERSION" \
    "-X github.com/docker/buildx/version.Version=v$DOCKER_BUILDX_VERSION"
  mkdir -p "$plugins"
  ln -sf "$bin/compose-$DOCKER_COMPOSE_VERSION" "$plugins/docker-compose"
  ln -sf "$bin/buildx-$DOCKER_BUILDX_VERSION" "$plugins/docker-buildx"
  export DOCKER_CONFIG="$DOCKER_PLUGINS_CONFIG"
  docker compose version >/dev/null || die "the docker compose plugin does not run; see $LOG_DIR"
}

# Points DOCKER_CONFIG at our plugins now, when the CLI has none of its own, for a caller whose
# plugins are still being built (./platform test builds them in the background).
docker_plugins_env() {
  if docker compose version >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; then return 0; fi
  export DOCKER_CONFIG="$DOCKER_PLUGINS_CONFIG"
}

# Everything the Docker path needs before an image is built.
docker_ready() {
  dockerd_up
  docker_plugins
}
