# GNU parallel as the scheduler (README "Scaling out"): the README's command in its local form,
# shards 1..N of tally scan --shard {}/N run by parallel, then tally merge, equals one scan byte
# for byte but "run" — with parallel's jobs on this machine and through its --sshlogin syntax
# for this machine (":", no ssh). A shard that fails makes parallel's exit status nonzero, so
# the merge after `&&` does not run, and --resume-failed reruns that shard alone. Skipped,
# saying so, when parallel is missing (scripts/ensure-deps.sh installs it).
. tests/cli/lib.inc

if ! command -v parallel > /dev/null 2>&1; then
    echo "SKIP: GNU parallel is missing (Debian package parallel; scripts/ensure-deps.sh installs it)" >&2
    exit 0
fi
# parallel keeps its files in PARALLEL_HOME (default ~/.parallel): here, not in the user's home
export PARALLEL_HOME="$W/.parallel"
strip() { grep -v '^  "run": ' "$1"; }

mkdir -p "$W/archive/feed" "$W/archive/speeches"
cd "$W" || fail "cd"
for i in 1 2 3 4 5 6; do
    "$GEN" --seed $((400 + i)) --docs 30 --words 40 --dict-out dict > "archive/feed/f$i.jsonl" ||
        fail "gencorpus"
done
zstd -q --rm archive/feed/f2.jsonl
gzip -n archive/feed/f5.jsonl
for i in 1 2 3; do
    "$GEN" --seed $((420 + i)) --docs 2 --words 50 --format text > "archive/speeches/s$i.txt"
done
run_rc 0 "$T" scan -q -d dict archive -o whole.json
[ "$(get whole.json corpus.inputs)" = 9 ] || fail "the single scan does not count 9 inputs"
strip whole.json > whole

# the local form, and the --sshlogin form with this machine as the only login
for how in "-j 2" "--sshlogin 2/:"; do
    for n in 3 5; do
        rm -rf parts
        mkdir parts
        # shellcheck disable=SC2086
        parallel --will-cite $how "$T" scan -q -d dict --shard {}/$n -o parts/part-{}.json archive \
            ::: $(seq $n) || fail "parallel $how, $n shards: exit status $?"
        [ "$(find parts -name 'part-*.json' | wc -l)" = $n ] || fail "parallel $how: not $n parts"
        # shellcheck disable=SC2046
        run_rc 0 "$T" merge -q -o merged.json $(seq -f parts/part-%g.json $n)
        strip merged.json | cmp -s - whole || {
            strip merged.json | diff - whole | head -20 >&2
            fail "parallel $how, $n shards: the merged parts differ from the single scan"
        }
    done
done

# a shard that fails (its part's path is a folder: tally scan exits 2) fails parallel's run, and
# the merge after && does not run; --resume-failed with the same job log then runs that shard
# alone
rm -rf parts merged.json
mkdir -p parts/part-2.json
# shellcheck disable=SC2120 # run_rc passes it --resume-failed
shards() {
    parallel --will-cite -j 2 --joblog jobs.log "$@" \
        "$T" scan -q -d dict --shard {}/3 -o parts/part-{}.json archive ::: 1 2 3 &&
        "$T" merge -q -o merged.json parts/part-1.json parts/part-2.json parts/part-3.json
}
shards 2> err
rc=$?
[ $rc = 1 ] || fail "parallel with one failed shard: exit status $rc, expected 1 (one job failed)"
expect_grep "is a folder" err
[ ! -e merged.json ] || fail "the merge ran although a shard failed"
[ -f parts/part-1.json ] && [ -f parts/part-3.json ] || fail "the other shards did not finish"
rmdir parts/part-2.json
touch -d 2001-01-01 parts/part-1.json parts/part-3.json
run_rc 0 shards --resume-failed
[ -z "$(find parts/part-1.json parts/part-3.json -newermt 2002-01-01)" ] ||
    fail "--resume-failed ran the shards that had succeeded again"
strip merged.json | cmp -s - whole || fail "after --resume-failed, the merged parts differ from the single scan"
