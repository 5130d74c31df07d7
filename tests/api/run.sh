#!/usr/bin/env bash
# The black-box HTTP API suite, twice: on SQLite, then on a throwaway PostgreSQL cluster made
# here (initdb in a temp dir, 127.0.0.1 on a free port, removed on exit).
#   tests/api/run.sh              both databases
#   tests/api/run.sh sqlite       one of them (sqlite | postgresql)
#   API_TESTS='api/events.test.mjs' tests/api/run.sh postgresql   some files only (relative to tests/)
# Needs build/bin/mashang (or $MASHANG_BIN), web/dist, tests/node_modules (npm ci in tests/),
# the PostgreSQL 15 server binaries, psql, sqlite3 and promtool. Prints node's TAP output
# ("# pass N", "# fail N") per database and exits non-zero on any failure.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export MASHANG_BIN="${MASHANG_BIN:-$root/build/bin/mashang}"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
which=("$@")
((${#which[@]})) || which=(sqlite postgresql)
# PostgreSQL refuses to run as root: as root, the cluster runs as `postgres` (or `nobody`).
pguser=""
if [[ $(id -u) -eq 0 ]]; then
  if id postgres >/dev/null 2>&1; then pguser=postgres; else pguser=nobody; fi
fi

if [[ ! -x "$MASHANG_BIN" ]]; then
  echo "not ok - $MASHANG_BIN is not built"
  echo "# pass 0"
  echo "# fail 1"
  exit 1
fi
if [[ ! -d "$root/tests/node_modules/ajv" ]]; then
  (cd "$root/tests" && npm ci --no-audit --no-fund >/dev/null) || { echo "npm ci in tests/ failed"; exit 1; }
fi

suite() {  # name
  echo "== API suite on $1 ($MASHANG_TEST_DB)"
  (cd "$root/tests" && node --test --test-reporter=tap --test-timeout=90000 --test-concurrency=2 ${API_TESTS:-api/*.test.mjs})
}

pgdir=""
as_pg() { if [[ -n "$pguser" ]]; then runuser -u "$pguser" -- "$@"; else "$@"; fi; }
pgctl() { as_pg "$PGBIN/pg_ctl" "$@"; }
cleanup() {
  if [[ -n "$pgdir" && -d "$pgdir" ]]; then
    pgctl -D "$pgdir/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$pgdir"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_postgres() {
  pgdir="$(mktemp -d /tmp/mashang-pg.XXXXXX)"
  local port
  port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
  if [[ -n "$pguser" ]]; then chown "$pguser:" "$pgdir"; fi
  as_pg "$PGBIN/initdb" -D "$pgdir/data" -U mashang -A trust -E UTF8 --locale=C.UTF-8 >"$pgdir/initdb.log" 2>&1 ||
    { cat "$pgdir/initdb.log"; return 1; }
  pgctl -D "$pgdir/data" -l "$pgdir/postgres.log" -w -t 60 \
    -o "-k $pgdir -c listen_addresses=127.0.0.1 -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$pgdir/postgres.log"; return 1; }
  "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U mashang mashang_test || return 1
  export MASHANG_TEST_DB="postgresql://mashang@127.0.0.1:$port/mashang_test"
}

rc=0
for db in "${which[@]}"; do
  case "$db" in
    sqlite)
      export MASHANG_TEST_DB=sqlite
      suite sqlite || rc=1
      ;;
    postgresql | postgres | pg)
      if start_postgres; then
        suite postgresql || rc=1
        cleanup
        pgdir=""
      else
        echo "not ok - could not start a throwaway PostgreSQL"
        echo "# pass 0"
        echo "# fail 1"
        rc=1
      fi
      ;;
    *)
      echo "unknown database '$db' (sqlite | postgresql)"
      exit 2
      ;;
  esac
done
exit $rc
