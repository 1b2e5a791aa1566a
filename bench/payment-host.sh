# Sourced by bench/payments.sh and scripts/payment-crash.sh (after bench/host-env.sh): the published host on a payment
# database. Sets pay_dll, web_dll, storage, conn, url, server_pid.
BENCH_SANDBOX_KEY=${BENCH_SANDBOX_KEY:-$(bench_key)} # the sandbox channel's HMAC key: the host verifies, the driver signs

payment_build() {
  publish_dir=$(realpath -m "${BENCH_PUBLISH_DIR:-$root/artifacts/bench-publish}")
  if [ "${BENCH_NO_PUBLISH:-0}" != 1 ]; then
    echo "Publishing Release ..."
    dotnet publish "$root/src/CityService.Web" -c Release -nologo -v quiet -o "$publish_dir"
    dotnet build "$root/bench/CityService.PaymentBench" -c Release -nologo -v quiet
  fi
  web_dll="$publish_dir/CityService.Web.dll"
  pay_dll="$root/bench/CityService.PaymentBench/bin/Release/net10.0/CityService.PaymentBench.dll"
}

# payment_db sqlite|postgres [admin connection string] WORKDIR
payment_db() {
  created_db=""
  case "$1" in
    sqlite|Sqlite|SQLite) storage=Sqlite; conn="Data Source=$3/payments.db" ;;
    postgres|postgresql|Postgres|PostgreSQL)
      storage=Postgres
      [ -n "$2" ] || { echo "postgres needs an admin connection string" >&2; exit 2; }
      created_db="payb_$(date +%Y%m%d_%H%M%S)_$$"
      pg_admin="$2"
      psql_args "$2"
      psql "${psql_opts[@]}" -X -q -v ON_ERROR_STOP=1 -d postgres -c "create database \"$created_db\"" >/dev/null
      conn="$(echo "$2" | sed -E 's/(^|;) *[Dd]atabase=[^;]*//g');Database=$created_db;Maximum Pool Size=100" ;;
    *) echo "unknown provider '$1' (sqlite or postgres)" >&2; exit 2 ;;
  esac
}

# Host, port and user from an Npgsql connection string, for psql.
psql_args() {
  local host port user
  host=$(echo "$1" | grep -oiE '(host|server)=[^;]*' | head -1 | cut -d= -f2)
  port=$(echo "$1" | grep -oiE 'port=[^;]*' | head -1 | cut -d= -f2)
  user=$(echo "$1" | grep -oiE '(username|user id|user)=[^;]*' | head -1 | cut -d= -f2)
  psql_opts=(-h "${host:-127.0.0.1}" -p "${port:-5432}" -U "${user:-postgres}")
}

payment_db_drop() {
  if [ -n "${created_db:-}" ] && [ "${BENCH_KEEP_DB:-0}" != 1 ]; then
    psql "${psql_opts[@]}" -X -q -d postgres -c "drop database if exists \"$created_db\" with (force)" >/dev/null 2>&1 || true
  fi
}

# payment_host_start LOGFILE [port]: starts the host (Production, sandbox channel on) and waits for /readyz.
payment_host_start() {
  port=${2:-${port:-$(free_port 5090)}}
  url="http://127.0.0.1:$port"
  production_env "$storage" "$conn"
  env "${HOST_ENV[@]}" Payments__Channels__Sandbox__Enabled=true Payments__Channels__Sandbox__Key="$BENCH_SANDBOX_KEY" Logging__LogLevel__Default=Warning \
      dotnet "$web_dll" --urls "$url" --contentRoot "$(dirname "$web_dll")" >>"$1" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 240); do
    kill -0 "$server_pid" 2>/dev/null || { echo "the host exited during start-up:" >&2; tail -n 40 "$1" >&2; exit 1; }
    [ "$(curl -s -o /dev/null -H 'X-Forwarded-Proto: https' -w '%{http_code}' "$url/readyz" 2>/dev/null)" = 200 ] && return 0
    sleep 0.25
  done
  echo "the host did not become ready within 60 s" >&2; tail -n 40 "$1" >&2; exit 1
}

payment_host_stop() {
  if [ -n "${server_pid:-}" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}
