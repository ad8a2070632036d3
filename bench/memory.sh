#!/usr/bin/env bash
# Memory: peak RSS of akka-ingest with FILES files of SIZE in flight at once (--workers = FILES), side by side with
# curl fetching the same files (its peak RSS per process). Target: akka-ingest <= 256 MiB at 8 x 1GiB.
source "$(dirname "$0")/common.sh"
FILES=${FILES:-8}
SIZE=${SIZE:-1GiB}
from=2024-01-01T00
to=$(hour_after $from $((FILES - 1)))
"$ingest" archive-sim generate --root "$work/archive" --from $from --to "$to" --size "$SIZE" >/dev/null
start_sim "$work/archive"

mkdir -p "$work/curl"
/usr/bin/time -f %M -o "$work/curl.rss" curl -sSf -o "$work/curl/one" "${sim_url}$(ls "$work/archive" | head -1)"
rm -rf "$work/curl"
/usr/bin/time -f %M -o "$work/ours.rss" \
  "$ingest" run --source "$sim_url" --store "$work/data" --from $from --to "$to" --workers "$FILES" --json >"$work/ours.json"
ours_kib=$(tail -1 "$work/ours.rss")
curl_kib=$(tail -1 "$work/curl.rss")
printf 'memory: %d files of %s in flight\n' "$FILES" "$SIZE"
printf '  akka-ingest peak RSS: %6.1f MiB (target <= 256 MiB: ratio to target %s)\n' "$(echo "$ours_kib / 1024" | bc -l)" "$(ratio "$ours_kib" $((256 * 1024)))"
printf '  one curl peak RSS:    %6.1f MiB\n' "$(echo "$curl_kib / 1024" | bc -l)"
grep -o '"filesStored":[0-9]*' "$work/ours.json"
