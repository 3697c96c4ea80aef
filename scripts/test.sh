#!/usr/bin/env bash
# The one test command (`npm test`): TypeScript tests (vitest), Python transforms (pytest, Debian's /usr/bin/python3),
# and the SQL lint (sqlfluff, Redshift dialect). Checks those tools first (scripts/debian-deps.sh installs them on
# Debian/Ubuntu, and elsewhere says exactly what to install). Ends with one summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/debian-deps.sh || { echo "npm test: not run (see above for what to install)" >&2; exit 1; }
out=$(mktemp -d)
status=0

npx vitest run --reporter=default --reporter=json --outputFile.json="$out/vitest.json" "$@" || status=1

py_passed=0; py_failed=0
if compgen -G "glue-scripts/**/test_*.py" >/dev/null || ls glue-scripts/*/tests/test_*.py >/dev/null 2>&1; then
  /usr/bin/python3 -m pytest -q -p no:cacheprovider glue-scripts | tee "$out/pytest.txt"
  rc=${PIPESTATUS[0]}
  [ "$rc" = 0 ] || status=1
  py_passed=$(grep -Eo '[0-9]+ passed' "$out/pytest.txt" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  py_failed=$(grep -Eo '[0-9]+ (failed|error)' "$out/pytest.txt" | awk '{s+=$1} END {print s+0}')
fi

sql_failed=0; sql_passed=0
if ls sql/*.sql >/dev/null 2>&1; then
  if sqlfluff lint --dialect redshift --disable-progress-bar sql/; then sql_passed=$(ls sql/*.sql | wc -l); else status=1; sql_failed=1; fi
fi

node -e '
  const fs = require("fs");
  let p = 0, f = 0;
  try {
    const j = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    p = j.numPassedTests;
    // a test file that fails to load has no failed test of its own: count it as one failure
    const broken = j.testResults.filter((r) => r.status === "failed" && !r.assertionResults.some((a) => a.status === "failed")).length;
    f = j.numFailedTests + broken;
  } catch { f = 1; }
  p += Number(process.argv[2]) + Number(process.argv[4]); f += Number(process.argv[3]) + Number(process.argv[5]);
  console.log(`tests: ${p} passed, ${f} failed`);
' "$out/vitest.json" "$py_passed" "$py_failed" "$sql_passed" "$sql_failed"
rm -rf "$out"
exit $status
