# valgrind memcheck over an end-to-end scan (every format, compressed inputs, per-document
# output, a bad input): no leaks, no invalid reads or writes, no uninitialised values.
. tests/cli/lib.inc

command -v valgrind > /dev/null || fail "valgrind is missing (scripts/ensure-deps.sh installs it)"
case "$T" in *build-asan/* | *build-tsan/*) echo "memcheck runs on the plain build only"; exit 0 ;; esac
"$GEN" --seed 31 --docs 60 --dict-out "$W/d.dict" > "$W/a.jsonl"
zstd -q "$W/a.jsonl" -o "$W/a.jsonl.zst"
"$GEN" --seed 32 --docs 20 --format lines > "$W/b.txt"
printf '{"text":"broken' > "$W/c.jsonl"
run_rc 3 valgrind -q --leak-check=full --show-leak-kinds=all --errors-for-leak-kinds=all \
    --error-exitcode=99 "$T" scan -q -j 2 --batch-bytes 4096 -d "$W/d.dict" -o "$W/s.json" \
    --per-doc "$W/docs.jsonl" "$W/a.jsonl.zst" "$W/b.txt" "$W/c.jsonl" corpus/archive/wire-2024.jsonl.gz
expect_eq docs "$(get "$W/s.json" corpus.inputs)" 4
exit 0
