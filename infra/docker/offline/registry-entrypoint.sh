#!/bin/bash
# Starts Apicurio, then sets the global compatibility level through the Confluent API, as
# Confluent's SCHEMA_REGISTRY_SCHEMA_COMPATIBILITY_LEVEL does (REGISTRY_COMPATIBILITY, default
# BACKWARD): without one Apicurio answers GET /config/{subject} with NONE, which the JS client
# rejects. SIGTERM reaches the JVM.
set -euo pipefail
port="${QUARKUS_HTTP_PORT:-8080}"
api="http://127.0.0.1:$port/apis/ccompat/v7"
# shellcheck disable=SC2086 # JAVA_OPTS is a word list
java ${JAVA_OPTS:--Xms128m -Xmx512m} -jar /opt/apicurio/apicurio-registry-app-*-runner.jar &
pid=$!
trap 'kill -TERM "$pid"' TERM INT
until curl -sf -o /dev/null "$api/subjects"; do
  kill -0 "$pid" 2>/dev/null || { wait "$pid"; exit $?; }
  sleep 1
done
# Retried, and never fatal: a client setting it at the same moment (the test-stack runner does)
# makes Apicurio answer 409 "rule already exists" to one of the two, and a failed PUT must not
# take the running registry down with this script.
compatibility="${REGISTRY_COMPATIBILITY:-BACKWARD}"
for attempt in 1 2 3 4 5; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/vnd.schemaregistry.v1+json' \
    --data "{\"compatibility\":\"$compatibility\"}" "$api/config") || code=000
  [[ "$code" == 200 ]] && break
  echo "registry-entrypoint: setting the global compatibility answered HTTP $code (attempt $attempt of 5)" >&2
  sleep 1
done
if [[ "$code" == 200 ]]; then
  echo "registry-entrypoint: ready on port $port, compatibility $compatibility"
else
  echo "registry-entrypoint: ready on port $port, but the global compatibility is not set (HTTP $code)" >&2
fi
# A trapped signal interrupts the first wait; the second one collects the JVM's exit status.
set +e
wait "$pid"
status=$?
if kill -0 "$pid" 2>/dev/null; then
  wait "$pid"
  status=$?
fi
exit "$status"
