#!/bin/sh
# Summarise a `meson test` run: every TAP subtest across the suites, plus
# any suite that failed as a whole (crashed, sanitizer report, bad plan).
# Prints "N passed, N failed" and exits non-zero on any failure.
set -eu
build=${1:-build-check}
exec python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, re, sys
passed = failed = skipped = 0
bad_suites = []
try:
    lines = open(sys.argv[1]).read().splitlines()
except OSError:
    print("0 passed, 1 failed")
    print("test-summary: no test log (did the build fail?)", file=sys.stderr)
    sys.exit(1)
for line in lines:
    if not line.strip():
        continue
    t = json.loads(line)
    out = t.get("stdout") or ""
    p = len(re.findall(r"^ok \d+", out, re.M))
    f = len(re.findall(r"^not ok \d+", out, re.M))
    s = len(re.findall(r"^ok \d+.*# *SKIP", out, re.M | re.I))
    passed += p - s
    skipped += s
    failed += f
    if t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and f == 0:
        failed += 1
        bad_suites.append(t.get("name"))
for name in bad_suites:
    print(f"test-summary: suite {name} failed outside its subtests", file=sys.stderr)
msg = f"{passed} passed, {failed} failed"
if skipped:
    msg += f", {skipped} skipped"
print(msg)
sys.exit(1 if failed or passed == 0 else 0)
PY
