# One 2 GB text document, made on the fly: counted in pieces with bounded memory and exactly the
# counts the generator planted. (200 MB under the sanitizers, which are 3-10x slower.)
. tests/cli/lib.inc

docs=1250000 # about 2 GB of text
case "$T" in *build-asan/* | *build-tsan/*) docs=125000 ;; esac
"$GEN" --seed 1 --docs 1 --dict-out "$W/d.dict" > /dev/null
mkfifo "$W/fifo"
"$GEN" --seed 51 --docs $docs --format text --multilingual 5 --manifest "$W/m.json" > "$W/fifo" 2> "$W/gen.err" &
gen=$!
BG="$BG $gen"
run_rc 0 "$T" scan -q --stats -j 2 --format text -d "$W/d.dict" -o "$W/s.json" "$W/fifo" 2> "$W/stats"
wait $gen || fail "generator"
"$SC" "$W/s.json" "$W/m.json" || fail "counts of the huge document"
expect_eq docs "$(get "$W/s.json" corpus.documents)" 1
cat "$W/stats"
bytes=$(get "$W/s.json" corpus.bytes)
rss=$(sed -n 's/.*peak_rss_kib=\([0-9]*\).*/\1/p' "$W/stats")
# bounded: far below the document's size (the sanitizers add their own shadow memory)
limit=65536
case "$T" in *build-asan/* | *build-tsan/*) limit=262144 ;; esac
[ "$rss" -lt "$limit" ] || fail "peak memory ${rss} KiB for a ${bytes}-byte document"
exit 0
