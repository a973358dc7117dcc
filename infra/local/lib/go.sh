# Builds Go programs from the Go module proxy, once per version. Sourced, never executed.
# Each program has a small module in infra/local/<name>/ whose go.mod and go.sum pin it and all
# its dependencies: `go install pkg@version` cannot build Jaeger or Prometheus (their go.mod files
# carry replace directives, and Jaeger's v2 tags do not match its module path).

# go_build_cached <what> <module dir> <package> <binary> [ldflags]: builds <package> into <binary>
# unless it is there already (ldflags: e.g. the -X that stamps a program's version). -mod=readonly: every module must match the committed go.sum, so no checksum
# database is consulted. Go's module cache (~/go/pkg/mod) is reused between builds.
go_build_cached() {
  local what="$1" module_dir="$2" package="$3" binary="$4" ldflags="${5:-}"
  [[ -x "$binary" ]] && return 0
  command -v go >/dev/null || die "Go is needed to build $what"
  local build_log="$LOG_DIR/$(basename "$binary")-build.log" start lock_fd
  mkdir -p "$(dirname "$binary")"
  # One build per binary at a time: ./platform test starts its builds in the background (see
  # `background` in ./platform) and a step that needs the binary waits here for that build.
  exec {lock_fd}>"$binary.lock"
  if ! flock -n "$lock_fd"; then
    log "waiting for the build of $what that is already running"
    flock "$lock_fd"
  fi
  if [[ -x "$binary" ]]; then
    exec {lock_fd}>&-
    return 0
  fi
  start=$(date +%s)
  log "building $what from the Go module proxy (first time only; a few minutes)"
  (cd "$module_dir" &&
    GOFLAGS="-mod=readonly -buildvcs=false" go build -trimpath -ldflags="$ldflags" -o "$binary.partial" "$package") \
    >"$build_log" 2>&1 ||
    { tail -n 20 "$build_log" >&2; die "building $what failed; see $build_log"; }
  mv "$binary.partial" "$binary"
  exec {lock_fd}>&-
  log "$what built in $(elapsed_since "$start")s"
}
