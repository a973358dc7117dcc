#!/usr/bin/env bash
# Checks docker-compose's Prometheus files with promtool: the scrape config with its rule files,
# and the alert rules' unit tests (alerts.test.yml). Run by the test command (infra/ci/run-checks.sh).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
: "${PROMTOOL:?not set: ./platform test builds promtool and sets PROMTOOL}"
"$PROMTOOL" check config prometheus.yml
"$PROMTOOL" test rules alerts.test.yml
