# The README's example session is real output: its summary lines, its per-document record and
# the standard-input example are compared with what this build prints for the same commands.
. tests/cli/lib.inc

R=$ROOT/README.md
# the lines between two prompts of the example session
between() {
    awk -v a="$1" -v b="$2" 'index($0, a) == 1 { on = 1; next } on && index($0, b) == 1 { exit } on' "$R"
}
cd "$ROOT/corpus" || fail "no corpus folder"
"$T" scan -d policy.dict -o "$W/summary.json" --per-doc "$W/docs.jsonl" archive/ || fail "example scan"
between '$ head -n 8 summary.json' '$ head -1 docs.jsonl' > "$W/want"
head -n 8 "$W/summary.json" > "$W/got"
cmp -s "$W/want" "$W/got" || { diff "$W/want" "$W/got" >&2; fail "README summary lines"; }
awk 'found { print; exit } index($0, "$ head -1 docs.jsonl") == 1 { found = 1 }' "$R" > "$W/want"
head -1 "$W/docs.jsonl" > "$W/got"
cmp -s "$W/want" "$W/got" || { diff "$W/want" "$W/got" >&2; fail "README per-document record"; }
between "    tally scan -k 'joint build*'" '```' > "$W/want"
printf 'Joint-building of the network began in 2024.\n全球合作 and joint building\n' |
    "$T" scan -k 'joint build*' -k 全球 --format lines - | sed -n 3,6p > "$W/got"
cmp -s "$W/want" "$W/got" || { diff "$W/want" "$W/got" >&2; fail "README standard input example"; }
exit 0
