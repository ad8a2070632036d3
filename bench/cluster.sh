#!/usr/bin/env bash
# Cluster scaling: the same hours through S3/SQS (fauxqs) with 1 node, then with 3 nodes, each node limited to
# --workers 2 and every download throttled per connection by the archive simulator, so the work (not this machine)
# is what limits a node. Prints files/s of each and the ratio (target >= 2.7).
#
#   bench/cluster.sh [HOURS] [FILE_SIZE] [RATE_PER_CONNECTION]     defaults: 120 1MiB 1MiB
#
# Rates are taken from the moment every node is a cluster member up to the last stored file, so process start and
# cluster formation are not counted. Needs Node.js/npm the first time (fauxqs is installed into .tools/fauxqs).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
hours=${1:-120}
size=${2:-1MiB}
rate=${3:-1MiB}
workers=2
fauxqs_version=2.4.1
tools="$repo/.tools/fauxqs"
ingest="$repo/src/AkkaIngestion.Cli/bin/Release/net10.0/akka-ingest"

dotnet build "$repo/src/AkkaIngestion.Cli/AkkaIngestion.Cli.csproj" -c Release -nologo -v quiet >/dev/null
if [ ! -x "$tools/node_modules/.bin/node" ] || [ ! -f "$tools/node_modules/fauxqs/package.json" ]; then
  npm install --prefix "$tools" --no-audit --no-fund node@22 "fauxqs@$fauxqs_version" >/dev/null
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/akka-ingest-cluster-bench.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  exec 7>&- 2>/dev/null || true
  if [ -n "${KEEP_BENCH_LOGS:-}" ]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_for SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds
wait_for() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    if [ "$(date +%s)" -ge "$deadline" ]; then echo "timed out waiting for: $*" >&2; return 1; fi
    sleep 0.2
  done
}

# fauxqs, pinned to loopback, alive as long as this script holds its stdin (fd 7)
fauxqs_port=$(free_port)
mkdir -p "$work/s3"
mkfifo "$work/fauxqs.in"
(cd "$work" && FAUXQS_PORT=$fauxqs_port FAUXQS_S3_STORAGE_DIR="$work/s3" FAUXQS_DEFAULT_REGION=us-east-1 FAUXQS_LOGGER=false \
  exec "$tools/node_modules/.bin/node" --import "file://$repo/tests/AkkaIngestion.EndToEnd/Aws/Fauxqs/loopback-only.mjs" \
  "$tools/node_modules/fauxqs/dist/server.js" <"$work/fauxqs.in" >"$work/fauxqs.log" 2>&1) &
pids+=($!)
exec 7>"$work/fauxqs.in"
wait_for 30 curl -sf "http://127.0.0.1:$fauxqs_port/health" -o /dev/null

export AWS_ENDPOINT_URL="http://127.0.0.1:$fauxqs_port" AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
export AKKA_INGEST__RECEIVEWAIT=00:00:01 DOTNET_NOLOGO=1

from=2024-01-01T00
to=$(date -u -d "2024-01-01 00:00 UTC + $((hours - 1)) hours" +%Y-%m-%dT%H)
"$ingest" archive-sim generate --root "$work/archive" --from "$from" --to "$to" --size "$size" >/dev/null
"$ingest" archive-sim --root "$work/archive" --port 0 --rate-limit "$rate" >"$work/sim.out" 2>"$work/sim.err" &
pids+=($!)
wait_for 30 grep -qs 'http://127.0.0.1:[0-9]*/' "$work/sim.out"
sim_url=$(grep -o 'http://127.0.0.1:[0-9]*/' "$work/sim.out")

stored() { find "$work/s3/buckets/$1/objects" -name '*.json.gz.data' 2>/dev/null | wc -l; }
all_stored() { [ "$(stored "$1")" -ge "$hours" ]; }
# cluster_formed LOG N: the node's log says N members are up
cluster_formed() { grep -qs "cluster: $2 member(s) up" "$1"; }

# measure NODES: prints files/s from cluster formation to the last stored file
measure() {
  local nodes=$1 name="bench-$1-$RANDOM" seed_port node_pids=() i
  "$ingest" setup --store "s3://$name" --queue "sqs://$name" >/dev/null
  seed_port=$(free_port)
  for i in $(seq 1 "$nodes"); do
    local port=$seed_port
    [ "$i" -gt 1 ] && port=$(free_port)
    "$ingest" run --source "$sim_url" --store "s3://$name" --queue "sqs://$name" --from "$from" --to "$to" \
      --workers "$workers" --cluster-port "$port" --seed-nodes "127.0.0.1:$seed_port" --verbose \
      >"$work/$name-$i.log" 2>&1 &
    node_pids+=($!); pids+=($!)
  done
  for i in $(seq 1 "$nodes"); do wait_for 120 cluster_formed "$work/$name-$i.log" "$nodes"; done
  local t0 c0 t1
  t0=$(date +%s.%N); c0=$(stored "$name")
  wait_for 900 all_stored "$name"
  t1=$(date +%s.%N)
  for pid in "${node_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${node_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  echo "scale=3; ($hours - $c0) / ($t1 - $t0)" | bc -l
}

echo "cluster bench: $hours hours of $size, archive-sim --rate-limit $rate per connection, --workers $workers per node"
one=$(measure 1)
echo "  1 node:  $one files/s"
three=$(measure 3)
echo "  3 nodes: $three files/s"
echo "  ratio 3/1: $(echo "scale=2; $three / $one" | bc -l)x (target >= 2.7)"
