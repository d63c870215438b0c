#!/usr/bin/env bash
# Run every falco-ts test (builds first if needed). Run as root on Debian 12.
# Unit and conformance tests run together; end-to-end tests that attach the eBPF probe run one
# file at a time. Ends with a line "N passed, N failed" counting test cases; exits non-zero on
# any failure. Does not run bench/.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

BUN=node_modules/.bin/bun
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
run() { # run vitest on the given files, writing a JSON report
  local name=$1; shift
  "$BUN" --bun x vitest run --reporter=default --reporter=json --outputFile.json="$out/$name.json" "$@" || status=1
}

mapfile -t e2e < <(ls test/*.e2e.test.ts 2>/dev/null | sort)
mapfile -t unit < <(ls test/*.test.ts 2>/dev/null | grep -v '\.e2e\.test\.ts$' | sort)
if ((${#unit[@]})); then run unit "${unit[@]}"; fi
i=0
for f in "${e2e[@]}"; do i=$((i+1)); run "e2e$i" "$f"; done

passed=0; failed=0
for j in "$out"/*.json; do
  [[ -f $j ]] || continue
  # failed = failing tests, plus each failed suite that has no failing test (an error in
  # beforeAll/afterAll or at import: its tests show as skipped but the suite failed).
  read -r p f < <(node -e '
    const r = require(process.argv[1]);
    let f = r.numFailedTests;
    for (const s of r.testResults) if (s.status === "failed" && !s.assertionResults.some((a) => a.status === "failed")) f++;
    console.log(r.numPassedTests, f);' "$j" 2>/dev/null || echo "0 1")
  passed=$((passed+p)); failed=$((failed+f))
done
if ((passed + failed == 0)); then failed=1; fi
echo "$passed passed, $failed failed"
if ((failed > 0)); then status=1; fi
exit $status
