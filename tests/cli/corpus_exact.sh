# The sample archive in corpus/ holds exactly the documents its seeded generator writes, and
# tally finds exactly the totals the generator planted, in the summary and in the per-document
# records, whatever the thread count and batch size.
. tests/cli/lib.inc

sh tools/make-sample.sh "$GEN" "$W/corpus" "$W/m" || fail "make-sample.sh"
for f in news-2024-01.jsonl.zst news-2024-02.jsonl.zst news-2024-03.jsonl.zst; do
    zstd -q -dc "$W/corpus/$f" > "$W/a"
    zstd -q -dc "corpus/archive/$f" > "$W/b"
    cmp -s "$W/a" "$W/b" || fail "corpus/$f differs from what make-sample.sh writes"
done
gzip -dc corpus/archive/wire-2024.jsonl.gz > "$W/a"
gzip -dc "$W/corpus/wire-2024.jsonl.gz" > "$W/b"
cmp -s "$W/a" "$W/b" || fail "corpus/archive/wire-2024.jsonl.gz differs"
for f in speech-1.txt speech-2.txt speech-3.txt; do
    cmp -s "corpus/archive/speeches/$f" "$W/corpus/speeches/$f" || fail "corpus/archive/speeches/$f differs"
done

run_rc 0 "$T" scan -q -d "$W/m/generated.dict" -o "$W/s.json" --per-doc "$W/docs.jsonl" corpus/archive
"$SC" "$W/s.json" "$W"/m/news*.json "$W"/m/wire*.json "$W"/m/speech*.json || fail "summary differs from the planted totals"
"$SC" --perdoc "$W/s.json" "$W/docs.jsonl" || fail "per-document records do not add up to the summary"
expect_eq inputs "$(get "$W/s.json" corpus.inputs)" 7
expect_eq failed "$(get "$W/s.json" corpus.failed_inputs)" 0
bytes=$( (zstd -q -dc corpus/archive/*.zst; gzip -dc corpus/archive/*.gz; cat corpus/archive/speeches/*.txt) | wc -c)
expect_eq bytes "$(get "$W/s.json" corpus.bytes)" "$bytes"
# per-document records come in input order: the folder's files sorted byte-wise
first=$(head -n 1 "$W/docs.jsonl" | sed 's/.*"input":"\([^"]*\)".*/\1/')
last=$(tail -n 1 "$W/docs.jsonl" | sed 's/.*"input":"\([^"]*\)".*/\1/')
expect_eq first-input "$first" corpus/archive/news-2024-01.jsonl.zst
expect_eq last-input "$last" corpus/archive/wire-2024.jsonl.gz
exit 0
