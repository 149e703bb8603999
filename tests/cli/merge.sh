# tally merge end to end: the summaries of the parts of a corpus with bad inputs in it, scanned
# with random threads and batch sizes and merged in random orders and trees, are the summary of
# one scan of the whole, byte for byte but "run"; what cannot be added is refused with exit 2,
# nothing written and a message naming the files and what differs; exit 3 when parts skipped
# documents; the inputs' digests are those xxhsum -H2 computes.
. tests/cli/lib.inc

C=$W/c
P=$W/p
mkdir -p "$C/dir" "$P" "$W/o" "$W/x"
cd "$C" || fail "cd $C"

# ---- the corpus: good files in every format and compression, and bad inputs ---------------
"$GEN" --seed 31 --docs 120 --dict-out "$W/d.dict" > a.jsonl
"$GEN" --seed 32 --docs 150 > "$W/big.jsonl"
zstd -q "$W/big.jsonl" -o b.jsonl.zst
# a truncated .zst: the frame's blocks before the cut are counted, then the input fails
zstd -q -c "$W/big.jsonl" | head -c 60000 > trunc.jsonl.zst
"$GEN" --seed 33 --docs 60 | gzip -c > c.jsonl.gz
"$GEN" --seed 34 --docs 10 --words 60 --format text > d.txt
"$GEN" --seed 35 --docs 40 --words 40 --format lines > e.lines
# a JSON array file ([{...},...]) from generated documents
"$GEN" --seed 36 --docs 25 | awk 'BEGIN { printf "[" } { printf "%s%s\n", (NR > 1 ? "," : ""), $0 } END { print "]" }' > arr.json
{
    printf '{"id":"b1","text":"global cooperation"}\n'
    printf '{"id":"b2","text":"global" \n'
    printf '{"id":"b3","text":42}\n'
    printf '[1,2]\n'
    printf 'not json at all\n'
    printf '{"id":"b4","text":["joint building","exchanges"]}\n'
} > bad.jsonl
# a file without the text field (the other files have it)
printf '{"id":"n1","body":"global"}\n{"id":"n2","title":"cooperation"}\n' > notext.jsonl
# more bad lines than are listed per input (1,000), between good ones
awk 'BEGIN { for (i = 1; i <= 1100; i++) print (i % 100 == 0 ? "{\"text\":\"global " i "\"}" : "{bad " i) }' > manybad.jsonl
printf 'global \377 cooperation \300\257 x\n' > u8.txt
: > empty.txt
"$GEN" --seed 37 --docs 3 --words 40 --format text > dir/x.txt
printf 'global\000binary' > dir/y.bin
# a file name that is not UTF-8: the summary names it with U+FFFD, and sorts it so
ODD=$(printf 'odd\377name.txt')
ODD_AS=$(printf 'odd\357\277\275name.txt')
printf 'global exchanges\n' > "$ODD"
# a folder that yields no file (hidden files only): an error naming it, no input
mkdir -p hollow && : > hollow/.hidden
# one input is a path that does not exist; it always shares a part with an input that exists
# (a scan of nothing but missing paths writes no summary)
MISSING=nothere.jsonl
ITEMS="a.jsonl b.jsonl.zst trunc.jsonl.zst c.jsonl.gz d.txt e.lines arr.json bad.jsonl notext.jsonl manybad.jsonl u8.txt empty.txt dir hollow $ODD"

strip() { grep -v '^  "run": ' "$1"; }

