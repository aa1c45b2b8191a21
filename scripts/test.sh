#!/usr/bin/env bash
# Runs the whole suite twice with the race detector: once on the embedded default (SQLite +
# in-memory shared state), once on MySQL/MariaDB + Redis. A skipped test fails the run: every
# test must really run on both backends.
set -euo pipefail
cd "$(dirname "$0")/.."

mysql_dsn=${LIAISON_TEST_MYSQL_DSN:-root@tcp(127.0.0.1:3306)/test}
redis_addr=${LIAISON_TEST_REDIS_ADDR:-127.0.0.1:6379}
pkgs=${TEST_PACKAGES:-./...}
logdir=$(mktemp -d)
trap 'rm -rf "$logdir"' EXIT

total_pass=0
total_fail=0
status=0

run_suite() {
	local name=$1
	shift
	echo "== $name"
	local log="$logdir/$name.log"
	set +e
	env "$@" go test -race -count=1 -v -timeout 20m $pkgs >"$log" 2>&1
	local rc=$?
	set -e
	# Show failures and package summaries, not every passing line.
	grep -E '^(ok|FAIL|---|panic:|\s+--- FAIL)|^\s+\S+_test\.go:[0-9]+:' "$log" | grep -v -- '--- PASS' || true
	local pass fail skip
	pass=$(grep -cE '^\s*--- PASS' "$log" || true)
	fail=$(grep -cE '^\s*--- FAIL' "$log" || true)
	skip=$(grep -cE '^\s*--- SKIP' "$log" || true)
	echo "$name: $pass passed, $fail failed, $skip skipped (go test exit $rc)"
	if [ "$skip" -gt 0 ]; then
		echo "$name: skipped tests are failures here:"
		grep -E '^\s*--- SKIP' "$log"
		status=1
	fi
	if [ "$rc" -ne 0 ] || [ "$pass" -eq 0 ]; then
		tail -50 "$log"
		status=1
	fi
	total_pass=$((total_pass + pass))
	total_fail=$((total_fail + fail))
}

run_suite sqlite-memory -u LIAISON_TEST_MYSQL_DSN -u LIAISON_TEST_REDIS_ADDR
run_suite mysql-redis LIAISON_TEST_MYSQL_DSN="$mysql_dsn" LIAISON_TEST_REDIS_ADDR="$redis_addr"

echo "total: $total_pass passed, $total_fail failed"
exit $status
