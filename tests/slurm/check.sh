#!/bin/sh
# check.sh BUILD — `make check-slurm`: contrib/slurm on a real Slurm. Installs Debian's slurm-wlm
# and munge when missing, starts munged, slurmctld and slurmd as a one-node cluster whose
# config, keys, state, logs and pid files all live in one temporary folder (no systemd, nothing
# in /etc/slurm or /etc/munge is read or written), runs contrib/slurm/submit.sh over a
# generated multi-file archive (a job array of 4 shards and the merge that depends on it) and
# compares the merged summary with one scan's, byte for byte but "run". Then one task fails for
# real (its part's path is a folder, so tally scan exits 2), which Slurm must record as FAILED
# with that exit code and which must keep the merge from running; the task is submitted again
# with a new merge, and the result is compared again. Every daemon is stopped by the PID
# recorded when it was started, and the folder is removed, whether the check passes or fails.
# Every wait has a deadline (CHECK_SLURM_WAIT seconds, default 60), so a stuck cluster fails
# the check instead of hanging it.
set -eu

BUILD=${1:-build}
ROOT=$(pwd)
T=$ROOT/$BUILD/tally
GEN=$ROOT/$BUILD/tools/gencorpus
WAIT=${CHECK_SLURM_WAIT:-60}
D=

say() { echo "check-slurm: $*" >&2; }
fail() {
    say "FAIL: $*"
    exit 1
}

[ -x "$T" ] && [ -x "$GEN" ] || fail "build $T and $GEN first (make all $BUILD/tools/gencorpus)"

# --- the packages, as scripts/ensure-deps.sh installs the others ---------------------------------
install_missing() {
    missing=
    for p in slurm-wlm munge; do
        dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" ||
            missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    say "installing missing Debian packages:$missing"
    if [ "$(id -u)" != 0 ]; then
        command -v sudo > /dev/null 2>&1 || fail "not root and no sudo; please install:$missing"
        SUDO=sudo
    else
        SUDO=
    fi
    # Debian's packages start their system services when installed; a policy-rc.d that says no
    # (the standard way, honoured by invoke-rc.d and deb-systemd-invoke) keeps them stopped. One
    # that is there already is left as it is.
    policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" > /dev/null
        $SUDO chmod 755 "$policy"
    fi
    irc=0
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC2086
    { $SUDO apt-get update -qq &&
        $SUDO apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=120 \
            $missing > /dev/null; } || irc=$?
    [ -z "$policy" ] || $SUDO rm -f "$policy"
    [ "$irc" = 0 ] || fail "apt-get could not install$missing"
}
install_missing
[ "$(id -u)" = 0 ] || fail "the daemons run as root: run make check-slurm as root"
for c in munged mungekey slurmctld slurmd sbatch squeue scontrol sinfo scancel timeout python3; do
    command -v "$c" > /dev/null 2>&1 || fail "$c is missing"
done

