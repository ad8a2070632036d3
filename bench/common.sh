# Shared by the benchmarks: checks the tools, builds akka-ingest once, starts the archive simulator on loopback, times
# commands and does the arithmetic (python3, so no bc is needed). Everything started is stopped on exit.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench="$repo/bench"
# The benchmarks time the app as it is deployed (docker/Dockerfile): self-contained, compiled ahead of time with the
# runtime into one composite ReadyToRun image for this machine. The first publish takes a few minutes (the whole
# framework is compiled); later ones reuse it unless the code changed.
app="$repo/.tools/bench-app"
ingest="$app/akka-ingest"

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

case "$(uname -m)" in
  x86_64) rid=linux-x64 ;;
  aarch64 | arm64) rid=linux-arm64 ;;
  *) echo "no ReadyToRun target for $(uname -m)" >&2; exit 1 ;;
esac
echo "publishing akka-ingest (composite ReadyToRun) into $app" >&2
dotnet publish "$repo/src/AkkaIngestion.Cli/AkkaIngestion.Cli.csproj" -c Release -r "$rid" --self-contained true \
  -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -o "$app" -nologo -v quiet >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/akka-ingest-bench.XXXXXX")
sim_pid=""
cleanup() {
  stop_fauxqs
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

# The S3/SQS benchmarks use the tests' server: fauxqs from npm in <repo>/.tools/fauxqs (same pinned versions as
# tests/AkkaIngestion.EndToEnd/Aws/Fauxqs/FauxqsServer.cs, read from there), pinned to 127.0.0.1 by the same .mjs.
fauxqs_source="$repo/tests/AkkaIngestion.EndToEnd/Aws/Fauxqs"
fauxqs_dir="$repo/.tools/fauxqs"
fauxqs_pid=""
bench_tool="$repo/bench/AkkaIngestion.Bench/bin/Release/net10.0/akka-ingest-bench"

ensure_fauxqs() {
  local fauxqs_version node_major
  fauxqs_version=$(grep -oP 'FauxqsVersion = "\K[^"]+' "$fauxqs_source/FauxqsServer.cs")
  node_major=$(grep -oP 'NodeMajor = "\K[^"]+' "$fauxqs_source/FauxqsServer.cs")
  if [ "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['version'])" "$fauxqs_dir/node_modules/fauxqs/package.json" 2>/dev/null)" != "$fauxqs_version" ] \
     || [ ! -x "$fauxqs_dir/node_modules/.bin/node" ]; then
    need_tool npm npm
    echo "installing node@$node_major fauxqs@$fauxqs_version into $fauxqs_dir" >&2
    mkdir -p "$fauxqs_dir"
    npm install --prefix "$fauxqs_dir" --no-audit --no-fund "node@$node_major" "fauxqs@$fauxqs_version" >/dev/null
  fi
}

# start_fauxqs [--in-memory]: a fresh fauxqs on a free loopback port, its S3 objects in files under $work (or, with
# --in-memory, in its own memory); exports the AWS_* variables akka-ingest and the bench tool read. Its stdin is a FIFO
# this script holds open, so it also ends if we are killed.
start_fauxqs() {
  stop_fauxqs
  local storage=()
  rm -rf "$work/fauxqs" && mkdir -p "$work/fauxqs/s3"
  [ "${1:-}" = "--in-memory" ] || storage=(FAUXQS_S3_STORAGE_DIR="$work/fauxqs/s3")
  [ -p "$work/fauxqs.stdin" ] || mkfifo "$work/fauxqs.stdin"
  exec 9<>"$work/fauxqs.stdin"
  local port
  port=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
  (cd "$work/fauxqs" && exec env FAUXQS_PORT=$port "${storage[@]}" FAUXQS_DEFAULT_REGION=us-east-1 FAUXQS_LOGGER=false \
    "$fauxqs_dir/node_modules/.bin/node" --import "file://$fauxqs_source/loopback-only.mjs" \
      "$fauxqs_dir/node_modules/fauxqs/dist/server.js" <"$work/fauxqs.stdin" >"$work/fauxqs.log" 2>&1) &
  fauxqs_pid=$!
  export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "$AWS_ENDPOINT_URL/health" && return 0
    kill -0 "$fauxqs_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "fauxqs did not start: $(cat "$work/fauxqs.log")" >&2
  exit 1
}

stop_fauxqs() {
  if [ -n "$fauxqs_pid" ]; then
    kill "$fauxqs_pid" 2>/dev/null || true
    wait "$fauxqs_pid" 2>/dev/null || true
    fauxqs_pid=""
  fi
}

build_bench_tool() { dotnet build "$repo/bench/AkkaIngestion.Bench/AkkaIngestion.Bench.csproj" -c Release -nologo -v quiet >/dev/null; }
