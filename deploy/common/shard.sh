#!/bin/sh
# One shard of one CSV: the map step every recipe runs (Kubernetes, Slurm, GNU parallel).
# Usage: shard.sh K N INPUT PARTS_DIR [START]
#   K      this shard, 0-based (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID, parallel's {})
#   N      the number of shards
#   INPUT  the CSV: a regular uncompressed file every worker sees at this path, or one
#          s3:// object (or https:// URL) whose server serves byte ranges
#   START  the quote state assumed at the shard's start: outside (default) or quoted
# Writes PARTS_DIR/part-K.json and PARTS_DIR/part-K.rejects.csv atomically; PARTS_DIR may be an
# s3:// prefix (objects appear only when complete).
# Extra salesproc options (rules, --config) come from SALESPROC_OPTS; all shards need the same.
set -eu
k=$1 n=$2 input=$3 parts=$4 start=${5:-outside}
case "$parts" in
s3://*) ;;
*) mkdir -p "$parts" ;;
esac
# shellcheck disable=SC2086
exec "${SALESPROC:-salesproc}" --csv "$input" --shard "$k/$n" --shard-start "$start" \
    --out "$parts/part-$k.json" --rejects "$parts/part-$k.rejects.csv" -q ${SALESPROC_OPTS:-}
