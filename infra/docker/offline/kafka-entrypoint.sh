#!/bin/bash
# The official apache/kafka image's configuration contract: each KAFKA_FOO_BAR variable becomes
# foo.bar in server.properties ("__" stands for "_", "___" for "-"); CLUSTER_ID formats the
# storage on the first start. KAFKA_HEAP_OPTS and KAFKA_OPTS go to the JVM.
set -euo pipefail
props=/opt/kafka/config/server.properties
: >"$props"
while IFS='=' read -r name _; do
  case "$name" in
    KAFKA_HEAP_OPTS | KAFKA_OPTS | KAFKA_JVM_PERFORMANCE_OPTS | KAFKA_LOG4J_OPTS | KAFKA_VERSION) continue ;;
    KAFKA_*) ;;
    *) continue ;;
  esac
  key=$(printf '%s' "${name#KAFKA_}" | tr '[:upper:]' '[:lower:]' | sed -e 's/___/-/g' -e 's/__/\x01/g' -e 's/_/./g' -e 's/\x01/_/g')
  printf '%s=%s\n' "$key" "${!name}" >>"$props"
done < <(env)
grep -q '^log.dirs=' "$props" || echo "log.dirs=/var/lib/kafka/data" >>"$props"
log_dirs=$(sed -n 's/^log\.dirs=//p' "$props")

java_cmd=(java -cp "/opt/kafka/libs/*" -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties)
if [[ ! -f "${log_dirs%%,*}/meta.properties" ]]; then
  "${java_cmd[@]}" kafka.tools.StorageTool format --ignore-formatted \
    -t "${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}" -c "$props"
fi
# shellcheck disable=SC2086 # the options are word lists, as in Kafka's own scripts
exec "${java_cmd[@]}" ${KAFKA_HEAP_OPTS:--Xms256m -Xmx1g} -XX:+UseG1GC ${KAFKA_OPTS:-} kafka.Kafka "$props"
