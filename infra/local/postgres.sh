# PostgreSQL from Debian packages: a project-owned cluster on its own port. Sourced.

PG_PORT="${LOCAL_PG_PORT:-25432}"
PG_USER="${LOCAL_PG_USER:-platform}"
PG_PASSWORD="${LOCAL_PG_PASSWORD:-platform}"
PG_DB="${LOCAL_PG_DATABASE:-platform}"

# initdb and postgres refuse to run as root; as root the cluster belongs to the 'postgres' user,
# which must be able to reach its directory. A checkout under a private directory (mktemp -d,
# /root) is out of its reach, so the cluster then lives in a per-checkout folder under /tmp.
pg_home() {
  if [[ $(id -u) -eq 0 ]] && ! runuser -u postgres -- test -x "$STATE_DIR" 2>/dev/null; then
    echo "${TMPDIR:-/tmp}/outbox-platform-postgres-$(printf '%s' "$ROOT_DIR" | sha1sum | cut -c1-12)"
  else
    echo "$STATE_DIR/postgres"
  fi
}
PG_HOME="$(pg_home)"
PG_DATA="$PG_HOME/data"
PG_LOG="$PG_HOME/postgres.log"

pg_bindir() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [[ -x "$dir/initdb" ]] && echo "$dir"
  done | sort -V | tail -n 1
}

pg_install() {
  [[ -n "$(pg_bindir)" ]] && return 0
  log "installing PostgreSQL from Debian packages"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null ||
    die "could not install PostgreSQL (apt-get install postgresql)"
}

pg_as_owner() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_ready() { "$(pg_bindir)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; }

pg_up() {
  pg_install
  local bin
  bin="$(pg_bindir)"
  if pg_ready; then
    log "PostgreSQL already running on port $PG_PORT"
    return 0
  fi
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "creating PostgreSQL cluster in $PG_DATA"
    mkdir -p "$PG_DATA"
    local pwfile="$PG_HOME/initial-password"
    printf '%s\n' "$PG_PASSWORD" >"$pwfile"
    if [[ $(id -u) -eq 0 ]]; then chown -R postgres "$PG_HOME"; fi
    pg_as_owner "$bin/initdb" -D "$PG_DATA" -U "$PG_USER" --pwfile="$pwfile" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >>"$LOG_DIR/initdb.log" 2>&1 ||
      die "initdb failed; see $LOG_DIR/initdb.log"
    rm -f "$pwfile"
  fi
  # The server log lives next to the cluster (the server's user writes it); link it with the others.
  touch "$PG_LOG"
  if [[ $(id -u) -eq 0 ]]; then chown postgres "$PG_LOG"; fi
  ln -sfn "$PG_LOG" "$LOG_DIR/postgres.log"
  log "starting PostgreSQL on port $PG_PORT"
  # TCP on loopback only; no Unix socket, so the data path length and /var/run never matter.
  pg_as_owner "$bin/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start -o \
    "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=300 -c shared_buffers=256MB" \
    >/dev/null || die "PostgreSQL did not start; see $PG_LOG"
  wait_until 60 "PostgreSQL" "$PG_LOG" pg_ready
  pg_ensure_database "$PG_DB"
}

pg_psql() {
  PGPASSWORD="$PG_PASSWORD" "$(pg_bindir)/psql" -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -v ON_ERROR_STOP=1 -qAt "$@"
}

pg_ensure_database() {
  local db="$1"
  if [[ -z "$(pg_psql -d postgres -c "select 1 from pg_database where datname = '$db'")" ]]; then
    pg_psql -d postgres -c "create database \"$db\"" || die "could not create database $db"
    log "created database $db"
  fi
}

pg_down() {
  [[ -f "$PG_DATA/postmaster.pid" ]] || return 0
  log "stopping PostgreSQL"
  pg_as_owner "$(pg_bindir)/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null || true
}

pg_status() {
  if pg_ready; then echo "postgres          up    127.0.0.1:$PG_PORT  db=$PG_DB"; else echo "postgres          down"; fi
}

pg_url() { echo "postgres://$PG_USER:$PG_PASSWORD@127.0.0.1:$PG_PORT/${1:-$PG_DB}"; }
