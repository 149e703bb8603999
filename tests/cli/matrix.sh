# Bad-input matrix: each case in each container (plain, zstd, gzip). For every case the exit
# status, the counts of the valid documents around the bad spot, and the error record (input,
# line, reason) are checked.
. tests/cli/lib.inc

printf 'global\n' > "$W/d.dict"

# case NAME FORMAT EXIT DOCS GLOBAL SKIPPED [ERRLINE ERRPATTERN]; content on stdin. A case runs at
# the end of a pipeline, in a subshell of its own: each call ends in '|| exit 1' so that its
# failure fails the script.
case_() {
    name=$1 fmt=$2 want=$3 docs=$4 count=$5 skipped=$6 eline=${7:-} epat=${8:-}
    cat > "$W/$name.src"
    for c in plain zstd gzip; do
        f="$W/$name.$c"
        case $c in
        plain) cp "$W/$name.src" "$f" ;;
        zstd) zstd -q -c "$W/$name.src" > "$f" ;;
        gzip) gzip -n -c "$W/$name.src" > "$f" ;;
        esac
        # tiny batches too: every fault also falls on a batch boundary somewhere
        run_rc "$want" "$T" scan -q --batch-bytes 3 --format "$fmt" -d "$W/d.dict" -o "$W/s3.json" "$f"
        run_rc "$want" "$T" scan -q --format "$fmt" -d "$W/d.dict" -o "$W/s.json" "$f"
        "$SC" --same "$W/s.json" "$W/s3.json" || fail "$name/$c: tiny batches differ"
        expect_eq "$name/$c documents" "$(get "$W/s.json" corpus.documents)" "$docs"
        expect_eq "$name/$c global" "$(get "$W/s.json" keywords.global.count)" "$count"
        expect_eq "$name/$c skipped" "$(get "$W/s.json" corpus.skipped_documents)" "$skipped"
        if [ -n "$eline" ]; then
            expect_eq "$name/$c error input" "$(get "$W/s.json" errors.0.input)" "$f"
            expect_eq "$name/$c error line" "$(get "$W/s.json" errors.0.line)" "$eline"
            get "$W/s.json" errors.0.message | grep -q -- "$epat" ||
                fail "$name/$c: message '$(get "$W/s.json" errors.0.message)' lacks '$epat'"
        else
            expect_eq "$name/$c errors" "$(get "$W/s.json" errors)" "[]"
        fi
    done
}

printf '{"text":"global"}\n{"text":"global\n{"text":"global"}\n' |
    case_ invalid-json jsonl 3 2 2 1 2 "invalid JSON" || exit 1
printf '{"text":"global"}\n{"body":"global"}\n{"text":"global"}\n' |
    case_ missing-field jsonl 3 2 2 1 2 "no field 'text'" || exit 1
printf '{"text":"global"}\n{"text":null}\n{"text":["global",1]}\n{"text":"global"}\n' |
    case_ non-string jsonl 3 2 2 2 2 "neither a string" || exit 1
printf '{"text":"global","text":"other"}\n{"text":"x","text":"global global"}\n' |
    case_ duplicate-keys jsonl 0 2 2 0 || exit 1
printf '{"text":"gl\\u006fbal caf\\u00e9 \\ud83d\\ude00 global \\ud800 global"}\n' |
    case_ escapes jsonl 0 1 3 0 || exit 1
printf '{"text":"global"}\n{"text":"global"}' |
    case_ no-final-newline jsonl 0 2 2 0 || exit 1
printf '{"text":"global"}\r\n{"text":"global"}\r\n' |
    case_ crlf jsonl 0 2 2 0 || exit 1
printf '\357\273\277{"text":"global"}\n' |
    case_ bom jsonl 0 1 1 0 || exit 1
printf '{"text":"global"}\n{"text":"glo\000bal"}\n{"te\000xt":"global"}\n{"text":"global"}\n' |
    case_ nul-bytes jsonl 3 2 2 2 2 "control character" || exit 1
printf '\n  \n\t\r\n{"text":"global"}\n\n' |
    case_ blank-lines jsonl 0 1 1 0 || exit 1
printf '\n \n\r\n' |
    case_ only-blank jsonl 0 0 0 0 || exit 1
