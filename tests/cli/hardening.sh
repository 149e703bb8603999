# What a new user hit (the hardening issue): JSON Lines named .json, binary files in folder
# walks, outputs inside the scanned folder, nothing found, the JSON line limit below the batch
# size in every container, corpus.bytes against zstd -dc | wc -c, and many threads on a small
# input. Each check failed on the code before the fix.
. tests/cli/lib.inc

printf 'global\ntext\nsource\n' > "$W/d.dict"

# ---- a .json file of JSON Lines is read as JSON Lines, not as one text document ------------
i=0
while [ $i -lt 50 ]; do
    printf '{"id":%d,"source":"wire","text":"global cooperation"}\n' $i
    i=$((i + 1))
done > "$W/dump.json"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/dump.json"
expect_eq json-docs "$(get "$W/s.json" corpus.documents)" 50
expect_eq json-global "$(get "$W/s.json" keywords.global.count)" 50
expect_eq json-text "$(get "$W/s.json" keywords.text.count)" 0
expect_eq json-source "$(get "$W/s.json" keywords.source.count)" 0
# compressed, and with no extension at all
zstd -q -c "$W/dump.json" > "$W/dump.json.zst"
gzip -c "$W/dump.json" > "$W/dump"
for f in dump.json.zst dump; do
    run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/$f"
    expect_eq "$f-docs" "$(get "$W/s.json" corpus.documents)" 50
done
# a bad line in it is an error with its line, strictly, as in a .jsonl file
{ sed -n 1,3p "$W/dump.json"; printf '{"id":3,"text":"global"\n'; sed -n 5,50p "$W/dump.json"; } > "$W/bad.json"
run_rc 3 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/bad.json"
expect_eq bad-json-docs "$(get "$W/s.json" corpus.documents)" 49
expect_eq bad-json-line "$(get "$W/s.json" errors.0.line)" 4
# a .txt name is conclusive: text, whatever the content
cp "$W/dump.json" "$W/dump.txt"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/dump.txt"
expect_eq txt-docs "$(get "$W/s.json" corpus.documents)" 1
expect_eq txt-text "$(get "$W/s.json" keywords.text.count)" 50

# ---- a JSON array of objects is one document per element, in every container ----------------
{
    printf '[\n'
    sed '$!s/$/,/' "$W/dump.json" | sed 's/^/  /'
    printf ']\n'
} > "$W/array.json"
zstd -q -c "$W/array.json" > "$W/array.json.zst"
gzip -c "$W/array.json" > "$W/array.json.gz"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/want.json" "$W/dump.json"
for f in array.json array.json.zst array.json.gz; do
    for batch in 1 100 1M; do
        run_rc 0 "$T" scan -q -d "$W/d.dict" --batch-bytes $batch -o "$W/s.json" "$W/$f"
        expect_eq "$f-$batch-docs" "$(get "$W/s.json" corpus.documents)" 50
        expect_eq "$f-$batch-global" "$(get "$W/s.json" keywords.global.count)" "$(get "$W/want.json" keywords.global.count)"
        expect_eq "$f-$batch-source" "$(get "$W/s.json" keywords.source.count)" 0
    done
done
# a bad element: skipped with its line and byte offset, its neighbours counted
sed '3s/"text":"global cooperation"/"text":nul/' "$W/array.json" | gzip -c > "$W/badarray.json.gz"
run_rc 3 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/badarray.json.gz"
expect_eq badarray-docs "$(get "$W/s.json" corpus.documents)" 49
expect_eq badarray-line "$(get "$W/s.json" errors.0.line)" 3
get "$W/s.json" errors.0.message | grep -q "array element at byte [0-9]" || fail "array element offset"

# ---- binary files in a folder walk are left out, with a warning, exit status 0 -------------
mkdir -p "$W/arch/img"
printf '{"text":"global"}\n' > "$W/arch/a.jsonl"
printf 'global speech\n' > "$W/arch/speech.txt"
printf '%%PDF-1.4\n\000\000\000 global text' > "$W/arch/report.pdf"
printf '\211PNG\r\n\032\n\000\000\000\rIHDR' > "$W/arch/img/logo.png"
gzip -c "$W/arch/report.pdf" > "$W/arch/report.pdf.gz"
run_rc 0 "$T" scan -d "$W/d.dict" -o "$W/s.json" "$W/arch" 2> "$W/err"
expect_eq bin-inputs "$(get "$W/s.json" corpus.inputs)" 5
expect_eq bin-skipped "$(get "$W/s.json" corpus.skipped_inputs)" 3
expect_eq bin-docs "$(get "$W/s.json" corpus.documents)" 2
expect_eq bin-global "$(get "$W/s.json" keywords.global.count)" 2
expect_eq bin-warnings "$(get "$W/s.json" warnings.2.input)" "$W/arch/report.pdf.gz"
get "$W/s.json" warnings.0.message | grep -q "binary" || fail "binary warning message"
# a binary file named on the command line is read
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/arch/report.pdf"
expect_eq named-bin "$(get "$W/s.json" keywords.global.count)" 1

