# SIGINT and SIGTERM during a scan: tally stops at once with 130 / 143, removes its temporary
# files (dot-prefixed, so folder walks skip them), leaves the previous outputs untouched and says
# so in one line; with a status line drawn, the line is erased first.
. tests/cli/lib.inc

printf 'global\n' > "$W/d.dict"
mkdir "$W/out"
printf 'old summary\n' > "$W/out/s.json"
printf 'old docs\n' > "$W/out/docs.jsonl"

# within a second; the sanitizer builds' own exit handling (ThreadSanitizer's final report)
# may take longer, and they are there for races, not timing
limit_ms=1000
case "$T" in *build-asan/* | *build-tsan/*) limit_ms=3000 ;; esac
for run in INT TERM TERM-progress; do
    sig=${run%-progress}
    want=130
    [ "$sig" = TERM ] && want=143
    progress=--no-progress
    [ "$run" = TERM-progress ] && progress=--progress
    rm -f "$W/fifo"
    mkfifo "$W/fifo"
    # a writer that sends some documents, then stays open: the scan cannot finish on its own
    ( printf 'global text\n'; exec sleep 30 ) > "$W/fifo" 2> /dev/null &
    writer=$!
    BG="$BG $writer"
    "$T" scan $progress --format lines -d "$W/d.dict" -o "$W/out/s.json" --per-doc "$W/out/docs.jsonl" "$W/fifo" 2> "$W/err" &
    pid=$!
    BG="$BG $pid"
    sleep 1
    # both temporaries exist while the scan runs
    n=$(ls -A "$W/out" | wc -l)
    [ "$n" = 4 ] || fail "expected 2 outputs + 2 temporaries while running, found: $(ls -A "$W/out")"
    ls -A "$W/out" | grep -q '^\.s\.json\.[A-Za-z0-9]\{6\}$' || fail "no .s.json.XXXXXX: $(ls -A "$W/out")"
    ls -A "$W/out" | grep -q '^\.docs\.jsonl\.[A-Za-z0-9]\{6\}$' || fail "no .docs.jsonl.XXXXXX: $(ls -A "$W/out")"
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
    if [ "$run" = TERM-progress ]; then
        # status lines, then the erase, then the message on a clean line
        grep -q "$(printf '\r')tally: " "$W/err" || fail "no status line drawn with --progress"
        last=$(tr '\r' '\n' < "$W/err" | tail -n 1)
        expect_eq "message after the status line" "$last" "$(printf '\033[K')tally: interrupted, no output written"
    else
        expect_eq "message on SIG$sig" "$(cat "$W/err")" "tally: interrupted, no output written"
    fi
done
exit 0
