#!/bin/sh
# run-tests.sh BUILD — runs every unit test binary in BUILD/tests and every end-to-end CLI test
# in tests/cli/, then validates every summary those tests read (collected by `get` in
# tests/cli/lib.inc) against docs/summary.schema.json, and prints one closing line
# "N passed, N failed".
BUILD=${1:-build}
export TALLY_BIN="$PWD/$BUILD/tally"
export TALLY_BUILD="$PWD/$BUILD"
# the summaries of this run only
SEEN="$TALLY_BUILD/summaries-seen"
rm -rf "$SEEN"
mkdir -p "$SEEN"
# Debian's jsonschema is in /usr/bin/python3's path, not in that of another python3 on PATH
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
passed=0
failed=0
failed_names=""
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    out=$("$t" 2>&1)
    rc=$?
    printf '%s\n' "$out" | grep -E '^\[ *(PASSED|FAILED|SKIPPED) *\]|^\[  ERROR|^\[  FAILED|skip' | sed "s|^|$(basename "$t"): |"
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {print s+0}')
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" != 0 ]; then
        [ "$f" = 0 ] && failed=$((failed + 1))
        failed_names="$failed_names $(basename "$t")"
        printf '%s\n' "$out" | tail -40
    fi
done
for t in tests/cli/*.sh; do
    [ -f "$t" ] || continue
    if out=$(sh "$t" 2>&1); then
        passed=$((passed + 1))
        echo "cli: PASS $(basename "$t")"
        # a part a test could not run says so
        printf '%s\n' "$out" | sed -n "s|^SKIP: |cli: SKIP $(basename "$t"): |p"
    else
        failed=$((failed + 1))
        failed_names="$failed_names $(basename "$t")"
        echo "cli: FAIL $(basename "$t")"
        printf '%s\n' "$out" | tail -40
    fi
done
# every summary the end-to-end tests read must follow the schema; fewer than 50 would mean the
# collection in lib.inc stopped working
out=$("$PY" tests/schema-check.py --min 50 docs/summary.schema.json "$SEEN" 2>&1)
rc=$?
if [ "$rc" = 0 ]; then
    passed=$((passed + 1))
    echo "cli: PASS schema-check: $(printf '%s\n' "$out" | tail -1)"
elif [ "$rc" = 77 ] || ! command -v "$PY" > /dev/null 2>&1; then
    passed=$((passed + 1))
    echo "cli: SKIP schema-check: ${out:-no python3}"
else
    failed=$((failed + 1))
    failed_names="$failed_names schema-check"
    echo "cli: FAIL schema-check"
    printf '%s\n' "$out" | head -200
fi
[ -n "$failed_names" ] && echo "failing:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
