#!/usr/bin/env bash
# Throughput: FILES files of SIZE from archive-sim on loopback into the local store with --workers 8, against curl
# fetching the same files 8 in parallel into a directory. Each side runs twice, alternating; the best run counts.
# Prints the ratio ours/curl (target >= 0.9 at the issue's 64 x 64MiB).
source "$(dirname "$0")/common.sh"
FILES=${FILES:-64}
SIZE=${SIZE:-64MiB}
from=2024-01-01T00
to=$(hour_after $from $((FILES - 1)))
"$ingest" archive-sim generate --root "$work/archive" --from $from --to "$to" --size "$SIZE" >/dev/null
start_sim "$work/archive"
bytes=$(du -sb "$work/archive" | cut -f1)

curl_copy() {
  rm -rf "$work/curl" && mkdir -p "$work/curl"
  (cd "$work/archive" && ls) | xargs -P 8 -I{} curl -sSf -o "$work/curl/{}" "${sim_url}{}"
  sync "$work/curl"
}
ours() {
  rm -rf "$work/data"
  "$ingest" run --source "$sim_url" --store "$work/data" --from $from --to "$to" --workers 8 --json
}

best_curl=999999; best_ours=999999
for _ in 1 2; do
  t=$(seconds curl_copy); best_curl=$(echo "if ($t < $best_curl) $t else $best_curl" | bc -l)
  t=$(seconds ours); best_ours=$(echo "if ($t < $best_ours) $t else $best_ours" | bc -l)
done
cmp -s "$work/curl/$(ls "$work/archive" | head -1)" "$work/data/raw/$(ls "$work/archive" | head -1)" || { echo "copies differ" >&2; exit 1; }

mib=$(echo "$bytes / 1048576" | bc -l)
printf 'throughput: %d files, %.0f MiB\n' "$FILES" "$mib"
printf '  curl x8:        %6.2f s  %7.1f MiB/s\n' "$best_curl" "$(echo "$mib / $best_curl" | bc -l)"
printf '  akka-ingest x8: %6.2f s  %7.1f MiB/s\n' "$best_ours" "$(echo "$mib / $best_ours" | bc -l)"
printf '  ratio (akka-ingest / curl throughput): %s (target >= 0.9)\n' "$(ratio "$best_curl" "$best_ours")"
