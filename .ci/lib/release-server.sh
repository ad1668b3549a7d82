# Sourced by CI steps that need the release build serving on loopback with its own embedded
# PostgreSQL. `start_release_server` sets $port, $base and $work, creates the users named in
# $CI_USERS ("email:role" pairs, password $PERFUSION_ADMIN_PASSWORD), and stops everything on exit.

start_release_server() {
  cargo build --release --locked
  # Where cargo put it (CARGO_TARGET_DIR, else ./target).
  bin="${CARGO_TARGET_DIR:-target}/release/perfusion-api"
  work=$(mktemp -d)
  server=""
  trap stop_release_server EXIT
  # The embedded cluster runs as the postgres user when CI is root: it must reach this directory.
  chmod 755 "$work"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  base="http://127.0.0.1:$port"
  export PERFUSION_DATA_DIR="$work/postgres"
  export BIND_ADDR="127.0.0.1:$port"
  export JWT_SECRET="ci-secret-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  export JWT_TTL_SECONDS=3600
  export LOGIN_FAILURES_PER_WINDOW=1000 SIGNUPS_PER_MINUTE=1000000
  export RUST_LOG=warn
  unset DATABASE_URL APP_ENV
  export PERFUSION_ADMIN_PASSWORD="ci-password-$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  for user in ${CI_USERS:-}; do
    "$bin" admin create --email "${user%%:*}" --role "${user##*:}"
  done
  "$bin" >"$work/server.log" 2>&1 &
  server=$!
  # The first start initialises the embedded cluster: allow a minute.
  for _ in $(seq 1 300); do
    "$bin" healthcheck --addr "127.0.0.1:$port" >/dev/null 2>&1 && break
    sleep 0.2
  done
  "$bin" healthcheck --addr "127.0.0.1:$port" || { cat "$work/server.log"; exit 1; }
}

stop_release_server() {
  if [ -n "${server:-}" ]; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  rm -rf "${work:-/nonexistent-dir}"
}

# A bearer token for one of $CI_USERS.
token_for() {
  curl -fsS -X POST "$base/api/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"email\":\"$1\",\"password\":\"$PERFUSION_ADMIN_PASSWORD\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
