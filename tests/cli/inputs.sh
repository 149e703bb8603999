# Odd inputs and dictionaries: unreadable files and folders, a symlink loop, a FIFO, /dev/null,
# the same file twice, dictionary edge cases, a read-only output, and kill -9 during a run.
. tests/cli/lib.inc

printf 'global\n' > "$W/d.dict"
printf 'global one\n' > "$W/a.txt"

# as an unprivileged user (root reads everything): setpriv from util-linux
as_nobody() {
    if [ "$(id -u)" = 0 ]; then
        setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
    else
        "$@"
    fi
}
chmod 755 "$W"
mkdir -p "$W/tree/open" "$W/tree/closed"
printf 'global\n' > "$W/tree/open/x.txt"
printf 'global\n' > "$W/tree/closed/y.txt"
printf 'global\n' > "$W/tree/secret.txt"
chmod 000 "$W/tree/closed" "$W/tree/secret.txt"
chmod -R a+rX "$W/tree/open" "$W/d.dict" "$W/a.txt"
chmod 777 "$W/tree"
run_rc 3 as_nobody "$T" scan -q -d "$W/d.dict" -o "$W/tree/s.json" "$W/tree"
expect_eq unreadable-docs "$(get "$W/tree/s.json" corpus.documents)" 1
expect_eq unreadable-failed "$(get "$W/tree/s.json" corpus.failed_inputs)" 2
expect_eq unreadable-inputs "$(get "$W/tree/s.json" corpus.inputs)" 3
expect_eq unreadable-0 "$(get "$W/tree/s.json" errors.0.input)" "$W/tree/closed"
get "$W/tree/s.json" errors.0.message | grep -q "Permission denied" || fail "folder message"
expect_eq unreadable-1 "$(get "$W/tree/s.json" errors.1.input)" "$W/tree/secret.txt"
get "$W/tree/s.json" errors.1.message | grep -q "Permission denied" || fail "file message"

# a read-only summary file cannot be replaced by its owner's run in a read-only folder
mkdir "$W/ro"
printf 'previous\n' > "$W/ro/s.json"
chmod 555 "$W/ro"
chmod 444 "$W/ro/s.json"
run_rc 1 as_nobody "$T" scan -q -d "$W/d.dict" -o "$W/ro/s.json" "$W/a.txt" 2> "$W/err"
expect_grep "cannot write" "$W/err"
expect_eq read-only "$(cat "$W/ro/s.json")" previous
chmod 755 "$W/ro"
chmod -R u+rwX "$W/tree"

# a symlink loop is reported once, the rest is read
mkdir -p "$W/loop/sub"
printf 'global\n' > "$W/loop/sub/z.txt"
ln -s .. "$W/loop/sub/up"
run_rc 3 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" "$W/loop"
expect_eq loop-docs "$(get "$W/s.json" corpus.documents)" 1
get "$W/s.json" errors.0.message | grep -q "loop" || fail "symlink loop message"

# /dev/null is an empty text document; the same file named twice is read twice
run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/s.json" /dev/null "$W/a.txt" "$W/a.txt"
expect_eq devnull-docs "$(get "$W/s.json" corpus.documents)" 3
expect_eq twice "$(get "$W/s.json" keywords.global.count)" 2

# dictionaries: a duplicate group name is one group; an empty group is listed with no members;
# a term in two groups belongs to both
printf '[g]\nglobal\n[empty]\n[g]\nworld\n[h]\nglobal\n' > "$W/groups.dict"
printf 'global world\n' > "$W/gw.txt"
run_rc 0 "$T" scan -q -d "$W/groups.dict" -o "$W/s.json" "$W/gw.txt"
expect_eq g-members "$(get "$W/s.json" groups.g.members)" '["global","world"]'
expect_eq g-count "$(get "$W/s.json" groups.g.count)" 2
expect_eq empty-members "$(get "$W/s.json" groups.empty.members)" '[]'
expect_eq global-groups "$(get "$W/s.json" keywords.global.groups)" '["g","h"]'

# a 1,000,000-term dictionary compiles and counts
awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "w%07d\n", i }' > "$W/big.dict"
printf 'w0000007 w0999999 w1000000\n' > "$W/w.txt"
run_rc 0 "$T" scan -q -d "$W/big.dict" -o "$W/s.json" "$W/w.txt"
expect_eq big-dict-7 "$(get "$W/s.json" keywords.w0000007.count)" 1
expect_eq big-dict-last "$(get "$W/s.json" keywords.w0999999.count)" 1

# kill -9 while the summary is being produced: the previous summary stays intact
mkdir "$W/k"
printf 'previous\n' > "$W/k/s.json"
mkfifo "$W/k-in"
( printf 'global\n'; exec sleep 30 ) > "$W/k-in" 2> /dev/null &
writer=$!
BG="$BG $writer"
"$T" scan -q --format lines -d "$W/d.dict" -o "$W/k/s.json" "$W/k-in" &
pid=$!
sleep 1
kill -9 $pid
wait $pid 2> /dev/null
kill $writer 2> /dev/null
wait $writer 2> /dev/null
expect_eq after-kill "$(cat "$W/k/s.json")" previous
exit 0
