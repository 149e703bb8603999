# Outputs are replaced atomically: a failing run leaves the previous summary intact and no
# temporary file behind.
. tests/cli/lib.inc

printf 'global\n' > "$W/d.dict"
printf 'global global\n' > "$W/a.txt"
mkdir "$W/out"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/out/s.json" "$W/a.txt"
cp "$W/out/s.json" "$W/before.json"
expect_eq count "$(get "$W/out/s.json" keywords.global.count)" 2

# the per-document file cannot be created: exit 1, old summary untouched, no temporaries
run_rc 1 "$T" scan -q -d "$W/d.dict" -o "$W/out/s.json" --per-doc "$W/missing/docs.jsonl" "$W/a.txt" 2> "$W/err"
cmp -s "$W/before.json" "$W/out/s.json" || fail "the previous summary was changed"
[ "$(ls -A "$W/out")" = "s.json" ] || fail "files left behind: $(ls -A "$W/out")"

# a read-only target folder: exit 1, nothing changes
if [ "$(id -u)" != 0 ]; then
    chmod a-w "$W/out"
    run_rc 1 "$T" scan -q -d "$W/d.dict" -o "$W/out/s.json" "$W/a.txt" 2> "$W/err"
    chmod u+w "$W/out"
    cmp -s "$W/before.json" "$W/out/s.json" || fail "the previous summary was changed"
fi

# a successful run replaces it, and the new file is complete JSON
printf 'global\n' > "$W/a.txt"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/out/s.json" "$W/a.txt"
expect_eq count "$(get "$W/out/s.json" keywords.global.count)" 1
[ "$(ls -A "$W/out")" = "s.json" ] || fail "files left behind: $(ls -A "$W/out")"

# an output that is not a regular file (a FIFO, /dev/null) is written in place, never replaced
mkfifo "$W/pipe"
cat "$W/pipe" > "$W/from-pipe" 2> /dev/null &
reader=$!
BG="$BG $reader"
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/pipe" --per-doc /dev/null "$W/a.txt"
wait "$reader"
[ -p "$W/pipe" ] || fail "the FIFO was replaced"
[ -c /dev/null ] || fail "/dev/null was replaced"
expect_eq via-fifo "$(get "$W/from-pipe" keywords.global.count)" 1
exit 0
