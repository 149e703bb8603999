# Stress: a million tiny documents, and 64 input files read by 8 threads, with exact counts.
. tests/cli/lib.inc

"$GEN" --seed 41 --docs 1000000 --words 2 --plant-rate 30 --format lines --dict-out "$W/d.dict" \
    --manifest "$W/m.json" > "$W/tiny.txt"
run_rc 0 "$T" scan -q -j 8 --format lines -d "$W/d.dict" -o "$W/s.json" "$W/tiny.txt"
"$SC" "$W/s.json" "$W/m.json" || fail "a million tiny documents"

mkdir "$W/many"
i=1
while [ $i -le 64 ]; do
    "$GEN" --seed $((100 + i)) --docs 40 --words 60 --manifest "$W/many/m$i.json.manifest" |
        zstd -q -c > "$W/many/part-$i.jsonl.zst"
    i=$((i + 1))
done
mv "$W"/many/*.manifest "$W/"
run_rc 0 "$T" scan -q -j 8 --batch-bytes 8K -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/docs" "$W/many"
"$SC" "$W/s.json" "$W"/m*.json.manifest || fail "64 files with 8 threads"
"$SC" --perdoc "$W/s.json" "$W/docs" || fail "64 files: per-document records"
expect_eq inputs "$(get "$W/s.json" corpus.inputs)" 64
exit 0
