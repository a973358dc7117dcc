# Apache Kafka in KRaft mode (broker and controller in one process) from Maven Central jars. Sourced.
#
# The broker version is a setting (LOCAL_KAFKA_VERSION). Two lines are supported and tested:
# 4.x, the default, and 3.9, the last 3.x line. kafkajs 2.2.4 was tried on both: every request the
# platform sends uses an API version that 4.x kept after KIP-896 (docs/architecture.md, "Kafka 4 and 3.9").
# Older 3.x releases are refused: formatting with --standalone (KIP-853) arrived in 3.9.

source "$ROOT_DIR/infra/local/tls.sh"

KAFKA_DEFAULT_VERSION="4.4.0"
# The other supported line: `./platform test` runs the Kafka-facing suites on it as well.
KAFKA_OTHER_LINE_VERSION="${LOCAL_KAFKA_OTHER_VERSION-3.9.1}"

# kafka_configure <name> <version> <port> <controller port> <secure port>: which broker the
# functions below act on. The stack's own broker is "kafka"; with-kafka.sh configures a second one
# beside it. Each has a PLAINTEXT listener (what the services and most tests use locally) and a
# SASL_SSL one on the secure port (SCRAM-SHA-256/512 and PLAIN, the stack's development
# certificate, user "platform"), which the transport-security tests use.
kafka_configure() {
  KAFKA_NAME="$1"
  KAFKA_VERSION="$2"
  KAFKA_PORT="$3"
  KAFKA_CONTROLLER_PORT="$4"
  KAFKA_SECURE_PORT="$5"
  [[ "$KAFKA_VERSION" =~ ^(3\.9|4\.[0-9]+)\.[0-9]+$ ]] ||
    die "Kafka version '$KAFKA_VERSION' is not supported: use 3.9.x or 4.x.y (LOCAL_KAFKA_VERSION)"
  KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
  # One data directory per version: 3.9 cannot read storage that 4.x has written.
  KAFKA_DATA="$STATE_DIR/$KAFKA_NAME-$KAFKA_VERSION"
  KAFKA_LOG="$LOG_DIR/$KAFKA_NAME.log"
}

kafka_configure kafka "${LOCAL_KAFKA_VERSION:-$KAFKA_DEFAULT_VERSION}" \
  "${LOCAL_KAFKA_PORT:-27092}" "${LOCAL_KAFKA_CONTROLLER_PORT:-27093}" "${LOCAL_KAFKA_SECURE_PORT:-27094}"

# The SASL user of the secure listeners; its password is made once per checkout.
KAFKA_SASL_USERNAME="platform"
KAFKA_SASL_PASSWORD_FILE="$STATE_DIR/auth/kafka-password"

kafka_ensure_password() {
  [[ -f "$KAFKA_SASL_PASSWORD_FILE" ]] && return 0
  mkdir -p "$(dirname "$KAFKA_SASL_PASSWORD_FILE")"
  (umask 077 && head -c 24 /dev/urandom | base64 | tr '+/' '-_' >"$KAFKA_SASL_PASSWORD_FILE")
}

kafka_install() {
  [[ -f "$KAFKA_HOME/.complete" ]] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the Kafka jars"
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_HOME"
  rm -rf "$KAFKA_HOME/lib"
  # The profile picks the logging binding of the line (see pom.xml).
  KAFKA_VERSION="$KAFKA_VERSION" mvn -q -B -f "$ROOT_DIR/infra/local/kafka/pom.xml" -P "kafka${KAFKA_VERSION%%.*}" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/lib" >>"$LOG_DIR/install.log" 2>&1 ||
    die "could not fetch Kafka $KAFKA_VERSION from Maven Central; see $LOG_DIR/install.log"
  touch "$KAFKA_HOME/.complete"
}

# 3.x reads the first logging setting (reload4j), 4.x the second (log4j2); each ignores the other.
KAFKA_LOGGING_OPTS=(
  "-Dlog4j.configuration=file:$ROOT_DIR/infra/local/kafka/log4j.properties"
  "-Dlog4j2.configurationFile=file:$ROOT_DIR/infra/local/kafka/log4j2.properties"
)
kafka_java() { java -cp "$KAFKA_HOME/lib/*" "${KAFKA_LOGGING_OPTS[@]}" "$@"; }

