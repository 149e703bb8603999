# Concordance lines (--kwic): fixed cases written by hand (phrases, prefixes, a match at a
# field's start and end, CJK, White_Space collapsing, array elements, JSON escapes, a text
# document cut into pieces), the same bytes whatever --threads and --batch-bytes, the lines of
# each keyword against the documents the per-document records say hold its first matches, and
# tally merge of parts' files = one scan of the whole.
. tests/cli/lib.inc

cd "$W" || fail "no temp folder"

# ---- JSON Lines, by hand ----------------------------------------------------------------------
cat > a.jsonl << 'EOF'
{"id":"d1","text":"Global  warming\nends\u00a0here;\u3000the \"global warming\" debate"}
{"id":2,"article":{"body":["nothing","x","the END of global\twarming"]}}
{"id":"c","text":"我们支持开放合作"}
{"id":"e\"1","text":"tab\tquote \" back\\ global é\u00e9 end"}
EOF
cat > want-a.jsonl << 'EOF'
{"keyword":"debate","id":"d1","input":"a.jsonl","line":1,"field":"text","left":"global warming\"","match":"debate","right":""}
{"keyword":"global","id":"d1","input":"a.jsonl","line":1,"field":"text","left":"","match":"Global","right":"warming ends"}
{"keyword":"global","id":"d1","input":"a.jsonl","line":1,"field":"text","left":"here; the \"","match":"global","right":"warming\" debate"}
{"keyword":"global","id":2,"input":"a.jsonl","line":2,"field":"article.body[2]","left":"END of","match":"global","right":"warming"}
{"keyword":"global","id":"e\"1","input":"a.jsonl","line":4,"field":"text","left":"quote \" back\\","match":"global","right":"éé end"}
{"keyword":"global warming","id":"d1","input":"a.jsonl","line":1,"field":"text","left":"","match":"Global warming","right":"ends here"}
{"keyword":"global warming","id":"d1","input":"a.jsonl","line":1,"field":"text","left":"here; the \"","match":"global warming","right":"\" debate"}
{"keyword":"global warming","id":2,"input":"a.jsonl","line":2,"field":"article.body[2]","left":"END of","match":"global warming","right":""}
{"keyword":"warm*","id":"d1","input":"a.jsonl","line":1,"field":"text","left":"Global","match":"warming","right":"ends here"}
{"keyword":"warm*","id":"d1","input":"a.jsonl","line":1,"field":"text","left":"the \"global","match":"warming","right":"\" debate"}
{"keyword":"warm*","id":2,"input":"a.jsonl","line":2,"field":"article.body[2]","left":"of global","match":"warming","right":""}
{"keyword":"开放","id":"c","input":"a.jsonl","line":3,"field":"text","left":"支持","match":"开放","right":"合作"}
EOF
for j in 1 2; do
    for bb in 1 40 default; do
        o=""
        [ $bb = default ] || o="--batch-bytes $bb"
        # shellcheck disable=SC2086
        run_rc 0 "$T" scan -q -j $j $o -k "global warming" -k "warm*" -k debate -k global -k 开放 \
            --text-field text --text-field article.body --kwic-window 2 --kwic k.jsonl -o s.json a.jsonl
        cmp -s want-a.jsonl k.jsonl || { diff want-a.jsonl k.jsonl; fail "JSON Lines cases at -j $j --batch-bytes $bb"; }
    done
done
# --kwic-max: the first match of each keyword only; window 0: no context
run_rc 0 "$T" scan -q -k "global warming" -k "warm*" -k debate -k global -k 开放 --text-field text \
    --text-field article.body --kwic-window 2 --kwic-max 1 --kwic k.jsonl -o s.json a.jsonl
awk '!seen[substr($0, 1, index($0, ",\"id\""))]++' want-a.jsonl > want-1.jsonl
cmp -s want-1.jsonl k.jsonl || { diff want-1.jsonl k.jsonl; fail "--kwic-max 1"; }
run_rc 0 "$T" scan -q -k "global" --text-field text --text-field article.body --kwic-window 0 --kwic k.jsonl -o s.json a.jsonl
[ "$(grep -c '"left":"","match":"[Gg]lobal","right":""}' k.jsonl)" = 4 ] || fail "--kwic-window 0: $(cat k.jsonl)"

