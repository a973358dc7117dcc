# Apicurio Registry (Confluent-compatible API under /apis/ccompat/v7) from Maven Central. Sourced.
# 3.0.9 is the newest release in the registry snapshot that runs on Java 17 (3.2+ needs Java 21).
# Its storage is the local PostgreSQL (database "registry"), so schema ids survive restarts
# just like the Kafka messages that carry them.

REGISTRY_VERSION="${LOCAL_REGISTRY_VERSION:-3.0.9}"
REGISTRY_PORT="${LOCAL_REGISTRY_PORT:-28081}"
REGISTRY_HOME="$CACHE_DIR/apicurio-$REGISTRY_VERSION"
REGISTRY_LOG="$LOG_DIR/registry.log"
REGISTRY_DB="registry"
REGISTRY_URL="http://127.0.0.1:$REGISTRY_PORT/apis/ccompat/v7"

registry_install() {
  [[ -f "$REGISTRY_HOME/.complete" ]] && return 0
  local base="https://repo1.maven.org/maven2/io/apicurio/apicurio-registry-app/$REGISTRY_VERSION"
  local zip="apicurio-registry-app-$REGISTRY_VERSION-all.zip"
  log "fetching Apicurio Registry $REGISTRY_VERSION from Maven Central"
  mkdir -p "$REGISTRY_HOME"
  curl -sSfL -o "$REGISTRY_HOME/$zip" "$base/$zip" || die "could not download $base/$zip"
  local expected actual
  expected=$(curl -sSfL "$base/$zip.sha1" | cut -c1-40) || die "could not download $zip.sha1"
  actual=$(sha1sum "$REGISTRY_HOME/$zip" | cut -c1-40)
  [[ "$expected" == "$actual" ]] || die "checksum mismatch for $zip (expected $expected, got $actual)"
  (cd "$REGISTRY_HOME" && unzip -q -o "$zip" && rm -f "$zip") || die "could not unpack $zip"
  touch "$REGISTRY_HOME/.complete"
}

registry_ready() { curl -sf "$REGISTRY_URL/subjects" >/dev/null; }

registry_up() {
  if pid_alive registry && registry_ready; then
    log "schema registry already running on port $REGISTRY_PORT"
    return 0
  fi
  port_open "$REGISTRY_PORT" && die "port $REGISTRY_PORT is taken by another process; set LOCAL_REGISTRY_PORT"
  registry_install
  pg_ensure_database "$REGISTRY_DB"
  [[ -f "$REGISTRY_LOG" ]] && mv "$REGISTRY_LOG" "$REGISTRY_LOG.previous"
  log "starting Apicurio Registry $REGISTRY_VERSION on port $REGISTRY_PORT"
  start_bg registry "$REGISTRY_LOG" java -Xms128m -Xmx512m \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$REGISTRY_PORT" \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=postgresql \
    -Dapicurio.datasource.url="jdbc:postgresql://127.0.0.1:$PG_PORT/$REGISTRY_DB" \
    -Dapicurio.datasource.username="$PG_USER" -Dapicurio.datasource.password="$PG_PASSWORD" \
    -Dapicurio.rules.global.compatibility=BACKWARD \
    -jar "$REGISTRY_HOME/apicurio-registry-app-$REGISTRY_VERSION-runner.jar"
  wait_until 120 "schema registry" "$REGISTRY_LOG" registry_ready
  # The global rule through the Confluent API works on Apicurio and Confluent alike. Without a
  # rule Apicurio answers GET /config/{subject} with NONE and the JS client's register() throws.
  curl -sf -X PUT -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
    --data '{"compatibility":"BACKWARD"}' "$REGISTRY_URL/config" >/dev/null ||
    die "could not set the registry's global BACKWARD compatibility; see $REGISTRY_LOG"
}

registry_down() { stop_pid registry 30; }

registry_status() {
  if pid_alive registry && registry_ready; then echo "schema-registry   up    $REGISTRY_URL"; else echo "schema-registry   down"; fi
}
