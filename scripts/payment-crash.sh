#!/usr/bin/env bash
# SIGKILL during a payment load (issue 10 §9): starts the published host (Release, Production, sandbox channel on) on
# its own database, runs the payment driver (64 clients: POST /api/payments → signed notification; it records every
# payment the platform acknowledged with 2xx), SIGKILLs the host in the middle of the load, starts it again on the same
# database and port while the driver keeps going, and then proves:
#   - every acknowledged payment is there: its order succeeded and its bill is paid by it;
#   - the ledger balances overall and per payment (the driver's check, and `CityService.Web ledger verify`);
#   - no bill is paid twice.
# Prints a summary; exit code 0 when all hold, 1 otherwise.
#
#   bash scripts/payment-crash.sh [sqlite | postgres "Host=127.0.0.1;Port=55499;Username=postgres"]   (default sqlite)
# PAYMENT_CRASH_SECONDS (20) is the length of the load; the kill comes at a third of it, the restart right after.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
provider=${1:-sqlite}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
source "$root/bench/host-env.sh"
source "$root/bench/payment-host.sh"
work=$(mktemp -d /tmp/cityservice-paycrash.XXXXXX)
driver_pid=""
trap 'payment_host_stop; [ -z "$driver_pid" ] || kill "$driver_pid" 2>/dev/null || true; payment_db_drop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

seconds=${PAYMENT_CRASH_SECONDS:-20}
payment_build
payment_db "$provider" "${2:-}" "$work"
payment_host_start "$work/server.log"
first_pid=$server_pid
echo "host pid $first_pid on $url ($storage)"

record="$work/acknowledged.txt"
dotnet "$pay_dll" e2e --url "$url" --provider "$storage" --conn "$conn" --data-key "$BENCH_DATA_KEY" --index-key "$BENCH_INDEX_KEY" --sandbox-key "$BENCH_SANDBOX_KEY" \
  --clients 64 --warmup 0 --duration "$seconds" --bills-per-client 2000 --record "$record" >"$work/driver.log" 2>&1 &
driver_pid=$!

# Kill once the load is running (after the driver's seeding and sign-ins): some payments acknowledged, more in flight.
running=""
for _ in $(seq 1 6000); do
  [ -s "$record" ] && [ "$(wc -l <"$record")" -ge 50 ] && { running=1; break; }
  kill -0 "$driver_pid" 2>/dev/null || { echo "the driver ended before the kill:" >&2; cat "$work/driver.log" >&2; exit 1; }
  sleep 0.05
done
[ -n "$running" ] || { echo "no 50 payments acknowledged within 300 s:" >&2; cat "$work/driver.log" >&2; exit 1; }
sleep "$((seconds / 3))"
before=$(wc -l <"$record")
kill -KILL "$first_pid"
wait "$first_pid" 2>/dev/null || true
server_pid=""
echo "SIGKILL after $before acknowledged payments"

payment_host_start "$work/server.log" "$port"
echo "restarted: host pid $server_pid"
wait "$driver_pid" || true
driver_pid=""
cat "$work/driver.log"
after=$(wc -l <"$record")

status=0
dotnet "$pay_dll" check --provider "$storage" --conn "$conn" --record "$record" | tee "$work/check.txt" || status=1
ledger="skipped (no ledger verify command in this build)"
if env "${HOST_ENV[@]}" dotnet "$web_dll" ledger verify >"$work/ledger.txt" 2>&1; then
  ledger="ok: $(tail -n 1 "$work/ledger.txt")"
elif grep -qi "unknown\|usage" "$work/ledger.txt"; then
  ledger="skipped: $(tail -n 1 "$work/ledger.txt")"
else
  ledger="FAILED: $(tail -n 3 "$work/ledger.txt")"; status=1
fi

echo
echo "== payment-crash summary ($storage)"
echo "acknowledged before the kill: $before; in all: $after"
echo "$(cat "$work/check.txt")"
echo "ledger verify: $ledger"
[ $status = 0 ] && echo "RESULT: ok — every acknowledged payment is there, the ledger balances, no bill paid twice" || echo "RESULT: FAILED"
exit $status
