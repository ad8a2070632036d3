#!/usr/bin/env bash
# Memory: peak RSS of akka-ingest with FILES files of SIZE in flight at once (--workers = FILES), beside the peak RSS
# of one curl fetching one of the same files. Target: akka-ingest <= 256 MiB at the issue's 8 x 1GiB.
source "$(dirname "$0")/common.sh"
FILES=${FILES:-8}
SIZE=${SIZE:-1GiB}
from=2024-01-01T00
to=$(hour_after $from $((FILES - 1)))
"$ingest" archive-sim generate --root "$work/archive" --from $from --to "$to" --size "$SIZE" >/dev/null
start_sim "$work/archive"
first=$(ls "$work/archive" | head -1)

measure "$work/curl.out" curl -sSf -o "$work/curl-copy" "${sim_url}$first"
curl_rss=$measured_rss_mib
rm -f "$work/curl-copy"

measure "$work/ours.json" "$ingest" run --source "$sim_url" --store "$work/data" --from $from --to "$to" --workers "$FILES" --json
stored=$(json_field "$work/ours.json" filesStored)
[ "$stored" = "$FILES" ] || { echo "akka-ingest stored $stored of $FILES files" >&2; cat "$work/ours.json" >&2; exit 1; }

printf 'memory: %d files of %s in flight at once (%s s)\n' "$FILES" "$SIZE" "$measured_s"
printf '  akka-ingest peak RSS: %7.1f MiB (target <= 256 MiB; %s of the target)\n' "$measured_rss_mib" "$(calc "$measured_rss_mib / 256" .2f)"
printf '  one curl peak RSS:    %7.1f MiB\n' "$curl_rss"
