# tally compare end to end: two summaries of generated text with planted counts; the a and b of
# every row are the planted counts, and G2, p, Log Ratio and %DIFF are recomputed by python3's
# math module from the a, b and N that it reads from the summaries themselves (LRC is checked
# against the engine's reference table in tests/test_keyness.c; here only its sign and its
# zero rule). Vocabulary files (hand-written, consistent with the summaries), every output
# format, --sort/--top/--min-count/--no-bonferroni, and the refusals: another dictionary,
# other settings, damaged vocabulary files (exit 2 naming file and line).
. tests/cli/lib.inc
cd "$W" || fail "cd $W"
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

# ---- two corpora with planted counts --------------------------------------------------------
# corpus A: 40 lines; "alpha" 3 times a line, "beta" once on even lines, "delta" never;
# "joint building" once every 4th line. corpus B: 60 lines; alpha once on every 3rd line, beta
# twice a line, delta on line 1, never "joint building". Filler words make up the rest.
awk 'BEGIN { for (i = 1; i <= 40; i++) { s = "alpha filler alpha words alpha"; if (i % 2 == 0) s = s " beta";
      if (i % 4 == 0) s = s " joint building"; print s " end" } }' > a.txt
awk 'BEGIN { for (i = 1; i <= 60; i++) { s = "beta some other beta text here"; if (i % 3 == 0) s = s " alpha";
      if (i == 1) s = s " delta"; print s } }' > b.txt
printf 'alpha\nbeta\ndelta\ngamma\n[pair]\nalpha\nbeta\n[phrase]\njoint building\n' > d.dict
run_rc 0 "$T" scan -q -d d.dict --format lines -o a.json a.txt
run_rc 0 "$T" scan -q -d d.dict --format lines -o b.json b.txt
expect_eq "planted alpha in A" "$(get a.json keywords.alpha.count)" 120
expect_eq "planted beta in B" "$(get b.json keywords.beta.count)" 120

run_rc 0 "$T" compare a.json b.json > out.json
run_rc 0 "$T" compare a.json b.json --json -o out2.json
cmp -s out.json out2.json || fail "--json -o differs from standard output that is not a terminal"

# planted: kind name a b
cat > planted <<'P'
keyword alpha 120 20
keyword beta 20 120
keyword delta 0 1
keyword joint building 10 0
group pair 140 140
group phrase 10 0
P
NA=$(get a.json corpus.tokens)
NB=$(get b.json corpus.tokens)
"$PY" - out.json planted "$NA" "$NB" << 'PYEOF' || fail "compare's rows differ from the independent computation"
import json, math, sys
doc = json.load(open(sys.argv[1]))
n1, n2 = int(sys.argv[3]), int(sys.argv[4])
planted = {}
for line in open(sys.argv[2]):
    f = line.split()
    planted[(f[0], " ".join(f[1:-2]))] = (int(f[-2]), int(f[-1]))
assert doc["first"]["tokens"] == n1 and doc["second"]["tokens"] == n2, "corpus sizes"
rows = {(r["kind"], r["name"]): r for r in doc["rows"]}
# gamma is counted on neither side: left out; everything planted is there
assert ("keyword", "gamma") not in rows, "an item counted on neither side is listed"
assert set(rows) == set(planted), (sorted(rows), sorted(planted))
assert doc["compared"] == len(planted)

def close(x, y, rel=1e-8):
    return abs(x - y) <= rel * max(abs(x), abs(y)) or abs(x - y) < 1e-9