# ---- random partitions -------------------------------------------------------------------
# plan SEED FORMAT: prints the plan of one trial, one step a line:
#   scan NAME THREADS BATCH INPUT...   (BATCH "-" for the default)
#   merge OUT IN...
#   final NAME LEAVES
# The parts are a random partition (seed 0: each input its own part) of ITEMS (the missing path joins a random part), scanned with
# random -j and --batch-bytes; they are merged in random orders, sometimes all at once, sometimes
# as merges of merges.
plan() {
    # shellcheck disable=SC2086
    printf '%s\n' $ITEMS | awk -v seed="$1" -v fmt="$2" -v missing="$MISSING" '
        function shuffle(a, n,    i, j, t) { for (i = n; i > 1; i--) { j = 1 + int(rand() * i); t = a[i]; a[i] = a[j]; a[j] = t } }
        { item[++n] = $0 }
        END {
            # mawk starts alike from nearby seeds: spread them, and drop the first draws
            srand(seed * 7919 + 104729)
            for (i = 0; i < 10; i++) rand()
            k = seed == 0 ? n : 2 + int(rand() * 5)
            for (i = 1; i <= n; i++) { p = seed == 0 ? i : 1 + int(rand() * k); members[p] = members[p] " " item[i] }
            np = 0
            for (p = 1; p <= k; p++) if (p in members) part[++np] = members[p]
            m = 1 + int(rand() * np)
            part[m] = part[m] " " missing
            # in lines format every line is cut at its spaces into batch-sized pieces: tiny
            # batches there would make a batch of each word of the corpus, which takes long
            split(fmt == "lines" ? "256 333 4096 65536 - -" : "1 7 333 4096 65536 -", bbs, " ")
            for (p = 1; p <= np; p++) {
                printf "scan p%d.json %d %s%s\n", p, 1 + int(rand() * 4), bbs[1 + int(rand() * 6)], part[p]
                node[p] = "p" p ".json"
            }
            nn = np; merges = 0
            while (nn > 1) {
                shuffle(node, nn)
                # all that is left at once, or 2 to nn - 1 of them into a merge of merges
                g = nn <= 2 || rand() < 0.25 ? nn : 2 + int(rand() * (nn - 2))
                out = "m" (++merges) ".json"
                printf "merge %s", out
                for (i = 1; i <= g; i++) printf " %s", node[i]
                printf "\n"
                node[1] = out
                for (i = 2; i + g - 1 <= nn; i++) node[i] = node[i + g - 1]
                nn -= g - 1
            }
            printf "final %s %d\n", node[1], np
        }'
}

