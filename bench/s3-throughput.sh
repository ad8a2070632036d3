#!/usr/bin/env bash
# S3+SQS throughput: FILES files of SIZE from archive-sim through fauxqs (the tests' S3/SQS server) with
# `akka-ingest run --store s3://... --queue sqs://... --workers 8`, against a plain parallel copy (bench/AkkaIngestion.Bench
# plain-s3-copy: GET, then the AWSSDK's TransferUtility, 8 files at a time, no actors). Each side gets a fresh fauxqs and
# `akka-ingest setup` before its timed run; RUNS runs each, alternating, best counts. Target ratio >= 0.8 at 64 x 64MiB.
source "$(dirname "$0")/common.sh"
FILES=${FILES:-64}
SIZE=${SIZE:-64MiB}
RUNS=${RUNS:-2}
from=2024-01-01T00
to=$(hour_after $from $((FILES - 1)))
ensure_fauxqs
build_bench_tool
"$ingest" archive-sim generate --root "$work/archive" --from $from --to "$to" --size "$SIZE" >/dev/null
start_sim "$work/archive"
bytes=$(du -sb "$work/archive" | cut -f1)
mapfile -t names < <(ls "$work/archive")

fresh_bucket() {
  start_fauxqs
  "$ingest" setup --store s3://bench/mirror --queue sqs://bench >/dev/null
}
stored_objects() { find "$work/fauxqs/s3" -type f -size +$(( $(stat -c %s "$work/archive/${names[0]}") - 1 ))c | wc -l; }

best_plain=""; best_ours=""; plain_rss=0; ours_rss=0
for run in $(seq 1 "$RUNS"); do
  fresh_bucket
  measure "$work/plain.out" "$bench_tool" plain-s3-copy --source "$sim_url" --bucket bench --prefix mirror/raw/ --parallel 8 "${names[@]}"
  best_plain=$(calc "min($measured_s, ${best_plain:-$measured_s})")
  plain_rss=$(calc "max($measured_rss_mib, $plain_rss)" .1f)
  echo "  run $run: plain copy x8 ${measured_s} s, peak RSS ${measured_rss_mib} MiB" >&2
  [ "$(stored_objects)" -ge "$FILES" ] || { echo "the plain copy did not store $FILES objects" >&2; exit 1; }

  fresh_bucket
  measure "$work/ours.json" "$ingest" run --source "$sim_url" --store s3://bench/mirror --queue sqs://bench \
    --from $from --to "$to" --workers 8 --json
  best_ours=$(calc "min($measured_s, ${best_ours:-$measured_s})")
  ours_rss=$(calc "max($measured_rss_mib, $ours_rss)" .1f)
  echo "  run $run: akka-ingest x8 ${measured_s} s, peak RSS ${measured_rss_mib} MiB" >&2
  stored=$(json_field "$work/ours.json" filesStored)
  [ "$stored" = "$FILES" ] || { echo "akka-ingest stored $stored of $FILES files" >&2; cat "$work/ours.json" >&2; exit 1; }
done
stop_fauxqs

mib=$(calc "$bytes / 1048576" .0f)
printf 's3 throughput: %d files of %s (%s MiB) into fauxqs S3, 8 at a time, best of %d\n' "$FILES" "$SIZE" "$mib" "$RUNS"
printf '  plain copy (HttpClient + TransferUtility) x8: %7.2f s  %7.1f MiB/s  (peak RSS %s MiB)\n' "$best_plain" "$(calc "$mib / $best_plain" .1f)" "$plain_rss"
printf '  akka-ingest S3+SQS x8:                        %7.2f s  %7.1f MiB/s  (peak RSS %s MiB)\n' "$best_ours" "$(calc "$mib / $best_ours" .1f)" "$ours_rss"
printf '  ratio (akka-ingest / plain copy throughput): %s (target >= 0.8)\n' "$(calc "$best_plain / $best_ours")"
