# Per-document records can be joined back: "line" (the document's physical line, JSON Lines and
# lines formats) and, with --keep-field, "fields" holding JSON values exactly as written. Every
# record parses back with jansson (sumcheck --perdoc), and the file is byte-identical whatever
# --threads and --batch-bytes are.
. tests/cli/lib.inc

printf 'global\n' > "$W/d.dict"

# ---- "line" -------------------------------------------------------------------------------------

# JSON Lines with blank, whitespace-only, invalid and non-object lines in between, and a CRLF line
printf '{"id":"a","text":"global"}\n\n{bad\n  \t\n{"text":"global global"}\n[1]\n{"id":7,"text":"x"}\r\n' > "$W/a.jsonl"
run_rc 3 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/a.docs" "$W/a.jsonl"
"$SC" --perdoc "$W/s.json" "$W/a.docs" || fail "records of a.jsonl"
sed 's/.*"line":\([0-9]*\).*/\1/' "$W/a.docs" | tr '\n' ' ' > "$W/lines"
expect_eq jsonl-lines "$(cat "$W/lines")" "1 5 7 "
expect_grep "^{\"id\":\"a\",\"input\":\"$W/a.jsonl\",\"line\":1,\"tokens\":1," "$W/a.docs"
expect_grep "^{\"id\":\"$W/a.jsonl:5\",\"input\":\"$W/a.jsonl\",\"line\":5,\"tokens\":2," "$W/a.docs"
expect_grep "^{\"id\":7,\"input\":\"$W/a.jsonl\",\"line\":7,\"tokens\":1,\"keywords\":{},\"groups\":{}}\$" "$W/a.docs"
# the errors name the same line numbers
expect_eq bad-line "$(get "$W/s.json" errors.0.line)" 3
expect_eq not-object "$(get "$W/s.json" errors.1.line)" 6

# lines format: "line" is the number in the id INPUT:LINE, empty lines too
printf 'global\n\nb global\r\nc' > "$W/b.txt"
run_rc 0 "$T" scan -q --format lines -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/b.docs" "$W/b.txt"
sed 's/.*"line":\([0-9]*\).*/\1/' "$W/b.docs" | tr '\n' ' ' > "$W/lines"
expect_eq lines-lines "$(cat "$W/lines")" "1 2 3 4 "
expect_grep "^{\"id\":\"$W/b.txt:3\",\"input\":\"$W/b.txt\",\"line\":3,\"tokens\":2," "$W/b.docs"

# text format: a file is one document, without "line"
run_rc 0 "$T" scan -q --format text -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/c.docs" "$W/b.txt"
expect_eq text-records "$(wc -l < "$W/c.docs")" 1
expect_eq text-no-line "$(grep -c '"line"' "$W/c.docs")" 0
expect_grep "^{\"id\":\"$W/b.txt\",\"input\":\"$W/b.txt\",\"tokens\":4," "$W/c.docs"

