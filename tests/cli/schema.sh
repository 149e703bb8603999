# schema.sh — docs/summary.schema.json against summaries the other tests do not make (a scan of
# the sample archive, merges, errors, warnings, omitted errors, the text-field check, every
# format), read through `get` so that tests/run-tests.sh validates them with every other
# summary; and proof that the schema can fail: hand-broken copies of a valid summary (a field
# removed, a wrong type, an extra field, a bad digest, a negative count, ...) must be rejected.
. tests/cli/lib.inc

PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
SCHEMA=docs/summary.schema.json
CHECK="tests/schema-check.py"

# the sample archive, whole and in two disjoint parts, then merged back
run_rc 0 "$T" scan -q -d corpus/policy.dict -o "$W/all.json" corpus/archive
n_files=$(find corpus/archive -type f | wc -l | tr -d ' ')
expect_eq "inputs of the archive" "$(get "$W/all.json" corpus.inputs)" "$n_files"
expect_eq "a scan's threads" "$(get "$W/all.json" run.threads)" 2
run_rc 0 "$T" scan -q -d corpus/policy.dict -o "$W/speeches.json" corpus/archive/speeches
run_rc 0 "$T" scan -q -d corpus/policy.dict -o "$W/news.json" corpus/archive/news-*
run_rc 0 "$T" scan -q -d corpus/policy.dict -o "$W/wire.json" corpus/archive/wire-*
run_rc 0 "$T" merge -q -o "$W/m2.json" "$W/speeches.json" "$W/news.json"
expect_eq "merged of two" "$(get "$W/m2.json" run.merged)" 2
run_rc 0 "$T" merge -q -o "$W/m3.json" "$W/m2.json" "$W/wire.json"
expect_eq "merged of a merge and a scan" "$(get "$W/m3.json" run.merged)" 3
docs=$(($(get "$W/speeches.json" corpus.documents) + $(get "$W/news.json" corpus.documents) + $(get "$W/wire.json" corpus.documents)))
expect_eq "documents of the merge" "$(get "$W/m3.json" corpus.documents)" "$docs"
expect_eq "documents of the merge and of the whole" "$docs" "$(get "$W/all.json" corpus.documents)"
# a merge of one summary says it holds one scan
run_rc 0 "$T" merge -q -o "$W/m1.json" "$W/wire.json"
expect_eq "merged of one" "$(get "$W/m1.json" run.merged)" 1

# errors and warnings of every kind, each planted here
mkdir "$W/in"
printf '{"id":1,"text":"global cooperation"}\n{"id":2,"text":"sharing"}\n' > "$W/in/good.jsonl"
printf '{"id":1,"text":"global"}\nnot json\n' > "$W/in/bad.jsonl"
printf 'global\0binary\n' > "$W/in/blob.dat"
printf '[{"id":"a","text":"international"},{"id":"b","text":"joint building"}]' > "$W/in/array.json"
yes 'not json' | head -n 1005 > "$W/in/many.jsonl"
printf '{"body":"global"}\n{"title":"x","body":"y"}\n' > "$W/notext.jsonl"
printf 'global exchange rates\n' | run_rc 3 "$T" scan -q -d corpus/policy.dict -o "$W/err.json" \
    "$W/in" "$W/missing.jsonl" -
expect_eq "inputs (5 files, the missing one, standard input)" "$(get "$W/err.json" corpus.inputs)" 7
expect_eq "failed inputs" "$(get "$W/err.json" corpus.failed_inputs)" 1
expect_eq "skipped inputs" "$(get "$W/err.json" corpus.skipped_inputs)" 1
expect_eq "warning" "$(get "$W/err.json" warnings.0.input)" "$W/in/blob.dat"
expect_eq "the bad line" "$(get "$W/err.json" errors.0.line)" 2
expect_eq "listed errors of many.jsonl" "$(get "$W/err.json" errors.1000.input)" "$W/in/many.jsonl"
expect_eq "errors omitted" "$(get "$W/err.json" errors_omitted)" 5
# inputs by path: -, array.json, bad.jsonl, blob.dat, good.jsonl, many.jsonl, missing.jsonl
expect_eq "standard input" "$(get "$W/err.json" inputs.0.path)" -
expect_eq "the formats" "$(for i in 0 1 2 3 4 5 6; do get "$W/err.json" inputs.$i.format; done | tr '\n' ' ')" \
    "text json jsonl null jsonl jsonl null "
