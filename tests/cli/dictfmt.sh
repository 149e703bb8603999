# Dictionaries in other tools' formats: the same terms and groups written by hand in tally's
# format, LIWC .dic, LIWC-22 .dicx, Lexicoder .lc3 and quanteda YAML give one summary (counts,
# groups, digest), also with a BOM and CRLF line ends; the counts are the ones worked out by hand
# below; --dict-format overrides the extension; errors are usage errors naming file and line;
# LIWC-22 weights give one warning.
. tests/cli/lib.inc

printf 'Happy days: happyish is a lot, happy. Sad tax, taxes and TAXATION; joint building, a lot sad.\n' > "$W/t.txt"
# by hand: happy* 3 (Happy, happyish, happy), a lot 2, sad 2, tax* 3 (tax, taxes, TAXATION),
# joint building 1; pos = happy* + a lot = 5, neg = a lot + sad = 4, econ.tax = tax* + joint
# building = 4

printf '[pos]\nhappy*\na lot\n[neg]\na lot\nsad\n[econ.tax]\ntax*\njoint building\n' > "$W/d.dict"
printf '%%\n01\tpos\n02\tneg\n3 econ.tax\n%%\nhappy*\t1\na lot\t01\t02\nsad\t2\ntax*\t3\njoint building\t3\n' > "$W/d.dic"
printf 'DicTerm,pos,neg,econ.tax\nhappy*,X,,\n"a lot",X,X,\nsad,,X,\ntax*,,,X\njoint building,,,X\n' > "$W/d.dicx"
printf '+pos #00ff00\nhappy*\na lot\n+neg\na lot\nsad\n+econ.tax\ntax*\njoint building\n' > "$W/d.lc3"
printf 'pos:\n  - happy*\n  - a lot\nneg: [a lot, sad]\necon:\n  tax:\n    - tax*\n    - "joint building"\n' > "$W/d.yml"

# crlf FILE OUT : OUT is FILE with a BOM and CRLF line ends
crlf() {
    printf '\357\273\277' > "$2"
    sed 's/$/\r/' "$1" >> "$2"
}

run_rc 0 "$T" scan -q -d "$W/d.dict" -o "$W/ref.json" "$W/t.txt"
for k in 'happy*:3' 'a lot:2' 'sad:2' 'tax*:3' 'joint building:1'; do
    expect_eq "keyword ${k%:*}" "$(get "$W/ref.json" "keywords.${k%:*}.count")" "${k##*:}"
done
# (a group name with a dot is out of reach of get's dotted paths)
group_count() {
    python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["groups"][sys.argv[2]]["count"])' "$1" "$2"
}
for g in pos:5 neg:4 econ.tax:4; do
    expect_eq "group ${g%:*}" "$(group_count "$W/ref.json" "${g%:*}")" "${g##*:}"
done

for ext in dic dicx lc3 yml; do
    run_rc 0 "$T" scan -q -d "$W/d.$ext" -o "$W/$ext.json" "$W/t.txt"
    "$SC" --same "$W/ref.json" "$W/$ext.json" || fail "$ext: the summary differs from tally's format"
    expect_eq "$ext digest" "$(get "$W/$ext.json" options.dictionary)" "$(get "$W/ref.json" options.dictionary)"
    crlf "$W/d.$ext" "$W/crlf.$ext"
    run_rc 0 "$T" scan -q -d "$W/crlf.$ext" -o "$W/crlf.json" "$W/t.txt"
    "$SC" --same "$W/ref.json" "$W/crlf.json" || fail "$ext with BOM and CRLF: the summary differs"
done

# --dict-format reads a file whatever its name, and applies to every -d file
cp "$W/d.dic" "$W/liwc.txt"
run_rc 0 "$T" scan -q --dict-format liwc -d "$W/liwc.txt" -o "$W/f.json" "$W/t.txt"
"$SC" --same "$W/ref.json" "$W/f.json" || fail "--dict-format liwc: the summary differs"
run_rc 2 "$T" scan -q --dict-format liwc -d "$W/liwc.txt" -d "$W/d.dict" "$W/t.txt" > /dev/null 2> "$W/err"
expect_grep "^tally: $W/d.dict:1: this does not look like a LIWC dictionary" "$W/err"
run_rc 2 "$T" scan -q -d "$W/liwc.txt" "$W/t.txt" > /dev/null 2> "$W/err"
expect_grep "^tally: $W/liwc.txt:1: this looks like a LIWC dictionary.*--dict-format liwc" "$W/err"
run_rc 2 "$T" scan -q --dict-format csv -d "$W/d.dicx" "$W/t.txt" > /dev/null 2> "$W/err"
expect_grep "dict-format: expected auto, tally, liwc, dicx, lexicoder or yaml, not 'csv'" "$W/err"

# errors are usage errors that name file, line and term, and write nothing
printf '%%\n1\tpos\n%%\nhappy\t1\nkind\t(02 134)125/464\n' > "$W/cond.dic"
run_rc 2 "$T" scan -d "$W/cond.dic" -o "$W/x.json" "$W/t.txt" 2> "$W/err"
expect_grep "^tally: $W/cond.dic:5: LIWC 2007 conditional categories.*: kind$" "$W/err"
[ -e "$W/x.json" ] && fail "a dictionary error wrote the summary"
printf 'a:\n  - x\n  - fo?\n' > "$W/glob.yml"
run_rc 2 "$T" scan -d "$W/glob.yml" "$W/t.txt" > /dev/null 2> "$W/err"
expect_grep "^tally: $W/glob.yml:3: '?' is a wildcard.*: fo?$" "$W/err"

# LIWC-22 weights: one warning for the file, and every non-empty cell is membership
printf 'DicTerm,pos,neg\nhappy*,0.5,\nsad,,2\n"a lot",1,-1\n' > "$W/w.dicx"
run_rc 0 "$T" scan -d "$W/w.dicx" -o "$W/w.json" "$W/t.txt" 2> "$W/err"
expect_eq "weight warnings" "$(grep -c 'weights are ignored' "$W/err")" 1
expect_grep "^tally: warning: $W/w.dicx:2: numeric cells are weights" "$W/err"
expect_eq "weighted pos" "$(get "$W/w.json" groups.pos.count)" 5
expect_eq "weighted neg" "$(get "$W/w.json" groups.neg.count)" 4
run_rc 0 "$T" scan -q -d "$W/w.dicx" -o "$W/w.json" "$W/t.txt" 2> "$W/err"
[ -s "$W/err" ] && fail "-q printed: $(cat "$W/err")"
exit 0
