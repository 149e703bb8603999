# SIGINT and SIGTERM during a scan: tally stops at once with 130 / 143, removes its temporary
# files and leaves the previous outputs untouched.
. tests/cli/lib.inc

printf 'global\n' > "$W/d.dict"
mkdir "$W/out"
printf 'old summary\n' > "$W/out/s.json"
printf 'old docs\n' > "$W/out/docs.jsonl"

# within a second; the sanitizer builds' own exit handling (ThreadSanitizer's final report)
# may take longer, and they are there for races, not timing
limit_ms=1000
case "$T" in *build-asan/* | *build-tsan/*) limit_ms=3000 ;; esac
for sig in INT TERM; do
    want=130
    [ "$sig" = TERM ] && want=143
    rm -f "$W/fifo"
    mkfifo "$W/fifo"
    # a writer that sends some documents, then stays open: the scan cannot finish on its own
    ( printf 'global text\n'; exec sleep 30 ) > "$W/fifo" 2> /dev/null &
    writer=$!
    BG="$BG $writer"
    "$T" scan -q --format lines -d "$W/d.dict" -o "$W/out/s.json" --per-doc "$W/out/docs.jsonl" "$W/fifo" &
    pid=$!
    BG="$BG $pid"
    sleep 1
    # both temporaries exist while the scan runs
    n=$(ls -A "$W/out" | wc -l)
    [ "$n" = 4 ] || fail "expected 2 outputs + 2 temporaries while running, found: $(ls -A "$W/out")"
    start=$(date +%s%N)
    kill -s "$sig" "$pid"
    wait "$pid"
    rc=$?
    end=$(date +%s%N)
    kill "$writer" 2> /dev/null
    wait "$writer" 2> /dev/null
    expect_eq "exit status on SIG$sig" "$rc" "$want"
    [ $(((end - start) / 1000000)) -lt $limit_ms ] || fail "took $(((end - start) / 1000000)) ms to stop"
    [ "$(ls -A "$W/out" | sort | tr '\n' ' ')" = "docs.jsonl s.json " ] || fail "left behind: $(ls -A "$W/out")"
    expect_eq summary "$(cat "$W/out/s.json")" "old summary"
    expect_eq docs "$(cat "$W/out/docs.jsonl")" "old docs"
done
exit 0
