# The status line: drawn on a terminal (a real pseudo-terminal: tmux) while a slow input arrives,
# erased before the final report; never drawn when standard error is a file, unless --progress;
# --no-progress and -q turn it off on a terminal.
. tests/cli/lib.inc

command -v tmux > /dev/null 2>&1 || fail "tmux is missing (scripts/ensure-deps.sh installs it)"
SOCK="tally-test-$$"
trap 'tmux -L "$SOCK" kill-server 2> /dev/null; for p in $BG; do kill "$p" 2> /dev/null; done; rm -rf "$W"' EXIT

printf 'global\n' > "$W/d.dict"

# feed FIFO N: N lines, one every 0.2 s, in the background
feed() {
    rm -f "$1"
    mkfifo "$1"
    ( i=0; while [ $i -lt "$2" ]; do printf 'global text %s\n' $i; i=$((i + 1)); sleep 0.2; done ) > "$1" &
    BG="$BG $!"
}

# pane RUN-NAME TALLY-ARGS...: runs tally in a new tmux window whose stderr is the terminal
pane() {
    name=$1
    shift
    rm -f "$W/rc.$name"
    tmux -L "$SOCK" new-session -d -s "$name" -x 150 -y 20 \
        "cd '$W' && '$T' $* > '$W/out.$name'; echo \$? > '$W/rc.$name'; exec sleep 60"
}

wait_rc() {
    k=0
    while [ ! -s "$W/rc.$1" ] && [ $k -lt 150 ]; do sleep 0.1; k=$((k + 1)); done
    [ -s "$W/rc.$1" ] || fail "$1: tally did not finish"
}

screen() { tmux -L "$SOCK" capture-pane -p -t "$1"; }

# on a terminal: the line is there while the input arrives, and gone after
feed "$W/f1" 15
pane tty scan -k global --format lines f1
sleep 1.5
screen tty > "$W/during"
grep -q "^tally: [0-9.]* kB read, [0-9.]* MB/s, [0-9]* documents, 0 errors *$" "$W/during" ||
    { cat "$W/during" >&2; fail "no status line while running"; }
wait_rc tty
expect_eq "exit status" "$(cat "$W/rc.tty")" 0
screen tty > "$W/after"
grep -q "MB/s" "$W/after" && { cat "$W/after" >&2; fail "the status line was not erased"; }
# the final report starts at the left edge of a clean line
grep -q "^tally: 15 documents, 45 tokens, 1 inputs (0 failed), 0 skipped documents" "$W/after" ||
    { cat "$W/after" >&2; fail "no final report after the status line"; }
expect_eq count "$(get "$W/out.tty" keywords.global.count)" 15

# -q and --no-progress: nothing on the terminal while running
for off in -q --no-progress; do
    n=${off#--}
    n=${n#-}
    feed "$W/f-$n" 8
    pane "off$n" scan "$off" -k global --format lines "f-$n"
    sleep 1
    screen "off$n" > "$W/during-$n"
    grep -q "MB/s" "$W/during-$n" && { cat "$W/during-$n" >&2; fail "$off: a status line was drawn"; }
    wait_rc "off$n"
done

# standard error is a file: nothing drawn unless --progress
feed "$W/f2" 5
"$T" scan -k global --format lines "$W/f2" > "$W/s2.json" 2> "$W/err2" || fail "scan f2"
[ -s "$W/err2" ] && { cat -v "$W/err2" >&2; fail "drew on a file without --progress"; }
feed "$W/f3" 5
"$T" scan --progress -k global --format lines "$W/f3" > "$W/s3.json" 2> "$W/err3" || fail "scan f3"
grep -q "$(printf '\r')tally: [0-9.]* kB read, " "$W/err3" || { cat -v "$W/err3" >&2; fail "--progress drew nothing"; }
# the last thing written is the erase, so the next output starts on a clean line
[ "$(tail -c 4 "$W/err3" | od -An -c | tr -d ' ')" = '\r033[K' ] || fail "the line was not erased at the end"
# the last of --progress / --no-progress wins
feed "$W/f4" 5
"$T" scan --progress --no-progress -k global --format lines "$W/f4" > "$W/s4.json" 2> "$W/err4" || fail "scan f4"
[ -s "$W/err4" ] && fail "--no-progress after --progress drew"

# regular files: the total is known, so the line shows a share and an ETA. Counting must take
# longer than one redraw (100 ms): two copies of a generated corpus on one thread.
"$GEN" --docs 20000 > "$W/c1.jsonl"
cp "$W/c1.jsonl" "$W/c2.jsonl"
total=$(($(wc -c < "$W/c1.jsonl") * 2))
"$T" scan --progress -j1 -k global -o "$W/s5.json" "$W/c1.jsonl" "$W/c2.jsonl" 2> "$W/err5" || fail "scan c1 c2"
tr '\r' '\n' < "$W/err5" | grep "^tally: " > "$W/lines5" || fail "no status line over regular files"
mb=$(awk -v t="$total" 'BEGIN { printf "%.1f MB", t / 1e6 }')
grep -q "^tally: [0-9.]* [kMG]B of $mb ([0-9]*%), [0-9.]* MB/s, [0-9]* documents, 0 errors, ETA [0-9]*:[0-9][0-9]" "$W/lines5" ||
    { cat "$W/lines5" >&2; fail "no share of $mb and ETA"; }
# a stream among the files: its size is unknown, so no share of the files' total is shown
feed "$W/f6" 4
"$T" scan --progress -j1 -k global -o "$W/s6.json" "$W/c1.jsonl" "$W/f6" 2> "$W/err6" || fail "scan c1 f6"
tr '\r' '\n' < "$W/err6" | grep "^tally: " > "$W/lines6" || fail "no status line over a file and a FIFO"
grep -q " of \|ETA" "$W/lines6" && { cat "$W/lines6" >&2; fail "a share of the total with a FIFO among the inputs"; }
exit 0
