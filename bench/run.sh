#!/bin/sh
# bench/run.sh — tally's benchmark suite, run by `make bench` as `sh bench/run.sh BUILD` after
# `all` and the tools are built. Prints one table (micro benchmarks of the hot-path stages,
# end-to-end runs side by side with rg, grep, Python, zstd and cat, and the targets with
# PASS/MISS) and a machine line; writes BUILD/bench/{results.txt,table.md,PERFORMANCE.md,chart.svg}
# and copies PERFORMANCE.md and chart.svg into bench/.
#
# Environment:
#   BENCH_SIZE_MB  size of the English corpus for the end-to-end runs (default 160); the
#                  multilingual and JSON Lines corpora are half of it
#   BENCH_RUNS     runs per end-to-end measurement (default 5; the median is reported)
#
# Data lives in BUILD/bench-data and is reused when present at the same size. Nothing is
# downloaded but Debian packages (bible-kjv, ripgrep, zstd, python3), installed only when missing.
set -eu

BUILD=${1:-build}
SIZE_MB=${BENCH_SIZE_MB:-160}
RUNS=${BENCH_RUNS:-5}
D=$BUILD/bench-data
O=$BUILD/bench
START=$(date +%s)
mkdir -p "$D" "$O"

say() { printf 'bench: %s\n' "$*" >&2; }

# ---- packages ---------------------------------------------------------------------------------
missing=""
command -v bible >/dev/null 2>&1 || missing="$missing bible-kjv"
command -v rg >/dev/null 2>&1 || missing="$missing ripgrep"
command -v zstd >/dev/null 2>&1 || missing="$missing zstd"
command -v python3 >/dev/null 2>&1 || missing="$missing python3"
command -v gzip >/dev/null 2>&1 || missing="$missing gzip"
if [ -n "$missing" ]; then
    say "installing missing Debian packages:$missing"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

# ---- helpers, built with the Makefile's flags and libraries -------------------------------------
PKGS="libuv libzstd zlib jansson libutf8proc libxxhash yaml-0.1"
CC=${CC:-cc}
CFLAGS_B="-std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla -Werror -O2 -g -D_GNU_SOURCE"
INC="-Iinclude -Ilib -Iprograms -I$BUILD/gen $(pkg-config --cflags $PKGS)"
LIBS="$BUILD/libtally.a $(pkg-config --libs $PKGS) -lpthread -lm"
say "building bench helpers"
$CC $CFLAGS_B -o "$O/btime" bench/btime.c
$CC $CFLAGS_B -o "$O/gendict" bench/gendict.c
# shellcheck disable=SC2086
$CC $CFLAGS_B $INC -o "$O/micro" bench/micro.c $LIBS
# shellcheck disable=SC2086
$CC $CFLAGS_B $INC -o "$O/dictcompile" bench/dictcompile.c $LIBS
TALLY=$BUILD/tally
GENCORPUS=$BUILD/tools/gencorpus
BT=$O/btime

fsize() { wc -c < "$1" | tr -d ' '; }

# ---- corpora ----------------------------------------------------------------------------------
if [ ! -s "$D/kjv.txt" ]; then
    say "extracting the King James Bible (bible-kjv)"
    bible Gen1:1-Rev22:21 > "$D/kjv.tmp" && mv "$D/kjv.tmp" "$D/kjv.txt"
fi
KJV=$(fsize "$D/kjv.txt")
REPEAT=$(( (SIZE_MB * 1048576 + KJV - 1) / KJV ))
EN=$D/en-${SIZE_MB}MB.txt
if [ ! -s "$EN" ] || [ "$(fsize "$EN")" != $((REPEAT * KJV)) ]; then
    say "writing $EN (kjv.txt x $REPEAT)"
    i=0
    while [ $i -lt $REPEAT ]; do cat "$D/kjv.txt"; i=$((i + 1)); done > "$EN.tmp"
    mv "$EN.tmp" "$EN"
fi
if [ ! -s "$EN.zst" ] || [ "$EN.zst" -ot "$EN" ]; then
    zstd -q -f -T2 "$EN" -o "$EN.zst"
fi

HALF_MB=$(( SIZE_MB / 2 ))
[ $HALF_MB -ge 1 ] || HALF_MB=1
# gencorpus averages about 2,080 bytes per document (text) and 1,860 (JSON Lines)
ML=$D/ml-${HALF_MB}MB.txt
if [ ! -s "$ML" ]; then
    say "writing $ML (gencorpus --multilingual 100 --format text)"
    "$GENCORPUS" --seed 7 --docs $((HALF_MB * 1048576 / 2080)) --format text --multilingual 100 > "$ML.tmp"
    mv "$ML.tmp" "$ML"
