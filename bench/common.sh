# Shared by the benchmarks: checks the tools, builds akka-ingest once, starts the archive simulator on loopback, times
# commands and does the arithmetic (python3, so no bc is needed). Everything started is stopped on exit.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench="$repo/bench"
ingest="$repo/src/AkkaIngestion.Cli/bin/Release/net10.0/akka-ingest"

# need_tool COMMAND DEBIAN_PACKAGE: installs the package when the command is missing (a fresh machine may lack curl).
need_tool() {
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "installing $2 (for $1)" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq "$2" >/dev/null
}
need_tool python3 python3
need_tool curl curl
command -v dotnet >/dev/null || { echo "the .NET 10 SDK is needed (dotnet on PATH)" >&2; exit 1; }

dotnet build "$repo/src/AkkaIngestion.Cli/AkkaIngestion.Cli.csproj" -c Release -nologo -v quiet >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/akka-ingest-bench.XXXXXX")
sim_pid=""
cleanup() {
  if [ -n "$sim_pid" ]; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# calc EXPRESSION [FORMAT]: python arithmetic on numbers this script produced, e.g. calc "$a / $b" .3f
calc() { python3 -c "import sys; print(format(eval(sys.argv[1]), sys.argv[2]))" "$1" "${2:-.3f}"; }

# hour_after START N -> START + N hours, as yyyy-MM-ddTHH (UTC)
hour_after() {
  python3 -c "import sys, datetime as d; t = d.datetime.strptime(sys.argv[1], '%Y-%m-%dT%H') + d.timedelta(hours=int(sys.argv[2])); print(t.strftime('%Y-%m-%dT%H'))" "$1" "$2"
}

# start_sim ROOT [sim options...]: starts archive-sim on a free loopback port, sets sim_url
start_sim() {
  local root=$1; shift
  "$ingest" archive-sim --root "$root" --bind 127.0.0.1 --port 0 "$@" >"$work/sim.out" 2>"$work/sim.err" &
  sim_pid=$!
  for _ in $(seq 1 400); do
    sim_url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/sim.out" 2>/dev/null | head -1 || true)
    [ -n "$sim_url" ] && return 0
    kill -0 "$sim_pid" 2>/dev/null || break
    sleep 0.05
  done
  echo "archive-sim did not start: $(cat "$work/sim.err")" >&2
  exit 1
}

# measure OUT COMMAND...: runs COMMAND with stdout to OUT; sets measured_s (wall seconds) and measured_rss_mib (the
# command's own peak RSS). Fails when the command fails, showing its stdout and stderr.
measure() {
  local out=$1; shift
  local figures
  if ! figures=$(python3 "$bench/measure.py" "$out" "$@"); then
    echo "failed: $*" >&2
    tail -20 "$out" >&2 || true
    exit 1
  fi
  read -r measured_s measured_rss_mib <<<"$figures"
}

# seconds COMMAND...: runs a command or shell function (stdout discarded), sets measured_s to its wall seconds
seconds() {
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  measured_s=$(calc "$t1 - $t0")
}

# json_field FILE NAME: a field of the one-line JSON summary akka-ingest prints last with --json
json_field() { python3 -c "import sys, json; print(json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])[sys.argv[2]])" "$1" "$2"; }