for key, (a, b) in planted.items():
    r = rows[key]
    assert (r["a"], r["b"]) == (a, b), (key, r["a"], r["b"], a, b)
    n = n1 + n2
    cells = [(a, n1 * (a + b) / n), (b, n2 * (a + b) / n),
             (n1 - a, n1 * (n - a - b) / n), (n2 - b, n2 * (n - a - b) / n)]
    g2 = 2 * sum(o * math.log(o / e) for o, e in cells if o > 0)
    p = math.erfc(math.sqrt(g2 / 2))
    if a / n1 < b / n2:
        g2 = -g2
    fa, fb = (a or 0.5), (b or 0.5)
    lr = math.log2((fa / n1) / (fb / n2))
    pct = (fa / n1 - fb / n2) * 100 / (fb / n2)
    for name, want in (("g2", g2), ("p", p), ("log_ratio", lr), ("pct_diff", pct),
                       ("per_10k_a", a * 10000 / n1), ("per_10k_b", b * 10000 / n2)):
        assert close(r[name], want), (key, name, r[name], want)
    # LRC: 0, or of the sign of G2 and nearer to 0 than the log ratio
    assert r["lrc"] == 0 or (r["lrc"] * g2 > 0 and abs(r["lrc"]) < abs(lr)), (key, r["lrc"], lr)
# sorted by signed G2, largest first
g = [r["g2"] for r in doc["rows"]]
assert g == sorted(g, reverse=True), g
PYEOF

# ---- sorting, --top, --min-count, Bonferroni -----------------------------------------------
"$T" compare a.json b.json --sort b --top 2 --csv > top.csv || fail "--sort b --top 2"
expect_eq "--sort b --top 2" "$(cut -d, -f2,4 top.csv | tr '\n' ' ')" "name,b pair,140 beta,120 "
expect_eq "--sort b --top 2 row order" "$(sed -n 2p top.csv | cut -d, -f2)" "pair"
"$T" compare a.json b.json --sort a --tsv > a.tsv || fail "--sort a"
expect_eq "--sort a" "$(cut -f2 a.tsv | tr '\n' ' ')" "name pair alpha beta joint building phrase delta "
"$T" compare a.json b.json --min-count 11 --json > min.json || fail "--min-count"
# alpha, beta, pair (140, 140, 280); not joint building and phrase (10), delta (1)
expect_eq "--min-count 11 rows" "$(grep -c '"kind"' min.json)" 3
expect_eq "--min-count 11 compared" "$(grep -o '"compared": [0-9]*' min.json)" '"compared": 3'
# Bonferroni over more items makes the interval wider: |LRC| can only shrink
"$T" compare a.json b.json --csv > bon.csv
"$T" compare a.json b.json --csv --no-bonferroni > nobon.csv
"$PY" - bon.csv nobon.csv << 'PYEOF' || fail "Bonferroni does not widen the interval"
import csv, sys
b = {r["name"]: float(r["lrc"]) for r in csv.DictReader(open(sys.argv[1]))}
n = {r["name"]: float(r["lrc"]) for r in csv.DictReader(open(sys.argv[2]))}
assert all(abs(b[k]) <= abs(n[k]) for k in b), (b, n)
assert any(abs(b[k]) < abs(n[k]) for k in b), "no LRC changed"
PYEOF
"$T" compare a.json b.json --csv --confidence 0.999 > c999.csv || fail "--confidence"
cmp -s c999.csv bon.csv && fail "--confidence changes nothing"
run_rc 2 "$T" compare a.json b.json --confidence 1.5 2> err
expect_grep "between 0 and 1" err
run_rc 2 "$T" compare a.json b.json --sort size 2> err
expect_grep "expected g2, log-ratio, lrc, a or b" err

# identical corpora: every score 0
run_rc 0 "$T" compare a.json a.json --csv > same.csv
expect_eq "identical corpora" "$(tail -n +2 same.csv | cut -d, -f7,9,10,11 | sort -u)" "0.0,0.0,0.0,0.0"

# ---- the aligned table ------------------------------------------------------------------------
"$T" compare a.json b.json --table > table.txt || fail "--table"
expect_grep "^keyword  alpha  *120  *20 " table.txt
grep "^keyword  alpha " table.txt | grep -q '\*\*\*\*' || fail "alpha has no **** mark"
grep "^keyword  delta " table.txt | grep -q '\*' && fail "delta (0 vs 1) is marked significant"
expect_grep "G2 marks: \* p < .05" table.txt
# standard output a terminal: the table by default (script(1) gives one)
if command -v script > /dev/null 2>&1; then
    script -qec "$T compare a.json b.json" /dev/null > tty.txt 2>&1
    grep -q "G2 marks" tty.txt || fail "no table on a terminal"
