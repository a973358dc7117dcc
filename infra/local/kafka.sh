# Apache Kafka in KRaft mode (broker and controller in one process) from Maven Central jars. Sourced.
# Version 3.9: kafkajs 2.2.4 speaks the protocol versions of the 0.10-3.x era, several of which
# Kafka 4.0 removed (KIP-896); 3.9 is the newest line that keeps them and has KRaft standalone.

KAFKA_VERSION="${LOCAL_KAFKA_VERSION:-3.9.1}"
KAFKA_PORT="${LOCAL_KAFKA_PORT:-27092}"
KAFKA_CONTROLLER_PORT="${LOCAL_KAFKA_CONTROLLER_PORT:-27093}"
KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"
KAFKA_DATA="$STATE_DIR/kafka"
KAFKA_LOG="$LOG_DIR/kafka.log"

kafka_install() {
  [[ -f "$KAFKA_HOME/.complete" ]] && return 0
  command -v mvn >/dev/null || die "Maven (mvn) is needed to fetch the Kafka jars"
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_HOME"
  rm -rf "$KAFKA_HOME/lib"
  KAFKA_VERSION="$KAFKA_VERSION" mvn -q -B -f "$ROOT_DIR/infra/local/kafka/pom.xml" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/lib" >>"$LOG_DIR/install.log" 2>&1 ||
    die "could not fetch Kafka $KAFKA_VERSION from Maven Central; see $LOG_DIR/install.log"
  touch "$KAFKA_HOME/.complete"
}

kafka_java() { java -cp "$KAFKA_HOME/lib/*" -Dlog4j.configuration="file:$ROOT_DIR/infra/local/kafka/log4j.properties" "$@"; }

kafka_write_config() {
  mkdir -p "$KAFKA_DATA"
  cat >"$KAFKA_DATA/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
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

kafka_up() {
  if pid_alive kafka && port_open "$KAFKA_PORT"; then
    log "Kafka already running on port $KAFKA_PORT"
    return 0
  fi
  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by another process; set LOCAL_KAFKA_PORT"
  command -v java >/dev/null || die "Java 17+ is needed to run Kafka"
  kafka_install
  kafka_write_config
  if [[ ! -f "$KAFKA_DATA/logs/meta.properties" ]]; then
    log "formatting Kafka storage in $KAFKA_DATA/logs"
    kafka_java kafka.tools.StorageTool format --standalone --ignore-formatted \
      -t "$(kafka_java kafka.tools.StorageTool random-uuid)" -c "$KAFKA_DATA/server.properties" >>"$KAFKA_LOG" 2>&1 ||
      die "formatting Kafka storage failed; see $KAFKA_LOG"
  fi
  [[ -f "$KAFKA_LOG" ]] && mv "$KAFKA_LOG" "$KAFKA_LOG.previous"
  log "starting Kafka $KAFKA_VERSION on port $KAFKA_PORT"
  start_bg kafka "$KAFKA_LOG" java -Xms256m -Xmx1g -XX:+UseG1GC -cp "$KAFKA_HOME/lib/*" \
    -Dlog4j.configuration="file:$ROOT_DIR/infra/local/kafka/log4j.properties" \
    kafka.Kafka "$KAFKA_DATA/server.properties"
  wait_until 120 "Kafka" "$KAFKA_LOG" kafka_ready
}

kafka_down() { stop_pid kafka 60; }

kafka_status() {
  if pid_alive kafka && port_open "$KAFKA_PORT"; then echo "kafka             up    127.0.0.1:$KAFKA_PORT"; else echo "kafka             down"; fi
}
