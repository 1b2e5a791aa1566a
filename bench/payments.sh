#!/usr/bin/env bash
# Paid bills per second end to end (issue 10 §9, docs/benchmarks.md "Payments"): publishes the host (Release), measures
# the database's raw single-row commit rate, starts the host in Production on that database (sandbox channel enabled,
# logging at Warning), runs bench/CityService.PaymentBench's e2e driver (64 clients: POST /api/payments → signed
# notification → ledger → outbox) with its checks, and stops the host.
#
#   bash bench/payments.sh sqlite [driver options...]
#   bash bench/payments.sh postgres "Host=127.0.0.1;Port=55499;Username=postgres" [driver options...]
#
# sqlite:   a fresh SQLite file (WAL; Microsoft.Data.Sqlite's default synchronous=FULL, which the raw run prints).
# postgres: a fresh database payb_<time>_<pid> on that server, dropped afterwards. The server should run with fsync=on,
#           synchronous_commit=on, full_page_writes=on (the raw run prints them); the shared test server does not.
# Driver options: --clients 64 --duration 15 --warmup 3 --bills-per-client 400 --channel sandbox
# BENCH_NO_PUBLISH=1 reuses the last publish in artifacts/bench-publish.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
provider=${1:-}; [ -n "$provider" ] || { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
shift
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
source "$root/bench/host-env.sh"
source "$root/bench/payment-host.sh"
work=$(mktemp -d /tmp/cityservice-paybench.XXXXXX)
trap 'payment_host_stop; payment_db_drop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

payment_build
payment_db "$provider" "${1:-}" "$work"
[ "$provider" = sqlite ] || shift

echo "== raw single-row commit rate ($(cat /proc/loadavg))"
if [ "$storage" = Sqlite ]; then
  dotnet "$pay_dll" raw-sqlite "$work/raw.db" 64 10
else
  dotnet "$pay_dll" raw-postgres "$conn" 64 10
fi

payment_host_start "$work/server.log"
echo "== end to end ($(cat /proc/loadavg))"
status=0
dotnet "$pay_dll" e2e --url "$url" --provider "$storage" --conn "$conn" --data-key "$BENCH_DATA_KEY" --index-key "$BENCH_INDEX_KEY" --sandbox-key "$BENCH_SANDBOX_KEY" \
  --server-pid "$server_pid" --record "$work/acknowledged.txt" --check "$@" || status=$?
if grep -qiE 'fail|exception' "$work/server.log"; then
  echo "host log (warnings and errors):"; grep -iE -A3 'fail|exception' "$work/server.log" | head -n 40
fi
exit $status
