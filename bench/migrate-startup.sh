#!/usr/bin/env bash
# Start-up cost of "database ready" on an existing SQLite database: runs `CityService.Web migrate` (schema check,
# region sync, demo-catalog check, exit) N times per build, alternating builds so that machine load hits both alike.
# Prints per build the median wall time from process start to the "Database ready" log line, and the median CPU
# time (user+sys) of the whole process, which load on a shared machine disturbs much less.
#   bash bench/migrate-startup.sh RUNS NAME=BUILD_DIR:DB_FILE [NAME=BUILD_DIR:DB_FILE ...]
# e.g. bash bench/migrate-startup.sh 15 before=/tmp/old:/tmp/a/city.db after=/tmp/new:/tmp/b/city.db
# (build with `dotnet build src/CityService.Web -c Release -o DIR`; create each DB once with `dotnet DIR/CityService.Web.dll migrate`)
set -euo pipefail
runs=$1; shift
export Storage__Provider=Sqlite Seed__Demo=true ASPNETCORE_ENVIRONMENT=Production \
  Logging__LogLevel__Default=Warning Logging__LogLevel__CityService=Information \
  Logging__Console__FormatterName=simple Logging__Console__FormatterOptions__SingleLine=true \
  Logging__Console__FormatterOptions__TimestampFormat="HH:mm:ss.fff "
out=$(mktemp)
for ((i = 0; i < runs; i++)); do
  for spec in "$@"; do
    name=${spec%%=*}; rest=${spec#*=}; dir=${rest%%:*}; db=${rest#*:}
    start=$(date +%s.%N)
    log=$(ConnectionStrings__Main="Data Source=$db" /usr/bin/time -f "cpu %U %S" dotnet "$dir/CityService.Web.dll" migrate 2>&1)
    python3 - "$name" "$start" "$log" >>"$out" <<'PY'
import sys, datetime
name, start, log = sys.argv[1], float(sys.argv[2]), sys.argv[3]
ready = next(l for l in log.splitlines() if "Database ready" in l).split()[0]
h, m, s = ready.split(":")
day = datetime.datetime.fromtimestamp(start).replace(hour=int(h), minute=int(m), second=0, microsecond=0)
wall = day.timestamp() + float(s) - start
cpu = next(l for l in log.splitlines() if l.startswith("cpu ")).split()
print(name, f"{wall:.3f}", f"{float(cpu[1]) + float(cpu[2]):.2f}")
PY
  done
done
python3 - "$out" <<'PY'
import sys, statistics, collections
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    name, wall, cpu = line.split(); rows[name].append((float(wall), float(cpu)))
for name, values in rows.items():
    walls = sorted(v[0] for v in values); cpus = sorted(v[1] for v in values)
    print(f"{name}: runs {len(values)}, ready wall median {statistics.median(walls):.2f} s (min {walls[0]:.2f}, max {walls[-1]:.2f}), process CPU median {statistics.median(cpus):.2f} s")
PY
rm -f "$out"
