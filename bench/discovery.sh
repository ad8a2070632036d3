#!/usr/bin/env bash
# Discovery: one leap year of hours (8,784 files of 1 KiB) found with HEAD probes and enqueued, against archive-sim,
# beside curl HEADing the same URLs 16 at a time (akka-ingest's probe parallelism). akka-ingest's figure is the
# enqueuedAfterSeconds of its --json summary (from the run's start until every hour is enqueued; the tiny downloads
# run meanwhile). Target: akka-ingest <= 20 s.
source "$(dirname "$0")/common.sh"
from=2024-01-01T00
to=2024-12-31T23
"$ingest" archive-sim generate --root "$work/archive" --from $from --to $to --size 1KiB >/dev/null
start_sim "$work/archive"
hours=$(ls "$work/archive" | wc -l)

# 16 curl processes, each HEADing its share of the URLs over one kept-alive connection.
curl_heads() { (cd "$work/archive" && ls) | sed "s|^|$sim_url|" | xargs -P 16 -n $(((hours + 15) / 16)) curl -sSf -I >/dev/null; }
seconds curl_heads
curl_s=$measured_s
measure "$work/ours.json" "$ingest" run --source "$sim_url" --store "$work/data" --from $from --to $to --json
found_s=$(json_field "$work/ours.json" enqueuedAfterSeconds)
stored=$(json_field "$work/ours.json" filesStored)
[ "$stored" = "$hours" ] || { echo "akka-ingest stored $stored of $hours files" >&2; cat "$work/ours.json" >&2; exit 1; }

printf 'discovery: %d hours\n' "$hours"
printf '  curl HEAD x16 (kept-alive):          %7.2f s\n' "$curl_s"
printf '  akka-ingest found + enqueued:        %7.2f s (target <= 20 s); whole run incl. downloads %s s, peak RSS %s MiB\n' \
  "$found_s" "$measured_s" "$measured_rss_mib"
printf '  ratio (curl time / akka-ingest time): %s\n' "$(calc "$curl_s / $found_s")"
