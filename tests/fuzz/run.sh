#!/bin/sh
# tests/fuzz/run.sh — builds the libFuzzer targets in tests/fuzz/ and runs them.
#
#   tests/fuzz/run.sh [SECONDS] [TARGET...]   fuzz each target for SECONDS (default 60)
#   tests/fuzz/run.sh check [TARGET...]       run each target once over its seed corpus (CI)
#   tests/fuzz/run.sh build                   only build
#
# TARGET is dict, dictfmt, tokenize, jsonl, reader, match, jarray or summary (default: all eight). The engine's sources
# (lib/*.c, and the generated build/gen/unicode_tables.c) are compiled
# with -fsanitize=fuzzer-no-link,address,undefined into build-fuzz/obj; each target is linked with
# -fsanitize=fuzzer,address,undefined into build-fuzz/fuzz_TARGET. New corpus entries go to
# build-fuzz/corpus/TARGET (the committed seeds in tests/fuzz/corpus/TARGET are only read),
# crashes to build-fuzz/crashes/TARGET/, logs to build-fuzz/logs/TARGET.log.
#
# Environment: CC (default clang), FUZZ_FLAGS (extra libFuzzer flags), NICE (default: nice -n 10
# for fuzzing), FUZZ_KEEP_GOING=1 (fuzz in libFuzzer's fork mode and go on after a crash, a
# timeout or an out-of-memory; every one is still saved and makes the target fail). Exit status: 0 when every target passed, 1 otherwise, 2 on a build failure.
set -eu

cd "$(dirname "$0")/../.."
OUT=build-fuzz
CC=${CC:-clang}
# make's default CC is cc; the fuzzer runtime needs clang.
case "$CC" in cc | gcc*) CC=clang ;; esac
ALL_TARGETS="dict dictfmt tokenize jsonl reader match jarray summary"
PKGS="libuv libzstd zlib jansson libutf8proc libxxhash yaml-0.1"
NICE=${NICE-nice -n 10}

mode=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-$ALL_TARGETS}
case "$mode" in
check | build) ;;
*[!0-9]* | '')
    echo "usage: $0 [SECONDS | check | build] [TARGET...]" >&2
    exit 2
    ;;
esac
for t in $targets; do
    [ -f "tests/fuzz/fuzz_$t.c" ] || { echo "run.sh: no target '$t'" >&2; exit 2; }
done

# ---- build ------------------------------------------------------------------------------------
if [ ! -f build/gen/unicode_tables.c ]; then
    make --no-print-directory build/gen/unicode_tables.c >&2 || exit 2
fi
# clang and its libFuzzer runtime come from Debian's packages, installed only when missing
if [ "$CC" = clang ]; then
    need=""
    command -v clang >/dev/null 2>&1 || need="clang"
    dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "install ok installed" ||
        need="$need libclang-rt-14-dev"
    if [ -n "$need" ]; then
        echo "run.sh: installing$need" >&2
        SUDO=""
        [ "$(id -u)" = 0 ] || SUDO=sudo
        $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $need >/dev/null || exit 2
    fi
fi
command -v "$CC" >/dev/null 2>&1 || { echo "run.sh: $CC not found" >&2; exit 2; }
pkg_cflags=$(pkg-config --cflags $PKGS) || exit 2
pkg_libs="$(pkg-config --libs $PKGS) -lpthread -lm"
CFLAGS_FUZZ="-std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wvla -Werror -D_GNU_SOURCE
  -O1 -g -fno-omit-frame-pointer -fno-sanitize-recover=all -Iinclude -Ilib -Ibuild/gen $pkg_cflags"
SAN_OBJ=-fsanitize=fuzzer-no-link,address,undefined
SAN_BIN=-fsanitize=fuzzer,address,undefined

mkdir -p "$OUT/obj"
headers=$(ls include/*.h lib/*.h tests/fuzz/*.h)
newer_than() { # newer_than FILE DEP... : true when FILE is missing or older than a DEP
    [ -f "$1" ] || return 0
    f=$1
    shift
    for d in "$@"; do [ "$d" -nt "$f" ] && return 0; done
    return 1
}
objs=
for src in lib/*.c build/gen/unicode_tables.c; do
    obj="$OUT/obj/$(basename "$src" .c).o"
    objs="$objs $obj"
    if newer_than "$obj" "$src" $headers "$0"; then
        echo "  CC      $src" >&2
        $CC $CFLAGS_FUZZ $SAN_OBJ -c -o "$obj" "$src" || exit 2
    fi
done
for t in $targets; do
    bin="$OUT/fuzz_$t"
    if newer_than "$bin" "tests/fuzz/fuzz_$t.c" $objs $headers "$0"; then
        echo "  LD      $bin" >&2
        $CC $CFLAGS_FUZZ $SAN_BIN -o "$bin" "tests/fuzz/fuzz_$t.c" $objs $pkg_libs || exit 2
    fi
done
[ "$mode" = build ] && exit 0

# ---- run --------------------------------------------------------------------------------------
pass=0
fail=0
mkdir -p "$OUT/logs"
for t in $targets; do
    seeds="tests/fuzz/corpus/$t"
    mkdir -p "$seeds" "$OUT/crashes/$t"
    # JSONTestSuite's parsing cases seed the JSON target where that folder exists (not copied here)
    extra=
    jts=${TALLY_JSONTESTSUITE:-../shared/testdata/JSONTestSuite/test_parsing}
    [ "$t" = jsonl ] && [ -d "$jts" ] && extra=$jts
    log="$OUT/logs/$t.log"
    dict=
    [ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
    # -timeout: one input taking longer counts as a hang; the reader target bounds its own output.
    common="-max_len=65536 -timeout=25 -rss_limit_mb=2560 -artifact_prefix=$OUT/crashes/$t/ -print_final_stats=1"
    if [ "$mode" = check ]; then
        # -runs=0: execute every seed once, then stop.
        if "$OUT/fuzz_$t" $common -runs=0 ${FUZZ_FLAGS:-} "$seeds" $extra >"$log" 2>&1; then
            n=$(ls "$seeds" | wc -l)
            echo "fuzz_$t: ok ($n seeds)"
            pass=$((pass + 1))
        else
            echo "fuzz_$t: FAILED (see $log)"
            tail -n 30 "$log" | sed 's/^/    /'
            fail=$((fail + 1))
        fi
    else
        mkdir -p "$OUT/corpus/$t"
        echo "fuzz_$t: fuzzing for $mode s (log: $log)"
        keep=
        [ "${FUZZ_KEEP_GOING:-0}" = 1 ] && keep="-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1"
        before=$(ls "$OUT/crashes/$t" | wc -l)
        status=0
        $NICE "$OUT/fuzz_$t" $common $dict $keep -max_total_time="$mode" ${FUZZ_FLAGS:-} \
            "$OUT/corpus/$t" "$seeds" $extra >"$log" 2>&1 || status=$?
        after=$(ls "$OUT/crashes/$t" | wc -l)
        if [ "$status" -eq 0 ] && [ "$after" -eq "$before" ]; then
            echo "fuzz_$t: ok: $(grep -E '^#[0-9]+' "$log" | tail -n 1)"
            pass=$((pass + 1))
        else
            echo "fuzz_$t: FAILED: $((after - before)) new in $OUT/crashes/$t/ (see $log)"
            grep -E '^(==[0-9]+==ERROR|SUMMARY|.*check failed)' "$log" | head -n 5 | sed 's/^/    /'
            fail=$((fail + 1))
        fi
    fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
