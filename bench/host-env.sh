# Sourced by run.sh, coldstart.sh and otp.sh: how the bench starts the published host.
#
#   production_env STORAGE CONNECTION_STRING   # fills the array HOST_ENV for `env "${HOST_ENV[@]}" dotnet ...`
#
# Production, with demo data and the bundled simulators, as behind a TLS-terminating proxy (docs/operations.md:
# ASPNETCORE_FORWARDEDHEADERS_ENABLED=true; every bench request says X-Forwarded-Proto: https). The personal-data
# keys are throwaway ones made once per script run: a benchmark database holds only demo data.
bench_key() { head -c 32 /dev/urandom | base64; }
BENCH_DATA_KEY=${BENCH_DATA_KEY:-$(bench_key)}
BENCH_INDEX_KEY=${BENCH_INDEX_KEY:-$(bench_key)}
BENCH_AUDIT_KEY=${BENCH_AUDIT_KEY:-$(openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkcs8 -topk8 -nocrypt 2>/dev/null)} # audit checkpoints (ADR 020)
production_env() {
  HOST_ENV=(
    Storage__Provider="$1"
    ConnectionStrings__Main="$2"
    Seed__Demo=true
    Identity__PersonalData__ActiveKey=bench
    Identity__PersonalData__Keys__bench="$BENCH_DATA_KEY"
    Identity__PersonalData__BlindIndexKey="$BENCH_INDEX_KEY"
    Sms__Mode=Simulator
    Email__Mode=Simulator
    Registry__Mode=Simulator
    ASPNETCORE_ENVIRONMENT=Production
    ASPNETCORE_FORWARDEDHEADERS_ENABLED=true
    Site__PublicBaseUrl=https://127.0.0.1
    Audit__SigningKey="$BENCH_AUDIT_KEY"
    Site__OperatorZh=基准测试运营方
    Site__OperatorEn="Benchmark operator"
    Site__Icp=浙ICP备00000000号
    Site__SiteCode=0000000000
    AllowedHosts=127.0.0.1
    Logging__Console__FormatterName=simple
  )
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo "${1:-5080}"; }