fi

# ---- refusals ---------------------------------------------------------------------------------
printf 'alpha\nbeta\n' > other.dict
run_rc 0 "$T" scan -q -d other.dict --format lines -o other.json b.txt
run_rc 2 "$T" compare a.json other.json 2> err
expect_grep "different dictionaries" err
run_rc 0 "$T" scan -q -d d.dict --case-sensitive --format lines -o cs.json b.txt
run_rc 2 "$T" compare a.json cs.json 2> err
expect_grep "different settings" err
expect_grep "case=sensitive" err
run_rc 2 "$T" compare a.json 2> err
expect_grep "two SUMMARY files" err
printf '{"tally": 2}\n' > bad.json
run_rc 2 "$T" compare a.json bad.json 2> err
expect_grep "bad.json" err
run_rc 2 "$T" compare a.json b.json -o a.json 2> err

# ---- vocabularies -----------------------------------------------------------------------------
# A: 280 tokens; B: 381. Types written as tally scan --vocab writes them (sorted by count
# descending, then type), consistent with the summaries' corpus totals.
expect_eq "tokens of A" "$NA" 280
expect_eq "tokens of B" "$NB" 381
printf 'type\tcount\tdocuments\nalpha\t120\t40\nend\t40\t40\nfiller\t40\t40\nwords\t40\t40\nbeta\t20\t20\nbuilding\t10\t10\njoint\t10\t10\n' > va.tsv
printf 'type\tcount\tdocuments\nbeta\t120\t60\nhere\t60\t60\nother\t60\t60\nsome\t60\t60\ntext\t60\t60\nalpha\t20\t20\ndelta\t1\t1\n' > vb.tsv
run_rc 0 "$T" compare a.json b.json --vocab va.tsv vb.tsv --csv > v.csv
run_rc 0 "$T" compare --vocab va.tsv --vocab vb.tsv a.json b.json --csv > v2.csv
cmp -s v.csv v2.csv || fail "--vocab A --vocab B differs from --vocab A B"
"$PY" - v.csv va.tsv vb.tsv "$NA" "$NB" << 'PYEOF' || fail "vocabulary rows differ from the independent computation"
import csv, math, sys
rows = {r["name"]: r for r in csv.DictReader(open(sys.argv[1]))}
def load(p):
    it = iter(open(p))
    next(it)
    return {l.split("\t")[0]: int(l.split("\t")[1]) for l in it}
va, vb = load(sys.argv[2]), load(sys.argv[3])
n1, n2 = int(sys.argv[4]), int(sys.argv[5])
assert set(rows) == set(va) | set(vb), sorted(rows)
for t, r in rows.items():
    a, b = va.get(t, 0), vb.get(t, 0)
    assert r["kind"] == "type" and (int(r["a"]), int(r["b"])) == (a, b), (t, r)
    n = n1 + n2
    cells = [(a, n1 * (a + b) / n), (b, n2 * (a + b) / n), (n1 - a, n1 * (n - a - b) / n), (n2 - b, n2 * (n - a - b) / n)]
    g2 = 2 * sum(o * math.log(o / e) for o, e in cells if o > 0)
    if a / n1 < b / n2:
        g2 = -g2
    assert abs(float(r["g2"]) - g2) <= 1e-8 * abs(g2) + 1e-9, (t, r["g2"], g2)
    lr = math.log2(((a or 0.5) / n1) / ((b or 0.5) / n2))
    assert abs(float(r["log_ratio"]) - lr) <= 1e-8 * abs(lr) + 1e-9, (t, r["log_ratio"], lr)
PYEOF
# vocabulary mode needs the settings only, not the dictionary
run_rc 0 "$T" compare a.json other.json --vocab va.tsv vb.tsv --csv > /dev/null
run_rc 2 "$T" compare a.json cs.json --vocab va.tsv vb.tsv 2> err
expect_grep "different settings" err
run_rc 2 "$T" compare a.json b.json --vocab va.tsv 2> err
expect_grep "needs two vocabulary files" err

