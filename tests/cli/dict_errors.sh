# Dictionary mistakes are usage errors (exit 2) naming file, line and reason: malformed [group]
# headers, terms whose words could never follow each other in a phrase, other tools' dictionary
# formats, files without terms. Group names that differ only in case stay two groups.
. tests/cli/lib.inc

printf 'global view\n' > "$W/a.txt"
printf 'global\n' > "$W/good.dict"

# bad DICT_CONTENT NAME WANT_LINE PATTERN... : the dictionary is refused with exit 2, the message
# names NAME:LINE and holds every PATTERN, and nothing is written to standard output
bad() {
    printf "$1" > "$W/$2"
    run_rc 2 "$T" scan -d "$W/good.dict" -d "$W/$2" "$W/a.txt" > "$W/out" 2> "$W/err"
    [ -s "$W/out" ] && fail "$2: a usage error wrote to stdout"
    expect_grep "^tally: $W/$2:$3: " "$W/err"
    name=$2
    shift 3
    for p in "$@"; do
        grep -qF -- "$p" "$W/err" || { cat "$W/err" >&2; fail "$name: '$p' not in the message"; }
    done
}

# headers
bad 'a\n[unclosed\nb\n' h1.dict 2 "closing ']'" "[unclosed"
bad '[a] extra\nb\n' h2.dict 1 "after the group header" "[a] extra"
bad 'x\n[a]b]\n' h3.dict 2 "after the group header"

# a term must be able to match its own spelling: phrases span only spaces and dashes
bad 'global\ngood, bad\n' g1.dict 2 "',' (U+002C)" "phrases span only spaces and dashes" "good, bad"
bad '# c\nAT&T\n' g2.dict 2 "'&' (U+0026)" "phrases span only spaces and dashes"
bad 'joint. building\n' g3.dict 1 "'.' (U+002E)"
run_rc 2 "$T" scan -k 'good, bad' "$W/a.txt" > "$W/out" 2> "$W/err"
expect_grep "phrases span only spaces and dashes" "$W/err"
grep -q -- "-k" "$W/err" && fail "an engine message names a command-line flag: $(cat "$W/err")"
# ... but with the whitespace tokenizer every gap links, so these are fine there
printf 'good, bad\nAT&T\n' > "$W/ws.dict"
printf 'good, bad AT&T\n' > "$W/ws.txt"
run_rc 0 "$T" scan -q --tokenizer whitespace -d "$W/ws.dict" -o "$W/s.json" "$W/ws.txt"
expect_eq "good, bad" "$(get "$W/s.json" 'keywords.good, bad.count')" 1

# other tools' formats in a file read as tally's own: named, with the option that reads them,
# and refused before anything is added
own="it is being read as a tally dictionary (one term per line, [group] headers)"
bad '%%\n1\tposemo\n%%\nhappy*\t1\n' policy.txt 1 "this looks like a LIWC dictionary (a '%' legend line)" "$own" "--dict-format liwc"
bad 'DicTerm,posemo\nhappy*,X\n' policy.csv 1 "this looks like a LIWC-22 dictionary" "$own" "--dict-format dicx"
bad '+positive\nhappy*\n' policy.dict 1 "this looks like a Lexicoder dictionary" "$own" "--dict-format lexicoder"
bad 'economy:\n  - tax\n  - jobs\n' policy.txt 1 "this looks like a YAML dictionary" "$own" "--dict-format yaml"
bad '# the name does not matter\neconomy:\n  - tax\n' policy.txt 2 "YAML dictionary"
# ... and a file whose extension names a format it does not have says so
bad '[economy]\ntax\n' policy.dic 1 "does not look like a LIWC dictionary"

# a file with no terms is an error of its own, even beside a dictionary that has terms
printf '# nothing here yet\n\n' > "$W/empty.dict"
run_rc 2 "$T" scan -d "$W/good.dict" -d "$W/empty.dict" "$W/a.txt" > "$W/out" 2> "$W/err"
expect_grep "^tally: $W/empty.dict has no terms$" "$W/err"
: > "$W/zero.dict"
run_rc 2 "$T" scan -d "$W/zero.dict" -k global "$W/a.txt" > "$W/out" 2> "$W/err"
expect_grep "^tally: $W/zero.dict has no terms$" "$W/err"

# group names that differ only in case: not an error, and two groups
printf '[economy]\ntax\n' > "$W/c1.dict"
printf '[Economy]\njobs\n' > "$W/c2.dict"
printf 'tax jobs tax\n' > "$W/c.txt"
run_rc 0 "$T" scan -q -d "$W/c1.dict" -d "$W/c2.dict" -o "$W/s.json" "$W/c.txt"
expect_eq economy "$(get "$W/s.json" groups.economy.count)" 2
expect_eq Economy "$(get "$W/s.json" groups.Economy.count)" 1

# what the rules accept matches its own spelling
printf 'joint \342\200\223 building\nU.S.\n(global)\nlow-power*\n' > "$W/self.dict"
printf 'joint \342\200\223 building\nU.S.\n(global)\nlow-power\n' > "$W/self.txt"
run_rc 0 "$T" scan -q --format lines -d "$W/self.dict" -o "$W/s.json" "$W/self.txt"
# (one keyword per line in the summary; sumcheck's dotted paths cannot name "U.S.")
for k in "joint – building" "U.S." "(global)" "low-power*"; do
    grep -qF "\"$k\": {\"count\":1," "$W/s.json" || { cat "$W/s.json" >&2; fail "$k does not match itself"; }
done
exit 0
