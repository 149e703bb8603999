#!/bin/sh
# run-tests.sh BUILD — runs every unit test binary in BUILD/tests and every end-to-end CLI test
# in tests/cli/, then prints one closing line "N passed, N failed".
BUILD=${1:-build}
export TALLY_BIN="$PWD/$BUILD/tally"
export TALLY_BUILD="$PWD/$BUILD"
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
    else
        failed=$((failed + 1))
        failed_names="$failed_names $(basename "$t")"
        echo "cli: FAIL $(basename "$t")"
        printf '%s\n' "$out" | tail -40
    fi
done
[ -n "$failed_names" ] && echo "failing:$failed_names"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
