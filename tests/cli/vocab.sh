# --vocab: every token type with its count and documents, checked against the matcher itself
# (each sampled type, run as a one-term dictionary, must count exactly as listed; the counts add
# up to corpus.tokens), byte-identical over threads x batch sizes x forced spills, merge of parts
# = whole, the TSV escaping, --vocab-min-count / --vocab-top, and no temporary file left behind
# by SIGTERM.
. tests/cli/lib.inc

"$GEN" --seed 5 --docs 1500 --format jsonl --multilingual 30 > "$W/news.jsonl" || fail "gencorpus"
"$GEN" --seed 6 --docs 40 --format text --multilingual 50 > "$W/book.txt" || fail "gencorpus"
mkdir "$W/tmp"

# ---- no dictionary needed; the file's shape; counts add up to the corpus's tokens ----
run_rc 0 "$T" scan -q --vocab "$W/v.tsv" -o "$W/s.json" "$W/news.jsonl" "$W/book.txt"
[ "$(head -n 1 "$W/v.tsv")" = "$(printf 'type\tcount\tdocuments')" ] || fail "header: $(head -n 1 "$W/v.tsv")"
tail -n +2 "$W/v.tsv" > "$W/body"
LC_ALL=C sort -t "$(printf '\t')" -k2,2nr -k1,1 "$W/body" > "$W/sorted"
cmp -s "$W/body" "$W/sorted" || fail "not sorted by count descending, then type byte-wise"
sum=$(awk -F '\t' '{ s += $2 } END { print s }' "$W/body")
[ "$sum" = "$(get "$W/s.json" corpus.tokens)" ] || fail "counts add to $sum, corpus.tokens is $(get "$W/s.json" corpus.tokens)"
types=$(wc -l < "$W/body" | tr -d ' ')
[ "$types" = "$(get "$W/s.json" vocabulary.types)" ] || fail "vocabulary.types"
# xxh128sum (xxhash's own tool, installed with libxxhash) computes the digest independently
if command -v xxh128sum > /dev/null 2>&1; then
    [ "$(get "$W/s.json" vocabulary.digest)" = "$(xxh128sum "$W/v.tsv" | cut -d ' ' -f 1)" ] ||
        fail "vocabulary.digest is not the file's XXH3-128"
fi
# the summary's top list is the file's first 100 lines
python3 - "$W/s.json" "$W/body" << 'EOF' || fail "top list"
import json, sys
top = json.load(open(sys.argv[1]))["vocabulary"]["top"]
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[2], encoding="utf-8")][:100]
assert len(top) == min(100, len(rows)), len(top)
for t, r in zip(top, rows):
    assert [t[0], str(t[1]), str(t[2])] == r, (t, r)
EOF

# ---- each sampled type, as a one-term dictionary, counts exactly as listed ----
# the 15 most frequent, and every 331st line; types the dictionary syntax would read otherwise
# (a trailing *, a leading # or [) are left out
{ head -n 15 "$W/body"; awk 'NR % 331 == 0' "$W/body"; } | while IFS="$(printf '\t')" read -r ty c d; do
    case $ty in *'*' | '#'* | '['*) continue ;; esac
    "$T" scan -q -k "$ty" -o "$W/k.json" "$W/news.jsonl" "$W/book.txt" || fail "scan -k '$ty'"
    kc=$(python3 -c 'import json,sys; k=json.load(open(sys.argv[1]))["keywords"]; v=list(k.values())[0]; print(v["count"], v["documents"])' "$W/k.json")
    [ "$kc" = "$c $d" ] || fail "type '$ty': the vocabulary says $c $d, the matcher $kc"
done || exit 1