# --binary reads them; globs choose files relative to the folder, the last matching one wins
run_rc 0 "$T" scan -q --binary -d "$W/d.dict" -o "$W/s.json" "$W/arch"
expect_eq binary-flag "$(get "$W/s.json" corpus.skipped_inputs)" 0
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/arch" -g '*.jsonl' -g '*.txt'
expect_eq glob-inputs "$(get "$W/s.json" corpus.inputs)" 2
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" -g '!img' -g '!*.pdf*' "$W/arch"
expect_eq glob-exclude "$(get "$W/s.json" corpus.inputs)" 2
run_rc 3 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" -g '*.csv' "$W/arch"
get "$W/s.json" errors.0.message | grep -q "no input files" || fail "glob matching nothing"
run_rc 2 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" -g '[abc' "$W/arch" 2> "$W/err"
expect_grep "unclosed" "$W/err"

# ---- outputs inside the scanned folder: the second run counts what the first did -----------
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/arch/summary.json" --per-doc "$W/arch/docs.jsonl" "$W/arch"
cp "$W/arch/summary.json" "$W/first.json"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/arch/summary.json" --per-doc "$W/arch/docs.jsonl" "$W/arch"
expect_eq second-run-docs "$(get "$W/arch/summary.json" corpus.documents)" "$(get "$W/first.json" corpus.documents)"
expect_eq second-run-inputs "$(get "$W/arch/summary.json" corpus.inputs)" 5
rm -f "$W/arch/summary.json" "$W/arch/docs.jsonl"

# ---- a typo in the only path: a failure (exit 1), no output written ------------------------
printf 'previous\n' > "$W/keep.json"
run_rc 1 "$T" scan -q -d "$W/d.dict" -o "$W/keep.json" "$W/no-such-archive"
expect_eq typo-untouched "$(cat "$W/keep.json")" previous

# ---- nothing found is not success ------------------------------------------------------------
mkdir -p "$W/empty" "$W/hidden"
printf 'global\n' > "$W/hidden/.a.txt"
for dir in empty hidden; do
    run_rc 3 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/$dir"
    expect_eq "$dir-error" "$(get "$W/s.json" errors.0.input)" "$W/$dir"
    get "$W/s.json" errors.0.message | grep -q "no input files" || fail "$dir: message"
done

# ---- the JSON line limit holds below the batch size, in every container ----------------------
# a line of 165,000 bytes between short ones; limits below it, batches below and above them
head -c 165000 /dev/zero | tr '\0' 'x' > "$W/pad"
{
    printf '{"text":"global short"}\n'
    printf '{"text":"global %s"}\n' "$(cat "$W/pad")"
    printf '{"text":"global after"}\n'
} > "$W/long.jsonl"
long=$(sed -n 2p "$W/long.jsonl" | tr -d '\n' | wc -c)
zstd -q -c "$W/long.jsonl" > "$W/long.jsonl.zst"
gzip -c "$W/long.jsonl" > "$W/long.jsonl.gz"
for f in long.jsonl long.jsonl.zst long.jsonl.gz; do
    for batch in 4K 64K 1M; do
        for lim in 1K 64K 100K 160K; do
            run_rc 3 "$T" scan -q -d "$W/d.dict" --batch-bytes $batch --max-line-bytes $lim -o "$W/s.json" "$W/$f"
            expect_eq "$f-$batch-$lim-docs" "$(get "$W/s.json" corpus.documents)" 2
            expect_eq "$f-$batch-$lim-line" "$(get "$W/s.json" errors.0.line)" 2
        done
        # exactly the line's length is kept; one byte less is not
        run_rc 0 "$T" scan -q -d "$W/d.dict" --batch-bytes $batch --max-line-bytes "$long" -o "$W/s.json" "$W/$f"
        expect_eq "$f-$batch-exact" "$(get "$W/s.json" corpus.documents)" 3
        run_rc 3 "$T" scan -q -d "$W/d.dict" --batch-bytes $batch --max-line-bytes $((long - 1)) -o "$W/s.json" "$W/$f"
        expect_eq "$f-$batch-exact-1" "$(get "$W/s.json" corpus.documents)" 2
    done
done

# ---- corpus.bytes is every decompressed byte, a byte order mark included ---------------------
printf '\357\273\277{"text":"global"}\n' > "$W/bom.jsonl"
zstd -q -c "$W/bom.jsonl" > "$W/bom.jsonl.zst"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/bom.jsonl.zst"
expect_eq bom-bytes "$(get "$W/s.json" corpus.bytes)" "$(zstd -dc "$W/bom.jsonl.zst" | wc -c)"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$ROOT/corpus/archive"
want=0
for f in $(find "$ROOT/corpus/archive" -type f | sort); do
    case "$f" in
    *.zst) n=$(zstd -dc "$f" | wc -c) ;;
    *.gz) n=$(gzip -dc "$f" | wc -c) ;;
    *) n=$(wc -c < "$f") ;;
    esac
    want=$((want + n))
done
expect_eq archive-bytes "$(get "$W/s.json" corpus.bytes)" $want

# ---- many threads on a small input: small memory (it took 2.6 GB before) ---------------------
head -c 268 "$ROOT/README.md" > "$W/small.txt"
"$T" scan -q --stats -k global -j 1024 "$W/small.txt" > /dev/null 2> "$W/stats" || fail "-j 1024"
rss=$(sed -n 's/.*peak_rss_kib=\([0-9]*\).*/\1/p' "$W/stats")
# the sanitizers' own memory per thread comes on top (for 1,024 threads: ASan about 100 MiB,
# TSan about 1 GiB); before the fix the batch slots alone took 2.6 GB
limit=102400
case "$T" in *build-asan/*) limit=524288 ;; *build-tsan/*) limit=2097152 ;; esac
[ "$rss" -lt $limit ] || fail "-j 1024 on 268 bytes: peak RSS $rss KiB (at most $limit)"
exit 0
