# Local stand-ins for the official images docker-compose.yml names, for an engine that can reach
# no image registry (our machines). Sourced by ./platform after engine.sh and the stack scripts.
#
# Each image is built from what the local stack already fetches (Debian's packages, Kafka's and
# Apicurio's jars from Maven Central, Jaeger and Prometheus from the Go module proxy, Node from
# the npm registry) on a Debian base made with debootstrap. An image is rebuilt only when its
# recipe changes: it carries the hash of its files and inputs as a label.

OFFLINE_IMAGES="outbox-platform-offline"
OFFLINE_BASE_IMAGE="$OFFLINE_IMAGES/debian:bookworm"
OFFLINE_JAVA_IMAGE="$OFFLINE_IMAGES/java:17"
OFFLINE_NODE_IMAGE="$OFFLINE_IMAGES/node:$NODE_VERSION"
OFFLINE_POSTGRES_IMAGE="$OFFLINE_IMAGES/postgres:debian"
OFFLINE_KAFKA_IMAGE="$OFFLINE_IMAGES/kafka:$KAFKA_DEFAULT_VERSION"
OFFLINE_REGISTRY_IMAGE="$OFFLINE_IMAGES/apicurio-registry:$REGISTRY_VERSION"
OFFLINE_JAEGER_IMAGE="$OFFLINE_IMAGES/jaeger:$JAEGER_VERSION"
OFFLINE_PROMETHEUS_IMAGE="$OFFLINE_IMAGES/prometheus:$PROMTOOL_VERSION"
OFFLINE_DIR="$ROOT_DIR/infra/docker/offline"
OFFLINE_BUILD_LOG="$LOG_DIR/docker-images.log"
# The npm the Node image carries: the one ./platform runs on the host.
OFFLINE_NPM_VERSION="${OFFLINE_NPM_VERSION:-$(npm --version 2>/dev/null || echo 11.6.2)}"

# The certificate authorities the host trusts (see node.Dockerfile).
OFFLINE_HOST_CA_FILE="${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}"

offline_recipe_hash() { cat "$@" | sha1sum | cut -c1-12; }

# The scripts of this directory a Dockerfile copies: with the Dockerfile, an image's recipe
# (so editing one entrypoint rebuilds only its image) and its build context.
offline_scripts() {
  local script
  for script in $(sed -n 's/^COPY \([A-Za-z0-9_.-]*\.sh\) .*/\1/p' "$1"); do echo "$OFFLINE_DIR/$script"; done
}

offline_image_current() {
  local image="$1" hash="$2"
  [[ "$(docker image inspect --format '{{ index .Config.Labels "outbox-platform.recipe" }}' "$image" 2>/dev/null)" == "$hash" ]]
}

# offline_image_build <image> <recipe hash> <Dockerfile> <context dir> [--build-arg ...]
offline_image_build() {
  local image="$1" hash="$2" dockerfile="$3" context="$4" start
  shift 4
  offline_image_current "$image" "$hash" && return 0
  start=$(date +%s)
  log "building image $image (log $OFFLINE_BUILD_LOG)"
  docker build --network host --label "outbox-platform.recipe=$hash" -t "$image" -f "$dockerfile" "$@" "$context" \
    >>"$OFFLINE_BUILD_LOG" 2>&1 || { tail -n 20 "$OFFLINE_BUILD_LOG" >&2; die "building $image failed; see $OFFLINE_BUILD_LOG"; }
  log "image $image built in $(elapsed_since "$start")s"
}

