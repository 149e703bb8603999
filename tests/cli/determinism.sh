# Summaries (all but "run") and per-document files are byte-identical whatever --threads and
# --batch-bytes are, on every format, and the counts are the planted ones.
. tests/cli/lib.inc

"$GEN" --seed 11 --docs 150 --dict-out "$W/d.dict" --manifest "$W/mj.json" > "$W/a.jsonl"
"$GEN" --seed 12 --docs 80 --format lines --manifest "$W/ml.json" > "$W/b.txt"
"$GEN" --seed 13 --docs 40 --format text --manifest "$W/mt.json" > "$W/c.txt"
zstd -q "$W/a.jsonl" -o "$W/a.jsonl.zst"

run_rc 0 "$T" scan -q -j 1 -d "$W/d.dict" -o "$W/ref-j.json" --per-doc "$W/ref-j.docs" "$W/a.jsonl.zst"
run_rc 0 "$T" scan -q -j 1 --format lines -d "$W/d.dict" -o "$W/ref-l.json" --per-doc "$W/ref-l.docs" "$W/b.txt"
run_rc 0 "$T" scan -q -j 1 --format text -d "$W/d.dict" -o "$W/ref-t.json" --per-doc "$W/ref-t.docs" "$W/c.txt"
"$SC" "$W/ref-j.json" "$W/mj.json" || fail "jsonl counts"
"$SC" "$W/ref-l.json" "$W/ml.json" || fail "lines counts"
"$SC" "$W/ref-t.json" "$W/mt.json" || fail "text counts"

for j in 1 2 3 4 8; do
    for bb in 1 7 4096 default; do
        opt="--batch-bytes $bb"
        [ "$bb" = default ] && opt=""
        # shellcheck disable=SC2086
        run_rc 0 "$T" scan -q -j $j $opt -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/s.docs" "$W/a.jsonl.zst"
        "$SC" --same "$W/ref-j.json" "$W/s.json" || fail "jsonl summary differs at -j $j --batch-bytes $bb"
        cmp -s "$W/ref-j.docs" "$W/s.docs" || fail "jsonl per-doc differs at -j $j --batch-bytes $bb"
        # shellcheck disable=SC2086
        run_rc 0 "$T" scan -q -j $j $opt --format lines -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/s.docs" "$W/b.txt"
        "$SC" --same "$W/ref-l.json" "$W/s.json" || fail "lines summary differs at -j $j --batch-bytes $bb"
        cmp -s "$W/ref-l.docs" "$W/s.docs" || fail "lines per-doc differs at -j $j --batch-bytes $bb"
        # shellcheck disable=SC2086
        run_rc 0 "$T" scan -q -j $j $opt --format text -d "$W/d.dict" -o "$W/s.json" --per-doc "$W/s.docs" "$W/c.txt"
        "$SC" --same "$W/ref-t.json" "$W/s.json" || fail "text summary differs at -j $j --batch-bytes $bb"
        cmp -s "$W/ref-t.docs" "$W/s.docs" || fail "text per-doc differs at -j $j --batch-bytes $bb"
    done
done
exit 0
