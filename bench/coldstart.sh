#!/usr/bin/env bash
# Cold start to ready of the published host on SQLite with demo data: publishes (unless --no-publish), then starts
# the host on a fresh database once ("first start": migrations + reference regions + demo catalog and accounts) and
# --runs N more times on that same database ("existing database"), each time measuring the wall time from exec to
# the first 200 from /readyz (polled every 10 ms), the CPU time the host had used by then (/proc/PID/stat) and its
# RSS at that moment (/proc/PID/status VmRSS).
# After the first start it also checks that the page assets are served (bench/assets.sh).
#
#   bash bench/coldstart.sh [--runs N (5)] [--no-publish] [--log]
#
# --log prints each start's host log (Information, with timestamps) to see where the time goes.
# The machine's load (uptime) is printed before and after: on a shared machine, read the numbers with it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=5; publish=1; show_log=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --no-publish) publish=0; shift ;;
    --log) show_log=1; shift ;;
    *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
  esac
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
publish_dir=$(realpath -m "${BENCH_PUBLISH_DIR:-$root/artifacts/bench-publish}")
if [ "$publish" = 1 ]; then
  echo "Publishing Release ..."
  dotnet publish src/CityService.Web -c Release -nologo -v quiet -o "$publish_dir"
fi
web_dll="$publish_dir/CityService.Web.dll"
[ -f "$web_dll" ] || { echo "no published host at $web_dll (run without --no-publish)" >&2; exit 1; }

work=$(mktemp -d /tmp/cityservice-coldstart.XXXXXX)
server_pid=""
stop() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
trap 'stop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

source "$root/bench/host-env.sh"
port=$(free_port 5081)
url="http://127.0.0.1:$port"
production_env Sqlite "Data Source=$work/coldstart.db"

# start LABEL: one start; prints "LABEL ms rss_mib"
start() {
  local label=$1 t0 t1 rss
  t0=$(date +%s%N)
  env "${HOST_ENV[@]}" \
      Logging__LogLevel__Default=Information \
      Logging__LogLevel__Microsoft.AspNetCore=Warning \
      Logging__Console__FormatterOptions__TimestampFormat="HH:mm:ss.fff " \
      dotnet "$web_dll" --urls "$url" --contentRoot "$publish_dir" >"$work/$label.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 6000); do
    kill -0 "$server_pid" 2>/dev/null || { echo "the host exited during start-up:" >&2; cat "$work/$label.log" >&2; exit 1; }
    if [ "$(curl -s -o /dev/null --max-time 1 -H 'X-Forwarded-Proto: https' -w '%{http_code}' "$url/readyz" 2>/dev/null)" = 200 ]; then break; fi
    sleep 0.01
  done
  t1=$(date +%s%N)
  rss=$(awk '/^VmRSS:/ {printf "%.0f", $2/1024}' "/proc/$server_pid/status")
  # CPU the host used until ready (utime+stime, all threads): on a shared machine far steadier than the wall time.
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($14 + $15) * 1000 / hz}' "/proc/$server_pid/stat")
  printf '%-10s %6d ms to ready  CPU %5d ms  RSS %4d MiB\n' "$label" $(( (t1 - t0) / 1000000 )) "$cpu" "$rss"
  if [ "$label" = first ]; then bash "$root/bench/assets.sh" "$url" >&2 || true; fi
  stop
  if [ "$show_log" = 1 ]; then sed 's/^/    /' "$work/$label.log" >&2; fi
}

echo "load before: $(uptime)"
echo "host: $web_dll (published Release), SQLite $work/coldstart.db, Seed:Demo=true, Production"
start first
for i in $(seq 1 "$runs"); do start "existing$i"; done
echo "load after:  $(uptime)"