expect_eq "the missing input's digest" "$(get "$W/err.json" inputs.6.digest)" null
expect_eq "the missing input's error" "$(get "$W/err.json" errors.1001.input)" "$W/missing.jsonl"
printf 'global\n\nsharing and exchange\n' > "$W/notes.txt"
run_rc 0 "$T" scan -q -d corpus/policy.dict --format lines -o "$W/lines.json" "$W/notes.txt"
expect_eq "lines format" "$(get "$W/lines.json" inputs.0.format)" lines
expect_eq "lines documents" "$(get "$W/lines.json" corpus.documents)" 3
run_rc 3 "$T" scan -q -d corpus/policy.dict -o "$W/notext.json" "$W/notext.jsonl"
expect_eq "objects without text" "$(get "$W/notext.json" json.without_text)" 2
expect_eq "their keys" "$(get "$W/notext.json" json.keys_without_text)" '["body","title"]'
# the other settings: case, tokenizer, several text fields with a quote in one
run_rc 0 "$T" scan -q --case-sensitive --tokenizer whitespace --text-field text --text-field 'a"b' \
    -k global -k 'joint build*' -o "$W/settings.json" "$W/in/good.jsonl"
expect_eq "settings" "$(get "$W/settings.json" options.settings | sed 's/unicode=[^ ]* utf8proc=[^ ]* //')" \
    'tokenizer=whitespace case=sensitive text-fields=["text","a\"b"]'
# no keyword, no input document
: > "$W/empty.txt"
run_rc 0 "$T" scan -q -k nothing -o "$W/empty.json" "$W/empty.txt"
expect_eq "per_10k without tokens" "$(get "$W/empty.json" keywords.nothing.per_10k)" 0.0