fi
NEWS=$D/news-${HALF_MB}MB.jsonl
if [ ! -s "$NEWS" ]; then
    say "writing $NEWS (gencorpus --format jsonl)"
    "$GENCORPUS" --seed 11 --docs $((HALF_MB * 1048576 / 1860)) --format jsonl > "$NEWS.tmp"
    mv "$NEWS.tmp" "$NEWS"
fi
if [ ! -s "$NEWS.zst" ] || [ "$NEWS.zst" -ot "$NEWS" ]; then
    say "compressing $NEWS (zstd -3, gzip -6)"
    zstd -q -f -T2 "$NEWS" -o "$NEWS.zst"
    gzip -c "$NEWS" > "$NEWS.gz.tmp" && mv "$NEWS.gz.tmp" "$NEWS.gz"
fi
PARTS=$D/news-${HALF_MB}MB-parts
if [ ! -d "$PARTS" ] || [ "$PARTS" -ot "$NEWS" ]; then
    say "splitting $NEWS into 4 .jsonl.zst files"
    rm -rf "$PARTS" && mkdir -p "$PARTS"
    split -n l/4 -d --additional-suffix=.jsonl "$NEWS" "$PARTS/part-"
    for f in "$PARTS"/part-*.jsonl; do zstd -q --rm -f "$f"; done
fi

# ---- dictionaries (seeded, from each corpus's vocabulary) ---------------------------------------
dict() { # NAME CORPUS WORDS PHRASES PREFIXES [PLAIN]
    if [ ! -s "$D/$1.dict" ] || [ "$D/$1.dict" -ot "$2" ]; then
        "$O/gendict" --seed 42 --words "$3" --phrases "$4" --prefixes "$5" ${6:+--plain-out "$6"} "$2" \
            > "$D/$1.dict.tmp" 2>/dev/null
        mv "$D/$1.dict.tmp" "$D/$1.dict"
    fi
}
dict en10 "$D/kjv.txt" 7 2 1
dict en100 "$D/kjv.txt" 75 20 5 "$D/en100.plain"
dict en1000 "$D/kjv.txt" 750 200 50
dict en10000 "$D/kjv.txt" 7500 2000 500
dict en1m "$D/kjv.txt" 50000 945000 5000
dict ml100 "$ML" 75 20 5
dict news100 "$NEWS" 75 20 5

RES=$O/results.txt
: > "$RES"

# ---- counts per bucket: --by date:month --by source against the plain scan ---------------------
# The same JSON Lines corpus (its documents have a date and a source), -j2, uncompressed (so the
# scan, not decompression, is measured), alternating in the same rounds. A run takes about 0.2 s,
# and on a shared 2-core machine two runs of one command differ by up to 20%, so the block runs
# at least 31 rounds and reports the median of the rounds' own ratios (plain / by, the two runs
# of one round side by side) beside each command's median. Target (issue 12): at least 90% of the plain scan's
# throughput. BENCH_ONLY=by runs this block alone (after the data exist).
by_bench() {
    r=1
    rounds=$RUNS
    [ "$rounds" -ge 31 ] || rounds=31
    while [ $r -le "$rounds" ]; do
        for v in plain by; do
            [ $(( r % 2 )) = 0 ] && v=$([ $v = plain ] && echo by || echo plain)
            extra=""
            [ $v = by ] && extra="--by date:month --by source"
            # shellcheck disable=SC2086
            m=$("$BT" -o "$O/out.by.$v.json" -- $TALLY scan -q -j2 -d "$D/news100.dict" $extra "$NEWS")
            echo "byspeed $v $m $r" >> "$RES"
        done
        r=$((r + 1))
    done
    awk '$1 == "byspeed" { t[$2, ++n[$2]] = $3; at[$2, $NF] = $3; if ($5 != 0) bad = 1; if ($NF > k) k = $NF }
        function sortmed(k,   i, j, x) {
            for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
            return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
        function med(v,   i) { for (i = 1; i <= n[v]; i++) a[i] = t[v, i]; return sortmed(n[v]) }
        END {
            if (!n["plain"] || !n["by"]) exit
            p = med("plain"); b = med("by")
            m = 0
            for (i = 1; i <= k; i++) if ((("plain", i) in at) && (("by", i) in at) && at["by", i] > 0) a[++m] = at["plain", i] / at["by", i]
            x = sortmed(m)
            printf "| 12. news JSON Lines, -j2, `--by date:month --by source` vs plain (%d rounds, median of the rounds'"'"' ratios) | %.3f s | plain: %.3f s | | %.0f%% of its throughput | ≥ 90%% | %s |\n",
                m, b, p, 100 * x, (x >= 0.9 && !bad) ? "**PASS**" : "**MISS**"
        }' "$RES" >> "$O/by-table.md"
}
if [ "${BENCH_ONLY:-}" = by ]; then
    : > "$RES"
    : > "$O/by-table.md"
    by_bench
    cat "$O/by-table.md"
    exit 0
