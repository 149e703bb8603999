# Incremental and resumable scans (issue 14): `tally scan --state DIR` gives, on every run, the
# outputs of a fresh full scan (summary byte for byte but "run", per-document records byte for
# byte) while reusing the parts of unchanged inputs: after new, changed and removed inputs, after
# a change that keeps size and time (--verify), after damaged parts and a damaged total, and after
# a kill -9 at 24 random moments of runs. A folder of other settings is refused (exit 2) or
# rebuilt; a second run on a folder in use exits 2 at once naming the first one's pid.
. tests/cli/lib.inc

strip() { grep -v '^  "run": ' "$1"; }
cd "$W" || fail "cd"
mkdir -p arc/2024/01 arc/2024/02 arc/speeches arc/empty
i=0
for m in 01 02; do
    for dday in 1 2 3 4 5 6; do
        i=$((i + 1))
        "$GEN" --seed $((900 + i)) --docs 30 --words 40 --dict-out dict > "arc/2024/$m/d$dday.jsonl" || fail gen
    done
done
for s in 1 2 3; do
    "$GEN" --seed $((950 + s)) --docs 5 --words 60 --format text > "arc/speeches/s$s.txt"
done
"$GEN" --seed 960 --docs 20 --words 30 --format lines > arc/speeches/all.lines
zstd -q -o arc/2024/01/z.jsonl.zst arc/2024/01/d1.jsonl
printf 'broken' | zstd -q > arc/bad.jsonl.zst
head -c 20 arc/bad.jsonl.zst > arc/2024/bad2.jsonl.zst
printf 'bin\000ary' > arc/speeches/blob.txt
OPTS="-d dict --keep-field id --per-doc"

# plain scan of the archive now, to compare with: plain NAME
plain() {
    run_rc 3 "$T" scan -q $OPTS "$1.pdocs" arc arc/empty -o "$1.plain.json"
}
# a state run and the comparison: staterun NAME [OPTIONS]
staterun() {
    name=$1
    shift
    "$T" scan $OPTS "$name.sdocs" --stats arc arc/empty --state st -o "$name.state.json" "$@" 2> "$name.err"
    rc=$?
    [ $rc = 3 ] || { cat "$name.err" >&2; fail "$name: exit status $rc, expected 3"; }
    strip "$name.plain.json" > "$name.a"
    strip "$name.state.json" > "$name.b"
    cmp -s "$name.a" "$name.b" || { diff "$name.a" "$name.b" | head -20 >&2; fail "$name: the summary differs from a full scan"; }
    cmp -s "$name.pdocs" "$name.sdocs" || fail "$name: the per-document records differ from a full scan"
}
reused() { sed -n 's/.*state: \([0-9]*\) inputs reused, \([0-9]*\) scanned, \([0-9]*\) damaged.*/\1 \2 \3/p' "$1.err"; }

plain first
staterun first
n_in=$(get first.plain.json corpus.inputs)
# every input and the empty folder (scanned on every run, never kept)
expect_eq "first run" "$(reused first)" "0 $((n_in + 1)) 0"
# unchanged: only what is never kept is scanned again (the two broken files, the empty folder)
plain again
staterun again
set -- $(reused again)
[ "$2" -le 3 ] || fail "unchanged rerun scanned $2 inputs"
[ "$3" = 0 ] || fail "damaged: $3"

# new, changed and removed inputs
"$GEN" --seed 990 --docs 30 --words 40 > arc/2024/02/new.jsonl
"$GEN" --seed 991 --docs 12 --words 40 > arc/2024/01/d3.jsonl
rm arc/2024/02/d6.jsonl
plain changed
staterun changed
set -- $(reused changed)
[ "$2" -le 5 ] || fail "after 1 new, 1 changed: scanned $2"
# the index lists the kept inputs only (the removed one is gone); one pack per run that made parts,
# those no longer pointed into removed
entries=$(sed -n 2p st/index | grep -o '"entries":[0-9]*' | cut -d: -f2)
[ "$entries" -lt "$n_in" ] || fail "the index lists $entries inputs, $n_in inputs now (2 never kept)"
[ "$(ls st/packs | wc -l)" -le 3 ] || fail "packs: $(ls st/packs)"

