#!/usr/bin/env bash
# Runs every test of the solution and ends with the line "N passed, N failed".
# What the tests need beyond the .NET SDK they install themselves: the S3/SQS test server (fauxqs and Node 22 from npm)
# into .tools/, on first use; Debian's chromium for the status page tests, below.
set -uo pipefail
cd "$(dirname "$0")"

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

# The status page tests drive a real Chromium; Playwright's own browser download is unreachable, Debian's package is not.
# If this fails those tests fail, saying chromium is missing.
command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; } \
  || echo "could not install chromium with apt-get: the status page tests will fail" >&2

if ! dotnet build AkkaIngestion.sln -c Release -nologo -v quiet; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# A hung test is reported with a dump of who waits for what, rather than eating the CI budget.
dotnet test AkkaIngestion.sln -c Release --no-build -nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" \
  --blame-hang-timeout 5m
status=$?

python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
passed = failed = skipped = 0
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    skipped += int(counters.get("total", 0)) - int(counters.get("executed", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
