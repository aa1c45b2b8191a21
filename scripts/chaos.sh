#!/usr/bin/env bash
# One command for the reliability scenarios of issue 11: builds the server and the harness, then
# kills the server with SIGKILL during submissions (MariaDB + Redis, then the embedded default),
# takes Redis and then MariaDB away under load through in-process toxiproxy proxies, makes the
# fake WeChat fail and hang, runs two instances side by side, checks in the database that nothing
# acknowledged was lost or duplicated, and rewrites the generated table of docs/RELIABILITY.md.
# It exits non-zero when a scenario misses a correctness target.
#
#   scripts/chaos.sh            5,000 submissions and 3 kills; Redis down 10 s; MariaDB down 5 s; WeChat 30 s
#   scripts/chaos.sh --short    about 20 s a scenario, for CI
#   scripts/chaos.sh --short --scenarios crash --backends sqlite    a subset (any flag of cmd/chaos)
#
# Environment: CHAOS_MYSQL_DSN (default root@tcp(127.0.0.1:3306)/; the database is liaison_chaos,
# dropped and re-created), CHAOS_REDIS_ADDR (default 127.0.0.1:6379; keys under a prefix of the
# run, removed after). The real MariaDB and Redis are shared and are never stopped.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

case "${1:-}" in -h | --help) sed -n '2,16p' "$0"; exit 0 ;; esac

mkdir -p bin
go build -o bin/liaison ./cmd/liaison
go build -o bin/chaos ./cmd/chaos

# The harness starts the servers as its children (they die with it); the trap makes sure the
# harness itself goes when this script is interrupted.
pid=
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; }
trap cleanup EXIT INT TERM

bin/chaos -server bin/liaison -mysql "${CHAOS_MYSQL_DSN:-root@tcp(127.0.0.1:3306)/}" \
	-redis "${CHAOS_REDIS_ADDR:-127.0.0.1:6379}" "$@" &
pid=$!
set +e
wait "$pid"
rc=$?
pid=
exit $rc