# ---- text: the line within the file, a match across lines and across the pipeline's cuts -------
printf 'line one has global\nwarming across lines\nand more text here global warming\n' > t.txt
cat > want-t.jsonl << 'EOF'
{"keyword":"across","id":"t.txt","input":"t.txt","line":2,"left":"global warming","match":"across","right":"lines and"}
{"keyword":"global warming","id":"t.txt","input":"t.txt","line":1,"left":"one has","match":"global warming","right":"across lines"}
{"keyword":"global warming","id":"t.txt","input":"t.txt","line":3,"left":"text here","match":"global warming","right":""}
{"keyword":"one","id":"t.txt","input":"t.txt","line":1,"left":"line","match":"one","right":"has global"}
EOF
for j in 1 2; do
    for bb in 1 2 3 5 8 13 21 default; do
        o=""
        [ $bb = default ] || o="--batch-bytes $bb"
        # shellcheck disable=SC2086
        run_rc 0 "$T" scan -q -j $j $o --format text -k "global warming" -k one -k across --kwic-window 2 \
            --kwic k.jsonl -o s.json t.txt
        cmp -s want-t.jsonl k.jsonl || { diff want-t.jsonl k.jsonl; fail "text cut at -j $j --batch-bytes $bb"; }
    done
done

# a text document that breaks off (a truncated stream) is not counted, and gives no lines, also
# from the batches it filled before the fault
awk 'BEGIN { srand(7); for (i = 0; i < 3000; i++) printf "global warming is line %d of the text %d\n", i, int(rand() * 1000000000) }' > big.txt
gzip -c big.txt > big.txt.gz
head -c $(($(wc -c < big.txt.gz) / 2)) big.txt.gz > cut.txt.gz
run_rc 3 "$T" scan -q --batch-bytes 4K -k "global warming" --kwic cut.jsonl -o cut.json cut.txt.gz
[ "$(get cut.json corpus.bytes)" -gt 20000 ] || fail "the broken stream gave too few bytes to test"
[ "$(get cut.json corpus.documents)" = 0 ] || fail "the broken document was counted"
[ ! -s cut.jsonl ] || fail "a broken document gave lines: $(head -2 cut.jsonl)"
awk 'BEGIN { for (i = 0; i < 3000; i++) printf "global warming is line %d of the text\n", i }' > big.txt
zstd -q big.txt -o big.txt.zst
run_rc 0 "$T" scan -q --batch-bytes 4K -k "global warming" --kwic-max 0 --kwic big.jsonl -o big.json big.txt.zst
[ "$(wc -l < big.jsonl)" = 3000 ] || fail "the whole text file: $(wc -l < big.jsonl) lines"
grep -q '^{"keyword":"global warming","id":"big.txt.zst","input":"big.txt.zst","line":2999,"left":"global warming is line 2997 of the text","match":"global warming","right":"is line 2998 of the text global warming"}$' big.jsonl ||
    fail "line 2999 of the text file: $(sed -n 2999p big.jsonl)"

# ---- lines: one long line cut by the pipeline, context on both sides of every cut ---------------
awk 'BEGIN { for (i = 1; i <= 300; i++) printf "w%d alpha beta%s", i, (i % 7 ? " " : " gamma "); printf "\nshort alpha beta line\n" }' > l.txt
run_rc 0 "$T" scan -q --format lines -k "alpha beta" -k gamma --kwic-max 0 --kwic ref.jsonl -o s.json l.txt
# by hand: 8 tokens on each side, "gamma" among them after every seventh
n=$(grep -c '"keyword":"alpha beta"' ref.jsonl)
[ "$n" = 301 ] || fail "lines: $n alpha beta lines, expected 301"
grep -q '^{"keyword":"alpha beta","id":"l.txt:1","input":"l.txt","line":1,"left":"w1","match":"alpha beta","right":"w2 alpha beta w3 alpha beta w4 alpha"}$' ref.jsonl ||
    fail "lines: first match"
grep -q '"left":"beta w5 alpha beta w6 alpha beta w7","match":"alpha beta","right":"gamma w8 alpha beta w9 alpha beta w10"}$' ref.jsonl ||
    fail "lines: a match before gamma"
grep -q '"line":2,"left":"short","match":"alpha beta","right":"line"}$' ref.jsonl || fail "lines: line 2"
for bb in 1 64 1000; do
    for j in 1 2; do
        run_rc 0 "$T" scan -q -j $j --batch-bytes $bb --format lines -k "alpha beta" -k gamma --kwic-max 0 --kwic k.jsonl -o s.json l.txt
        cmp -s ref.jsonl k.jsonl || fail "lines cut at --batch-bytes $bb -j $j"
    done
done

# ---- generated corpora: the same bytes at every -j and --batch-bytes; the right documents ------
"$GEN" --seed 31 --docs 400 --dict-out g.dict > g.jsonl
"$GEN" --seed 32 --docs 60 --format text > g.txt
for f in g.jsonl g.txt; do
    fmt=""
    [ $f = g.txt ] && fmt="--format text"
    # shellcheck disable=SC2086
    run_rc 0 "$T" scan -q -j 1 $fmt -d g.dict --kwic ref.k --kwic-max 5 --per-doc ref.docs -o s.json $f
    for j in 2 3; do
        for bb in 1 500 65536; do
            # shellcheck disable=SC2086
            run_rc 0 "$T" scan -q -j $j --batch-bytes $bb $fmt -d g.dict --kwic k.jsonl --kwic-max 5 -o s.json $f
            cmp -s ref.k k.jsonl || fail "$f: concordance differs at -j $j --batch-bytes $bb"
        done
    done
    # each keyword's lines: min(5, count) of them, from the documents whose records (in input
    # order) hold its first five matches
    python3 - ref.k ref.docs s.json << 'EOF' || fail "$f: lines do not follow the per-document records"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
