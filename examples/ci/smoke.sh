#!/bin/sh
# The CI smoke test job's body (GitHub Actions and GitLab CI both run it): start the mock API,
# run salesproc against it and the data files, check the exit code and two report values.
# Needs salesproc and salesproc-mock-api on PATH, jq, and DATA_DIR (default: data). With
# REPORT_DIR, the report's views are left there for the CI to show: report.html (an artifact),
# summary.md (GitHub's job summary) and junit.xml (GitLab's and Jenkins' test results).
set -eu
data=${DATA_DIR:-data}
work=$(mktemp -d)
port=${MOCK_PORT:-18443}
salesproc-mock-api --port "$port" --write-cacert "$work/ca.pem" > "$work/mock.log" &
mock=$!
trap 'kill $mock 2>/dev/null; rm -rf "$work"' EXIT
views=${REPORT_DIR:-$work}
mkdir -p "$views"
for _ in 1 2 3 4 5 6 7 8 9 10; do
    grep -q listening "$work/mock.log" 2>/dev/null && break
    sleep 0.2
done
status=0
salesproc --csv "$data/sales.csv" --out "$work/report.json" --cacert "$work/ca.pem" \
    --api-url "https://localhost:$port/sales" --html "$views/report.html" \
    --summary "$views/summary.md" --junit "$views/junit.xml" -q || status=$?
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
for view in report.html summary.md junit.xml; do
    if [ ! -s "$views/$view" ]; then
        echo "smoke: $views/$view was not written" >&2
        exit 1
    fi
done
echo "smoke: ok (valid_sales=$valid, api_records=$records)"
