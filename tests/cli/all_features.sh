# Every kind of count at once (issue 12): --by, --vocab, --kwic and --per-doc in one scan give
# byte-identical outputs whatever --threads and --batch-bytes (documents cut into pieces
# included: a text file far larger than the smallest batches), and tally merge of the parts'
# summaries, vocabularies and concordance lines equals one scan of the whole.
. tests/cli/lib.inc
cd "$W" || fail "cd"
strip() { grep -v '^  "run": ' "$1"; }
mkdir -p in
for i in 1 2 3 4; do
    "$GEN" --seed $((500 + i)) --docs 120 --words 50 --multilingual 20 --dict-out dict > "in/p$i.jsonl" || fail gen
done
"$GEN" --seed 510 --docs 30 --words 300 --format text > in/long.txt
OPTS="-q -d ../dict --by date:month --by @input --vocab v.tsv --kwic k.jsonl --kwic-max 5 --per-doc d.jsonl"
mkdir -p ref
(cd ref && run_rc 0 "$T" scan $OPTS -j 1 ../in -o s.json) || fail "reference scan"
[ "$(wc -l < ref/k.jsonl)" -gt 5 ] || fail "too few concordance lines to compare"
for j in 1 2 4; do
    for b in 700 4K 64K 1M; do
        rm -rf run && mkdir run
        (cd run && run_rc 0 "$T" scan $OPTS -j $j --batch-bytes $b ../in -o s.json) || fail "-j $j --batch-bytes $b"
        strip run/s.json > a
        strip ref/s.json > b2
        cmp -s a b2 || fail "-j $j --batch-bytes $b: summary differs"
        for f in v.tsv k.jsonl d.jsonl; do
            cmp -s run/$f ref/$f || fail "-j $j --batch-bytes $b: $f differs"
        done
    done
done
# parts = whole: two scans of halves, merged with their vocabularies and concordance lines
mkdir -p p1 p2 m
(cd p1 && run_rc 0 "$T" scan $OPTS ../in/p1.jsonl ../in/long.txt ../in/p3.jsonl -o s.json) || fail "part 1"
(cd p2 && run_rc 0 "$T" scan $OPTS ../in/p2.jsonl ../in/p4.jsonl -o s.json) || fail "part 2"
(cd m && run_rc 0 "$T" merge -q -o s.json --vocab v.tsv --vocab-part ../p1/v.tsv --vocab-part ../p2/v.tsv \
    --kwic k.jsonl --kwic-max 5 --kwic-part ../p1/k.jsonl --kwic-part ../p2/k.jsonl ../p1/s.json ../p2/s.json) ||
    fail "merge of the parts"
mkdir -p whole
(cd whole && run_rc 0 "$T" scan $OPTS ../in/p1.jsonl ../in/long.txt ../in/p3.jsonl ../in/p2.jsonl ../in/p4.jsonl -o s.json) ||
    fail "whole"
strip m/s.json > a
strip whole/s.json > b2
cmp -s a b2 || { diff a b2 | head -5 >&2; fail "merged summary differs from the whole's"; }
cmp -s m/v.tsv whole/v.tsv || fail "merged vocabulary differs from the whole's"
cmp -s m/k.jsonl whole/k.jsonl || fail "merged concordance lines differ from the whole's"
echo "all features: OK"