# offline_context <Dockerfile> [<source> <name in context>]...: a build context of the scripts the
# Dockerfile copies plus inputs from the cache (hard links when possible).
offline_context() {
  local dir scripts
  dir=$(mktemp -d "${TMPDIR:-/tmp}/outbox-platform-image.XXXXXX")
  scripts=$(offline_scripts "$1")
  shift
  # shellcheck disable=SC2086 # one path per word; the directory's names have no spaces
  [[ -z "$scripts" ]] || cp $scripts "$dir/"
  while (($#)); do
    cp -rl "$1" "$dir/$2" 2>/dev/null || cp -r "$1" "$dir/$2"
    shift 2
  done
  echo "$dir"
}

offline_base_image() {
  local mirror hash rootfs
  mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
  mirror="${mirror:-http://deb.debian.org/debian}"
  hash=$(echo "bookworm minbase $mirror" | sha1sum | cut -c1-12)
  offline_image_current "$OFFLINE_BASE_IMAGE" "$hash" && return 0
  log "making the Debian bookworm base image with debootstrap ($mirror)"
  rootfs=$(mktemp -d "${TMPDIR:-/tmp}/outbox-platform-rootfs.XXXXXX")
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >>"$OFFLINE_BUILD_LOG" 2>&1 ||
    { rm -rf "$rootfs"; die "debootstrap failed; see $OFFLINE_BUILD_LOG"; }
  tar -C "$rootfs" -c . | docker import --change "LABEL outbox-platform.recipe=$hash" - "$OFFLINE_BASE_IMAGE" >/dev/null ||
    { rm -rf "$rootfs"; die "docker import of the base image failed"; }
  rm -rf "$rootfs"
}

# The npm CLI, from the npm registry, for the Node image.
offline_npm() {
  local dir="$CACHE_DIR/npm-$OFFLINE_NPM_VERSION" tmp
  [[ -f "$dir/package.json" ]] && { echo "$dir"; return 0; }
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "npm@$OFFLINE_NPM_VERSION" >/dev/null && tar xzf ./*.tgz) ||
    die "could not fetch npm@$OFFLINE_NPM_VERSION"
  rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
  echo "$dir"
}

# Kafka's broker jars (as the local stack runs them) and kafka-tools, which the official image's
# scripts (kafka-broker-api-versions.sh, the compose health check) need.
offline_kafka_libs() {
  kafka_install
  local jar="kafka-tools-$KAFKA_VERSION.jar" base="https://repo1.maven.org/maven2/org/apache/kafka/kafka-tools/$KAFKA_VERSION"
  [[ -f "$KAFKA_HOME/tools/$jar" ]] && return 0
  mkdir -p "$KAFKA_HOME/tools"
  curl -sSfL -o "$KAFKA_HOME/tools/$jar.partial" "$base/$jar" || die "could not download $base/$jar"
  [[ "$(curl -sSfL "$base/$jar.sha1" | cut -c1-40)" == "$(sha1sum "$KAFKA_HOME/tools/$jar.partial" | cut -c1-40)" ]] ||
    die "checksum mismatch for $jar"
  mv "$KAFKA_HOME/tools/$jar.partial" "$KAFKA_HOME/tools/$jar"
}

offline_prometheus_build() {
  OFFLINE_PROMETHEUS_BIN="$CACHE_DIR/promtool-$PROMTOOL_VERSION/prometheus"
  go_build_cached "Prometheus $PROMTOOL_VERSION" "$ROOT_DIR/infra/local/promtool" \
    github.com/prometheus/prometheus/cmd/prometheus "$OFFLINE_PROMETHEUS_BIN"
}

# Single-file inputs count by content (a changed CA bundle rebuilds the image); directories from
# the cache by their versioned name.
offline_inputs_hash() {
  while (($#)); do
    if [[ -f "$1" ]]; then sha1sum <"$1"; else echo "$1"; fi
    shift 2
  done | sha1sum | cut -c1-12
}

# offline_simple_image <image> <Dockerfile> <base arg> [<source> <name in context>]...
offline_simple_image() {
  local image="$1" dockerfile="$OFFLINE_DIR/$2" base_arg="$3" hash ctx
  shift 3
  # shellcheck disable=SC2046 # one path per word
  hash=$(echo "$image $base_arg $(offline_recipe_hash "$dockerfile" $(offline_scripts "$dockerfile")) $(offline_inputs_hash "$@")" |
    sha1sum | cut -c1-12)
  offline_image_current "$image" "$hash" && return 0
  ctx=$(offline_context "$dockerfile" "$@")
  offline_image_build "$image" "$hash" "$dockerfile" "$ctx" --build-arg "$base_arg"
  rm -rf "$ctx"
}

# Every stand-in image; each step is skipped when its image is current.
offline_images() {
  docker_ready
  local start
  start=$(date +%s)
  offline_base_image
  local base="BASE_IMAGE=$OFFLINE_BASE_IMAGE" java="JAVA_IMAGE=$OFFLINE_JAVA_IMAGE"
  offline_simple_image "$OFFLINE_NODE_IMAGE" node.Dockerfile "$base" \
    "$CACHE_DIR/node-$NODE_VERSION" node "$(offline_npm)" npm "$OFFLINE_HOST_CA_FILE" host-ca-certificates.crt
  offline_simple_image "$OFFLINE_POSTGRES_IMAGE" postgres.Dockerfile "$base"
  offline_simple_image "$OFFLINE_JAVA_IMAGE" java.Dockerfile "$base"
  offline_kafka_libs
  offline_simple_image "$OFFLINE_KAFKA_IMAGE" kafka.Dockerfile "$java" "$KAFKA_HOME/lib" libs \
    "$KAFKA_HOME/tools/kafka-tools-$KAFKA_VERSION.jar" "kafka-tools-$KAFKA_VERSION.jar" \
    "$ROOT_DIR/infra/local/kafka/log4j2.properties" log4j2.properties
  registry_install
  offline_simple_image "$OFFLINE_REGISTRY_IMAGE" registry.Dockerfile "$java" "$REGISTRY_HOME" apicurio
  jaeger_build
  offline_simple_image "$OFFLINE_JAEGER_IMAGE" jaeger.Dockerfile "$base" "$JAEGER_BIN" jaeger
  offline_prometheus_build
  offline_simple_image "$OFFLINE_PROMETHEUS_IMAGE" prometheus.Dockerfile "$base" "$OFFLINE_PROMETHEUS_BIN" prometheus
  log "stand-in images ready in $(elapsed_since "$start")s"
}