# --- stopping what was started, on every exit --------------------------------------------------
# alive PID: the process runs and is not a zombie waiting to be reaped
alive() {
    s=$(ps -o stat= -p "$1" 2> /dev/null) || return 1
    case $s in Z*) return 1 ;; esac
    return 0
}
stop_daemon() {
    f=$D/pids/$1.pid
    [ -s "$f" ] || return 0
    pid=$(cat "$f")
    kill -TERM "$pid" 2> /dev/null || return 0
    i=0
    while alive "$pid" && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    if alive "$pid"; then
        say "$1 (pid $pid) ignored SIGTERM for 10 s: SIGKILL"
        kill -KILL "$pid" 2> /dev/null
    fi
    wait "$pid" 2> /dev/null
    if alive "$pid"; then say "$1 (pid $pid) is still running" && return 1; fi
    return 0
}
cleanup() {
    rc=$?
    set +e
    trap - EXIT INT TERM HUP
    [ -n "$D" ] || exit "$rc"
    if [ -s "$D/pids/slurmctld.pid" ]; then
        # jobs still queued or running (after a failure) are cancelled before their daemons go
        jobs=$(timeout 10 squeue -h -o %A 2> /dev/null | sort -u)
        if [ -n "$jobs" ]; then
            # shellcheck disable=SC2086
            timeout 10 scancel $jobs
            i=0
            while [ -n "$(timeout 10 squeue -h -t running,completing -o %A 2> /dev/null)" ] && [ $i -lt 30 ]; do
                sleep 0.5
                i=$((i + 1))
            done
        fi
    fi
    if [ "$rc" != 0 ]; then
        for f in "$D"/log/*.log "$D"/work/parts/log/*.out; do
            [ -f "$f" ] || continue
            echo "--- $f (last lines)" >&2
            tail -n 15 "$f" >&2
        done
    fi
    left=0
    stopped=
    for name in slurmd slurmctld munged; do
        stop_daemon "$name" || left=1
        [ ! -s "$D/pids/$name.pid" ] || stopped="$stopped $name $(cat "$D/pids/$name.pid")"
    done
    [ -z "$stopped" ] || say "stopped$stopped"
    if [ $left = 0 ]; then
        rm -rf "$D"
    else
        say "a daemon would not stop; $D is left for inspection"
        rc=1
    fi
    [ "$rc" = 0 ] || say "failed (exit status $rc); every daemon started was stopped"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# wait_for SECONDS WHAT CMD... : runs CMD every 0.2 s until it succeeds; fails after SECONDS
wait_for() {
    limit=$1
    what=$2
    shift 2
    start=$(date +%s)
    until "$@"; do
        [ $(($(date +%s) - start)) -lt "$limit" ] || fail "$what: not after $limit s"
        sleep 0.2
    done
}

# since START [END]: seconds from START (date +%s.%N) to END or now
since() { awk -v a="$1" -v b="${2:-$(date +%s.%N)}" 'BEGIN { printf "%.1f", b - a }'; }

# --- a one-node cluster in a temporary folder --------------------------------------------------
D=$(mktemp -d "${TMPDIR:-/tmp}/tally-slurm.XXXXXX")
# munged refuses a key or socket under a folder that others may write to, and wants the
# socket's folder searchable by its clients
chmod 755 "$D"
mkdir -p "$D/pids" "$D/run" "$D/log" "$D/state" "$D/spool" "$D/munge" "$D/work"
chmod 755 "$D/munge"
host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)
# two free TCP ports, so that this cluster never meets another one on the machine
# shellcheck disable=SC2046
set -- $(python3 -c 'import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
ctld_port=$1
slurmd_port=$2

mungekey --create --keyfile="$D/munge/munge.key" || fail "mungekey"
munged -F --socket="$D/munge/munge.socket" --key-file="$D/munge/munge.key" \
    --pid-file="$D/run/munged.pid" --log-file="$D/log/munged.log" \
    --seed-file="$D/munge/munged.seed" > "$D/log/munged.out" 2>&1 &
echo $! > "$D/pids/munged.pid"
wait_for 10 "munged's socket" test -S "$D/munge/munge.socket"

export SLURM_CONF="$D/slurm.conf"
cat > "$SLURM_CONF" << EOF
ClusterName=tallycheck
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$D/munge/munge.socket
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
JobAcctGatherType=jobacct_gather/none
MailProg=/bin/true
ReturnToService=2
MinJobAge=600
SchedulerParameters=batch_sched_delay=0
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=check Nodes=$host Default=YES MaxTime=10 State=UP
EOF

t0=$(date +%s.%N)
slurmctld -D -i -f "$SLURM_CONF" > "$D/log/slurmctld.out" 2>&1 &
echo $! > "$D/pids/slurmctld.pid"
ctld_up() { timeout 5 scontrol ping 2> /dev/null | grep -q 'is UP'; }
wait_for "$WAIT" "slurmctld answering" ctld_up
slurmd -D -f "$SLURM_CONF" -N "$host" > "$D/log/slurmd.out" 2>&1 &
echo $! > "$D/pids/slurmd.pid"
node_idle() { [ "$(timeout 5 sinfo -h -n "$host" -o %T 2> /dev/null)" = idle ]; }
wait_for "$WAIT" "node $host idle" node_idle
say "cluster up in $(since "$t0") s: munged pid $(cat "$D/pids/munged.pid"), slurmctld pid $(cat "$D/pids/slurmctld.pid"), slurmd pid $(cat "$D/pids/slurmd.pid"), ports $ctld_port and $slurmd_port"

# --- jobs ---------------------------------------------------------------------------------------
# states JOB: the state of each task of JOB, one a line
states() { timeout 5 scontrol -o show job "$1" 2> /dev/null | sed -n 's/.* JobState=\([A-Z_]*\) .*/\1/p'; }
# field JOB NAME: NAME=value of each task of JOB
field() { timeout 5 scontrol -o show job "$1" 2> /dev/null | tr ' ' '\n' | sed -n "s/^$2=//p"; }
finished() {
    s=$(states "$1")
    [ -n "$s" ] || return 1
    ! printf '%s\n' "$s" | grep -qv -E '^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)$'
}
never() { [ "$(field "$1" JobState)" = PENDING ] && [ "$(field "$1" Reason)" = DependencyNeverSatisfied ]; }
settled() { never "$1" || finished "$1"; }
# submit ARGS... : contrib/slurm/submit.sh, setting $array and $merge from what it prints
submit() {
    timeout 30 "$ROOT/contrib/slurm/submit.sh" "$@" > "$D/submit.out" || fail "submit.sh $*"
    array=$(sed -n 's/^array_job=\([0-9][0-9]*\)$/\1/p' "$D/submit.out")
    merge=$(sed -n 's/^merge_job=\([0-9][0-9]*\)$/\1/p' "$D/submit.out")
    [ -n "$array" ] && [ -n "$merge" ] || fail "submit.sh printed no job ids: $(cat "$D/submit.out")"
}
strip() { grep -v '^  "run": ' "$1"; }

# the archive: the sample archive and generated files in every format, some compressed
cd "$D/work"
mkdir -p archive/gen/lines archive/gen/text
cp -R "$ROOT/corpus/archive/." archive/
for i in 1 2 3 4 5 6 7 8; do
    "$GEN" --seed $((900 + i)) --docs 60 --multilingual 20 > "archive/gen/feed-$i.jsonl"
done
zstd -q --rm archive/gen/feed-2.jsonl archive/gen/feed-5.jsonl
gzip -n archive/gen/feed-7.jsonl
for i in 1 2 3; do
    "$GEN" --seed $((950 + i)) --docs 30 --format lines > "archive/gen/lines/l$i.lines"
    "$GEN" --seed $((960 + i)) --docs 2 --format text > "archive/gen/text/t$i.txt"
done
"$GEN" --seed 1 --docs 1 --dict-out gen.dict > /dev/null
files=$(find archive -type f | wc -l)

# the reference: one process, one scan
rc=0
"$T" scan -q -d gen.dict archive -o whole.json || rc=$?
[ $rc = 0 ] || [ $rc = 3 ] || fail "the single scan exited $rc"
strip whole.json > whole
grep -q "\"inputs\":$files," whole || fail "the single scan does not count $files inputs"

# each shard's own --state folder, once tally scan has --state
export TALLY="$T"
if "$T" scan --help 2>&1 | grep -q -- '--state'; then
    export TALLY_STATE_DIR="$D/work/state"
    say "tally scan has --state: each shard keeps it in $TALLY_STATE_DIR/shard-K"
else
    export TALLY_STATE_DIR=
fi
unset SBATCH_PARTITION SBATCH_ACCOUNT SBATCH_TIMELIMIT 2> /dev/null || true
export SBATCH_TIMELIMIT=5

# 1. the array of 4 and the dependent merge
t0=$(date +%s.%N)
submit -n 4 -p parts -o merged.json -- -d gen.dict archive
# read at once, while the tasks (a second at least) still run
case $(field "$merge" Dependency) in
afterok:"$array"_\*\(*) ;;
*) fail "merge job $merge does not wait for job $array: Dependency=$(field "$merge" Dependency)" ;;
esac
wait_for "$WAIT" "array job $array and merge job $merge" finished "$merge"
t1=$(date +%s.%N)
[ "$(states "$array" | sort | uniq -c | sed 's/^ *//')" = "4 COMPLETED" ] ||
    fail "the array's tasks: $(states "$array" | tr '\n' ' ')"