kafka_write_config() {
  mkdir -p "$KAFKA_DATA"
  tls_ensure
  kafka_ensure_password
  # A PEM key store is one file holding the private key and the certificate chain.
  (umask 077 && cat "$TLS_KEY_FILE" "$TLS_CERT_FILE" >"$KAFKA_DATA/keystore.pem")
  local password
  password="$(cat "$KAFKA_SASL_PASSWORD_FILE")"
  (umask 077 && cat >"$KAFKA_DATA/server.properties") <<PROPS
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_SSL://127.0.0.1:$KAFKA_SECURE_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_SSL://127.0.0.1:$KAFKA_SECURE_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$KAFKA_SASL_USERNAME="$password";
ssl.keystore.type=PEM
ssl.keystore.location=$KAFKA_DATA/keystore.pem
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
log.dirs=$KAFKA_DATA/logs
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
}

kafka_ready() {
  port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$KAFKA_LOG"
}

kafka_running_version() { cat "$RUN_DIR/$KAFKA_NAME.version" 2>/dev/null || echo unknown; }

kafka_up() {
  if pid_alive "$KAFKA_NAME" && port_open "$KAFKA_PORT"; then
    local running
    running=$(kafka_running_version)
    [[ "$running" == "$KAFKA_VERSION" ]] ||
      die "Kafka $running is running on port $KAFKA_PORT, not $KAFKA_VERSION; stop it first (./platform stack down)"
    log "Kafka $KAFKA_VERSION already running on port $KAFKA_PORT"
    kafka_set_scram_user
    return 0
  fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another process; set LOCAL_KAFKA_PORT"
  command -v java >/dev/null || die "Java 17+ is needed to run Kafka"
  kafka_install
  kafka_write_config
  if [[ ! -f "$KAFKA_DATA/logs/meta.properties" ]]; then
    log "formatting Kafka storage in $KAFKA_DATA/logs"
    local cluster_id
    # 4.x logs a line to stdout before printing the id: the id is the last line.
    cluster_id=$(kafka_java kafka.tools.StorageTool random-uuid | tail -n 1)
    kafka_java kafka.tools.StorageTool format --standalone --ignore-formatted \
      -t "$cluster_id" -c "$KAFKA_DATA/server.properties" >>"$KAFKA_LOG" 2>&1 ||
      die "formatting Kafka storage failed; see $KAFKA_LOG"
  fi
  [[ -f "$KAFKA_LOG" ]] && mv "$KAFKA_LOG" "$KAFKA_LOG.previous"
  log "starting Kafka $KAFKA_VERSION on port $KAFKA_PORT"
  echo "$KAFKA_VERSION" >"$RUN_DIR/$KAFKA_NAME.version"
  start_bg "$KAFKA_NAME" "$KAFKA_LOG" java -Xms256m -Xmx1g -XX:+UseG1GC -cp "$KAFKA_HOME/lib/*" \
    "${KAFKA_LOGGING_OPTS[@]}" kafka.Kafka "$KAFKA_DATA/server.properties"
  wait_until 120 "Kafka $KAFKA_VERSION" "$KAFKA_LOG" kafka_ready
  kafka_set_scram_user
}

# Idempotent (an upsert), so also run against a broker already up: it may predate the password.
kafka_set_scram_user() {
  kafka_ensure_password
  kafka_java "$ROOT_DIR/infra/local/kafka/ScramUser.java" "127.0.0.1:$KAFKA_PORT" "$KAFKA_SASL_USERNAME" \
    "$KAFKA_SASL_PASSWORD_FILE" >>"$LOG_DIR/$KAFKA_NAME-scram.log" 2>&1 ||
    die "could not set the SCRAM user of Kafka; see $LOG_DIR/$KAFKA_NAME-scram.log"
}

kafka_down() {
  stop_pid "$KAFKA_NAME" 60
  rm -f "$RUN_DIR/$KAFKA_NAME.version"
}

# What the transport-security tests need to reach the secure listener.
kafka_secure_env() {
  export LOCAL_KAFKA_SASL_SSL_BROKERS="127.0.0.1:$KAFKA_SECURE_PORT"
  export LOCAL_KAFKA_SASL_USERNAME="$KAFKA_SASL_USERNAME"
  export LOCAL_KAFKA_SASL_PASSWORD_FILE="$KAFKA_SASL_PASSWORD_FILE"
  export LOCAL_TLS_CA_FILE="$TLS_CA_FILE"
}

kafka_status() {
  if pid_alive "$KAFKA_NAME" && port_open "$KAFKA_PORT"; then
    printf '%-17s up    127.0.0.1:%s (Kafka %s; SASL_SSL on %s)\n' "$KAFKA_NAME" "$KAFKA_PORT" \
      "$(kafka_running_version)" "$KAFKA_SECURE_PORT"
  else
    printf '%-17s down\n' "$KAFKA_NAME"
  fi
}