# a damaged part: one byte edited in the middle of a pack (the index is whole)
packs=$(ls st/packs/*.pack)
p1=$(echo "$packs" | sed -n 1p)
size=$(wc -c < "$p1")
off=$((size / 2))
{ head -c "$off" "$p1"; printf 'Z'; tail -c +$((off + 2)) "$p1"; } > tmp
cmp -s tmp "$p1" && fail "could not edit a pack"
cat tmp > "$p1"
plain damaged
staterun damaged
grep -q "state: the part of '.*' is damaged (its content does not match its digest); scanning the input again" damaged.err ||
    fail "no warning for a damaged part: $(cat damaged.err)"
set -- $(reused damaged)
[ "$3" = 1 ] || fail "damaged files: $3"
# a damaged index, and a pack cut short: the packs are read instead
p2=$(ls st/packs/*.pack | sed -n '$p')
head -c $(($(wc -c < "$p2") - 50)) "$p2" > tmp && cat tmp > "$p2"
head -c 300 st/index > tmp && cat tmp > st/index
plain damaged2
staterun damaged2
grep -q "state: the index .* is damaged (cut short); reading the packs instead" damaged2.err ||
    fail "no warning for the damaged index: $(cat damaged2.err)"
# and the next run finds everything whole again
plain healed
staterun healed
expect_eq "after healing" "$(reused healed | cut -d' ' -f3)" 0

# a change that keeps size and modification time: only --verify sees it
cp -p arc/2024/01/d2.jsonl keep
sed 's/a/b/' keep > tmp && cat tmp > arc/2024/01/d2.jsonl && touch -r keep arc/2024/01/d2.jsonl
[ "$(wc -c < keep)" = "$(wc -c < arc/2024/01/d2.jsonl)" ] || fail "the edit changed the size"
cmp -s keep arc/2024/01/d2.jsonl && fail "the edit changed nothing"
plain verify
staterun verify --verify
set -- $(reused verify)
[ "$2" -ge 1 ] || fail "--verify did not scan the changed input"

# other settings: refused, then rebuilt
printf 'global\n' > other.dict
run_rc 2 "$T" scan -q -d other.dict arc --state st -o x.json 2> err
grep -q "made with other counting settings" err || fail "other dictionary: $(cat err)"
grep -q -- "--rebuild" err || fail "no --rebuild hint: $(cat err)"
run_rc 2 "$T" scan -q -d dict arc --state st -o x.json 2> err
grep -q "other counting settings or outputs" err || fail "without --per-doc: $(cat err)"
plain rebuilt
staterun rebuilt --rebuild
expect_eq "rebuilt" "$(reused rebuilt | cut -d' ' -f1)" 0
run_rc 2 "$T" scan -q -d dict --verify arc 2> err
grep -q -- "--verify needs --state" err || fail "--verify alone: $(cat err)"
run_rc 2 "$T" scan -q -d dict --state st2 - < /dev/null 2> err
grep -q "needs named inputs" err || fail "--state with stdin: $(cat err)"

# a second run on a folder in use: exit 2 at once, naming the first run's pid
mkfifo fifo
(printf 'global\n'; exec sleep 20) > fifo &
writer=$!
BG="$BG $writer"
"$T" scan -q -d dict --format lines fifo --state st3 -o busy.json 2> /dev/null &
first=$!
BG="$BG $first"
for _ in 1 2 3 4 5 6 7 8 9 10; do [ -s st3/lock ] && break; sleep 0.2; done
start=$(date +%s)
run_rc 2 "$T" scan -q -d dict arc --state st3 -o y.json 2> err
[ $(($(date +%s) - start)) -le 2 ] || fail "the second run waited"
grep -q "is in use by pid $first" err || fail "in use: $(cat err) (first pid $first)"
kill "$writer" "$first" 2> /dev/null
wait "$first" 2> /dev/null
# the lock goes with its holder: a killed run leaves none behind
"$T" scan -q -d dict --format lines arc/speeches/all.lines --state st3 -o y.json || fail "the lock outlived its holder"

# every output at once: buckets, vocabulary and concordance lines come through the parts too,
# byte for byte, on a first run, a rerun, after new and changed inputs, and from the packs alone
# (no index). The vocabulary's summary names its file: both runs write files of the same names
# in their own folders.
mkdir -p all/plain all/state
AOPTS="-d ../../dict --by date:month --by @input --vocab words.tsv --vocab-min-count 2 --kwic lines.jsonl --kwic-max 3 --per-doc docs.jsonl"
allrun() { # NAME [OPTIONS]: both runs from inside their folders, compared
    name=$1
    shift
    (cd all/plain && run_rc 3 "$T" scan -q $AOPTS ../../arc ../../arc/empty -o s.json) || fail "$name: plain scan"
    (cd all/state && "$T" scan -q $AOPTS ../../arc ../../arc/empty --state ../../stall -o s.json "$@"
        rc=$?; [ $rc = 3 ] || { echo "exit status $rc" >&2; exit 1; }) || fail "$name: state scan"
    strip all/plain/s.json > all.a
    strip all/state/s.json | cmp -s - all.a || { strip all/state/s.json | diff - all.a | head >&2; fail "$name: summaries differ"; }
    for f in words.tsv lines.jsonl docs.jsonl; do
        cmp -s all/plain/$f all/state/$f || fail "$name: $f differs from a full scan"
    done
}
allrun all-first
[ "$(wc -l < all/state/lines.jsonl)" -gt 3 ] || fail "no concordance lines to compare"
[ "$(wc -l < all/state/words.tsv)" -gt 10 ] || fail "no vocabulary to compare"
allrun all-again
"$GEN" --seed 995 --docs 25 --words 40 > arc/2024/02/new2.jsonl
"$GEN" --seed 996 --docs 14 --words 40 > arc/2024/01/d4.jsonl
allrun all-changed
rm stall/index
allrun all-packs
run_rc 2 "$T" scan -q -d dict --by date:month --vocab x.tsv --per-doc x.docs arc --state stall -o x.json 2> err
grep -q "other counting settings or outputs" err || fail "without --kwic: $(cat err)"

# kill -9 at 24 random moments (seeded), each followed by a run that is not killed, over an
# archive of many files, so that a run lasts long enough to be hit while it writes parts
mkdir -p big
for f in $(seq 1 120); do
    "$GEN" --seed $((3000 + f)) --docs 60 --words 60 > "big/f$f.jsonl" || fail gen
done
mkdir -p bp bs
BOPTS="-j 1 -d ../dict --per-doc d.jsonl --vocab v.tsv --kwic k.jsonl --by date:month"
(cd bp && run_rc 0 "$T" scan -q $BOPTS ../big -o s.json) || fail "big plain scan"
strip bp/s.json > big.a
# bigrun [ENV=VALUE...]: the state run in bs, in the foreground
bigrun() { (cd bs && env "$@" "$T" scan -q $BOPTS ../big --state ../bst -o s.json); }
# same WHAT: the last state run's outputs are the plain scan's
same() {
    strip bs/s.json | cmp -s - big.a || fail "$1: the summary differs from a full scan"
    for f in d.jsonl v.tsv k.jsonl; do cmp -s bp/$f bs/$f || fail "$1: $f differs from a full scan"; done
    [ -z "$(find bst -name '.*' -type f)" ] || fail "$1: temporaries left: $(find bst -name '.*')"
}
start=$(date +%s%N)
bigrun || fail "big state run"
full_ms=$((($(date +%s%N) - start) / 1000000 + 1))
same "first run"
seed=12345
hit=0
for k in $(seq 1 24); do
    seed=$(((seed * 1103515245 + 12345) % 2147483648))
    ms=$((seed % full_ms))
    rm -rf bst # from an empty folder, so that every moment of a run may be hit
    [ $((k % 4)) = 0 ] && bigrun # or a full one
    (cd bs && exec "$T" scan -q $BOPTS ../big --state ../bst -o s.json 2> /dev/null) &
    pid=$!
    sleep "$(awk -v m="$ms" 'BEGIN { printf "%.3f", m / 1000 }')"
    kill -0 "$pid" 2> /dev/null && hit=$((hit + 1))
    kill -9 "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    # a sanitizer build killed while checking for leaks at its exit leaves a tracer task sharing
    # its descriptors for a moment (not a child of this shell): wait until the lock is free
    [ -e bst/lock ] && flock -w 20 bst/lock true
    rm -f bs/*
    bigrun || fail "kill $k at $ms ms: the run after it failed"
    same "kill $k at $ms ms"
done
# and at the moments a random kill may miss (the test hook of programs/state.c): half of a part
# written to the pack, the new index written but not yet in place, the parts being added up
for at in part:1 part:7 part:120 index:1 add:1 add:60; do
    rm -rf bst
    if [ "$at" = add:60 ]; then
        # a full folder whose index is lost: every part is read and added up
        bigrun
        rm bst/index
    fi
    bigrun TALLY_STATE_KILL=$at 2> /dev/null
    rc=$?
    [ $rc = 137 ] || fail "TALLY_STATE_KILL=$at: exit status $rc, expected 137 (SIGKILL)"
    rm -f bs/*
    bigrun || fail "killed at $at: the run after it failed"
    same "killed at $at"
done
# the moments are drawn over the length of one run measured before; on a busy machine runs vary,
# so only a quarter of the kills must land while a run is going
[ "$hit" -ge 6 ] || fail "only $hit of 24 kills hit a running scan"
echo "state: OK (a run $full_ms ms, $hit of 24 kills hit it running)"