[ "$(states "$merge")" = COMPLETED ] || fail "merge job $merge: $(states "$merge")"
strip merged.json | cmp -s - whole || {
    strip merged.json | diff - whole | head -20 >&2
    fail "the merged shards differ from the single scan"
}
for k in 1 2 3 4; do
    grep -q "shard $k/4" parts/log/shard-"$array"_$k.out || fail "task $k's log does not name shard $k/4"
    [ -z "$TALLY_STATE_DIR" ] || [ -d "$TALLY_STATE_DIR/shard-$k" ] || fail "no state folder for shard $k"
done
say "array of 4 + merge over $files files: $(since "$t0" "$t1") s from submission to merged summary"

# 2. task 3 fails for real: a folder where its part goes makes tally scan exit 2
rm -rf parts merged.json "$D/work/state"
mkdir -p parts/part-3.json
submit -n 4 -p parts -o merged.json -- -d gen.dict archive
wait_for "$WAIT" "array job $array" finished "$array"
wait_for "$WAIT" "merge job $merge" settled "$merge"
never "$merge" || fail "merge job $merge ran although task 3 failed: $(states "$merge")"
for k in 1 2 4; do
    [ "$(field "${array}_$k" JobState)" = COMPLETED ] || fail "task $k: $(field "${array}_$k" JobState)"
