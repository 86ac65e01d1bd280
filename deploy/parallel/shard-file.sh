#!/bin/sh
# One big CSV in N shards with GNU parallel, then one exact merge.
# Usage: shard-file.sh INPUT N OUT_DIR [START] [-- PARALLEL_OPTIONS...]
# Locally, N jobs run on this machine's cores. With --sshlogin, on several hosts:
#   shard-file.sh /shared/sales.csv 8 /shared/out outside -- --sshlogin 4/host1,4/host2
# which needs INPUT, OUT_DIR and deploy/ at the same paths on every host (a shared file system)
# and salesproc on each host's PATH.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
input=$1 n=$2 out=$3
shift 3
start=outside
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
    start=$1
    shift
fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
mkdir -p "$out/parts"
seq 0 $((n - 1)) | parallel --will-cite --halt now,fail=1 "$@" \
    sh "$here/common/shard.sh" {} "$n" "$input" "$out/parts" "$start"
sh "$here/common/merge.sh" "$n" "$input" "$out/parts" "$out/report.json" "$out/rejects.csv"
