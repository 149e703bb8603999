# Bad input gets a clear error, and nothing valid is lost: the documents before and after a bad
# spot are counted, the bad ones are listed with input and line, and the exit status is 3.
. tests/cli/lib.inc

printf 'global\n' > "$W/d.dict"

# JSON Lines: one of each kind of bad line between good ones
{
    printf '{"id":"a","text":"global one"}\n'
    printf '{"id":"b","text":"global" \n'
    printf '{"id":"c","body":"global"}\n'
    printf '{"id":"d","text":42}\n'
    printf '[1,2]\n'
    printf '   \t\r\n'
    printf '{"id":"e","text":"gl\\u00d6bal global"}\r\n'
    printf '{"id":"f","text":["global", "x global"]}\n'
    printf '{"id":"g","te\000xt":"global"}\n'
    printf '{"id":"h","text":"global end"}'
} > "$W/mixed.jsonl"
run_rc 3 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/docs" "$W/mixed.jsonl"
expect_eq docs "$(get "$W/s.json" corpus.documents)" 4
expect_eq count "$(get "$W/s.json" keywords.global.count)" 5
expect_eq skipped "$(get "$W/s.json" corpus.skipped_documents)" 5
expect_eq failed "$(get "$W/s.json" corpus.failed_inputs)" 0
expect_eq e0 "$(get "$W/s.json" errors.0.line)" 2
get "$W/s.json" errors.0.message | grep -q "invalid JSON at column" || fail "error 0 message"
expect_eq e1 "$(get "$W/s.json" errors.1.line)" 3
get "$W/s.json" errors.1.message | grep -q "no field 'text'" || fail "error 1 message"
expect_eq e2 "$(get "$W/s.json" errors.2.line)" 4
get "$W/s.json" errors.2.message | grep -q "neither a string" || fail "error 2 message"
expect_eq e3 "$(get "$W/s.json" errors.3.line)" 5
get "$W/s.json" errors.3.message | grep -q "not an object" || fail "error 3 message"
expect_eq e4 "$(get "$W/s.json" errors.4.line)" 9
expect_eq per-doc-lines "$(wc -l < "$W/docs")" 4
"$SC" --perdoc "$W/s.json" "$W/docs" || fail "per-doc records"

# invalid UTF-8 inside a JSON string is replaced and counted, the document kept; outside a
# string it makes the line invalid
printf '{"text":"global \377 x \340\200"}\n{"text":"global"}\377\n' > "$W/u8.jsonl"
run_rc 3 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/u8.jsonl"
expect_eq u8-docs "$(get "$W/s.json" corpus.documents)" 1
# FF is one ill-formed subsequence; E0 80 is two (80 cannot follow E0)
expect_eq u8-invalid "$(get "$W/s.json" corpus.invalid_utf8)" 3
expect_eq u8-skipped "$(get "$W/s.json" corpus.skipped_documents)" 1
expect_eq u8-line "$(get "$W/s.json" errors.0.line)" 2

# not one document has the text field: say so and name the fields seen
printf '{"title":"global","body":"x"}\n{"title":"y"}\n' > "$W/nofield.jsonl"
run_rc 3 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/nofield.jsonl"
get "$W/s.json" errors.0.message | grep -q "fields seen: body, title" || fail "fields-seen message: $(get "$W/s.json" errors)"

printf 'global\n' > "$W/a.txt"

# BOM, CRLF, blank lines, invalid UTF-8 in text
printf '\357\273\277global\r\n\r\nglobal \377 x \300\257\n' > "$W/bom.txt"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" --format lines "$W/bom.txt"
expect_eq docs "$(get "$W/s.json" corpus.documents)" 3
expect_eq count "$(get "$W/s.json" keywords.global.count)" 2
expect_eq invalid "$(get "$W/s.json" corpus.invalid_utf8)" 3
printf '\357\273\277{"text":"global"}\n' > "$W/bom.jsonl"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/bom.jsonl"
expect_eq bom-jsonl "$(get "$W/s.json" keywords.global.count)" 1

# empty files: a text file is one empty document, JSON Lines has none
: > "$W/empty.txt"
: > "$W/empty.jsonl"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/empty.txt" "$W/empty.jsonl"
expect_eq docs "$(get "$W/s.json" corpus.documents)" 1
expect_eq tokens "$(get "$W/s.json" corpus.tokens)" 0
expect_eq per10k "$(get "$W/s.json" keywords.global.per_10k)" 0.0

