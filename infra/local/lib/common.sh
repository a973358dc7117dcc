# Shared helpers for the local stack scripts. Sourced, never executed.
# Paths: downloads are cached per user (outside the checkout, so a fresh clone reuses them);
# data directories, logs and pid files of one checkout live in its git-ignored .local-stack/.

ROOT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
CACHE_DIR="${PLATFORM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/outbox-platform}"
STATE_DIR="${PLATFORM_STATE_DIR:-$ROOT_DIR/.local-stack}"
LOG_DIR="$STATE_DIR/logs"
RUN_DIR="$STATE_DIR/run"
mkdir -p "$CACHE_DIR" "$LOG_DIR" "$RUN_DIR"

log() { printf '[platform] %s\n' "$*" >&2; }
die() { printf '[platform] ERROR: %s\n' "$*" >&2; exit 1; }

# Seconds since an epoch start, for progress and durations.
elapsed_since() { echo $(($(date +%s) - $1)); }

# wait_until <timeout-seconds> <what> <log-file> <command...>
# Polls the command once a second; on timeout fails naming the log file to read.
wait_until() {
  local timeout="$1" what="$2" logfile="$3"
  shift 3
  local start
  start=$(date +%s)
  until "$@" >/dev/null 2>&1; do
    if (($(elapsed_since "$start") >= timeout)); then
      log "last lines of $logfile:"
      tail -n 20 "$logfile" >&2 2>/dev/null || true
      die "$what was not ready after ${timeout}s; see $logfile"
    fi
    sleep 1
  done
  log "$what ready after $(elapsed_since "$start")s"
}

# A process we started is tracked by a pid file in RUN_DIR.
pid_alive() {
  local pidfile="$RUN_DIR/$1.pid"
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# stop_pid <name> [timeout]: SIGTERM the process group, SIGKILL after the timeout.
stop_pid() {
  local name="$1" timeout="${2:-30}" pidfile="$RUN_DIR/$1.pid" pid
  [[ -f "$pidfile" ]] || return 0
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null && ((waited < timeout)); do
      sleep 1
      waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name did not stop within ${timeout}s; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pidfile"
}

# start_bg <name> <logfile> <command...>: runs the command in its own process group
# (so stop_pid can signal all of its children) and records its pid.
start_bg() {
  local name="$1" logfile="$2"
  shift 2
  setsid "$@" >>"$logfile" 2>&1 < /dev/null &
  echo $! >"$RUN_DIR/$name.pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Runs a download/build step once per cache key; a marker file says it completed.
cached_step() {
  local marker="$1"
  shift
  [[ -f "$marker" ]] && return 0
  "$@" && touch "$marker"
}

# The phases of `./platform test` (install, stack up, each check and suite pass...) with their
# seconds and outcome, one tab-separated line each in PLATFORM_PHASES_FILE; infra/ci/summarize.js
# ends the run with them as a table. A phase cut short by `die` or errexit is recorded as failed
# by phase_abort (the test command's EXIT trap).
phase_begin() {
  PHASE_NAME="$1"
  PHASE_START=$(date +%s)
}
phase_end() {
  local status="${1:-ok}"
  [[ -n "${PHASE_NAME:-}" && -n "${PLATFORM_PHASES_FILE:-}" ]] &&
    printf '%s\t%s\t%s\n' "$PHASE_NAME" "$(elapsed_since "$PHASE_START")" "$status" >>"$PLATFORM_PHASES_FILE"
  PHASE_NAME=""
}
phase_abort() { [[ -z "${PHASE_NAME:-}" ]] || phase_end failed; }
# phase <name> <command...>: a phase that is one command, in this shell (its exports stay).
phase() {
  phase_begin "$1"
  shift
  "$@"
  phase_end
}