# ---- byte-identical whatever threads, batch sizes and memory (forced spills) ----
for cfg in "-j1" "-j2 --batch-bytes 2K" "-j2 --memory 1 --batch-bytes 64K" "-j1 --memory 1 --batch-bytes 700" \
    "-j2 --memory 200K --batch-bytes 5K"; do
    # shellcheck disable=SC2086
    run_rc 0 "$T" scan -q $cfg --temp-dir "$W/tmp" --vocab "$W/v2.tsv" -o "$W/s2.json" "$W/news.jsonl" "$W/book.txt"
    cmp -s "$W/v.tsv" "$W/v2.tsv" || fail "the vocabulary differs with $cfg"
    [ "$(get "$W/s2.json" vocabulary.digest)" = "$(get "$W/s.json" vocabulary.digest)" ] || fail "digest with $cfg"
    [ -z "$(ls -A "$W/tmp")" ] || fail "temporary files left with $cfg: $(ls -A "$W/tmp" | head -n 3)"
done
# a text document far larger than a batch (counted in pieces, across batches): once per document
cat "$W/book.txt" "$W/book.txt" "$W/book.txt" > "$W/big.txt"
run_rc 0 "$T" scan -q -j1 --format text --vocab "$W/b1.tsv" -o "$W/b1.json" "$W/big.txt"
run_rc 0 "$T" scan -q -j2 --format text --batch-bytes 1K --memory 1 --temp-dir "$W/tmp" --vocab "$W/b2.tsv" -o "$W/b2.json" "$W/big.txt"
cmp -s "$W/b1.tsv" "$W/b2.tsv" || fail "a document cut into pieces counts differently"
awk -F '\t' 'NR > 1 && $3 != 1 { print; exit 1 }' "$W/b2.tsv" || fail "a type of the one document is in more than one document"

# ---- case and tokenizer settings; the TSV escaping ----
printf 'Tab\\x a\\\\b CAFÉ café\n' > "$W/ws.txt"
run_rc 0 "$T" scan -q --tokenizer whitespace --case-sensitive --format lines --vocab "$W/ws.tsv" -o "$W/ws.json" "$W/ws.txt"
grep -qx 'Tab\\\\x	1	1' "$W/ws.tsv" || fail "a backslash is written as \\\\: $(cat "$W/ws.tsv")"
grep -qx 'a\\\\\\\\b	1	1' "$W/ws.tsv" || fail "two backslashes: $(cat "$W/ws.tsv")"
grep -qx 'CAFÉ	1	1' "$W/ws.tsv" || fail "--case-sensitive keeps case"
run_rc 0 "$T" scan -q --format lines --vocab "$W/ci.tsv" -o "$W/ci.json" "$W/ws.txt"
grep -qx 'café	2	1' "$W/ci.tsv" || fail "case folding: $(cat "$W/ci.tsv")"

# ---- --vocab-min-count, --vocab-top ----
run_rc 0 "$T" scan -q --vocab-min-count 3 --vocab-top 5 --vocab "$W/m.tsv" -o "$W/m.json" "$W/news.jsonl" "$W/book.txt"
awk -F '\t' '$2 >= 3' "$W/body" > "$W/want"
tail -n +2 "$W/m.tsv" | cmp -s - "$W/want" || fail "--vocab-min-count 3"
[ "$(get "$W/m.json" vocabulary.types)" = "$types" ] || fail "types counts every type, before --vocab-min-count"
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["vocabulary"]["top"]))' "$W/m.json")" = 5 ] || fail "--vocab-top 5"