fi

# ---- micro benchmarks -------------------------------------------------------------------------
say "micro benchmarks"
"$O/micro" -r "$RUNS" -e "$EN" -m "$ML" -j "$NEWS" -z "$NEWS.zst" -z "$NEWS.gz" \
    -d en10="$D/en10.dict" -d en100="$D/en100.dict" -d en1000="$D/en1000.dict" \
    -d en10000="$D/en10000.dict" -d ml100="$D/ml100.dict" | sed 's/^/micro /' >> "$RES"

# ---- dictionary compile time and memory --------------------------------------------------------
say "dictionary compile time"
for n in en10000 en1m; do
    r=$("$O/dictcompile" "$D/$n.dict")
    echo "compile $n $r" >> "$RES"
done

# ---- end-to-end, side by side -------------------------------------------------------------------
# Each round runs every command once; the starting command rotates from round to round so that
# machine noise (other processes, frequency changes, the page cache) falls on all of them alike.
# Every command reads files that the previous round just read, so all run from the page cache.
echo "size en $(fsize "$EN")" >> "$RES"
echo "size ml $(fsize "$ML")" >> "$RES"
echo "size news $(fsize "$NEWS")" >> "$RES"
echo "size parts $(cat "$PARTS"/*.zst | zstd -dc | wc -c | tr -d ' ')" >> "$RES"

TQ="$TALLY scan -q"
set -- \
    "tally.en100.j1|$TQ -j1 --format text -d $D/en100.dict $EN" \
    "tally.en10.j1|$TQ -j1 --format text -d $D/en10.dict $EN" \
    "tally.en1000.j1|$TQ -j1 --format text -d $D/en1000.dict $EN" \
    "tally.en10000.j1|$TQ -j1 --format text -d $D/en10000.dict $EN" \
    "rg.en100|rg --count-matches -F -w -i -f $D/en100.plain $EN" \
    "grep.en100|grep -c -F -w -i -f $D/en100.plain $EN" \
    "python.en100|python3 bench/ref.py $D/en100.dict $EN" \
    "zstd.en|zstd -dc $EN.zst" \
    "cat.en|cat $EN" \
    "tally.ml100.j1|$TQ -j1 --format text -d $D/ml100.dict $ML" \
    "tally.news.zst.j2|$TQ -j2 -d $D/news100.dict $NEWS.zst" \
    "tally.news.zst.j2.progress|$TQ --progress -j2 -d $D/news100.dict $NEWS.zst" \
    "tally.news.zst.j2.kwic|$TQ -j2 -d $D/news100.dict --kwic $O/kwic.news.jsonl $NEWS.zst" \
    "zstd.news|zstd -dc $NEWS.zst" \
    "tally.news.gz.j2|$TQ -j2 -d $D/news100.dict $NEWS.gz" \
    "gzip.news|gzip -dc $NEWS.gz" \
    "tally.parts.j1|$TQ -j1 -d $D/news100.dict $PARTS" \
    "tally.parts.j2|$TQ -j2 -d $D/news100.dict $PARTS"
NCMD=$#
say "end-to-end: $NCMD commands x $RUNS rounds (English $SIZE_MB MB, others $HALF_MB MB)"
r=1
while [ $r -le "$RUNS" ]; do
    k=0
    while [ $k -lt $NCMD ]; do
        idx=$(( (k + r - 1) % NCMD + 1 ))
        eval "spec=\${$idx}"
        name=${spec%%|*}
        cmd=${spec#*|}
        out=/dev/null
        # Counting tools write a few bytes to a file, not to /dev/null: GNU grep stops at the
        # first match when its output is /dev/null.
        case $name in
        tally.*) out=$O/out.$name.json ;;
        rg.* | grep.* | python.*) out=$O/out.$name.txt ;;
        esac
        # the status line of a --progress run goes to a file, as it would to a terminal
        err=""
        case $name in *.progress) err="-e $O/err.$name.txt" ;; esac
        # shellcheck disable=SC2086
        m=$("$BT" -o "$out" $err -- $cmd)
        echo "e2e $name $m" >> "$RES"
        k=$((k + 1))
    done
    say "  round $r of $RUNS done ($(( $(date +%s) - START )) s so far)"
    r=$((r + 1))
