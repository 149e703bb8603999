#!/bin/sh
# bench/vocab.sh — the vocabulary's speed and memory rows, side by side in one set of rounds:
# `tally scan --vocab` (no dictionary) on the English text, the 100-term keyword scan of the same
# text, `tr -cs '[:alnum:]' '\n' | sort | uniq -c` and Python's collections.Counter over
# re.findall(r"\w+"); medians of BENCH_RUNS rounds, the starting command rotating. Then the peak
# RSS of a vocabulary scan of the multilingual corpus with --memory 32M (spilling) against the
# same scan without --vocab. Run by bench/run.sh after its own rows (or alone, after it has made
# the data: sh bench/vocab.sh BUILD); prints table rows in bench/table.awk's format.
set -eu
BUILD=${1:-build}
RUNS=${BENCH_RUNS:-5}
D=$BUILD/bench-data
O=$BUILD/bench
SIZE_MB=${BENCH_SIZE_MB:-160}
HALF_MB=$(( SIZE_MB / 2 ))
[ $HALF_MB -ge 1 ] || HALF_MB=1
EN=$D/en-${SIZE_MB}MB.txt
ML=$D/ml-${HALF_MB}MB.txt
BT=$O/btime
TALLY=$BUILD/tally
RES=$O/vocab-results.txt
: > "$RES"
mkdir -p "$O/vtmp"
cat > "$O/vocab-tr.sh" << 'EOS'
tr -cs '[:alnum:]' '\n' < "$1" | sort | uniq -c
EOS
cat > "$O/vocab-py.py" << 'EOS'
import collections, re, sys
c = collections.Counter(re.findall(r"\w+", open(sys.argv[1], encoding="utf-8").read()))
for w, n in c.most_common():
    print(n, w)
EOS
set -- \
    "vocab|$TALLY scan -q -j1 --format text --vocab $O/vocab.tsv -o $O/vocab.json $EN" \
    "kw100|$TALLY scan -q -j1 --format text -d $D/en100.dict -o $O/kw100.json $EN" \
    "tr|sh $O/vocab-tr.sh $EN" \
    "python|python3 $O/vocab-py.py $EN"
NCMD=$#
r=1
while [ $r -le "$RUNS" ]; do
    k=0
    while [ $k -lt $NCMD ]; do
        idx=$(( (k + r - 1) % NCMD + 1 ))
        eval "spec=\${$idx}"
        name=${spec%%|*}
        cmd=${spec#*|}
        # the text back in the page cache first (not timed): Python's 2.4 GB just before can push it
        # out, and in this rotation one command always follows Python
        cat "$EN" > /dev/null
        # shellcheck disable=SC2086
        echo "$name $("$BT" -o "$O/vocab-out.txt" -- $cmd)" >> "$RES"
        k=$((k + 1))
    done
    r=$((r + 1))
done
# memory: --memory 32M makes the tables spill; peak RSS must stay within 32 MiB of the scan's own
for run in 1 2; do
    echo "rss-plain $("$BT" -- "$TALLY" scan -q -j2 --format text -k zzzz -o /dev/null "$ML")" >> "$RES"
    echo "rss-vocab $("$BT" -- "$TALLY" scan -q -j2 --format text --memory 32M --temp-dir "$O/vtmp" --vocab "$O/vocab-ml.tsv" -o /dev/null "$ML")" >> "$RES"
done
BYTES=$(wc -c < "$EN" | tr -d ' ')
awk -v bytes="$BYTES" '
    function median(name,   n, i, j, t, a) {
        n = 0
        for (i = 1; i <= cnt[name]; i++) a[++n] = v[name, i]
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    function row(label, s) { printf "| %s | %.2f s | %.0f | | | | |\n", label, s, bytes / s / 1e6 }
    { cnt[$1]++; v[$1, cnt[$1]] = ($1 ~ /^rss/) ? $3 : $2; if ($NF != 0) bad[$1] = 1 }
    END {
        vo = median("vocab"); kw = median("kw100"); tr = median("tr"); py = median("python")
        print "| **vocabulary** (English, -j1, no dictionary; median of interleaved runs) |  |  |  |  |  |  |"
        row("tally scan --vocab (no dictionary)", vo)
        row("tally scan, 100 terms (same rounds)", kw)
        row("tr -cs [:alnum:] \\| sort \\| uniq -c", tr)
        row("python3 Counter(re.findall(\\w+))", py)
        printf "| 8. vocabulary pass vs the 100-term scan | %.2f / %.2f s | | | %.2f× | ≥ 0.5× | %s |\n", vo, kw, kw / vo, (kw / vo >= 0.5 && !bad["vocab"]) ? "**PASS**" : "**MISS**"
        printf "| 9. vocabulary pass vs tr, sort, uniq | %.2f / %.2f s | | | %.1f× | ≥ 3× | %s |\n", vo, tr, tr / vo, (tr / vo >= 3) ? "**PASS**" : "**MISS**"
        printf "| 10. vocabulary pass vs Python Counter | %.2f / %.2f s | | | %.1f× | ≥ 3× | %s |\n", vo, py, py / vo, (py / vo >= 3) ? "**PASS**" : "**MISS**"
        pl = median("rss-plain"); pv = median("rss-vocab")
        printf "| 11. peak RSS, --vocab --memory 32M (multilingual, spilling) vs no --vocab | %.1f / %.1f MiB | | | +%.1f MiB | ≤ +32 MiB | %s |\n", pv / 1024, pl / 1024, (pv - pl) / 1024, (pv - pl <= 32 * 1024 && !bad["rss-vocab"]) ? "**PASS**" : "**MISS**"
    }' "$RES"