# trial SEED FORMAT: runs one plan and compares its result with the whole scan
trial() {
    rm -f "$P"/*
    plan "$1" "$2" > "$P/plan"
    final=""
    while read -r step name a b rest; do
        case $step in
        scan)
            opt=""
            [ "$b" = - ] || opt="--batch-bytes $b"
            # shellcheck disable=SC2086
            "$T" scan -q -j "$a" $opt --format "$2" -d "$W/d.dict" -o "$P/$name" $rest
            rc=$?
            [ "$rc" = 0 ] || [ "$rc" = 3 ] || fail "seed $1 $2: scan $name exit $rc: $rest"
            echo "$rc" > "$P/$name.rc"
            ;;
        merge)
            ins=""
            want=0
            for f in $a $b $rest; do
                ins="$ins $P/$f"
                [ "$(cat "$P/$f.rc")" = 3 ] && want=3
            done
            # shellcheck disable=SC2086
            "$T" merge -q -o "$P/$name" $ins
            rc=$?
            [ "$rc" = "$want" ] || fail "seed $1 $2: merge $name exit $rc, expected $want (its parts' statuses)"
            echo "$rc" > "$P/$name.rc"
            ;;
        final)
            final=$name
            leaves=$a
            ;;
        esac
    done < "$P/plan"
    [ -n "$final" ] || fail "seed $1: no plan"
    strip "$P/$final" > "$P/got"
    if ! cmp -s "$P/got" "$W/whole-$2"; then
        cat "$P/plan" >&2
        diff "$W/whole-$2" "$P/got" | head -20 >&2
        fail "seed $1 --format $2: the merged parts differ from the whole"
    fi
    expect_eq "seed $1 $2: exit of the whole vs the merge" "$(cat "$P/$final.rc")" "$(cat "$W/whole-$2.rc")"
    grep -q "^  \"run\": {\"version\":\"[^\"]*\",\"merged\":$leaves}\$" "$P/$final" ||
        fail "seed $1 $2: run line $(grep '"run"' "$P/$final"), expected merged $leaves"
}

for fmt in auto lines; do
    # shellcheck disable=SC2086
    "$T" scan -q --format $fmt -d "$W/d.dict" -o "$W/whole-$fmt.json" $ITEMS $MISSING
    echo $? > "$W/whole-$fmt.rc"
    expect_eq "whole scan exit ($fmt)" "$(cat "$W/whole-$fmt.rc")" 3
    strip "$W/whole-$fmt.json" > "$W/whole-$fmt"
    seed=0
    while [ $seed -le 12 ]; do
        trial $seed $fmt
        seed=$((seed + 1))
    done
done

# the whole scan holds what was planted: every kind of bad input, the error cap, a warning
W_AUTO=$W/whole-auto.json
# the 1,000 errors of manybad.jsonl with the lowest lines are listed, the rest counted
nbad=$(grep -c '^{bad' manybad.jsonl)
last=$(grep -n '^{bad' manybad.jsonl | sed -n 1000p | cut -d: -f1)
expect_eq "manybad.jsonl errors listed" "$(grep -c '"input":"manybad.jsonl"' "$W_AUTO")" 1000
grep -q "\"input\":\"manybad.jsonl\",\"line\":$last," "$W_AUTO" || fail "no error at line $last of manybad.jsonl"
expect_eq errors_omitted "$(get "$W_AUTO" errors_omitted)" $((nbad - 1000))
grep -q '"input":"dir/y.bin"' "$W_AUTO" || fail "no warning for the binary file"
grep -q '"input":"trunc.jsonl.zst","line":0,' "$W_AUTO" || fail "no error for the truncated .zst"
grep -q '"input":"nothere.jsonl","line":0,' "$W_AUTO" || fail "no error for the missing path"
grep -q '"input":"hollow","line":0,' "$W_AUTO" || fail "no error for the folder without files"
grep -q '"path":"arr.json","format":"json"' "$W_AUTO" || fail "arr.json not read as a JSON array"
grep -q '"path":"c.jsonl.gz","format":"jsonl"' "$W_AUTO" || fail "c.jsonl.gz not read as JSON Lines"

# ---- digests: XXH3-128 of each file's bytes, as xxhsum -H2 prints it; null when not read to
# the end (the truncated .zst, the missing path, the binary file left out) ----------------
n=$(get "$W_AUTO" corpus.inputs)
i=0
while [ $i -lt "$n" ]; do
    path=$(get "$W_AUTO" inputs.$i.path)
    dg=$(get "$W_AUTO" inputs.$i.digest)
    [ "$path" = "$ODD_AS" ] && path=$ODD
    case $path in
    trunc.jsonl.zst | nothere.jsonl | dir/y.bin) expect_eq "digest of $path" "$dg" null ;;
    *) expect_eq "digest of $path" "$dg" "$(xxhsum -H2 "$path" 2> /dev/null | cut -d' ' -f1)" ;;
    esac
    i=$((i + 1))
done
expect_eq "inputs listed" "$i" 16

# ---- the text-field error that a summary derives from its JSON counts ---------------------
# a part with only documents without the text field says so; added to a part with the field, it
# no longer does; two parts without it give the error of both, with the fields of both
printf '{"id":"m1","headline":"global"}\n' > "$W/x/notext2.jsonl"
"$T" scan -q -d "$W/d.dict" -o "$W/x/nt1.json" notext.jsonl
"$T" scan -q -d "$W/d.dict" -o "$W/x/nt2.json" "$W/x/notext2.jsonl"
"$T" scan -q -d "$W/d.dict" -o "$W/x/ntw.json" notext.jsonl "$W/x/notext2.jsonl"
grep -q 'fields seen: body, id, title' "$W/x/nt1.json" || fail "no derived error in nt1.json"
grep -q 'fields seen: body, headline, id, title' "$W/x/ntw.json" || fail "no derived error in ntw.json"
run_rc 3 "$T" merge -q -o "$W/x/ntm.json" "$W/x/nt2.json" "$W/x/nt1.json"
strip "$W/x/ntm.json" > "$W/x/got"
strip "$W/x/ntw.json" | cmp -s - "$W/x/got" || fail "two parts without the text field"
"$T" scan -q -d "$W/d.dict" -o "$W/x/a.json" a.jsonl
"$T" scan -q -d "$W/d.dict" -o "$W/x/an.json" a.jsonl notext.jsonl
run_rc 3 "$T" merge -q -o "$W/x/anm.json" "$W/x/nt1.json" "$W/x/a.json"
grep -q 'fields seen' "$W/x/anm.json" && fail "the derived error stayed after a part with the text field"
strip "$W/x/anm.json" > "$W/x/got"
strip "$W/x/an.json" | cmp -s - "$W/x/got" || fail "a part without the text field and one with it"

# ---- exit status 0 and 3, standard output, one file ---------------------------------------
"$T" scan -q -d "$W/d.dict" -o "$W/x/d.json" d.txt
"$T" scan -q -d "$W/d.dict" -o "$W/x/ad.json" a.jsonl d.txt
run_rc 0 "$T" merge -o "$W/x/m.json" "$W/x/d.json" "$W/x/a.json" 2> "$W/err"
[ -s "$W/err" ] && fail "a clean merge printed: $(cat "$W/err")"
strip "$W/x/m.json" > "$W/x/got"
strip "$W/x/ad.json" | cmp -s - "$W/x/got" || fail "two clean parts"
run_rc 0 "$T" merge -o - "$W/x/d.json" "$W/x/a.json" > "$W/x/m-dash.json"
run_rc 0 "$T" merge "$W/x/d.json" "$W/x/a.json" > "$W/x/m-stdout.json"
cmp -s "$W/x/m.json" "$W/x/m-dash.json" || fail "-o - differs from -o FILE"
cmp -s "$W/x/m.json" "$W/x/m-stdout.json" || fail "standard output differs from -o FILE"
"$T" scan -q -d "$W/d.dict" -o "$W/x/bad.json" bad.jsonl
run_rc 3 "$T" merge -o "$W/x/m3.json" "$W/x/a.json" "$W/x/bad.json" 2> "$W/err"
expect_grep "skipped $(get "$W/x/bad.json" corpus.skipped_documents) documents" "$W/err"
run_rc 3 "$T" merge -q -o - "$W/x/a.json" "$W/x/bad.json" > "$W/x/m3-dash.json" 2> "$W/err"
[ -s "$W/err" ] && fail "-q printed: $(cat "$W/err")"
cmp -s "$W/x/m3.json" "$W/x/m3-dash.json" || fail "-o - differs from -o FILE (exit 3)"
for f in "$W_AUTO" "$W/x/a.json" "$W/x/bad.json" "$W/x/m.json"; do
    want=0
    grep -q '"skipped_documents":0,"failed_inputs":0' "$f" || want=3
    run_rc $want "$T" merge -q -o "$W/x/one.json" "$f"
    strip "$W/x/one.json" > "$W/x/got"
    strip "$f" | cmp -s - "$W/x/got" || fail "merge of one file does not reproduce $f"
done

# ---- refusals: exit 2, nothing written, a message naming the files and what differs --------
# refuse WHAT PATTERN... -- ARGS...: tally merge -o OUT ARGS exits 2, leaves an existing OUT and
# its folder as they were, writes nothing on standard output, and its message holds every PATTERN
refuse() {
    what=$1
    shift
    pats=""
    while [ "$1" != -- ]; do
        pats="$pats$1
"
        shift
    done
    shift
    printf 'the previous output\n' > "$W/o/out.json"
    "$T" merge -o "$W/o/out.json" "$@" > "$W/stdout" 2> "$W/err"
    rc=$?
    [ "$rc" = 2 ] || { cat "$W/err" >&2; fail "$what: exit $rc, expected 2"; }
    [ "$(cat "$W/o/out.json")" = "the previous output" ] || fail "$what: the existing output was changed"
    [ "$(ls -A "$W/o")" = out.json ] || fail "$what: left behind: $(ls -A "$W/o")"
    [ -s "$W/stdout" ] && fail "$what: wrote on standard output"
    printf '%s' "$pats" | while IFS= read -r p; do
        grep -qF -- "$p" "$W/err" || { cat "$W/err" >&2; fail "$what: '$p' not in the message"; }
    done || exit 1
    # the same without -o: nothing at all on standard output
    "$T" merge "$@" > "$W/stdout" 2> /dev/null
    rc=$?
    [ "$rc" = 2 ] || fail "$what (standard output): exit $rc, expected 2"
    [ -s "$W/stdout" ] && fail "$what: wrote on standard output"
    return 0
}

X=$W/x
# another dictionary (one term more)
{ cat "$W/d.dict"; printf 'extra term\n'; } > "$W/d2.dict"
"$T" scan -q -d "$W/d2.dict" -o "$X/d-dict2.json" d.txt
refuse "another dictionary" "$X/a.json" "$X/d-dict2.json" "different dictionaries" -- "$X/a.json" "$X/d-dict2.json"
# another --text-field, another case rule
"$T" scan -q --text-field body -d "$W/d.dict" -o "$X/d-body.json" d.txt
refuse "another --text-field" "$X/d-body.json" "$X/a.json" 'text-fields=["body"]' 'text-fields=["text"]' \
    -- "$X/a.json" "$X/d-body.json"
"$T" scan -q --case-sensitive -d "$W/d.dict" -o "$X/d-case.json" d.txt
refuse "--case-sensitive" "$X/d-case.json" "$X/a.json" "case=sensitive" "case=insensitive" -- "$X/a.json" "$X/d-case.json"
# the third of three files differs: still nothing written
refuse "the third file differs" "$X/d-case.json" "case=sensitive" -- "$X/a.json" "$X/d.json" "$X/d-case.json"
# the same part twice, and a copy of a part: the input, "same content", and the file counting it
refuse "the same part twice" "$X/a.json" "'a.jsonl'" "same content" "--allow-same-path" -- "$X/a.json" "$X/a.json"
cp "$X/a.json" "$X/a-copy.json"
refuse "a copy of a part" "cannot add $X/a-copy.json to $X/a.json" "'a.jsonl'" "same content" \
    -- "$X/d.json" "$X/a.json" "$X/a-copy.json"
# one path whose file changed between two scans; --allow-same-path adds them
printf 'global cooperation\n' > "$W/x/news.txt"
"$T" scan -q -d "$W/d.dict" -o "$X/news-1.json" "$W/x/news.txt"
printf 'global global joint building\nand more\n' > "$W/x/news.txt"
"$T" scan -q -d "$W/d.dict" --format lines -o "$X/news-2.json" "$W/x/news.txt" d.txt
refuse "a changed file" "$X/news-1.json" "$X/news-2.json" "'$W/x/news.txt'" "different contents" \
    -- "$X/news-1.json" "$X/news-2.json"
run_rc 0 "$T" merge -q --allow-same-path -o "$X/news-both.json" "$X/news-1.json" "$X/news-2.json"
for k in corpus.documents corpus.tokens keywords.global.count keywords.global.documents corpus.inputs; do
    expect_eq "--allow-same-path $k" "$(get "$X/news-both.json" $k)" \
        $(($(get "$X/news-1.json" $k) + $(get "$X/news-2.json" $k)))
done
expect_eq "news.txt listed twice" "$(grep -c "\"path\":\"$W/x/news.txt\"" "$X/news-both.json")" 2
# ... and the result reads back, and adds further (the same path in it twice is no damage)
run_rc 0 "$T" merge -q -o "$X/news-both2.json" "$X/news-both.json" "$X/a.json"
# the error cap holds per path across a merge as in one scan that names a file twice
awk 'BEGIN { for (i = 1; i <= 700; i++) print (i % 50 == 0 ? "{\"text\":\"global\"}" : "{bad " i) }' > "$W/x/b700.jsonl"
"$T" scan -q -d "$W/d.dict" -o "$X/b700.json" "$W/x/b700.jsonl"
"$T" scan -q -d "$W/d.dict" -o "$X/b700x2.json" "$W/x/b700.jsonl" "$W/x/b700.jsonl"
run_rc 3 "$T" merge -q --allow-same-path -o "$X/b700m.json" "$X/b700.json" "$X/b700.json"
strip "$X/b700m.json" > "$X/got"
strip "$X/b700x2.json" | cmp -s - "$X/got" || fail "the error cap across a merge of one path twice"
[ "$(get "$X/b700m.json" errors_omitted)" -gt 0 ] || fail "b700: nothing omitted"

# an input in both that one of them did not read to its end (a missing path in both)
"$T" scan -q -d "$W/d.dict" -o "$X/miss-1.json" "$MISSING" u8.txt
"$T" scan -q -d "$W/d.dict" -o "$X/miss-2.json" "$MISSING" empty.txt
refuse "a missing path in both" "'$MISSING'" "not read to its end" -- "$X/miss-1.json" "$X/miss-2.json"

# another schema version
sed '2s/"tally": [0-9]*/"tally": 1/' "$X/a.json" > "$X/v1.json"
cmp -s "$X/a.json" "$X/v1.json" && fail "the schema line was not edited"
refuse "schema version 1" "$X/v1.json" "version 1" -- "$X/a.json" "$X/v1.json"
refuse "schema version 1, first" "$X/v1.json" "version 1" -- "$X/v1.json" "$X/a.json"
# not a summary: a JSON Lines data file, an empty file, a binary file, a missing file, JSON of
# another shape
: > "$X/empty.json"
printf '{"tally": 2, "corpus": 5}\n' > "$X/shape.json"
printf '[1, 2, 3]\n' > "$X/array.json"
for f in "$C/a.jsonl" "$X/empty.json" "$C/b.jsonl.zst" "$X/shape.json" "$X/array.json"; do
    refuse "not a summary: $f" "$f" "not a valid tally summary" -- "$X/a.json" "$f"
done
refuse "a missing file" "$X/none.json" -- "$X/a.json" "$X/none.json"
# truncated at several cut points: the message names the file and the line of the cut
size=$(wc -c < "$X/a.json")
for cut in 1 2 40 $((size / 4)) $((size / 2)) $((size * 3 / 4)) $((size - 20)) $((size - 2)); do
    head -c $cut "$X/a.json" > "$X/cut.json"
    line=$(($(tr -dc '\n' < "$X/cut.json" | wc -c) + 1))
    refuse "cut at $cut" "$X/cut.json:$line: not a valid tally summary" -- "$X/d.json" "$X/cut.json"
done
# a field of the wrong type
first_kw=$(sed -n '5s/^    "\([^"]*\)": .*/\1/p' "$X/a.json")
[ -n "$first_kw" ] || fail "no keyword on line 5"
sed '5s/"count":\([0-9]*\)/"count":"\1"/' "$X/a.json" > "$X/type1.json"
sed '5s/"groups":\[\]/"groups":"none"/' "$X/a.json" > "$X/type2.json"
sed '3s/"tokens":\([0-9]*\)/"tokens":\1.0/' "$X/a.json" > "$X/type3.json"
sed 's/"path":"a.jsonl"/"path":7/' "$X/a.json" > "$X/type4.json"
for f in type1 type2 type3 type4; do
    cmp -s "$X/a.json" "$X/$f.json" && fail "$f.json was not edited"
done
refuse "count a string" "$X/type1.json" '"count" of a keyword is not an integer' -- "$X/d.json" "$X/type1.json"
refuse "groups a string" "$X/type2.json" '"groups" of a keyword is not an array' -- "$X/d.json" "$X/type2.json"
refuse "tokens a real" "$X/type3.json" '"tokens" of corpus is not an integer' -- "$X/d.json" "$X/type3.json"
refuse "path a number" "$X/type4.json" '"path" of inputs[0] is not a string' -- "$X/d.json" "$X/type4.json"
# integers too big for 63 bits, and negative ones
sed '5s/"count":[0-9]*/"count":99999999999999999999999/' "$X/a.json" > "$X/big.json"
sed '5s/"count":[0-9]*/"count":9223372036854775808/' "$X/a.json" > "$X/big63.json"
sed '5s/"documents":[0-9]*/"documents":-1/' "$X/a.json" > "$X/neg.json"
refuse "too big an integer" "$X/big.json:5:" "not a valid tally summary" -- "$X/d.json" "$X/big.json"
refuse "2^63" "$X/big63.json:5:" "not a valid tally summary" -- "$X/d.json" "$X/big63.json"
refuse "negative" "$X/neg.json" "negative" -- "$X/d.json" "$X/neg.json"
# edited by hand so that the totals disagree
awk 'NR == 5 { match($0, /"count":[0-9]+/); n = substr($0, RSTART + 8, RLENGTH - 8); $0 = substr($0, 1, RSTART - 1) "\"count\":" (n + 1) substr($0, RSTART + RLENGTH) } { print }' \
    "$X/a.json" > "$X/kwcount.json"
awk 'NR == 3 { match($0, /"documents":[0-9]+/); n = substr($0, RSTART + 12, RLENGTH - 12); $0 = substr($0, 1, RSTART - 1) "\"documents\":" (n + 1) substr($0, RSTART + RLENGTH) } { print }' \
    "$X/a.json" > "$X/docs.json"
awk 'NR == 3 { match($0, /"inputs":[0-9]+/); n = substr($0, RSTART + 9, RLENGTH - 9); $0 = substr($0, 1, RSTART - 1) "\"inputs\":" (n + 1) substr($0, RSTART + RLENGTH) } { print }' \
    "$X/a.json" > "$X/inputs.json"
for f in kwcount docs inputs; do
    cmp -s "$X/a.json" "$X/$f.json" && fail "$f.json was not edited"
done
refuse "a keyword's count" "$X/kwcount.json" "keyword '$first_kw'" "not a valid tally summary" -- "$X/d.json" "$X/kwcount.json"
refuse "corpus.documents" "$X/docs.json" "not a valid tally summary" "do not add up" -- "$X/d.json" "$X/docs.json"
refuse "corpus.inputs" "$X/inputs.json" "not a valid tally summary" "corpus.inputs" -- "$X/d.json" "$X/inputs.json"
# an output that is one of the inputs
cp "$X/a.json" "$X/keep.json"
"$T" merge -o "$X/a.json" "$X/a.json" "$X/d.json" > "$W/stdout" 2> "$W/err"
expect_eq "-o an input: exit" $? 2
cmp -s "$X/a.json" "$X/keep.json" || fail "-o an input: the input was changed"
expect_grep "$X/a.json" "$W/err"
[ -s "$W/stdout" ] && fail "-o an input: wrote on standard output"
for f in "$X"/.[!.]*; do
    [ -e "$f" ] && fail "-o an input: left a temporary file: $f"
done
# ... also through a symbolic link
ln -s a.json "$X/link.json"
"$T" merge -o "$X/link.json" "$X/d.json" "$X/a.json" > "$W/stdout" 2> "$W/err"
expect_eq "-o a link to an input: exit" $? 2
cmp -s "$X/a.json" "$X/keep.json" || fail "-o a link to an input: the input was changed"
expect_grep "$X/link.json" "$W/err"

# ---- the merged summary cannot be written: exit 1, nothing left behind ----------------------
run_rc 1 "$T" merge -q -o "$W/o/no/such/folder.json" "$X/a.json" "$X/d.json" 2> "$W/err"
expect_grep "$W/o/no/such/folder.json" "$W/err"
[ "$(ls -A "$W/o")" = out.json ] || fail "cannot write: left behind: $(ls -A "$W/o")"
if [ -w /dev/full ]; then
    run_rc 1 "$T" merge -q -o /dev/full "$X/a.json" "$X/d.json" 2> "$W/err"
    expect_grep "cannot write" "$W/err"
fi
exit 0
