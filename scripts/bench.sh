#!/usr/bin/env bash
# One command for the benchmark of issue 10: builds the server and the bench driver, runs the
# mix on MariaDB + Redis, then on the embedded default (SQLite + in-memory stand-ins), and
# writes bench/results.json and the generated section of docs/BENCHMARKS.md.
#
#   scripts/bench.sh             1,000,000 opinions, 2,000 stations, 20,000 deputies
#   scripts/bench.sh --short     a small seed and 0.7 s phases (~30-60 s on a shared machine), for CI
#   scripts/bench.sh --province  12,800 stations, 150,000 deputies, 5,000,000 opinions
#   scripts/bench.sh --reuse     keep a database an earlier run seeded at the same scale
#   scripts/bench.sh --sqlite-only | --mysql-only
#
# Environment: BENCH_MYSQL_DSN (default root@tcp(127.0.0.1:3306)/, the database is
# liaison_bench, dropped and re-created), BENCH_REDIS_ADDR (default 127.0.0.1:6379).
# It fails only when a request got a wrong answer, never on speed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

scale=default
backends=mysql,sqlite
extra=()
for arg in "$@"; do
	case "$arg" in
	--short) scale=short ;;
	--province) scale=province ;;
	--reuse) extra+=(-reuse) ;;
	--sqlite-only) backends=sqlite ;;
	--mysql-only) backends=mysql ;;
	-h | --help) sed -n '2,13p' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown flag $arg" >&2; exit 2 ;;
	esac
done

mkdir -p bin bench/work
go build -o bin/liaison ./cmd/liaison
go build -o bin/bench ./cmd/bench

# The driver starts the server and the baseline as its children (they die with it); the trap
# makes sure the driver itself goes when this script is interrupted.
pid=
cleanup() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; }
trap cleanup EXIT INT TERM

bin/bench run -scale "$scale" -backends "$backends" -server bin/liaison \
	-mysql "${BENCH_MYSQL_DSN:-root@tcp(127.0.0.1:3306)/}" -redis "${BENCH_REDIS_ADDR:-127.0.0.1:6379}" \
	"${extra[@]}" &
pid=$!
set +e
wait "$pid"
rc=$?
pid=
exit $rc
