#!/usr/bin/env bash
# Discovery: one leap year of hours (8,784) found with HEAD probes and enqueued, against archive-sim, side by side
# with curl HEADing the same URLs 16 at a time. Target: akka-ingest <= 20 s.
source "$(dirname "$0")/common.sh"
from=2024-01-01T00
to=2024-12-31T23
"$ingest" archive-sim generate --root "$work/archive" --from $from --to $to --size 1KiB >/dev/null
start_sim "$work/archive"

curl_heads() { (cd "$work/archive" && ls) | xargs -P 16 -I{} curl -sSf -I -o /dev/null "${sim_url}{}"; }
curl_s=$(seconds curl_heads)
"$ingest" run --source "$sim_url" --store "$work/data" --from $from --to $to --json >"$work/ours.json"
found_s=$(grep -o '"enqueuedAfterSeconds":[0-9.]*' "$work/ours.json" | cut -d: -f2)
printf 'discovery: 8784 hours\n'
printf '  curl HEAD x16:             %6.2f s\n' "$curl_s"
printf '  akka-ingest found+enqueued: %6.2f s (target <= 20 s)\n' "$found_s"
printf '  ratio (curl time / akka-ingest time): %s\n' "$(ratio "$curl_s" "$found_s")"
