#!/usr/bin/env bash
# Load test of the production build of the platform: publishes it (`dotnet publish`, as deployed), starts it in
# Production on a free loopback port with demo data, as behind a TLS-terminating proxy (X-Forwarded-Proto: https),
# waits for /readyz, checks that the page assets are served (bench/assets.sh), runs bench/CityService.Bench
# against it and stops the host again.
#
#   bash bench/run.sh sqlite [driver options...]
#   bash bench/run.sh postgres "Host=127.0.0.1;Port=5432;Username=postgres" [driver options...]
#
# sqlite:   a fresh SQLite file in a temp directory, removed afterwards.
# postgres: when psql can reach the server, a fresh database bench_<time>_<pid> is created there, used and
#           dropped afterwards (BENCH_KEEP_DB=1 keeps it); otherwise the connection string is used as given.
# Driver options (see `dotnet bench/CityService.Bench/bin/Release/net10.0/CityService.Bench.dll --help`):
#   --concurrency N (32), --duration S (15), --warmup S (3), --rounds N (3), --path P (repeatable), --wrk
# The host and the driver run on the same machine and share its CPUs; the output says so.
# BENCH_NO_PUBLISH=1 skips the publish and uses the last output in artifacts/bench-publish (BENCH_PUBLISH_DIR).
# BENCH_PIN=1 pins the host to CPU 0 and the driver to CPU 1 (taskset) so they stop competing for the same
# cores; the host then has one core, and needs a longer warm-up (e.g. --warmup 10) to finish its JIT tiering.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

provider=${1:-}
[ -n "$provider" ] || usage
shift
case "$provider" in
  sqlite|Sqlite|SQLite) provider=sqlite ;;
  postgres|postgresql|Postgres|PostgreSQL) provider=postgres
    [ $# -ge 1 ] || usage
    pg_conn=$1; shift ;;
  -h|--help) usage ;;
  *) echo "unknown provider '$provider' (sqlite or postgres)" >&2; usage ;;
esac

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

work=$(mktemp -d /tmp/cityservice-bench.XXXXXX)
server_pid=""
created_db=""
pg_admin_env=()

cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ -n "$created_db" ] && [ "${BENCH_KEEP_DB:-0}" != "1" ]; then
    env "${pg_admin_env[@]}" psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "drop database if exists \"$created_db\"" >/dev/null 2>&1 \
      && echo "dropped database $created_db" \
      || echo "could not drop database $created_db; drop it by hand" >&2
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- storage ---------------------------------------------------------------------------
if [ "$provider" = sqlite ]; then
  storage=Sqlite
  conn="Data Source=$work/bench.db"
  where="SQLite file $work/bench.db (temporary)"
else
  storage=Postgres
  # Read the Npgsql keywords psql needs; keys are case-insensitive, values may not contain ';'.
  pg_host=""; pg_port=""; pg_user=""; pg_pass=""; pg_db=""; rest=()
  IFS=';' read -r -a parts <<<"$pg_conn"
  for part in "${parts[@]}"; do
    [ -n "${part// /}" ] || continue
    key=$(echo "${part%%=*}" | tr '[:upper:]' '[:lower:]' | sed 's/^ *//; s/ *$//')
    value=${part#*=}
    case "$key" in
      host|server) pg_host=$value; rest+=("$part") ;;
      port) pg_port=$value; rest+=("$part") ;;
      username|"user id"|user|userid|"user name") pg_user=$value; rest+=("$part") ;;
      password|pwd) pg_pass=$value; rest+=("$part") ;;
      database|db) pg_db=$value ;;
      *) rest+=("$part") ;;
    esac
  done
  pg_admin_env=(PGHOST="${pg_host:-127.0.0.1}" PGPORT="${pg_port:-5432}" PGUSER="${pg_user:-postgres}" PGCONNECT_TIMEOUT=5)
  [ -z "$pg_pass" ] || pg_admin_env+=(PGPASSWORD="$pg_pass")
  fresh="bench_$(date +%Y%m%d_%H%M%S)_$$"
  if command -v psql >/dev/null 2>&1 \
     && env "${pg_admin_env[@]}" psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "create database \"$fresh\"" >/dev/null 2>"$work/psql.err"; then
    created_db=$fresh
    conn="$(IFS=';'; echo "${rest[*]}");Database=$fresh"
    where="PostgreSQL database $fresh on ${pg_host:-127.0.0.1}:${pg_port:-5432} (fresh, dropped afterwards)"
  else
    echo "note: could not create a fresh database with psql ($(cat "$work/psql.err" 2>/dev/null | head -n 1)); using the connection string as given" >&2
    conn=$pg_conn
    where="PostgreSQL database ${pg_db:-<default>} on ${pg_host:-?}:${pg_port:-?} (as given)"
  fi