# ---- merge of parts = whole ----
run_rc 0 "$T" scan -q --vocab "$W/p1.tsv" -o "$W/p1.json" "$W/news.jsonl"
run_rc 0 "$T" scan -q --memory 1 --temp-dir "$W/tmp" --vocab "$W/p2.tsv" -o "$W/p2.json" "$W/book.txt"
run_rc 0 "$T" merge -q --memory 1 --temp-dir "$W/tmp" --vocab "$W/mv.tsv" -o "$W/mv.json" "$W/p2.json" "$W/p1.json"
cmp -s "$W/mv.tsv" "$W/v.tsv" || fail "merged vocabulary differs from the whole's"
python3 - "$W/mv.json" "$W/s.json" << 'EOF' || fail "merged summary's vocabulary differs from the whole's"
import json, sys
a, b = (json.load(open(p))["vocabulary"] for p in sys.argv[1:])
del a["file"], b["file"]
assert a == b, (a, b)
EOF
# the parts' files given explicitly (in the summaries' order)
cp "$W/p1.tsv" "$W/q1.tsv"
run_rc 0 "$T" merge -q --vocab-part "$W/q1.tsv" --vocab-part "$W/p2.tsv" --vocab "$W/mv2.tsv" -o "$W/mv2.json" "$W/p1.json" "$W/p2.json"
cmp -s "$W/mv2.tsv" "$W/v.tsv" || fail "merge with --vocab-part"
# refused: no --vocab for the merged one; a changed part; one summary without a vocabulary
run_rc 2 "$T" merge -q -o "$W/x.json" "$W/p1.json" "$W/p2.json" 2> "$W/err"
grep -q -- "--vocab FILE" "$W/err" || fail "merge without --vocab: $(cat "$W/err")"
printf 'zzz\t1\t1\n' >> "$W/q1.tsv"
run_rc 2 "$T" merge -q --vocab-part "$W/q1.tsv" --vocab-part "$W/p2.tsv" --vocab "$W/x.tsv" -o "$W/x.json" "$W/p1.json" "$W/p2.json" 2> "$W/err"
grep -q "digest" "$W/err" || fail "a changed part is refused by its digest: $(cat "$W/err")"
[ ! -e "$W/x.tsv" ] && [ ! -e "$W/x.json" ] || fail "a refused merge wrote something"
run_rc 0 "$T" scan -q -k global -o "$W/nv.json" "$W/book.txt"
run_rc 0 "$T" scan -q -k global --vocab "$W/kv.tsv" -o "$W/kv.json" "$W/news.jsonl"
run_rc 2 "$T" merge -q --vocab "$W/x.tsv" -o "$W/x.json" "$W/kv.json" "$W/nv.json" 2> "$W/err"
grep -q "vocabulary" "$W/err" || fail "a summary without a vocabulary is added to one with: $(cat "$W/err")"

# ---- the output is never an input ----
run_rc 2 "$T" scan -q --vocab "$W/book.txt" -o "$W/x.json" "$W/book.txt" 2> "$W/err"
grep -q "refusing to overwrite an input" "$W/err" || fail "--vocab over an input: $(cat "$W/err")"
run_rc 2 "$T" scan -q --temp-dir "$W/nonexistent" --vocab "$W/x.tsv" -o "$W/x.json" "$W/book.txt" 2> "$W/err"
grep -q "temporary folder" "$W/err" || fail "an unusable --temp-dir: $(cat "$W/err")"

# ---- SIGTERM while spilling: the spilled runs are unlinked files, gone with the process ----
rm -f "$W/fifo"
mkfifo "$W/fifo"
( cat "$W/news.jsonl" "$W/news.jsonl"; exec sleep 30 ) > "$W/fifo" 2> /dev/null &
BG="$BG $!"
"$T" scan -q -j2 --memory 1 --batch-bytes 8K --temp-dir "$W/tmp" --vocab "$W/sig.tsv" -o "$W/sig.json" "$W/fifo" 2> "$W/err" &
pid=$!
BG="$BG $pid"
sleep 2
spilled=$(ls -l /proc/$pid/fd 2> /dev/null | grep -c "$W/tmp/.*(deleted)")
[ "$spilled" -ge 1 ] || fail "no spilled run open while scanning with --memory 1"
[ -z "$(ls -A "$W/tmp")" ] || fail "a spilled run has a name in the temporary folder: $(ls -A "$W/tmp" | head -n 3)"
kill -TERM $pid
wait $pid
[ $? = 143 ] || fail "SIGTERM: exit status"
[ -z "$(ls -A "$W/tmp")" ] || fail "temporary files left after SIGTERM: $(ls -A "$W/tmp" | head -n 3)"
[ ! -e "$W/sig.tsv" ] || fail "a vocabulary written after SIGTERM"
ls -A "$W" | grep -q '^\.sig\.tsv' && fail "the vocabulary's temporary output left after SIGTERM"
exit 0