# damaged vocabulary files: each names the file and the line
check_bad() { # CONTENT WANT-IN-MESSAGE
    printf "$1" > bad.tsv
    run_rc 2 "$T" compare a.json b.json --vocab va.tsv bad.tsv 2> err
    expect_grep "$2" err
}
check_bad 'word\tcount\tdocuments\n' "bad.tsv:1: not a vocabulary file"
check_bad '' "bad.tsv: an empty file"
check_bad 'type\tcount\tdocuments\nbeta\t5\t1\nalpha\t6\t1\n' "bad.tsv:3: out of order"
check_bad 'type\tcount\tdocuments\nbeta\t5\t1\nalpha\t5\t1\n' "bad.tsv:3: out of order"
check_bad 'type\tcount\tdocuments\nbeta\t5\t1\nbeta\t5\t1\n' "bad.tsv:3: the type 'beta' is listed twice"
check_bad 'type\tcount\tdocuments\nbeta\tfive\t1\n' "bad.tsv:2: the count 'five'"
check_bad 'type\tcount\tdocuments\nbeta\t5\t6\n' "bad.tsv:2: the documents '6'"
check_bad 'type\tcount\tdocuments\nbeta\t5\n' "bad.tsv:2: expected three tab-separated fields"
check_bad 'type\tcount\tdocuments\n\t5\t1\n' "bad.tsv:2: an empty type"
check_bad 'type\tcount\tdocuments\nbe\\qta\t5\t1\n' "bad.tsv:2: a backslash"
check_bad 'type\tcount\tdocuments\nb\377\t5\t1\n' "bad.tsv:2: the type is not valid UTF-8"
check_bad 'type\tcount\tdocuments\nbeta\t382\t1\n' "bad.tsv:2: the vocabulary counts more tokens than b.json"
check_bad 'type\tcount\tdocuments\nbeta\t99999999999999999999\t1\n' "bad.tsv:2: the count"
run_rc 2 "$T" compare a.json b.json --vocab va.tsv missing.tsv 2> err
expect_grep "missing.tsv: No such file" err
# an escaped tab in a type, CRLF line ends and a byte order mark are read
printf '\357\273\277type\tcount\tdocuments\r\nbe\\tta\t5\t1\r\n' > ok.tsv
run_rc 0 "$T" compare a.json b.json --vocab va.tsv ok.tsv --tsv > ok.out
expect_grep 'be\\tta' ok.out

# ---- two buckets of one summary (--bucket) ---------------------------------------------------
# Sources with a comma, a backslash, the string "null" and a null source: each document's words
# planted by hand, so a and b come from this table, not from tally.
cat > bk.jsonl <<'J'
{"date": "2024-01-05", "source": "Reuters, Ltd", "text": "alpha alpha beta filler"}
{"date": "2024-01-20", "source": "Reuters, Ltd", "text": "alpha joint building words"}
{"date": "2024-02-01", "source": "Reuters, Ltd", "text": "beta beta"}
{"date": "2024-01-09", "source": "back\\slash", "text": "beta alpha filler filler"}
{"date": "2024-01-10", "source": null, "text": "beta beta beta delta words"}
{"date": "2024-01-11", "source": "null", "text": "alpha words"}
J
run_rc 0 "$T" scan -q -d d.dict --by date:month --by source -o bk.json bk.jsonl
# bucket 2024-01,Reuters, Ltd: alpha 3, beta 1, joint building 1; 8 tokens
# bucket 2024-01,null (the null source): beta 3, delta 1; 5 tokens
run_rc 0 "$T" compare bk.json --bucket '2024-01,Reuters\, Ltd' --bucket 2024-01,null --json > bk.out
"$PY" - bk.out << 'PYEOF' || fail "--bucket: rows differ from the planted counts"
import json, math, sys
doc = json.load(open(sys.argv[1]))
assert doc["items"] == "bucket", doc["items"]
n1, n2 = 8, 5
assert doc["first"]["tokens"] == n1 and doc["second"]["tokens"] == n2, (doc["first"], doc["second"])
rows = {(r["kind"], r["name"]): (r["a"], r["b"], r["g2"]) for r in doc["rows"]}
want = {("keyword", "alpha"): (3, 0), ("keyword", "beta"): (1, 3), ("keyword", "delta"): (0, 1),
        ("keyword", "joint building"): (1, 0), ("group", "pair"): (4, 3), ("group", "phrase"): (1, 0)}