# a truncated zstd stream and a gzip stream with a bad CRC: the documents before the fault are
# counted exactly as in the intact file, the input counts as failed, the next input is read
"$GEN" --seed 21 --docs 400 --dict-out "$W/g.dict" > "$W/big.jsonl"
zstd -q -c "$W/big.jsonl" > "$W/big.jsonl.zst"
gzip -n -c "$W/big.jsonl" > "$W/big.jsonl.gz"
size=$(wc -c < "$W/big.jsonl.zst")
head -c $((size / 2)) "$W/big.jsonl.zst" > "$W/cut.jsonl.zst"
run_rc 0 "$T" scan -q -j 1 -d "$W/g.dict" -o "$W/full.json" --per-doc "$W/full.docs" "$W/big.jsonl.zst"
for j in 1 2; do
    run_rc 3 "$T" scan -q -j $j --batch-bytes 4096 -d "$W/g.dict" -o "$W/s.json" --per-doc "$W/cut.docs" "$W/cut.jsonl.zst" "$W/a.txt" 2> /dev/null
    expect_eq failed "$(get "$W/s.json" corpus.failed_inputs)" 1
    expect_eq next-input "$(get "$W/s.json" keywords.global.documents)" "$(($(grep -c '"global"' "$W/cut.docs")))"
    n=$(grep -c '"input":"[^"]*cut.jsonl.zst"' "$W/cut.docs")
    [ "$n" -gt 0 ] && [ "$n" -lt 400 ] || fail "truncated stream gave $n documents"
    # the same records but for the input's name (also in ids made of INPUT:LINE)
    grep '"input":"[^"]*cut.jsonl.zst"' "$W/cut.docs" | sed "s|$W/cut.jsonl.zst|X|g" > "$W/x"
    head -n "$n" "$W/full.docs" | sed "s|$W/big.jsonl.zst|X|g" | cmp -s - "$W/x" || fail "documents before the fault differ"
    get "$W/s.json" errors.0.message | grep -q "at byte" || fail "no byte offset: $(get "$W/s.json" errors.0.message)"
done
# the same in `lines` format, where a line cut off by the fault is not a document either
"$GEN" --seed 22 --docs 400 --format lines > "$W/big.txt"
zstd -q -c "$W/big.txt" > "$W/big.txt.zst"
size=$(wc -c < "$W/big.txt.zst")
head -c $((size / 2)) "$W/big.txt.zst" > "$W/cut.txt.zst"
run_rc 0 "$T" scan -q -j 1 --format lines -d "$W/g.dict" -o "$W/full.json" --per-doc "$W/full.docs" "$W/big.txt.zst"
for bb in 7 4096 default; do
    opt="--batch-bytes $bb"
    [ "$bb" = default ] && opt=""
    # shellcheck disable=SC2086
    run_rc 3 "$T" scan -q $opt --format lines -d "$W/g.dict" -o "$W/s.json" --per-doc "$W/cut.docs" "$W/cut.txt.zst"
    n=$(wc -l < "$W/cut.docs")
    [ "$n" -gt 0 ] && [ "$n" -lt 400 ] || fail "truncated lines stream gave $n documents"
    sed "s|$W/cut.txt.zst|X|g" "$W/cut.docs" > "$W/x"
    head -n "$n" "$W/full.docs" | sed "s|$W/big.txt.zst|X|g" | cmp -s - "$W/x" || fail "lines before the fault differ (--batch-bytes $bb)"
    expect_eq lines-docs "$(get "$W/s.json" corpus.documents)" "$n"
done

size=$(wc -c < "$W/big.jsonl.gz")
head -c $((size - 8)) "$W/big.jsonl.gz" > "$W/crc.jsonl.gz"
printf '\001\002\003\004' >> "$W/crc.jsonl.gz"
tail -c 4 "$W/big.jsonl.gz" >> "$W/crc.jsonl.gz"
run_rc 3 "$T" scan -q -d "$W/g.dict" -o "$W/s.json" "$W/crc.jsonl.gz"
expect_eq failed "$(get "$W/s.json" corpus.failed_inputs)" 1
exit 0