fi

# --- build -----------------------------------------------------------------------------
# The documented production build: `dotnet publish` (wwwroot and the static-web-assets files are part of the output;
# a `dotnet build -o` output has no wwwroot, and a Production host then answers 404 for every stylesheet).
publish_dir=$(realpath -m "${BENCH_PUBLISH_DIR:-$root/artifacts/bench-publish}")
if [ "${BENCH_NO_PUBLISH:-0}" != 1 ]; then # BENCH_NO_PUBLISH=1 reuses the last publish output
  echo "Publishing Release ..."
  dotnet publish src/CityService.Web -c Release -nologo -v quiet -o "$publish_dir"
  dotnet build bench/CityService.Bench -c Release -nologo -v quiet
fi
web_dll="$publish_dir/CityService.Web.dll"
bench_dll="$root/bench/CityService.Bench/bin/Release/net10.0/CityService.Bench.dll"

# --- start the host --------------------------------------------------------------------
host_pin=(); driver_pin=(); pinned=""
if [ "${BENCH_PIN:-0}" = 1 ]; then
  command -v taskset >/dev/null 2>&1 || { echo "BENCH_PIN=1 needs taskset (util-linux)" >&2; exit 1; }
  [ "$(nproc)" -ge 2 ] || { echo "BENCH_PIN=1 needs at least 2 CPUs" >&2; exit 1; }
  host_pin=(taskset -c 0); driver_pin=(taskset -c 1)
  pinned="host pinned to CPU 0, driver to CPU 1"
fi
source "$root/bench/host-env.sh"
port=$(free_port 5080)
url="http://127.0.0.1:$port"
# The content root is the publish output, as in a deployment, so appsettings.json and wwwroot there are used.
production_env "$storage" "$conn"
env "${HOST_ENV[@]}" Logging__LogLevel__Default=Warning \
    "${host_pin[@]}" dotnet "$web_dll" --urls "$url" --contentRoot "$(dirname "$web_dll")" >"$work/server.log" 2>&1 &
server_pid=$!

echo "Waiting for $url/readyz (migrating and seeding) ..."
ready=""
for _ in $(seq 1 240); do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the host exited during start-up:" >&2; cat "$work/server.log" >&2; exit 1
  fi
  if [ "$(curl -s -o /dev/null -H 'X-Forwarded-Proto: https' -w '%{http_code}' "$url/readyz" 2>/dev/null)" = 200 ]; then ready=1; break; fi
  sleep 0.5
done
[ -n "$ready" ] || { echo "the host did not become ready within 120 s:" >&2; cat "$work/server.log" >&2; exit 1; }

# What production serves: the home page and every stylesheet and script it links must answer 200.
bash "$root/bench/assets.sh" "$url" || { echo "the published host does not serve its assets (see above)" >&2; exit 1; }

# --- run -------------------------------------------------------------------------------
cpus=$(nproc)
echo
echo "machine:  $cpus CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')), $(free -h | awk '/^Mem:/ {print $2}') RAM, .NET runtime $(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ {v=$2} END {print v}')"
echo "storage:  $where"
echo "host:     Release build, ASPNETCORE_ENVIRONMENT=Production, logging at Warning, pid $server_pid"
if [ -n "$pinned" ]; then
  echo "NOTE:     $pinned: the host serves with ONE core and the driver has the other to itself."
else
  echo "NOTE:     the host and the load driver share this machine's $cpus CPUs; the driver's own CPU use lowers"
  echo "          the absolute numbers, so read the list/healthz ratios rather than the raw requests per second."
fi
echo
status=0
"${driver_pin[@]}" dotnet "$bench_dll" --url "$url" --server-pid "$server_pid" "$@" || status=$?

if grep -qiE 'fail|exception' "$work/server.log"; then
  echo "host log (warnings and errors):"
  grep -iE -A3 'fail|exception' "$work/server.log" | head -n 40
fi
exit $status
