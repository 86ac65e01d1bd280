#!/bin/bash
# Submits the shard array and the merge that depends on it.
# Usage: submit.sh INPUT N OUT_DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
input=$1 n=$2 out=$3
mkdir -p "$out/parts"
array=$(sbatch --parsable --array=0-$((n - 1)) "$here/shards.sbatch" "$n" "$input" "$out/parts")
sbatch --dependency=afterok:"$array" "$here/merge.sbatch" "$n" "$input" "$out/parts" \
    "$out/report.json" "$out/rejects.csv"