# every summary above follows the schema
out=$("$PY" "$CHECK" --min 10 "$SCHEMA" "$W"/*.json 2>&1)
rc=$?
if [ "$rc" = 77 ] || ! command -v "$PY" > /dev/null 2>&1; then
    echo "SKIP: the schema is not checked: ${out:-no python3}"
    exit 0
fi
[ "$rc" = 0 ] || fail "summaries do not follow the schema: $out"

# hand-broken copies, each one change away from a valid summary, must each be rejected
mkdir "$W/broken"
"$PY" - "$W/err.json" "$W/m3.json" "$W/broken" << 'EOF' || fail "cannot make the broken copies"
import json, re, sys
scan = json.load(open(sys.argv[1]))
merge = json.load(open(sys.argv[2]))
out = sys.argv[3]
kw = next(iter(scan["keywords"]))
grp = next(iter(merge["groups"]))
kw_last = list(scan["keywords"])[-1]
grp_last = list(merge["groups"])[-1]
def removed(d, *path):
    for p in path[:-1]: d = d[p]
    del d[path[-1]]
def put(v):
    def f(d, *path):
        for p in path[:-1]: d = d[p]
        d[path[-1]] = v
    return f
cases = [
    ("no-tally", scan, removed, ("tally",)),
    ("no-run", scan, removed, ("run",)),
    ("no-corpus-tokens", scan, removed, ("corpus", "tokens")),
    ("no-keyword-groups", scan, removed, ("keywords", kw, "groups")),
    ("no-input-digest", scan, removed, ("inputs", 1, "digest")),
    ("no-error-line", scan, removed, ("errors", 0, "line")),
    ("no-json-objects", scan, removed, ("json", "objects")),
    ("no-merged", merge, removed, ("run", "merged")),
    ("version-1", scan, put(1), ("tally",)),
    ("documents-string", scan, put("463"), ("corpus", "documents")),
    ("count-float", scan, put(1.5), ("keywords", kw, "count")),
    ("per10k-string", scan, put("1.0"), ("keywords", kw, "per_10k")),
    ("per10k-over", scan, put(10000.5), ("keywords", kw, "per_10k")),
    ("members-string", merge, put("cooperation"), ("groups", grp, "members")),
    ("line-null", scan, put(None), ("errors", 0, "line")),
    ("path-number", scan, put(7), ("inputs", 1, "path")),
    ("keywords-array", scan, put([]), ("keywords",)),
    ("format-csv", scan, put("csv"), ("inputs", 1, "format")),
    ("settings-bad", scan, put("tokenizer=spaces"), ("options", "settings")),
    ("extra-top", scan, put(1), ("extra",)),
    ("extra-corpus", scan, put(0), ("corpus", "lines")),
    ("extra-keyword", scan, put(0), ("keywords", kw, "rank")),
    ("extra-input", scan, put("x"), ("inputs", 1, "name")),
    ("extra-error", scan, put(0), ("errors", 0, "offset")),
    ("extra-run", scan, put(1), ("run", "merged")),
    ("extra-options", scan, put("x"), ("options", "format")),
    ("digest-upper", scan, put(scan["inputs"][1]["digest"].upper()), ("inputs", 1, "digest")),
    ("digest-short", scan, put(scan["inputs"][1]["digest"][:31]), ("inputs", 1, "digest")),
    ("digest-long", scan, put(scan["inputs"][1]["digest"] + "0"), ("inputs", 1, "digest")),
    ("digest-empty", scan, put(""), ("inputs", 1, "digest")),
    ("fingerprint-hex", scan, put("g" * 32), ("options", "fingerprint")),
    ("dictionary-null", scan, put(None), ("options", "dictionary")),
    ("negative-tokens", scan, put(-1), ("corpus", "tokens")),
    ("negative-count", scan, put(-1), ("keywords", kw, "count")),
    ("negative-omitted", scan, put(-1), ("errors_omitted",)),
    ("negative-bytes", scan, put(-1), ("inputs", 1, "bytes")),
    ("negative-seconds", scan, put(-0.5), ("run", "seconds")),
    ("merged-zero", merge, put(0), ("run", "merged")),
    ("count-too-big", scan, put(2 ** 63), ("corpus", "documents")),
    ("keyword-empty-name", scan, put(dict(scan["keywords"][kw])), ("keywords", "")),
    ("last-keyword-negative", scan, put(-2), ("keywords", kw_last, "documents")),
    ("last-group-true", merge, put(True), ("groups", grp_last, "count")),
]
# where the checker must see each fault (a JSON pointer): the member itself, or the object that
# lost or gained a member; "run" is one of two shapes, so a fault there is the object's
reasons = open(out + ".reasons", "w")
for name, base, change, path in cases:
    d = json.loads(json.dumps(base))
    parent = d
    for p in path[:-1]: parent = parent[p]
    at = path if change is not removed and path[-1] in parent else path[:-1]
    if path[0] == "run" and len(path) > 1: at = ("run",)
    change(d, *path)
    with open("%s/%s.json" % (out, name), "w") as f:
        json.dump(d, f)
    reasons.write("%s\t/%s\n" % (name, "/".join(map(str, at))))
reasons.write("duplicate-key\tnot strict JSON\nnan\tnot strict JSON\n")
# what JSON Schema cannot see: a duplicate key, NaN
text = open(sys.argv[1]).read()
with open(out + "/duplicate-key.json", "w") as f:
    f.write(text.replace('"errors_omitted": ', '"errors_omitted": 0, "errors_omitted": ', 1))
with open(out + "/nan.json", "w") as f:
    f.write(re.sub(r'"per_10k":[0-9.e+-]+', '"per_10k":NaN', text, count=1))
EOF
n_broken=$(find "$W/broken" -type f | wc -l | tr -d ' ')
[ "$n_broken" -ge 40 ] || fail "only $n_broken broken copies"
out=$("$PY" "$CHECK" --expect-invalid "$SCHEMA" "$W/broken" 2>&1) || fail "a broken summary passed the schema: $out"
case $out in
*"$n_broken of $n_broken files rejected"*) ;;
*) fail "not every broken copy was rejected: $out" ;;
esac
# each one for the fault planted in it, not for another
printf '%s\n' "$out" > "$W/rejected.out"
tab=$(printf '\t')
n=0
while IFS=$tab read -r name at; do
    grep -qF "rejected as expected: $W/broken/$name.json: $at:" "$W/rejected.out" ||
        fail "$name.json not rejected at $at: $(grep -F "/$name.json" "$W/rejected.out")"
    n=$((n + 1))
done < "$W/broken.reasons"
expect_eq "faults planted and checked" "$n" "$n_broken"
# and the checker itself fails on them in the normal mode, naming the file and the reason
run_rc 1 "$PY" "$CHECK" "$SCHEMA" "$W/broken/digest-upper.json" > "$W/one.out"
expect_grep "INVALID: .*digest-upper.json" "$W/one.out"
expect_grep "/inputs/1/digest" "$W/one.out"
exit 0
