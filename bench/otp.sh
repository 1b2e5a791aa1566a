#!/usr/bin/env bash
# The code-sending path under load on SQLite (docs/benchmarks.md): starts the published host (bench/run.sh's publish
# output) on a fresh SQLite file, warms up for 5 s, then drives POST /api/auth/otp with wrk (2 threads, 16 connections)
# and reports latency, throughput and the host's CPU per request (/proc/PID/stat).
#
#   bash bench/otp.sh send    [seconds (15)] [trace]   # a new phone and client address per request: codes are sent
#   bash bench/otp.sh refused [seconds (15)]           # one phone and address: every request after the first is a 429
#
# `trace` also records a 12 s sampled CPU profile with dotnet-trace (dotnet tool install -g dotnet-trace) into
# artifacts/otp.nettrace / .speedscope.json. Needs wrk and sqlite3 (Debian packages).
set -euo pipefail
trace_pid=""
cd "$(dirname "$0")/.."
root=$(pwd)
case "${1:-}" in send) lua=$root/bench/lua/otp-send.lua ;; refused) lua=$root/bench/lua/otp-refused.lua ;; *) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;; esac
seconds=${2:-15}
P=$(realpath -m "${BENCH_PUBLISH_DIR:-$root/artifacts/bench-publish}")
[ -f "$P/CityService.Web.dll" ] || { echo "no published host in $P: run bench/run.sh or bench/coldstart.sh first" >&2; exit 1; }
work=$(mktemp -d /tmp/cityservice-otp.XXXXXX)
source "$root/bench/host-env.sh"
port=$(free_port 5082)
url="http://127.0.0.1:$port"
production_env Sqlite "Data Source=$work/otp.db"
env "${HOST_ENV[@]}" Logging__LogLevel__Default=Warning dotnet "$P/CityService.Web.dll" --urls "$url" --contentRoot "$P" >"$work/host.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 600); do [ "$(curl -s -o /dev/null -H 'X-Forwarded-Proto: https' -w '%{http_code}' "$url/readyz")" = 200 ] && break; sleep 0.1; done
wrk -t2 -c16 -d5s -s "$lua" "$url" >/dev/null
c0=$(awk '{print $14+$15}' "/proc/$pid/stat")
if [ "${3:-}" = trace ]; then
  mkdir -p "$root/artifacts"
  ~/.dotnet/tools/dotnet-trace collect -p "$pid" --format Speedscope --profile dotnet-sampled-thread-time --duration 00:00:00:12 -o "$root/artifacts/otp.nettrace" >/dev/null 2>&1 &
  trace_pid=$!
fi
out=$(wrk -t2 -c16 -d"${seconds}s" --latency -s "$lua" "$url")
c1=$(awk '{print $14+$15}' "/proc/$pid/stat")
n=$(echo "$out" | awk '/requests in/ {print $1}')
echo "load: $(uptime)"
echo "$out" | grep -E "Latency|50%|99%|Requests/sec|Non-2xx|requests in"
echo "host CPU per request: $(( (c1 - c0) * 1000000 / $(getconf CLK_TCK) / n )) µs"
echo "codes sent in all: $(sqlite3 "$work/otp.db" 'select count(*) from otp_challenges')"
[ -z "${trace_pid:-}" ] || wait "$trace_pid"
