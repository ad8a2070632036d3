#!/usr/bin/env bash
# Per-file overhead through S3+SQS: HOURS hour files of SIZE (the issue: 299 x 16KiB) from archive-sim through fauxqs,
# timed as the whole `akka-ingest run` process from start to exit (process start included; `akka-ingest setup` is done
# before, untimed). RUNS runs, each on a fresh fauxqs; the best counts. Target >= 250 files/s.
# fauxqs keeps the objects in memory here (its default; 5 MB in all). With them in files on this machine's virtual disk,
# 30% of its single thread's samples were in open() (node --prof) and the run itself took 1.33 s instead of 0.93 s
# (medians of 6, interleaved): the emulator's storage, not the client's overhead. FAUXQS_STORAGE=files puts them back.
source "$(dirname "$0")/common.sh"
HOURS=${HOURS:-299}
SIZE=${SIZE:-16KiB}
RUNS=${RUNS:-3}
from=2024-01-01T00
to=$(hour_after $from $((HOURS - 1)))
ensure_fauxqs
"$ingest" archive-sim generate --root "$work/archive" --from $from --to "$to" --size "$SIZE" >/dev/null
start_sim "$work/archive"

best=""; rss=0
for run in $(seq 1 "$RUNS"); do
  if [ "${FAUXQS_STORAGE:-memory}" = files ]; then start_fauxqs; else start_fauxqs --in-memory; fi
  "$ingest" setup --store s3://bench/mirror --queue sqs://bench >/dev/null
  measure "$work/ours.json" "$ingest" run --source "$sim_url" --store s3://bench/mirror --queue sqs://bench \
    --from $from --to "$to" --json
  stored=$(json_field "$work/ours.json" filesStored)
  [ "$stored" = "$HOURS" ] || { echo "akka-ingest stored $stored of $HOURS files" >&2; cat "$work/ours.json" >&2; exit 1; }
  echo "  run $run: ${measured_s} s (run's own clock $(json_field "$work/ours.json" elapsedSeconds) s), peak RSS ${measured_rss_mib} MiB" >&2
  best=$(calc "min($measured_s, ${best:-$measured_s})")
  rss=$(calc "max($measured_rss_mib, $rss)" .1f)
done
stop_fauxqs

printf 's3 per-file overhead: %d files of %s through fauxqs S3+SQS (objects in %s), whole process, best of %d\n' \
  "$HOURS" "$SIZE" "${FAUXQS_STORAGE:-memory}" "$RUNS"
printf '  akka-ingest: %6.2f s  %6.1f files/s (target >= 250)  peak RSS %s MiB\n' "$best" "$(calc "$HOURS / $best" .1f)" "$rss"
