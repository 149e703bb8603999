# Choosing inputs (issue 14): --files-from lists (newline or NUL separated, standard input, mixed
# with paths on the command line) and --shard K/N. The N shards are disjoint, cover every input,
# each file's shard is XXH3-64 of its path mod N + 1 (checked with the xxhsum program, not with
# tally's code), and tally merge of the N shard summaries is one scan's summary, byte for byte
# but "run" — for N larger than the number of files too, and with an empty folder among the
# inputs (its error belongs to one shard only).
. tests/cli/lib.inc

command -v xxhsum > /dev/null || fail "xxhsum is missing (scripts/ensure-deps.sh installs xxhash)"
strip() { grep -v '^  "run": ' "$1"; }

mkdir -p "$W/a/sub" "$W/a/empty" "$W/a/deep/er"
cd "$W" || fail "cd"
i=0
for fmt in jsonl lines text; do
    for s in 1 2 3 4; do
        i=$((i + 1))
        case $fmt in
        jsonl) f=a/part$s.jsonl ;;
        lines) f=a/sub/part$s.lines ;;
        text) f=a/deep/er/t$s.txt ;;
        esac
        "$GEN" --seed $((700 + i)) --docs 40 --words 30 --format "$fmt" --dict-out dict > "$f" ||
            fail "gencorpus"
    done
done
mv a/sub/part1.lines a/sub/part1.txt
run_rc 3 "$T" scan -q --format auto -d dict a a/empty -o whole.json
run_rc 3 "$T" scan -q -d dict a a/empty --shard 1/1 -o one.json
strip whole.json > whole
strip one.json | cmp -s - whole || fail "--shard 1/1 differs from the whole scan"

n_files=$(get whole.json corpus.inputs)
[ "$n_files" = 12 ] || fail "expected 12 inputs, got $n_files"
for n in 2 3 7 40; do
    parts=
    total=0
    : > seen
    for k in $(seq 1 $n); do
        "$T" scan -q -d dict a a/empty --shard "$k/$n" -o "s$k.json"
        rc=$?
        [ $rc = 0 ] || [ $rc = 3 ] || fail "shard $k/$n: exit status $rc"
        got=$(get "s$k.json" corpus.inputs)
        total=$((total + got))
        parts="$parts s$k.json"
        # every input of the shard hashes to it
        for p in $("$SC" --get "s$k.json" inputs | grep -o '"path":"[^"]*"' | sed 's/^"path":"//; s/"$//'); do
            h=$(printf %s "$p" | xxhsum -H3 | sed 's/.* = //')
            want=$(awk -v h="$h" -v n="$n" 'BEGIN {
                # the hash modulo n, from its hex digits (too wide for awk numbers)
                r = 0; for (i = 1; i <= length(h); i++) r = (r * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1) % n
                print r + 1 }')
            [ "$want" = "$k" ] || fail "$p is in shard $k/$n, its hash says $want"
            echo "$p" >> seen
        done
    done
    [ "$total" = "$n_files" ] || fail "N=$n: the shards hold $total inputs, expected $n_files"
    [ "$(sort seen | uniq -d | wc -l)" = 0 ] || fail "N=$n: an input is in two shards"
    # shellcheck disable=SC2086
    run_rc 3 "$T" merge -q $parts -o merged.json
    strip merged.json | cmp -s - whole || {
        strip merged.json | diff - whole | head -20 >&2
        fail "N=$n: the merged shards differ from the whole scan"
    }
done
grep -q '"no input files under this folder"' whole.json || fail "the empty folder's error is missing"

# the inputs of the summary, as paths, for the lists below
"$SC" --get whole.json inputs | grep -o '"path":"[^"]*"' | sed 's/^"path":"//; s/"$//' > paths
[ "$(wc -l < paths)" = 12 ] || fail "could not list the inputs"

# --files-from: the same inputs listed, newline separated, with blank lines and a CRLF ending
{ sed -n '1,5p' paths; echo; sed -n '6,8p' paths | sed 's/$/\r/'; } > list1
sed -n '10,12p' paths > list2
run_rc 0 "$T" scan -q -d dict --files-from list1 "$(sed -n 9p paths)" --files-from list2 -o fl.json
# shellcheck disable=SC2046
run_rc 0 "$T" scan -q -d dict $(cat paths) -o args.json
strip args.json > args
strip fl.json | cmp -s - args || fail "--files-from differs from the same paths given as arguments"
# NUL separated, from standard input
tr '\n' '\0' < paths | "$T" scan -q -d dict -0 --files-from - -o nul.json
strip nul.json | cmp -s - args || fail "--files-from - -0 differs"
# a NUL-separated list read as lines is refused with the entry's line
tr '\n' '\0' < paths > nul.list
echo >> nul.list
run_rc 2 "$T" scan -q -d dict --files-from nul.list -o x.json 2> err
grep -q 'nul.list:1: a NUL byte' err || fail "NUL in a line list: $(cat err)"
# a missing list, an empty list, a list overwritten by the output, stdin twice
run_rc 2 "$T" scan -q -d dict --files-from nope.list 2> err
grep -q "cannot read 'nope.list'" err || fail "missing list: $(cat err)"
: > empty.list
run_rc 2 "$T" scan -q -d dict --files-from empty.list 2> err
grep -q "lists are empty" err || fail "empty list: $(cat err)"
run_rc 2 "$T" scan -q -d dict --files-from list2 -o list2 2> err
grep -q "input 'list2'" err || fail "output over the list: $(cat err)"
[ "$(wc -l < list2)" = 3 ] || fail "the list was touched"
run_rc 2 "$T" scan -q -d dict --files-from - - < list2 2> err
grep -q "both an input" err || fail "stdin twice: $(cat err)"
# a listed path that does not exist is a failed input like an argument would be
echo nowhere.jsonl > bad.list
run_rc 3 "$T" scan -q -d dict a/part1.jsonl --files-from bad.list -o bad.json
expect_eq "failed inputs" "$(get bad.json corpus.failed_inputs)" 1

# bad shard specifications
for s in 0/3 4/3 3 1/0 a/b 1/2x -1/2 1/-2 ''; do
    run_rc 2 "$T" scan -q -d dict a --shard "$s" 2> err
    grep -q -- "--shard: expected K/N" err || fail "--shard '$s': $(cat err)"
done
echo "shard and files-from: OK"
