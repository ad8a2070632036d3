# Shared by the benchmarks: builds akka-ingest once, starts the archive simulator, times commands.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ingest="$repo/src/AkkaIngestion.Cli/bin/Release/net10.0/akka-ingest"
dotnet build "$repo/AkkaIngestion.sln" -c Release -nologo -v quiet >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/akka-ingest-bench.XXXXXX")
sim_pid=""
cleanup() {
  [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# hour_after START N -> START + N hours, as yyyy-MM-ddTHH
hour_after() { date -u -d "${1/T/ } :00 + $2 hours" +%Y-%m-%dT%H; }

# start_sim ROOT [sim options...]: sets sim_url
start_sim() {
  local root=$1; shift
  "$ingest" archive-sim --root "$root" --port 0 "$@" >"$work/sim.out" 2>"$work/sim.err" &
  sim_pid=$!
  for _ in $(seq 1 200); do
    sim_url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/sim.out" 2>/dev/null || true)
    [ -n "$sim_url" ] && return 0
    sleep 0.05
  done
  echo "archive-sim did not start: $(cat "$work/sim.err")" >&2
  exit 1
}

# seconds COMMAND...: runs it, prints the wall-clock seconds it took
seconds() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}

ratio() { echo "scale=3; $1 / $2" | bc -l; }
