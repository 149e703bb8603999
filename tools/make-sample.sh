#!/bin/sh
# make-sample.sh GENCORPUS OUTDIR MANIFESTDIR — writes tally's sample news archive (corpus/archive)
# from the seeded generator, each part's expected totals into MANIFESTDIR, and the
# generator's own test dictionary as MANIFESTDIR/generated.dict.
# The same seeds give the same documents on every machine; the tests regenerate the archive
# and check that corpus/ still holds exactly these documents.
set -eu
GEN=$1
OUT=$2
M=$3
mkdir -p "$M" "$OUT/speeches"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# three months of a news feed: zstd; February is two frames, as written by an appending job
"$GEN" --seed 101 --docs 120 --multilingual 25 --manifest "$M/news-2024-01.json" > "$T/01.jsonl"
zstd -q -f -3 "$T/01.jsonl" -o "$OUT/news-2024-01.jsonl.zst"
"$GEN" --seed 102 --docs 60 --multilingual 25 --manifest "$M/news-2024-02a.json" > "$T/02a.jsonl"
"$GEN" --seed 112 --docs 60 --multilingual 25 --manifest "$M/news-2024-02b.json" > "$T/02b.jsonl"
zstd -q -c -3 "$T/02a.jsonl" > "$OUT/news-2024-02.jsonl.zst"
zstd -q -c -3 "$T/02b.jsonl" >> "$OUT/news-2024-02.jsonl.zst"
"$GEN" --seed 103 --docs 120 --multilingual 40 --manifest "$M/news-2024-03.json" > "$T/03.jsonl"
zstd -q -f -19 "$T/03.jsonl" -o "$OUT/news-2024-03.jsonl.zst"
# a wire service: gzip, two members
"$GEN" --seed 104 --docs 50 --multilingual 10 --manifest "$M/wire-a.json" > "$T/wa.jsonl"
"$GEN" --seed 114 --docs 50 --multilingual 10 --manifest "$M/wire-b.json" > "$T/wb.jsonl"
gzip -n -c "$T/wa.jsonl" > "$OUT/wire-2024.jsonl.gz"
gzip -n -c "$T/wb.jsonl" >> "$OUT/wire-2024.jsonl.gz"
# speeches: plain text, each file one document
"$GEN" --seed 105 --docs 6 --format text --multilingual 0 --manifest "$M/speech-1.json" > "$OUT/speeches/speech-1.txt"
"$GEN" --seed 106 --docs 6 --format text --multilingual 100 --manifest "$M/speech-2.json" > "$OUT/speeches/speech-2.txt"
"$GEN" --seed 107 --docs 3 --format text --multilingual 50 --manifest "$M/speech-3.json" > "$OUT/speeches/speech-3.txt"
"$GEN" --seed 1 --docs 1 --dict-out "$M/generated.dict" > /dev/null