assert {k: v[:2] for k, v in rows.items()} == want, rows
for k, (a, b) in want.items():
    n = n1 + n2
    cells = [(a, n1 * (a + b) / n), (b, n2 * (a + b) / n), (n1 - a, n1 * (n - a - b) / n), (n2 - b, n2 * (n - a - b) / n)]
    g2 = 2 * sum(o * math.log(o / e) for o, e in cells if o > 0)
    g2 = -g2 if a / n1 < b / n2 else g2
    assert abs(rows[k][2] - g2) < 1e-9 * max(1, abs(g2)), (k, rows[k][2], g2)
PYEOF
# the string "null" is \null; a backslash in a value is \\
run_rc 0 "$T" compare bk.json --bucket '2024-01,\null' --bucket '2024-01,back\\slash' --csv > bk2.csv
expect_eq "--bucket \\null and \\\\" "$(grep '^keyword,alpha,' bk2.csv | cut -d, -f3,4)" "1,1"
# refusals: one key, three, of another length, not there, a bad escape, with --vocab, no buckets
run_rc 2 "$T" compare bk.json --bucket 2024-01,null 2> err
expect_grep "needs two keys" err
run_rc 2 "$T" compare bk.json --bucket 2024-01 --bucket 2024-02 2> err
expect_grep "1 component, but bk.json is bucketed by 2 (date:month, source)" err
run_rc 2 "$T" compare bk.json --bucket 2024-03,null --bucket 2024-01,null 2> err
expect_grep "has no bucket '2024-03,null'" err
run_rc 2 "$T" compare bk.json --bucket '2024-01,a\b' --bucket 2024-01,null 2> err
expect_grep "a backslash before 'b'" err
run_rc 2 "$T" compare bk.json bk.json --bucket 2024-01,null --bucket 2024-02,null 2> err
expect_grep "two buckets of one SUMMARY" err
run_rc 2 "$T" compare a.json --bucket x --bucket y 2> err
expect_grep "the summary has no buckets" err

# ---- tally export --table compare: compare's table, with export's format options --------------
run_rc 0 "$T" compare a.json b.json --csv --sort a > c1.csv
run_rc 0 "$T" export --table compare a.json b.json --sort a > e1.csv
cmp -s c1.csv e1.csv || fail "export --table compare differs from compare --csv"
run_rc 0 "$T" export --tsv --bom --crlf --table compare bk.json --bucket '2024-01,Reuters\, Ltd' --bucket 2024-01,null -o e2.tsv
head -c 3 e2.tsv | od -An -tx1 | tr -d ' \n' | grep -q '^efbbbf$' || fail "export --table compare --bom: no byte order mark"
[ "$(head -1 e2.tsv | od -An -c | tr -d ' \n' | tail -c 4)" = '\r\n' ] || fail "export --table compare --crlf"
tail -c +4 e2.tsv | tr -d '\r' > e2.lf
run_rc 0 "$T" compare bk.json --bucket '2024-01,Reuters\, Ltd' --bucket 2024-01,null --tsv > c2.tsv
cmp -s c2.tsv e2.lf || fail "export --table compare --tsv differs from compare --tsv"
run_rc 2 "$T" export --table keywords a.json --bucket x 2> err
expect_grep "bucket goes with --table compare" err
run_rc 2 "$T" export a.json b.json 2> err
expect_grep "or two with --table compare" err
run_rc 2 "$T" compare a.json b.json --bom 2> err
expect_grep "goes with --csv or --tsv" err
exit 0