done
[ "$(field "${array}_3" JobState)" = FAILED ] || fail "task 3 did not fail: $(field "${array}_3" JobState)"
[ "$(field "${array}_3" ExitCode)" = 2:0 ] || fail "task 3's exit code: $(field "${array}_3" ExitCode)"
grep -q "is a folder" parts/log/shard-"$array"_3.out || fail "task 3's log does not say why it failed"
[ ! -e merged.json ] || fail "a merged summary was written although task 3 failed"
timeout 10 scancel "$merge" || fail "scancel $merge"
old_array=$array

# ... and is submitted again alone, with a new merge after it
rmdir parts/part-3.json
for k in 1 2 4; do touch -d '2001-01-01' "parts/part-$k.json"; done
submit -n 4 -t 3 -p parts -o merged.json -- -d gen.dict archive
wait_for "$WAIT" "array job $array and merge job $merge" finished "$merge"
[ "$(states "$array")" = COMPLETED ] || fail "resubmitted task 3: $(states "$array" | tr '\n' ' ')"
[ "$(field "$array" ArrayTaskId)" = 3 ] || fail "the resubmission ran tasks $(field "$array" ArrayTaskId)"
[ "$(states "$merge")" = COMPLETED ] || fail "new merge job $merge: $(states "$merge")"
for k in 1 2 4; do
    [ -z "$(find "parts/part-$k.json" -newermt '2002-01-01')" ] || fail "part $k was written again"
done
strip merged.json | cmp -s - whole || {
    strip merged.json | diff - whole | head -20 >&2
    fail "after task 3 ran again, the merged shards differ from the single scan"
}
say "failed task 3 of job $old_array seen by Slurm (exit 2), resubmitted as job $array: same summary"
say "PASS"
