# Formats, fields, standard input, content-based compression detection and folder order.
. tests/cli/lib.inc

printf 'global\n' > "$W/d.dict"

# standard input: JSON Lines detected from the first non-blank byte, text otherwise
printf '\n{"id":1.50,"text":"global"}\n{"id":7,"text":"Global global"}\n' > "$W/a.jsonl"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/docs" - < "$W/a.jsonl"
expect_eq docs "$(get "$W/s.json" corpus.documents)" 2
expect_eq count "$(get "$W/s.json" keywords.global.count)" 3
expect_grep '^{"id":1.50,"input":"-","line":2,"tokens":1,"keywords":{"global":1},"groups":{}}$' "$W/docs"
printf 'global text\nglobal\n' | "$T" scan -q -d "$W/d.dict" -o "$W/s.json" -
expect_eq stdin-text-docs "$(get "$W/s.json" corpus.documents)" 1
printf 'global text\nglobal\n' | "$T" scan -q --format lines -d "$W/d.dict" -o "$W/s.json" -
expect_eq stdin-lines-docs "$(get "$W/s.json" corpus.documents)" 2

# nested and repeated text fields, arrays, missing ids
printf '{"article":{"body":["global a","b global"],"title":"global"},"lead":"global"}\n' > "$W/n.jsonl"
run_rc 0 "$T" scan -q -d "$W/d.dict" --text-field article.body --text-field lead -o "$W/s.json" --per-doc "$W/docs" "$W/n.jsonl"
expect_eq nested "$(get "$W/s.json" keywords.global.count)" 3
expect_grep "\"id\":\"$W/n.jsonl:1\"" "$W/docs"

# compression is detected from content, not the name
printf '{"text":"global"}\n' | zstd -q -c > "$W/looks-plain.jsonl"
printf 'global global\n' | gzip -c > "$W/looks-plain.txt"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/looks-plain.jsonl" "$W/looks-plain.txt"
expect_eq detected "$(get "$W/s.json" keywords.global.count)" 3

# folders: full paths byte-wise ("a-b" < "a.txt" < "a/x"), hidden entries skipped
mkdir -p "$W/dir/a" "$W/dir/.hidden" "$W/dir/sub"
for f in a-b a.txt a/x .dot sub/z .hidden/h; do printf 'global\n' > "$W/dir/$f"; done
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/docs" "$W/dir/"
sed 's/.*"input":"\([^"]*\)".*/\1/' "$W/docs" | sed "s|^$W/||" > "$W/order"
printf 'dir/a-b\ndir/a.txt\ndir/a/x\ndir/sub/z\n' | cmp -s - "$W/order" || { cat "$W/order" >&2; fail "folder order"; }
expect_eq inputs "$(get "$W/s.json" corpus.inputs)" 4

# found by fuzzing: U+202F NARROW NO-BREAK SPACE is White_Space but joins letters (WB13a/b), so
# a huge document must not be cut after it; every batch size gives the same counts
printf 'xx\342\200\257nn nn\n' > "$W/nnbsp.txt"
run_rc 0 "$T" scan -q -k nn --format text -o "$W/ref.json" "$W/nnbsp.txt"
expect_eq nnbsp-count "$(get "$W/ref.json" keywords.nn.count)" 1
for bb in 1 2 3 4 5 6 7 8; do
    run_rc 0 "$T" scan -q -k nn --format text --batch-bytes $bb -o "$W/s.json" "$W/nnbsp.txt"
    "$SC" --same "$W/ref.json" "$W/s.json" || fail "U+202F at --batch-bytes $bb"
done

# whitespace tokenizer and case sensitivity
printf 'Global global, global\n' > "$W/w.txt"
run_rc 0 "$T" scan -q -k global --tokenizer whitespace -o "$W/s.json" "$W/w.txt"
expect_eq ws "$(get "$W/s.json" keywords.global.count)" 2
run_rc 0 "$T" scan -q -k global --case-sensitive -o "$W/s.json" "$W/w.txt"
expect_eq cs "$(get "$W/s.json" keywords.global.count)" 2
run_rc 0 "$T" scan -q -k global -o "$W/s.json" "$W/w.txt"
expect_eq ci "$(get "$W/s.json" keywords.global.count)" 3
exit 0
