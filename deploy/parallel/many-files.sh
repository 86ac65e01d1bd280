#!/bin/sh
# Many CSV files (stores, regions, hours), one per job slot with GNU parallel, then one merge in
# the order given: the report a single run over all of them, in that order, would write.
# Usage: many-files.sh OUT_DIR FILE... [-- PARALLEL_OPTIONS...]   (e.g. -- --sshlogin 2/host1)
set -eu
out=$1
shift
files=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    files="$files$1
"
    shift
done
[ $# -gt 0 ] && shift
mkdir -p "$out/parts"
# The part of the i-th file is part-i: the merge order is the order given, not completion order.
printf '%s' "$files" | parallel --will-cite --halt now,fail=1 "$@" \
    "${SALESPROC:-salesproc}" --csv {} --out "$out/parts/part-{#}.json" \
    --rejects "$out/parts/part-{#}.rejects.csv" -q ${SALESPROC_OPTS:-}
set --
i=1
while [ -f "$out/parts/part-$i.json" ]; do
    set -- "$@" --part-rejects "$out/parts/part-$i.rejects.csv" "$out/parts/part-$i.json"
    i=$((i + 1))
done
"${SALESPROC:-salesproc}" merge --out "$out/report.json" --rejects "$out/rejects.csv" -q "$@"