# 100,000-deep nesting next to the text field: valid, counted, no stack overflow
{ printf '{"deep":'; head -c 100000 /dev/zero | tr '\0' '['; head -c 100000 /dev/zero | tr '\0' ']';
  printf ',"text":"global"}\n'; } | case_ deep-nesting jsonl 0 1 1 0 || exit 1
{ printf '{"deep":'; head -c 100000 /dev/zero | tr '\0' '['; printf ',"text":"global"}\n{"text":"global"}\n'; } |
    case_ deep-unbalanced jsonl 3 1 1 1 1 "invalid JSON" || exit 1

# names that do not tell the format (NAME.plain, NAME.zstd, NAME.gzip): the content decides
printf '{"text":"global"}\n{"text":"global\n{"source":"x","text":"global"}\n' |
    case_ sniffed-jsonl auto 3 2 2 1 2 "invalid JSON" || exit 1
printf 'text source global\n' | case_ sniffed-text auto 0 1 1 0 || exit 1
# JSON arrays: one document per element, pretty or compact, with the elements' errors
printf '[\n  {"text":"global"},\n  {"text":glob},\n  {"text":"global"}\n]\n' |
    case_ json-array auto 3 2 2 1 3 "array element at byte 25" || exit 1
printf '[{"text":"global"},{"text":"global"}]' | case_ json-array-compact json 0 2 2 0 || exit 1
printf '[{"text":"global"},,{"text":"global"}]' | case_ json-array-empty-element json 3 2 2 0 1 "expected a value" || exit 1
printf '[{"text":"global"},{"text":"glo' | case_ json-array-truncated json 3 1 1 0 1 "truncated" || exit 1
printf '[]' | case_ json-array-empty auto 0 0 0 0 || exit 1
printf '{"text":"global"}' | case_ json-not-array json 3 0 0 0 1 "not a JSON array" || exit 1

# text: invalid UTF-8 of every kind is counted, never drops the document
printf 'global \300\257 \355\240\200 global \342\202' | case_ bad-utf8 text 0 1 2 0 || exit 1
: | case_ empty text 0 1 0 0 || exit 1
printf 'global\n\nglobal\r\n' | case_ lines-empty lines 0 3 2 0 || exit 1

# container faults, end to end (the reader's unit tests cover each at every split point)
printf '{"text":"global"}\n' > "$W/one.jsonl"
zstd -q -c "$W/one.jsonl" > "$W/one.zst"
# a skippable frame first, then an empty frame, then the data: all fine
{ printf 'P*M\030\004\000\000\000skip'; printf '' | zstd -q -c; cat "$W/one.zst"; } > "$W/frames.jsonl.zst"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/frames.jsonl.zst"
expect_eq skippable "$(get "$W/s.json" keywords.global.count)" 1
# trailing garbage after valid frames: the documents are counted, the input fails at the offset
{ cat "$W/one.zst" "$W/one.zst"; printf 'garbage!'; } > "$W/trail.jsonl.zst"
run_rc 3 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/trail.jsonl.zst"
expect_eq trailing-docs "$(get "$W/s.json" corpus.documents)" 2
expect_eq trailing-failed "$(get "$W/s.json" corpus.failed_inputs)" 1
get "$W/s.json" errors.0.message | grep -q "at byte $(($(wc -c < "$W/one.zst") * 2))" ||
    fail "trailing garbage offset: $(get "$W/s.json" errors.0.message)"
# A frame whose window is larger than allowed (zstd --long=31 asks for 2^31 bytes): the summary
# states the fact and names no option; tally scan's report adds the option that raises the
# limit, as long as raising it can help; accepted with it.
printf '{"text":"global"}\n' | zstd -q --long=31 -c > "$W/long.jsonl.zst"
run_rc 3 "$T" scan -d "$W/d.dict" -o "$W/s.json" "$W/long.jsonl.zst" 2> "$W/err"
fact="zstd frame needs a window of 2147483648 bytes, more than the limit of 2^27 bytes (at byte 0 of the input)"
expect_eq window-message "$(get "$W/s.json" errors.0.message)" "$fact"
expect_eq window-hint "$(cat "$W/err")" "tally: $W/long.jsonl.zst: $fact (raise the limit with --zstd-window-log-max, at most 31)"
run_rc 3 "$T" scan --zstd-window-log-max 30 -d "$W/d.dict" -o "$W/s.json" "$W/long.jsonl.zst" 2> "$W/err"
expect_grep "more than the limit of 2^30 bytes (at byte 0 of the input) (raise the limit with --zstd-window-log-max, at most 31)\$" "$W/err"
# a frame header alone (magic, no flags, window descriptor 0xB0: 2^(10+22) bytes) asks for more
# than any limit allows: the fact only, at the default limit and at the highest
printf '\050\265\057\375\000\260\001\000\000' > "$W/huge.jsonl.zst"
for wl in 27 31; do
    run_rc 3 "$T" scan --zstd-window-log-max $wl -d "$W/d.dict" -o "$W/s.json" "$W/huge.jsonl.zst" 2> "$W/err"
    expect_eq "huge-window-$wl" "$(cat "$W/err")" \
        "tally: $W/huge.jsonl.zst: zstd frame needs a window of 4294967296 bytes, more than the limit of 2^$wl bytes (at byte 0 of the input)"
