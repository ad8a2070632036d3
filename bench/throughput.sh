#!/usr/bin/env bash
# Throughput: FILES files of SIZE from archive-sim on loopback into the local store with --workers 8, against curl
# fetching the same files 8 in parallel into a directory, each file fsynced once written (akka-ingest fsyncs every file
# before publishing it, so the plain copy is made as durable). Each side runs RUNS times, alternating; the best run
# counts. Prints the ratio akka-ingest/curl throughput (target >= 0.9 at the issue's 64 x 64MiB).
source "$(dirname "$0")/common.sh"
FILES=${FILES:-64}
SIZE=${SIZE:-64MiB}
RUNS=${RUNS:-2}
from=2024-01-01T00
to=$(hour_after $from $((FILES - 1)))
"$ingest" archive-sim generate --root "$work/archive" --from $from --to "$to" --size "$SIZE" >/dev/null
start_sim "$work/archive"
bytes=$(du -sb "$work/archive" | cut -f1)
first=$(ls "$work/archive" | head -1)

curl_copy() {
  rm -rf "$work/curl" && mkdir -p "$work/curl"
  (cd "$work/archive" && ls) |
    xargs -P 8 -I{} sh -c 'curl -sSf -o "$2/$3" "$1$3" && sync "$2/$3"' _ "$sim_url" "$work/curl" {}
}

best_curl=""; best_ours=""; ours_rss=0
for run in $(seq 1 "$RUNS"); do
  sync
  seconds curl_copy
  best_curl=$(calc "min($measured_s, ${best_curl:-$measured_s})")
  echo "  run $run: curl x8 ${measured_s} s" >&2
  rm -rf "$work/data"
  sync
  measure "$work/ours.json" "$ingest" run --source "$sim_url" --store "$work/data" --from $from --to "$to" --workers 8 --json
  best_ours=$(calc "min($measured_s, ${best_ours:-$measured_s})")
  ours_rss=$(calc "max($measured_rss_mib, $ours_rss)" .1f)
  echo "  run $run: akka-ingest x8 ${measured_s} s, peak RSS ${measured_rss_mib} MiB" >&2
  stored=$(json_field "$work/ours.json" filesStored)
  [ "$stored" = "$FILES" ] || { echo "akka-ingest stored $stored of $FILES files" >&2; cat "$work/ours.json" >&2; exit 1; }
done
cmp -s "$work/curl/$first" "$work/data/raw/$first" || { echo "the two copies of $first differ" >&2; exit 1; }

mib=$(calc "$bytes / 1048576" .0f)
printf 'throughput: %d files of %s (%s MiB), 8 at a time, best of %d\n' "$FILES" "$SIZE" "$mib" "$RUNS"
printf '  curl x8 + fsync: %7.2f s  %7.1f MiB/s\n' "$best_curl" "$(calc "$mib / $best_curl" .1f)"
printf '  akka-ingest x8:  %7.2f s  %7.1f MiB/s  (peak RSS %s MiB)\n' "$best_ours" "$(calc "$mib / $best_ours" .1f)" "$ours_rss"
printf '  ratio (akka-ingest / curl throughput): %s (target >= 0.9)\n' "$(calc "$best_curl / $best_ours")"