docs = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
summary = json.load(open(sys.argv[3], encoding="utf-8"))
want = {}
for d in docs:
    for k, n in d["keywords"].items():
        want.setdefault(k, []).extend([d["id"]] * n)
got = {}
for l in lines:
    got.setdefault(l["keyword"], []).append(l["id"])
    assert l["match"], l
for k, v in summary["keywords"].items():
    assert len(got.get(k, [])) == min(5, v["count"]), (k, got.get(k), v["count"])
    assert got.get(k, []) == want.get(k, [])[:5], (k, got.get(k), want.get(k, [])[:5])
names = [l["keyword"] for l in lines]
assert names == sorted(names, key=lambda s: s.encode("utf-8")), "keywords not in byte order"
assert sum(1 for l in lines) > 20
EOF
done

# ---- tally merge of the parts' files = one scan of the whole ----------------------------------
mkdir parts
"$GEN" --seed 41 --docs 120 > parts/b.jsonl
"$GEN" --seed 42 --docs 90 > parts/a.jsonl
"$GEN" --seed 43 --docs 150 > parts/c-2.jsonl
"$GEN" --seed 44 --docs 30 --format text > parts/c.txt
for max in 0 3 20; do
    run_rc 0 "$T" scan -q -d g.dict --kwic-max $max --kwic whole.k -o whole.json parts
    for p in b a c-2 c; do
        f=parts/$p.jsonl
        [ $p = c ] && f=parts/c.txt
        run_rc 0 "$T" scan -q -d g.dict --kwic-max $max --kwic $p.k -o $p.json $f
    done
    # parts given out of input order, and grouped in two merges
    run_rc 0 "$T" merge -q -o m1.json --kwic m1.k --kwic-max $max --kwic-part c.k --kwic-part b.k c.json b.json
    run_rc 0 "$T" merge -q -o m.json --kwic m.k --kwic-max $max --kwic-part m1.k --kwic-part c-2.k \
        --kwic-part a.k m1.json c-2.json a.json
    cmp -s whole.k m.k || { diff whole.k m.k | head; fail "merge of parts' concordance files (--kwic-max $max)"; }
    # inputs named out of order: lines still go by input name, as the summary lists inputs
    run_rc 0 "$T" scan -q -j 2 -d g.dict --kwic-max $max --kwic named.k -o named.json parts/c.txt parts/b.jsonl \
        parts/c-2.jsonl parts/a.jsonl
    cmp -s whole.k named.k || fail "inputs named out of order (--kwic-max $max)"
done
[ "$(wc -l < whole.k)" -gt 100 ] || fail "too few lines to compare"

# ---- usage: outputs are never inputs, --kwic - needs -o, bad numbers, broken part files --------
run_rc 2 "$T" scan -q -k global --kwic a.jsonl -o s.json --text-field text --text-field article.body a.jsonl 2> err.txt
grep -q -- "--kwic" err.txt || fail "--kwic over an input: $(cat err.txt)"
run_rc 2 "$T" scan -q -k global --kwic - a.jsonl > /dev/null 2> err.txt
run_rc 2 "$T" scan -q -k global --kwic-window 1001 --kwic k.jsonl -o s.json --text-field text --text-field article.body a.jsonl 2> err.txt
grep -q -- "--kwic-window" err.txt || fail "--kwic-window 1001: $(cat err.txt)"
run_rc 2 "$T" scan -q -k global --kwic-max -1 --kwic k.jsonl -o s.json --text-field text --text-field article.body a.jsonl 2> err.txt
run_rc 0 "$T" scan -q -k global --kwic - -o s.json --text-field text --text-field article.body a.jsonl > out.k
[ "$(wc -l < out.k)" = 4 ] || fail "--kwic - on standard output"
run_rc 2 "$T" merge -q -o m.json --kwic m.k a.json 2> err.txt
grep -q -- "--kwic-part" err.txt || fail "merge --kwic without parts: $(cat err.txt)"
echo '{"keyword":"x"}' > bad.k
run_rc 2 "$T" merge -q -o m2.json --kwic m2.k --kwic-part bad.k a.json 2> err.txt
grep -q "bad.k:1" err.txt || fail "a broken part file: $(cat err.txt)"
[ ! -e m2.k ] && [ ! -e m2.json ] || fail "a failed merge left an output"
exit 0