done
run_rc 0 "$T" scan -q --zstd-window-log-max 31 -d "$W/d.dict" -o "$W/s.json" "$W/long.jsonl.zst"
expect_eq long-window "$(get "$W/s.json" keywords.global.count)" 1
# a corrupted block (content checksum on): the input fails with zstd's reason, nothing crashes
"$GEN" --seed 61 --docs 300 > "$W/many.jsonl"
zstd -q --check -c "$W/many.jsonl" > "$W/corrupt.jsonl.zst"
size=$(wc -c < "$W/corrupt.jsonl.zst")
printf '\377\377\377\377\377\377\377\377' | dd of="$W/corrupt.jsonl.zst" bs=1 seek=$((size / 2)) conv=notrunc 2> /dev/null
run_rc 3 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/corrupt.jsonl.zst"
expect_eq corrupt-failed "$(get "$W/s.json" corpus.failed_inputs)" 1
get "$W/s.json" errors.0.message | grep -q "at byte" || fail "corrupt block message"

# gzip: two members and trailing zeros are fine
{ gzip -n -c "$W/one.jsonl"; gzip -n -c "$W/one.jsonl"; head -c 64 /dev/zero; } > "$W/two.jsonl.gz"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/two.jsonl.gz"
expect_eq gzip-members "$(get "$W/s.json" keywords.global.count)" 2
# truncated gzip: failed input, error names the input
gzip -n -c "$W/one.jsonl" | head -c 20 > "$W/cut.jsonl.gz"
run_rc 3 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/cut.jsonl.gz"
expect_eq gzip-cut "$(get "$W/s.json" errors.0.input)" "$W/cut.jsonl.gz"
get "$W/s.json" errors.0.message | grep -q "truncated" || fail "truncated gzip message"

# a 200 MB line is counted whole by default, and skipped with an error past --max-line-bytes
line_bytes=200000000
case "$T" in *build-asan/* | *build-tsan/*) line_bytes=20000000 ;; esac
{ printf '{"text":"'; yes 'global word' | tr '\n' ' ' | head -c $line_bytes; printf '"}\n{"text":"global"}\n'; } > "$W/long.jsonl"
# "global word " repeats every 12 bytes; a cut inside the last copy still leaves its "global"
# whenever at least 6 of its bytes are there
full=$((line_bytes / 12))
rest=$((line_bytes % 12))
expect_count=$((full + 1 + (rest >= 6 ? 1 : 0)))
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/long.jsonl"
expect_eq long-line "$(get "$W/s.json" keywords.global.count)" $expect_count
zstd -q -1 -c "$W/long.jsonl" > "$W/long.jsonl.zst"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/long.jsonl.zst"
expect_eq long-line-zstd "$(get "$W/s.json" keywords.global.count)" $expect_count
gzip -1 -n -c "$W/long.jsonl" > "$W/long.jsonl.gz"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/long.jsonl.gz"
expect_eq long-line-gzip "$(get "$W/s.json" keywords.global.count)" $expect_count
run_rc 3 "$T" scan -q --max-line-bytes 8M -d "$W/d.dict" -o "$W/s.json" "$W/long.jsonl.zst"
expect_eq long-line-skipped "$(get "$W/s.json" corpus.skipped_documents)" 1
expect_eq long-line-after "$(get "$W/s.json" keywords.global.count)" 1
expect_eq long-line-error "$(get "$W/s.json" errors.0.line)" 1
get "$W/s.json" errors.0.message | grep -q -- "longer than the limit of 8388608 bytes" || fail "long line message"
expect_eq long-line-bytes "$(get "$W/s.json" corpus.bytes)" "$(wc -c < "$W/long.jsonl")"
exit 0
