#!/usr/bin/env bash
# Lints the merged OpenAPI document (handler/openapi/*.yaml, as served at /openapi.yaml) with two
# third-party linters pinned in tools/openapi-lint/package-lock.json: Redocly CLI (recommended
# rules, redocly.yaml) and Spectral (spectral:oas, .spectral.yaml). Fails on any error; the
# warnings the configs still allow are printed. The linters are installed with `npm ci` into
# .cache/npm-tools, once per lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin

if ! command -v npm >/dev/null 2>&1; then
	echo "[lint-openapi] FAIL: Node.js and npm are needed (the machine's Node.js 20 and npm 11)"
	exit 1
fi
tools=.cache/npm-tools
mkdir -p "$tools"
if ! cmp -s tools/openapi-lint/package-lock.json "$tools/package-lock.json" || [ ! -d "$tools/node_modules" ]; then
	echo "[lint-openapi] npm ci (tools/openapi-lint)"
	cp tools/openapi-lint/package.json tools/openapi-lint/package-lock.json "$tools/"
	(cd "$tools" && npm ci --no-audit --no-fund --loglevel=error)
fi
bin=$tools/node_modules/.bin

doc=.cache/openapi.yaml
go run ./cmd/openapi-dump >"$doc"

rc=0
echo "[lint-openapi] redocly lint"
# (grep drops the CLI's boxed notice about the Node.js version.)
"$bin/redocly" lint --config redocly.yaml --format=stylish "$doc" >"$doc.redocly" 2>&1 || rc=1
grep -v -e '║' -e '╔' -e '╚' "$doc.redocly" || true
echo "[lint-openapi] spectral lint"
"$bin/spectral" lint --ruleset .spectral.yaml --fail-severity=error "$doc" || rc=1
if [ $rc -ne 0 ]; then
	echo "[lint-openapi] FAIL: the OpenAPI document has lint errors"
	exit 1
fi
echo "[lint-openapi] ok"
