# The hot path's cost in instructions per input byte, counted by callgrind (stable on a noisy
# machine), on fixed seeded 5 MB workloads, against the budgets in tests/perf-budget.txt.
. tests/cli/lib.inc

case "$T" in *build-asan/* | *build-tsan/*) echo "instruction budgets apply to the plain build only"; exit 0 ;; esac
command -v valgrind > /dev/null || fail "valgrind is missing (scripts/ensure-deps.sh installs it)"

budget() {
    awk -v w="$1" '$1 == w { print $2 }' tests/perf-budget.txt
}

# measure NAME TALLY-ARGS... : prints instructions per byte of the scan's input
measure() {
    name=$1
    shift
    valgrind -q --tool=callgrind --callgrind-out-file="$W/cg.$name" "$T" scan -q -j 1 -o "$W/s.$name.json" "$@" ||
        fail "$name: scan failed"
    ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$W/cg.$name")
    bytes=$(get "$W/s.$name.json" corpus.bytes)
    awk -v i="$ir" -v b="$bytes" 'BEGIN { printf "%.1f", i / b }'
}

# English-like text, one document per line, 100 dictionary words from the generator's vocabulary
"$GEN" --seed 71 --docs 3200 --words 250 --multilingual 0 --plant-rate 1 --format lines \
    --dict-out "$W/gen.dict" > "$W/english.txt"
awk '{ for (i = 1; i <= NF; i++) { w = tolower($i); gsub(/[^a-z]/, "", w); if (w != "" && !(w in seen)) { seen[w] = 1; n++; if (n % 7 == 0 && k < 100) { print w; k++ } } } }' \
    "$W/english.txt" > "$W/english.dict"
[ "$(wc -l < "$W/english.dict")" = 100 ] || fail "could not draw 100 words"
"$GEN" --seed 72 --docs 2800 --words 250 --multilingual 15 > "$W/news.jsonl"

for w in english-lines-100-terms news-jsonl-generated-dict; do
    case $w in
    english-*) got=$(measure "$w" --format lines -d "$W/english.dict" "$W/english.txt") ;;
    news-*) got=$(measure "$w" -d "$W/gen.dict" "$W/news.jsonl") ;;
    esac
    max=$(budget "$w")
    [ -n "$max" ] || fail "no budget for $w in tests/perf-budget.txt"
    echo "$w: $got instructions per byte (budget $max)"
    awk -v g="$got" -v m="$max" 'BEGIN { exit !(g <= m) }' || fail "$w: $got instructions per byte, over the budget of $max"
done
exit 0
