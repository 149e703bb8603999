#!/bin/sh
# submit.sh — submits a tally scan as a Slurm job array of N shards (tally-shard.sbatch) and
# the merge of their parts (tally-merge.sbatch) as a job that waits for all of them
# (--dependency=afterok), then prints both job ids:
#
#   contrib/slurm/submit.sh [-n N] [-t TASKS] [-c CPUS] [-p PARTS] [-o OUTPUT] -- SCAN ARGS...
#   array_job=1234
#   merge_job=1235
#
#   -n N       number of shards (default 4)
#   -t TASKS   the array tasks to submit (default 1-N); after a failed task, `-t 3` (or
#              `-t 2,4`) submits those shards again with a new merge after them
#   -c CPUS    CPUs (tally threads) for each task (default 1)
#   -p PARTS   folder for the parts part-K.json and the jobs' logs (default tally-parts)
#   -o OUTPUT  the merged summary (default PARTS/summary.json)
#
# SCAN ARGS are those of tally scan (dictionary, options, inputs), the same for every shard;
# relative paths are read from the current folder, where the jobs run. TALLY names the tally
# program and TALLY_STATE_DIR, when set, gives each shard its own --state folder (see
# tally-shard.sbatch); other sbatch settings come from its SBATCH_* variables (SBATCH_PARTITION,
# SBATCH_TIMELIMIT, SBATCH_ACCOUNT, ...).
set -eu

usage() {
    echo "usage: $0 [-n N] [-t TASKS] [-c CPUS] [-p PARTS] [-o OUTPUT] -- SCAN ARGS..." >&2
    exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
n=4
tasks=
cpus=1
parts=tally-parts
out=
while getopts n:t:c:p:o: opt; do
    case $opt in
    n) n=$OPTARG ;;
    t) tasks=$OPTARG ;;
    c) cpus=$OPTARG ;;
    p) parts=$OPTARG ;;
    o) out=$OPTARG ;;
    *) usage ;;
    esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage
case $n in
'' | *[!0-9]* | 0) echo "$0: -n wants a number of shards of at least 1, not '$n'" >&2 && exit 2 ;;
esac
[ -n "$tasks" ] || tasks=1-$n
[ -n "$out" ] || out=$parts/summary.json
mkdir -p "$parts/log"

# --parsable prints "ID" or "ID;CLUSTER"
array=$(TALLY_SHARDS=$n sbatch --parsable --array="$tasks" --cpus-per-task="$cpus" \
    --chdir="$PWD" --output="$parts/log/shard-%A_%a.out" \
    "$here/tally-shard.sbatch" "$parts" "$@")
array=${array%%;*}
echo "array_job=$array"
merge=$(sbatch --parsable --dependency="afterok:$array" --chdir="$PWD" \
    --output="$parts/log/merge-%j.out" "$here/tally-merge.sbatch" "$parts" "$n" "$out")
merge=${merge%%;*}
echo "merge_job=$merge"
echo "submit.sh: shards $tasks of $n in job $array; job $merge merges them into $out" >&2