# A generated corpus with a blank line after every third line and a bad one after every seventh,
# in several inputs (plain and zstd): each record's (input, id, line) must be the input's own,
# read off the files with awk (the generator writes string ids, number ids and no id at all).
"$GEN" --seed 31 --docs 900 --words 40 --dict-out "$W/g.dict" > "$W/gen.jsonl"
awk 'NR <= 450 { print; if (NR % 3 == 0) print ""; if (NR % 7 == 0) print "{\"text\":" }' "$W/gen.jsonl" > "$W/p1.jsonl"
awk 'NR > 450 { print; if (NR % 5 == 0) print "   "; if (NR % 11 == 0) print "[\"not an object\"]" }' "$W/gen.jsonl" > "$W/p2.jsonl"
zstd -q -c "$W/p2.jsonl" > "$W/p2.jsonl.zst"
for f in p1.jsonl p2.jsonl; do
    n=$f
    [ $f = p2.jsonl ] && n=p2.jsonl.zst
    awk -v f="$W/$n" '
        match($0, /^\{"id":("[^"]*"|[0-9]+),/) { print f, substr($0, 7, RLENGTH - 7), NR; next }
        /^\{"date":/ { print f, "\"" f ":" NR "\"", NR }' "$W/$f"
done > "$W/want"
[ "$(wc -l < "$W/want")" = 900 ] || fail "the generated corpus has $(wc -l < "$W/want") documents, not 900"
run_rc 3 "$T" scan -q -d "$W/g.dict" -o "$W/s.json" --per-doc "$W/gen.docs" "$W/p1.jsonl" "$W/p2.jsonl.zst"
"$SC" --perdoc "$W/s.json" "$W/gen.docs" || fail "records of the generated corpus"
sed 's/^{"id":\("[^"]*"\|[0-9]*\),"input":"\([^"]*\)","line":\([0-9]*\),.*/\2 \1 \3/' "$W/gen.docs" > "$W/got"
cmp -s "$W/want" "$W/got" || { diff "$W/want" "$W/got" | head -5 >&2; fail "input, id and line of the records"; }

# lines format across batch edges, with one line far longer than a batch (counted in pieces)
"$GEN" --seed 32 --docs 300 --words 30 --format lines > "$W/l.txt"
awk 'NR == 150 { s = ""; for (i = 0; i < 3000; i++) s = s "global word "; print s; next } { print }' "$W/l.txt" > "$W/l2.txt"
run_rc 0 "$T" scan -q -j 2 --batch-bytes 4096 --format lines -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/l.docs" "$W/l2.txt"
expect_eq lines-records "$(wc -l < "$W/l.docs")" 300
awk '{ print NR }' "$W/l2.txt" > "$W/want"
sed 's/.*"line":\([0-9]*\),.*/\1/' "$W/l.docs" > "$W/got"
cmp -s "$W/want" "$W/got" || fail "line numbers in lines format across batches"
bad=$(sed -n 's/^{"id":"[^"]*:\([0-9]*\)","input":"[^"]*","line":\([0-9]*\),.*/\1 \2/p' "$W/l.docs" | awk '$1 != $2' | wc -l)
expect_eq id-is-line "$bad" 0
expect_eq long-line-count "$(sed -n 150p "$W/l.docs" | sed 's/.*"keywords":{"global":\([0-9]*\)}.*/\1/')" 3000

# ---- --keep-field -------------------------------------------------------------------------------

if ! "$T" scan --help 2>&1 | grep -q -- --keep-field; then
    echo "perdoc: this build's command line has no --keep-field yet: its tests are skipped"
    exit 0
fi

# nested, prefixes, every JSON type as written, missing, escapes, a duplicate key (the last wins)
cat > "$W/k.jsonl" << 'EOF'
{"id":1,"meta":{"date":"2024-01-05","src":{"name":"xinhua", "n" : [1, 2.50]}},"text":"global","n":1.50,"s":"a\u00e9\"b\/","t":true,"z":null}
{"id":2,"meta":{"date":"a"},"text":"global","meta":{"date":20240106},"s":"x","s":["y",{}]}
{"id":3,"text":"global","meta":"flat"}
EOF
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/k.docs" \
    --keep-field meta.date --keep-field meta --keep-field meta.src.name --keep-field n --keep-field s \
    --keep-field t --keep-field z --keep-field missing "$W/k.jsonl"
"$SC" --perdoc "$W/s.json" "$W/k.docs" || fail "records with kept fields"
cat > "$W/want" << EOF
{"id":1,"input":"$W/k.jsonl","line":1,"tokens":1,"keywords":{"global":1},"groups":{},"fields":{"meta.date":"2024-01-05","meta":{"date":"2024-01-05","src":{"name":"xinhua", "n" : [1, 2.50]}},"meta.src.name":"xinhua","n":1.50,"s":"a\u00e9\"b\/","t":true,"z":null,"missing":null}}
{"id":2,"input":"$W/k.jsonl","line":2,"tokens":1,"keywords":{"global":1},"groups":{},"fields":{"meta.date":20240106,"meta":{"date":20240106},"meta.src.name":null,"n":null,"s":["y",{}],"t":null,"z":null,"missing":null}}
{"id":3,"input":"$W/k.jsonl","line":3,"tokens":1,"keywords":{"global":1},"groups":{},"fields":{"meta.date":null,"meta":"flat","meta.src.name":null,"n":null,"s":null,"t":null,"z":null,"missing":null}}
EOF
cmp -s "$W/want" "$W/k.docs" || { diff "$W/want" "$W/k.docs" >&2; fail "kept fields as written"; }

# a kept field that is also the text and the id field; a path given twice is written once
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/k2.docs" --keep-field text \
    --keep-field id --keep-field text "$W/k.jsonl"
expect_grep '"groups":{},"fields":{"text":"global","id":1}}$' "$W/k2.docs"

# ill-formed UTF-8 inside a kept string becomes U+FFFD (one per maximal ill-formed subsequence),
# a CR in a kept object's whitespace a space: the records stay valid UTF-8 JSON, one per line
printf '{"text":"global","s":"a\377\342\202b","o":{"k":1\r}}\r\n' > "$W/u.jsonl"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/u.docs" --keep-field s --keep-field o "$W/u.jsonl"
"$SC" --perdoc "$W/s.json" "$W/u.docs" || fail "records with ill-formed UTF-8 in kept values"
printf '"fields":{"s":"a\357\277\275\357\277\275b","o":{"k":1 }}}\n' > "$W/want"
tail -c "$(wc -c < "$W/want")" "$W/u.docs" | cmp -s "$W/want" - || { cat "$W/u.docs" >&2; fail "kept ill-formed UTF-8 and CR"; }
expect_eq one-record "$(wc -l < "$W/u.docs")" 1

# no input can be JSON: an error at once; some can: the others' records hold null
"$T" scan -q --format lines -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/x.docs" --keep-field date "$W/b.txt" 2> "$W/err"
rc=$?
[ $rc = 1 ] || [ $rc = 2 ] || fail "kept fields without JSON input: exit status $rc"
expect_grep "needs JSON input" "$W/err"
[ ! -e "$W/x.docs" ] || fail "a per-document file was left behind"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/m.docs" --keep-field meta.date "$W/k.jsonl" "$W/b.txt"
expect_grep "^{\"id\":\"$W/b.txt\",\"input\":\"$W/b.txt\",\"tokens\":4,.*,\"fields\":{\"meta.date\":null}}\$" "$W/m.docs"
printf 'x\n' | "$T" scan -q -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/m.docs" --keep-field date - ||
    fail "standard input in auto format may be JSON: no error before it is read"

# the generated corpus: date and source (some with \u escapes) joined back by line number, read
# off the input with sed
sed 's/^{\("id":[^,]*,\)\{0,1\}"date":\("[^"]*"\),"source":\("[^"]*"\),"text".*/\2 \3/' "$W/gen.jsonl" | awk '{ print NR, $0 }' > "$W/want"
grep -q 'u65B0' "$W/want" || fail "no escaped source in the generated corpus"
run_rc 0 "$T" scan -q -d "$W/g.dict" -o "$W/s.json" --per-doc "$W/g.docs" --keep-field date --keep-field source "$W/gen.jsonl"
sed 's/.*,"line":\([0-9]*\),.*,"fields":{"date":\("[^"]*"\),"source":\("[^"]*"\)}}$/\1 \2 \3/' "$W/g.docs" > "$W/got"
cmp -s "$W/want" "$W/got" || { diff "$W/want" "$W/got" | head -5 >&2; fail "date and source of the generated corpus"; }

# ---- the same bytes whatever --threads and --batch-bytes ---------------------------------------

"$GEN" --seed 33 --docs 1500 --words 60 --multilingual 20 > "$W/det.jsonl"
zstd -q -c "$W/det.jsonl" > "$W/det.jsonl.zst"
KEEP="--keep-field date --keep-field source --keep-field id --keep-field missing.path"
# shellcheck disable=SC2086
run_rc 3 "$T" scan -q -j 1 -d "$W/g.dict" -o "$W/ref.json" --per-doc "$W/ref.docs" $KEEP "$W/det.jsonl.zst" "$W/p1.jsonl"
"$SC" --perdoc "$W/ref.json" "$W/ref.docs" || fail "reference records"
# shellcheck disable=SC2086
run_rc 0 "$T" scan -q -j 1 -d corpus/policy.dict -o "$W/ref-a.json" --per-doc "$W/ref-a.docs" $KEEP corpus/archive
"$SC" --perdoc "$W/ref-a.json" "$W/ref-a.docs" || fail "records of the sample archive"
expect_eq archive-nulls "$(grep -c '"fields":{"date":null,"source":null,"id":null,"missing.path":null}}$' "$W/ref-a.docs")" \
    "$(ls corpus/archive/speeches | wc -l)"
for j in 1 2 4; do
    for bb in 1 7 4096 1M; do
        # shellcheck disable=SC2086
        "$T" scan -q -j $j --batch-bytes $bb -d "$W/g.dict" -o "$W/s.json" --per-doc "$W/s.docs" $KEEP "$W/det.jsonl.zst" "$W/p1.jsonl"
        [ $? = 3 ] || fail "exit status at -j $j --batch-bytes $bb"
        cmp -s "$W/ref.docs" "$W/s.docs" || fail "generated corpus: records differ at -j $j --batch-bytes $bb"
        [ "$bb" = 1 ] && continue # the sample archive in one-byte batches takes too long
        # shellcheck disable=SC2086
        run_rc 0 "$T" scan -q -j $j --batch-bytes $bb -d corpus/policy.dict -o "$W/s.json" --per-doc "$W/s.docs" $KEEP corpus/archive
        cmp -s "$W/ref-a.docs" "$W/s.docs" || fail "sample archive: records differ at -j $j --batch-bytes $bb"
    done
done
exit 0
