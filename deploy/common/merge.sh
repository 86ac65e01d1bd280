#!/bin/sh
# The reduce step every recipe runs: merges PARTS_DIR/part-0..N-1 into OUT and OUT_REJECTS.
# Usage: merge.sh N INPUT PARTS_DIR OUT OUT_REJECTS   (any of them may be s3:// URLs)
# Each part's report names its rejects file (shard.sh wrote it beside the part), so merge finds
# them without --part-rejects.
# A shard whose range began inside a quoted field assumed the wrong start: merge names it and the
# exact flags ("re-run it with --shard K/N --shard-start quoted"). Those shards are re-run here,
# with shard.sh, and the merge is tried again; it then succeeds (see salesproc(1), MERGE).
set -eu
n=$1 input=$2 parts=$3 out=$4 out_rejects=$5
here=$(cd "$(dirname "$0")" && pwd)
merge() {
    set --
    k=0
    while [ "$k" -lt "$n" ]; do
        set -- "$@" "$parts/part-$k.json"
        k=$((k + 1))
    done
    "${SALESPROC:-salesproc}" merge --out "$out" --rejects "$out_rejects" -q "$@"
}
errors=$(mktemp)
trap 'rm -f "$errors"' EXIT
if merge 2>"$errors"; then exit 0; fi
rerun=$(grep -o 're-run it with --shard [0-9]*/[0-9]* --shard-start [a-z]*' "$errors" || true)
if [ -z "$rerun" ]; then
    cat "$errors" >&2
    exit 1
fi
echo "$rerun" | while read -r _ _ _ _ spec _ start; do
    echo "merge.sh: re-running shard $spec with --shard-start $start" >&2
    sh "$here/shard.sh" "${spec%/*}" "$n" "$input" "$parts" "$start" </dev/null
done
merge
