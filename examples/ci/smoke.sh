#!/bin/sh
# The CI smoke test job's body (GitHub Actions and GitLab CI both run it): start the mock API,
# run salesproc against it and the data files, check the exit code and two report values.
# Needs salesproc and salesproc-mock-api on PATH, jq, and DATA_DIR (default: data).
set -eu
data=${DATA_DIR:-data}
work=$(mktemp -d)
port=${MOCK_PORT:-18443}
salesproc-mock-api --port "$port" --write-cacert "$work/ca.pem" > "$work/mock.log" &
mock=$!
trap 'kill $mock 2>/dev/null; rm -rf "$work"' EXIT
for _ in 1 2 3 4 5 6 7 8 9 10; do
    grep -q listening "$work/mock.log" 2>/dev/null && break
    sleep 0.2
done
status=0
salesproc --csv "$data/sales.csv" --out "$work/report.json" --cacert "$work/ca.pem" \
    --api-url "https://localhost:$port/sales" -q || status=$?
if [ "$status" -ne 0 ]; then
    echo "smoke: salesproc exited $status" >&2
    exit 1
fi
valid=$(jq '.valid_sales' "$work/report.json")
records=$(jq '.api_records' "$work/report.json")
if [ "$valid" -lt 1 ] || [ "$records" -lt 1 ]; then
    echo "smoke: unexpected report: valid_sales=$valid api_records=$records" >&2
    exit 1
fi
echo "smoke: ok (valid_sales=$valid, api_records=$records)"
