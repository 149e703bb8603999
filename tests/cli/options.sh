# Options anywhere: before, between and after the inputs, for every subcommand, also under
# POSIXLY_CORRECT; `--` ends the options (so a file named -o can be scanned), `-` alone is standard
# input. Messages: `tally: ` prefix, the nearest option for a misspelling, ambiguous
# abbreviations, "Try 'tally SUBCOMMAND --help'." naming the right subcommand; version and help.
. tests/cli/lib.inc

printf 'global\nthe\n' > "$W/policy.dict"
mkdir "$W/archive"
printf 'The global view. Global.\n' > "$W/archive/a.txt"
printf 'the end\n' > "$W/archive/b.txt"
# counted by hand: global 2, the 2 (a.txt 1, b.txt 1)

check() { # check NAME SUMMARY: the hand-counted totals
    expect_eq "$1: global" "$(get "$2" keywords.global.count)" 2
    expect_eq "$1: the" "$(get "$2" keywords.the.count)" 2
    expect_eq "$1: inputs" "$(get "$2" corpus.inputs)" 2
}

cd "$W"
# the issue's two examples
run_rc 0 "$T" scan -q -d policy.dict archive/ -o out1.json
check "options after" out1.json
run_rc 0 "$T" scan -q archive/ -d policy.dict -o out2.json
check "dictionary after the input" out2.json
run_rc 0 "$T" scan archive/a.txt -q -d policy.dict archive/b.txt -o out3.json
check "options between inputs" out3.json
run_rc 0 env POSIXLY_CORRECT=1 "$T" scan archive/a.txt -d policy.dict archive/b.txt -q -o out4.json
check "POSIXLY_CORRECT" out4.json
[ -e -o ] && fail "an option was taken for an output file name"

# -- ends the options: a file named -o is an input, and so is one named --quiet
printf 'global global global\n' > ./-o
run_rc 0 "$T" scan -q -k global -o out5.json -- -o
expect_eq "file named -o" "$(get out5.json keywords.global.count)" 3
expect_eq "input name" "$(get out5.json errors)" "[]"
run_rc 3 "$T" scan -q -k global -o out6.json -- --quiet archive/a.txt
expect_eq "file named --quiet is a (missing) input" "$(get out6.json corpus.failed_inputs)" 1
expect_eq "and the one after it is read" "$(get out6.json keywords.global.count)" 2

# - alone is standard input, wherever it stands
printf 'global\n' | "$T" scan - -q -k global -o out7.json
expect_eq "stdin" "$(get out7.json keywords.global.count)" 1
expect_eq "stdin name" "$(get out7.json corpus.inputs)" 1

# bench: options anywhere too, and an input is refused
run_rc 2 "$T" bench some-file --size 1M 2> err
expect_grep "^tally: bench takes no INPUT" err
expect_grep "^Try 'tally bench --help'\.$" err
run_rc 2 env POSIXLY_CORRECT=1 "$T" bench --size 1M extra --runs 1 2> err
expect_grep "no INPUT ('extra')" err

# misspelled and ambiguous options
run_rc 2 "$T" scan --per-docs x.jsonl -k x archive/ > out 2> err
expect_grep "^tally: unknown option '--per-docs'; did you mean --per-doc?$" err
expect_grep "^Try 'tally scan --help'\.$" err
[ -s out ] && fail "a usage error wrote to stdout"
run_rc 2 "$T" scan --tokeniser whitespace -k x archive/ 2> err
expect_grep "did you mean --tokenizer?" err
run_rc 2 "$T" scan --t 2 -k x archive/ 2> err
expect_grep "^tally: option '--t' is ambiguous; possibilities:" err
expect_grep "--threads" err
expect_grep "--tokenizer" err
expect_grep "--text-field" err
run_rc 0 "$T" scan --thr 1 -q -k global -o out8.json archive/
expect_eq "an unambiguous abbreviation" "$(get out8.json keywords.global.count)" 2
run_rc 2 "$T" scan --zzzzzz -k x archive/ 2> err
expect_grep "^tally: unknown option '--zzzzzz'$" err
run_rc 2 "$T" scan --quiet=yes -k x archive/ 2> err
expect_grep "^tally: option '--quiet' takes no argument$" err
run_rc 2 "$T" scan -k x archive/ -d 2> err
expect_grep "^tally: option '-d' needs an argument: FILE$" err
run_rc 2 "$T" scan -k x archive/ --dict 2> err
expect_grep "^tally: option '--dict' needs an argument: FILE$" err
run_rc 2 "$T" bench --stages all 2> err
expect_grep "did you mean --stage?" err
expect_grep "^Try 'tally bench --help'\.$" err
run_rc 2 "$T" bench --runs 0 2> err
expect_grep "^Try 'tally bench --help'\.$" err
run_rc 2 "$T" sacn -k x archive/ 2> err
expect_grep "^tally: unknown subcommand 'sacn'; did you mean scan?$" err
expect_grep "^Try 'tally --help'\.$" err
run_rc 2 "$T" --verison 2> err
expect_grep "did you mean --version?" err
run_rc 2 "$T" 2> err
expect_grep "^Try 'tally --help'\.$" err

# --threads: 1 to 1024, and the message says so
run_rc 2 "$T" scan -j 1025 -k x archive/ 2> err
expect_grep "^tally: --threads: expected a number from 1 to 1024, not '1025'$" err
run_rc 0 "$T" scan -j 1024 -q -k global -o out9.json archive/
expect_eq "-j 1024" "$(get out9.json keywords.global.count)" 2
run_rc 2 "$T" bench --threads 1,2000 2> err
expect_grep "from 1 to 1024" err

# every line on stderr of the usage errors above starts with tally: or Try
for args in "" "scan --bogus" "scan -k x" "scan archive/" "bench --bogus" "nope" "scan --format xml -k x a" \
    "scan -k x -o archive/a.txt archive/a.txt" "scan -d missing.dict archive/" "-x" "help nope"; do
    # shellcheck disable=SC2086
    "$T" $args > /dev/null 2> err
    if grep -v "^tally: \|^Try 'tally" err | grep -q .; then
        cat err >&2
        fail "a message without 'tally: ' for: $args"
    fi
done

# version and help, three ways each
for v in -V --version version; do
    run_rc 0 "$T" $v > out 2> err
    expect_eq "tally $v" "$(cat out)" "tally $(sed -n 's/^#define TALLY_VERSION "\(.*\)"/\1/p' "$ROOT/include/tally.h")"
    [ -s err ] && fail "$v wrote to stderr"
done
run_rc 0 "$T" scan -V > out
expect_grep "^tally " out
for h in --help -h help; do
    run_rc 0 "$T" $h > out
    expect_grep "^  scan " out
    expect_grep "^  bench " out
done
run_rc 0 "$T" help scan > out
expect_grep "^Usage: tally scan" out
# scan --help lists every exit status
run_rc 0 "$T" scan -k x --help > out
for st in 0 1 2 3 130 143; do
    grep -q "^  $st\b\|^  [0-9, ]*\b$st\b" out || fail "scan --help does not list exit status $st"
done
exit 0
