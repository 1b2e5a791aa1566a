#!/usr/bin/env bash
# The one test command: installs/starts what the tests need, runs every test project,
# and ends with the line CI reads: "N passed, N failed, N skipped".
#   - PostgreSQL 15: a throwaway server (initdb + pg_ctl as the postgres user) on a free loopback
#     port with its socket in a temp dir, stopped on exit even when tests fail.
#   - Chromium: Debian's package, installed when missing, for the browser tests.
#   - python3-aiosmtpd: Debian's package, installed when missing, the SMTP server of the e-mail tests.
#   - promtool: from Debian's prometheus package, installed when missing, for the metrics test.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
results="$root/artifacts/test-results"
rm -rf "$results"; mkdir -p "$results"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need_packages=()
[ -x "$PG_BIN/initdb" ] || need_packages+=(postgresql)
command -v chromium >/dev/null 2>&1 || need_packages+=(chromium)
fc-list 2>/dev/null | grep -qi "wqy\|noto sans cjk\|droid sans fallback" || need_packages+=(fonts-wqy-microhei)
# the e-mail tests send to a real SMTP server on loopback: Debian's aiosmtpd (run with /usr/bin/python3, not a pyenv one)
/usr/bin/python3 -c "import aiosmtpd" >/dev/null 2>&1 || need_packages+=(python3-aiosmtpd)
# the PDF hard-copy tests render, scan and extract with a person's tools: poppler-utils (pdftoppm, pdftotext, pdffonts,
# pdfinfo) and zbar-tools (zbarimg)
command -v pdftoppm >/dev/null 2>&1 || need_packages+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || need_packages+=(zbar-tools)
if [ ${#need_packages[@]} -gt 0 ]; then
  echo "Installing ${need_packages[*]} from Debian ..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_packages[@]}" >/dev/null
fi
# promtool (the metrics test lints /metrics with it) comes in Debian's prometheus package: only it, not the node exporter
# it recommends; the server it ships is never started (a host without an init system refuses service starts anyway).
if ! command -v promtool >/dev/null 2>&1; then
  echo "Installing prometheus (for promtool) from Debian ..."
  [ ${#need_packages[@]} -gt 0 ] || as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
fi
command -v promtool >/dev/null 2>&1 || { echo "promtool is not installed (Debian package prometheus)" >&2; exit 1; }
[ -x "$PG_BIN/initdb" ] || { echo "PostgreSQL 15 server binaries not found in $PG_BIN" >&2; exit 1; }
CHROMIUM=$(command -v chromium) || { echo "Chromium is not installed" >&2; exit 1; }

# --- throwaway PostgreSQL ---------------------------------------------------------------
pg_dir=$(mktemp -d /tmp/cityservice-pg.XXXXXX)
chmod 755 "$pg_dir"
if [ "$(id -u)" -eq 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir "$pg_dir" postgres
  chown postgres "$pg_dir"
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 54329)

stop_pg() {
  as_pg "$PG_BIN/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_pg EXIT

as_pg "$PG_BIN/initdb" -D "$pg_dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$pg_dir/initdb.log" 2>&1 \
  || { cat "$pg_dir/initdb.log"; exit 1; }
as_pg "$PG_BIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
  || { cat "$pg_dir/server.log"; exit 1; }
echo "PostgreSQL 15 test server on 127.0.0.1:$pg_port"

export CITYSERVICE_TEST_PG="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=20"
export CITYSERVICE_CHROMIUM="$CHROMIUM"
export CITYSERVICE_ARTIFACTS="$root/artifacts"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# --- the OpenAPI linter (Redocly CLI) from its lock file; OpenApiDocumentTests runs it ------
npm ci --prefix tools/openapi-lint --no-audit --no-fund --loglevel=error >/dev/null
# --- the wallets' own SDKs (npm alipay-sdk, wechatpay-axios-plugin) from their lock files; the interop tests run them --
for interop in tests/interop/*/; do
  if [ -f "$interop/package-lock.json" ]; then npm ci --prefix "$interop" --no-audit --no-fund --loglevel=error >/dev/null; fi
done

# --- build once, then every test project ------------------------------------------------
dotnet build CityService.slnx -c Release -nologo -v quiet

status=0
rm -rf "$root/artifacts/logs"
# Only test projects run: a folder whose project does not say <IsTestProject>true</IsTestProject> (the shared library
# tests/CityService.Testing) is built above but not tested. The log scan reads the logs the other projects' test hosts
# wrote, so it runs last. One after another: the browser project beside the others was not faster on 2 cores and made
# the parallel limit tests miss their timing (docs/benchmarks.md, "Test command time").
is_test_project() { grep -qs '<IsTestProject>true</IsTestProject>' "$1"*.csproj; }
projects=$(ls -d tests/*/ | grep -v 'CityService.LogScan/'; echo tests/CityService.LogScan/)
for project in $projects; do
  is_test_project "$project" || continue
  name=$(basename "$project")
  echo "=== $name"
  started=$SECONDS
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" || status=1
  echo "=== $name: $((SECONDS - started)) s"
done

passed=0; failed=0; skipped=0; found=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  found=$((found + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  p=$(get passed); f=$(get failed); t=$(get total); e=$(get executed)
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
done
[ "$found" -gt 0 ] || { echo "no test results were written" >&2; status=1; }
[ "$failed" -eq 0 ] || status=1

echo "$passed passed, $failed failed, $skipped skipped"
exit $status
