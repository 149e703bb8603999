# contrib/slurm's job scripts outside Slurm (make check-slurm runs them on a real cluster): run
# with the variables Slurm sets, tally-shard.sbatch scans shard K of N into PARTS/part-K.json
# (N from TALLY_SHARDS over the array's task count), passes --state TALLY_STATE_DIR/shard-K only
# when that variable is set, and -j the task's CPUs before the caller's arguments; it refuses
# an index outside 1..N, takes tally's exit 3 as success and passes any other failure on.
# tally-merge.sbatch adds the N parts into one scan's summary and names the shards whose part
# is missing. A stand-in for tally records the arguments the scripts give it.
. tests/cli/lib.inc

S=$ROOT/contrib/slurm
strip() { grep -v '^  "run": ' "$1"; }
cd "$W" || fail "cd"
mkdir archive
for i in 1 2 3 4 5; do
    "$GEN" --seed $((300 + i)) --docs 20 --words 30 --dict-out dict > "archive/f$i.jsonl" || fail "gencorpus"
done
run_rc 0 "$T" scan -q -d dict archive -o whole.json
strip whole.json > whole
# the stand-in: its arguments one a line into args, then exit status $FAKE_RC
printf '#!/bin/sh\nprintf "%%s\\n" "$@" > "%s/args"\nexit "${FAKE_RC:-0}"\n' "$W" > fake
chmod +x fake
unset TALLY_STATE_DIR TALLY_SHARDS SLURM_CPUS_PER_TASK SLURM_CPUS_ON_NODE 2> /dev/null || true
shard() { env SLURM_ARRAY_TASK_COUNT=3 "$@" sh "$S/tally-shard.sbatch" parts -d dict archive 2> err; }

# three tasks of an array of 3, then the merge: one scan's summary
for k in 1 2 3; do
    run_rc 0 shard TALLY="$T" SLURM_ARRAY_TASK_ID=$k
    run_rc 0 "$T" scan -q -d dict --shard $k/3 archive -o "s$k.json"
    strip "s$k.json" > "s$k"
    strip "parts/part-$k.json" | cmp -s - "s$k" || fail "part $k is not tally scan --shard $k/3"
done
run_rc 0 env TALLY="$T" sh "$S/tally-merge.sbatch" parts 3 merged.json
strip merged.json | cmp -s - whole || fail "the merge of the 3 parts differs from one scan"

# the arguments: no --state without TALLY_STATE_DIR, the task's CPUs first, N from TALLY_SHARDS
run_rc 0 shard TALLY="$W/fake" SLURM_ARRAY_TASK_ID=2 SLURM_CPUS_PER_TASK=3
expect_eq "arguments" "$(tr '\n' ' ' < args)" "scan -q -j 3 --shard 2/3 -o parts/part-2.json -d dict archive "
run_rc 0 shard TALLY="$W/fake" SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_COUNT=1 TALLY_SHARDS=4 TALLY_STATE_DIR="$W/st"
expect_eq "arguments" "$(tr '\n' ' ' < args)" "scan -q -j 1 --state $W/st/shard-3 --shard 3/4 -o parts/part-3.json -d dict archive "
[ -d "$W/st/shard-3" ] || fail "the shard's state folder was not made"
run_rc 0 shard TALLY="$W/fake" SLURM_ARRAY_TASK_ID=1 TALLY_STATE_DIR=
grep -q -- --state args && fail "an empty TALLY_STATE_DIR gave --state"

# exit statuses: 3 is a part with errors listed, anything else fails the task
run_rc 0 shard TALLY="$W/fake" SLURM_ARRAY_TASK_ID=1 FAKE_RC=3
expect_grep "finished with errors" err
run_rc 2 shard TALLY="$W/fake" SLURM_ARRAY_TASK_ID=1 FAKE_RC=2
expect_grep "exit status 2" err
run_rc 1 shard TALLY="$W/fake" SLURM_ARRAY_TASK_ID=0
expect_grep "submit with --array=1-3" err
run_rc 1 shard TALLY="$W/fake" SLURM_ARRAY_TASK_ID=4
noarray() { env -u SLURM_ARRAY_TASK_ID SLURM_ARRAY_TASK_COUNT=3 sh "$S/tally-shard.sbatch" parts archive 2> err; }
run_rc 1 noarray
expect_grep "not a task of a job array" err

# the merge: a missing part is named; tally merge's 3 is success, 2 is passed on
rm parts/part-2.json
run_rc 1 env TALLY="$T" sh "$S/tally-merge.sbatch" parts 3 m2.json 2> err
expect_grep "shard(s) 2 of 3" err
[ ! -e m2.json ] || fail "a merge without part 2 was written"
: > parts/part-2.json
run_rc 0 env TALLY="$W/fake" FAKE_RC=3 sh "$S/tally-merge.sbatch" parts 3 m2.json
expect_eq "merge arguments" "$(tr '\n' ' ' < args)" "merge -q -o m2.json parts/part-1.json parts/part-2.json parts/part-3.json "
run_rc 2 env TALLY="$W/fake" FAKE_RC=2 sh "$S/tally-merge.sbatch" parts 3 m2.json