done
for f in "$O"/out.tally.*.json; do
    n=${f#"$O"/out.}
    n=${n%.json}
    # corpus.tokens is the first "tokens" member of the summary, whatever its layout
    echo "tokens $n $(grep -o '"tokens": *[0-9]*' "$f" | head -1 | tr -dc 0-9)" >> "$RES"
done

# ---- peak memory: ~100 MB vs ~1 GB streamed through a pipe -------------------------------------
# No 1 GB file is written: a background loop cats the JSON Lines corpus N times into a FIFO that
# tally reads as standard input, with --threads 2 and --per-doc on (default options otherwise).
NEWS_SIZE=$(fsize "$NEWS")
FIFO=$D/stream.fifo
# three samples of each size: which batch slots a run gets to touch depends on timing (the table
# takes their median)
for target in 100 1000; do
    for sample in 1 2 3; do
    # ~100 MB: the nearest whole number of copies; ~1 GB: at least 10^9 bytes
    if [ $target = 100 ]; then
        n=$(( (target * 1000000 + NEWS_SIZE / 2) / NEWS_SIZE ))
    else
        n=$(( (target * 1000000 + NEWS_SIZE - 1) / NEWS_SIZE ))
    fi
    [ $n -ge 1 ] || n=1
    rm -f "$FIFO" && mkfifo "$FIFO"
    ( i=0; while [ $i -lt $n ]; do cat "$NEWS"; i=$((i + 1)); done > "$FIFO" ) &
    feeder=$!
    say "peak memory: streaming $n x $NEWS_SIZE bytes through a pipe"
    m=$("$BT" -i "$FIFO" -- $TALLY scan -q -j2 --format jsonl -d "$D/news100.dict" --per-doc "$D/perdoc.jsonl" -)
    wait $feeder
    echo "rss $target $((n * NEWS_SIZE)) $m" >> "$RES"
    done
done
rm -f "$FIFO" "$D/perdoc.jsonl"
# the same with every kind of count on (issue 12): buckets, the vocabulary (within --memory 64M)
# and concordance lines; the vocabulary of N copies has the types of one, so memory stays flat
for target in 100 1000; do
    for sample in 1 2 3; do
    if [ $target = 100 ]; then
        n=$(( (target * 1000000 + NEWS_SIZE / 2) / NEWS_SIZE ))
    else
        n=$(( (target * 1000000 + NEWS_SIZE - 1) / NEWS_SIZE ))
    fi
    [ $n -ge 1 ] || n=1
    rm -f "$FIFO" && mkfifo "$FIFO"
    ( i=0; while [ $i -lt $n ]; do cat "$NEWS"; i=$((i + 1)); done > "$FIFO" ) &
    feeder=$!
    say "peak memory, every count on: streaming $n x $NEWS_SIZE bytes through a pipe"
    m=$("$BT" -i "$FIFO" -- $TALLY scan -q -j2 --format jsonl -d "$D/news100.dict" --per-doc "$D/perdoc.jsonl" \
        --by date:month --by source --vocab "$D/all.vocab" --memory 64M --kwic "$D/all.kwic" -o "$D/all.json" -)
    wait $feeder
    echo "rssall $target $((n * NEWS_SIZE)) $m" >> "$RES"
    done
done
rm -f "$FIFO" "$D/perdoc.jsonl" "$D/all.vocab" "$D/all.kwic" "$D/all.json"

# ---- peak memory of tally merge: 10, 100 and 1,000 summaries of a 10,000-term dictionary -------
# Each summary counts one tiny input (4 lines of the KJV, a few hundred bytes), so it is almost
# all keywords (~780 KB of JSON). Merging N of them should take the memory of one summary (the
# total being added into, the one being read, and the N input entries), not of N summaries.
MS=$D/merge-summaries
if [ ! -f "$MS/done" ] || [ "$MS/done" -ot "$D/en10000.dict" ]; then
    say "merge memory: scanning 1,000 tiny inputs, one summary each, with the 10,000-term dictionary"
    rm -rf "$MS" && mkdir -p "$MS/in"
    # lines 1001-5000 of the KJV, 4 to a file: v0000.txt ... v0999.txt
    awk -v dir="$MS/in" 'NR > 1000 && NR <= 5000 { n = int((NR - 1001) / 4); f = sprintf("%s/v%04d.txt", dir, n); print > f; if (NR % 4 == 0) close(f) }' \
        "$D/kjv.txt"
    i=0
    while [ $i -lt 1000 ]; do
        n=$(printf '%04d' $i)
        $TALLY scan -q -j1 --format text -d "$D/en10000.dict" -o "$MS/s$n.json" "$MS/in/v$n.txt"
        i=$((i + 1))
    done
    touch "$MS/done"
fi
for n in 10 100 1000; do
    # the first n summaries, in order (the shell sorts the glob)
    set -- "$MS"/s*.json
    files=""
    i=0
    for f in "$@"; do
        [ $i -lt $n ] || break
        files="$files $f"
        i=$((i + 1))
    done
    say "merge memory: tally merge of $n summaries"
    # shellcheck disable=SC2086
    m=$("$BT" -- $TALLY merge -q -o "$MS/merged.json" $files)
    echo "mergerss $n $m" >> "$RES"
done
rm -f "$MS/merged.json"

# ---- nightly runs: --state over 10,000 inputs -----------------------------------------------------
# The news corpus cut into 10,000 files. Side by side, RUNS rounds each: a full scan of the 10,000;
# a --state rerun with nothing changed (the index only); a --state rerun after 100 new files (1%),
# each from a copy of the state of the 10,000 (the copy is not timed).
SD=$D/state-10k
if [ ! -f "$SD/done" ] || [ "$SD/done" -ot "$NEWS" ]; then
    say "nightly runs: cutting $NEWS into 10,000 files"
    rm -rf "$SD" && mkdir -p "$SD/arc" "$SD/new"
    lines=$(wc -l < "$NEWS")
    per=$((lines / 10100))
    [ $per -ge 1 ] || per=1
    split -l $per -a 6 -d --additional-suffix=.jsonl "$NEWS" "$SD/p"
    i=0
    for f in "$SD"/p*.jsonl; do
        if [ $i -lt 10000 ]; then mv "$f" "$SD/arc/"; elif [ $i -lt 10100 ]; then mv "$f" "$SD/new/"; else rm "$f"; fi
        i=$((i + 1))
    done
    touch "$SD/done"
fi
n_new=$(ls "$SD/new" | wc -l)
rm -rf "$SD/st" "$SD/st0" "$SD/arc1" && mkdir -p "$SD/arc1"
$TALLY scan -q -d "$D/news100.dict" --state "$SD/st0" -o "$SD/s.json" "$SD/arc"
r=1
while [ $r -le "$RUNS" ]; do
    say "nightly runs: round $r of $RUNS"
    echo "statebench full $("$BT" -- $TALLY scan -q -d "$D/news100.dict" -o "$SD/s.json" "$SD/arc")" >> "$RES"
    echo "statebench reuse $("$BT" -- $TALLY scan -q -d "$D/news100.dict" --state "$SD/st0" -o "$SD/s.json" "$SD/arc")" >> "$RES"
    rm -rf "$SD/st" && cp -r "$SD/st0" "$SD/st"
    echo "statebench new1pct $("$BT" -- $TALLY scan -q -d "$D/news100.dict" --state "$SD/st" -o "$SD/s.json" "$SD/arc" "$SD/new")" >> "$RES"
    r=$((r + 1))
done
rm -rf "$SD/st" "$SD/arc1"

# ---- counts per bucket (by_bench, above) ---------------------------------------------------------
: > "$O/by-table.md"
by_bench

# ---- the table ----------------------------------------------------------------------------------
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
CORES=$(nproc)
CCV=$($CC --version | head -1)
TOOLS="$(rg --version | head -1), $(grep --version | head -1), $(python3 --version 2>&1), $(zstd --version | sed 's/^\*\*\* //;s/, by.*//'), $(gzip --version | head -1)"
ELAPSED=$(( $(date +%s) - START ))
MACHINE="machine: $CPU, $CORES cores, $CCV; $TOOLS; BENCH_SIZE_MB=$SIZE_MB, $RUNS runs, bench/run.sh took ${ELAPSED} s"
awk -v machine="$MACHINE" -f bench/table.awk "$RES" > "$O/table.md"
# the merge memory target, in the table's row format (results: mergerss N SECONDS MAXRSS_KB STATUS)
awk '$1 == "mergerss" { kb[$2] = $4; sec[$2] = $3; st[$2] = $5 }
    function mib(k) { return sprintf(k >= 100 * 1024 ? "%.0f MiB" : "%.1f MiB", k / 1024) }
    END {
        if (!(10 in kb) || !(1000 in kb)) exit
        x = kb[1000] / kb[10]
        printf "| 7. peak RSS, tally merge of 1,000 vs 10 summaries (10,000 terms) | %s / %s | | | %.2f× | < 2× | %s |\n",
            mib(kb[1000]), mib(kb[10]), x, (x < 2 && st[10] == 0 && st[1000] == 0) ? "**PASS**" : "**MISS**"
        if (100 in kb)
            printf "| &nbsp;&nbsp; 100 summaries; time for 10 / 100 / 1,000 | %s | | | %.2f× | — | |\n",
                mib(kb[100]) " · " sprintf("%.2f / %.2f / %.2f s", sec[10], sec[100], sec[1000]), kb[100] / kb[10]
    }' "$RES" >> "$O/table.md"
# peak memory with every kind of count on (results: rssall TARGET BYTES SECONDS MAXRSS_KB STATUS)
awk '$1 == "rssall" { b[$2] = $3; k = ++n[$2]; v[$2, k] = $5; if ($6 != 0) st[$2] = $6 }
    function med(t,   m, i, j, x, a) {
        m = n[t]; for (i = 1; i <= m; i++) a[i] = v[t, i]
        for (i = 2; i <= m; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
        return a[int((m + 1) / 2)]
    }
    END {
        if ((100 in n) && (1000 in n)) { kb[100] = med(100); kb[1000] = med(1000) }
        if (!(100 in kb) || !(1000 in kb)) exit
        x = kb[1000] / kb[100]
        printf "| 12. peak RSS with --by, --vocab (--memory 64M), --kwic, --per-doc: %.0f MB vs %.0f MB via a pipe | %.1f MiB / %.1f MiB | | | %.2f× | ≤ 1.10× | %s |\n",
            b[1000] / 1e6, b[100] / 1e6, kb[1000] / 1024, kb[100] / 1024, x,
            (x <= 1.10 && st[100] == 0 && st[1000] == 0) ? "**PASS**" : "**MISS**"
    }' "$RES" >> "$O/table.md"
# the nightly-run rows (results: statebench WHAT SECONDS MAXRSS_KB STATUS), medians
awk -v nnew="$n_new" '$1 == "statebench" { t[$2, ++n[$2]] = $3; if ($5 != 0) bad[$2] = 1 }
    function med(w,   i, j, k, a, m) {
        m = n[w]; for (i = 1; i <= m; i++) a[i] = t[w, i]
        for (i = 2; i <= m; i++) { k = a[i]; for (j = i - 1; j >= 1 && a[j] > k; j--) a[j + 1] = a[j]; a[j + 1] = k }
        return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
    }
    END {
        if (!n["full"]) exit
        f = med("full"); u = med("reuse"); w = med("new1pct")
        printf "| 8. --state rerun, 10,000 unchanged inputs (whole process) | %.3f s | | | %.2f× the full scan (%.3f s) | < 1 s | %s |\n",
            u, u / f, f, (u < 1 && !bad["reuse"]) ? "**PASS**" : "**MISS**"
        printf "| &nbsp;&nbsp; --state rerun with %d new inputs (1%%) | %.3f s | | | %.2f× the full scan | — | |\n", nnew, w, w / f
    }' "$RES" >> "$O/table.md"
cat "$O/by-table.md" >> "$O/table.md"
sh bench/vocab.sh "$BUILD" >> "$O/table.md"
cat "$O/table.md"
echo
echo "$MACHINE"

awk -f bench/chart.awk "$RES" > "$O/chart.svg"
{
    sed -n '1,/^<!-- table -->$/p' bench/PERFORMANCE.in
    cat "$O/table.md"
    echo
    echo "$MACHINE"
    sed -n '/^<!-- table -->$/,$p' bench/PERFORMANCE.in | sed 1d
} > "$O/PERFORMANCE.md"
cp "$O/chart.svg" bench/chart.svg
cp "$O/PERFORMANCE.md" bench/PERFORMANCE.md
say "wrote $O/table.md, $O/PERFORMANCE.md, $O/chart.svg (copied to bench/) in $(( $(date +%s) - START )) s"
