# Counts per bucket (--by): the buckets of dated generated JSON Lines against those the generator
# planted (every accepted date form, bad ones, sources of every JSON type; computed with the C
# library's calendar), for every unit and some offsets; byte-identical output over threads and
# batch sizes; merge of parts = one scan of the whole; refusals; --max-buckets; @input; --epoch;
# per-document "bucket" members; export --table buckets and --fill.
. tests/cli/lib.inc

CHECK="python3 tests/cli/by_check.py"

# ---- the planted buckets, for every unit and offset ----
for case in "day 0 +00:00" "week 0 +00:00" "month 0 +00:00" "year 0 +00:00" "day 480 +08:00" "week -570 -09:30" "month 345 +05:45"; do
    set -- $case
    "$GEN" --seed 7 --docs 4000 --dates "$1" --utc-offset "$2" --buckets "$W/want.json" --dict-out "$W/g.dict" > "$W/g.jsonl" || fail gencorpus
    off=""
    [ "$2" = 0 ] || off="--utc-offset $3"
    # shellcheck disable=SC2086
    run_rc 0 "$T" scan -q -d "$W/g.dict" --by "date:$1" --by source $off -o "$W/s.json" "$W/g.jsonl"
    keep_summary "$W/s.json"
    $CHECK "$W/s.json" "$W/want.json" || fail "buckets of --by date:$1 --by source $off differ from the planted ones"
done

# ---- byte-identical whatever the threads and batch size (summary but "run", records) ----
"$GEN" --seed 11 --docs 3000 --dates month --buckets "$W/want.json" --dict-out "$W/g.dict" > "$W/g.jsonl" || fail gencorpus
run_rc 0 "$T" scan -q -j1 -d "$W/g.dict" --by date:month --by source -o "$W/ref.json" --per-doc "$W/ref.docs" "$W/g.jsonl"
$CHECK "$W/ref.json" "$W/want.json" || fail "planted buckets (seed 11)"
for j in 1 2 4; do
    for bb in 300 4096 64K 1M; do
        run_rc 0 "$T" scan -q -j$j --batch-bytes $bb -d "$W/g.dict" --by date:month --by source -o "$W/x.json" --per-doc "$W/x.docs" "$W/g.jsonl"
        "$SC" --same "$W/ref.json" "$W/x.json" || fail "summary differs with -j$j --batch-bytes $bb"
        cmp -s "$W/ref.docs" "$W/x.docs" || fail "per-document records differ with -j$j --batch-bytes $bb"
    done
done

# ---- per-document records: their "bucket" members add up to the buckets ----
python3 - "$W/ref.json" "$W/ref.docs" << 'EOF' || fail "per-document buckets do not add up to the summary's"
import json, sys
s = json.load(open(sys.argv[1]))
by = {}
for line in open(sys.argv[2]):
    d = json.loads(line)
    k = json.dumps(d["bucket"])
    b = by.setdefault(k, [0, 0, {}])
    b[0] += 1
    b[1] += d["tokens"]
    for name, n in d["keywords"].items():
        b[2][name] = b[2].get(name, 0) + n
rows = {json.dumps(r["key"]): r for r in s["buckets"]["rows"]}
assert set(rows) == set(by), "different keys"
for k, r in rows.items():
    assert by[k][0] == r["documents"] and by[k][1] == r["tokens"], k
    assert by[k][2] == {n: v["count"] for n, v in r["keywords"].items()}, k
EOF

# ---- tally merge of parts = one scan of the whole, whatever the grouping ----
mkdir -p "$W/parts"
split -l 700 "$W/g.jsonl" "$W/parts/p-"
for f in "$W"/parts/p-*; do mv "$f" "$f.jsonl"; done
run_rc 0 "$T" scan -q -d "$W/g.dict" --by date:month --by source -o "$W/whole.json" "$W"/parts/p-*.jsonl
for f in "$W"/parts/p-*.jsonl; do
    run_rc 0 "$T" scan -q -d "$W/g.dict" --by date:month --by source -o "$f.sum" "$f"
done
run_rc 0 "$T" merge -q -o "$W/merged.json" "$W"/parts/p-*.sum
"$SC" --same "$W/whole.json" "$W/merged.json" || fail "merge of bucketed parts differs from the whole"
# another grouping: the last two first, then the rest
set -- "$W"/parts/p-*.sum
n=$#
last2=$(ls "$W"/parts/p-*.sum | tail -n 2)
rest=$(ls "$W"/parts/p-*.sum | head -n $((n - 2)))
# shellcheck disable=SC2086
run_rc 0 "$T" merge -q -o "$W/m1.json" $last2
# shellcheck disable=SC2086
run_rc 0 "$T" merge -q -o "$W/m2.json" "$W/m1.json" $rest
"$SC" --same "$W/whole.json" "$W/m2.json" || fail "merge in another grouping differs from the whole"
expect_eq undated-listed "$(grep -c '"message":"not a date in ' "$W/m2.json")" 100

# ---- refusals: bucketed differently, or not at all ----
p1=$(ls "$W"/parts/p-*.jsonl | head -n 1)
p2=$(ls "$W"/parts/p-*.jsonl | tail -n 1)
run_rc 0 "$T" scan -q -d "$W/g.dict" --by date:year --by source -o "$W/y.json" "$p2"
run_rc 0 "$T" scan -q -d "$W/g.dict" -o "$W/none.json" "$p2"
run_rc 0 "$T" scan -q -d "$W/g.dict" --by date:month --by source --utc-offset +08:00 -o "$W/o8.json" "$p2"
run_rc 2 "$T" merge -o "$W/bad.json" "$p1.sum" "$W/y.json" 2> "$W/err"
expect_grep "bucketed differently" "$W/err"
run_rc 2 "$T" merge -o "$W/bad.json" "$p1.sum" "$W/none.json" 2> "$W/err"
expect_grep "has none" "$W/err"
run_rc 2 "$T" merge -o "$W/bad.json" "$p1.sum" "$W/o8.json" 2> "$W/err"
expect_grep "utc-offset=+08:00" "$W/err"
[ -e "$W/bad.json" ] && fail "a refused merge wrote its output"
# the bucketing is in the fingerprint
[ "$(get "$W/y.json" options.fingerprint)" = "$(get "$W/none.json" options.fingerprint)" ] && fail "same fingerprint with and without --by"

# ---- a damaged bucket is refused by the reader ----
sed 's/"documents":\([0-9]*\),"tokens"/"documents":9\1,"tokens"/' "$W/y.json" > "$W/dam.json"
run_rc 2 "$T" merge -o "$W/bad.json" "$W/dam.json" 2> "$W/err"
expect_grep "do not add up" "$W/err"

# ---- --max-buckets: past it, exit 1, nothing written, the option named ----
echo previous > "$W/keep.json"
run_rc 1 "$T" scan -q -d "$W/g.dict" --by id --max-buckets 50 -o "$W/keep.json" "$W/g.jsonl" 2> "$W/err"
expect_grep "more than 50 distinct bucket keys" "$W/err"
expect_grep "raise the limit with --max-buckets" "$W/err"
expect_eq untouched "$(cat "$W/keep.json")" previous
run_rc 0 "$T" scan -q -d "$W/g.dict" --by id --max-buckets 3000 -o "$W/ids.json" "$W/g.jsonl"
expect_eq id-rows "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["buckets"]["rows"]))' "$W/ids.json")" 3000

# ---- @input, in every format; a field of a text input is null ----
printf 'global one\nglobal two global\n' > "$W/a.txt"
printf 'global\n' > "$W/b.txt"
run_rc 0 "$T" scan -q -k global --format lines --by @input --by x -o "$W/in.json" "$W/a.txt" "$W/b.txt"
python3 - "$W/in.json" "$W/a.txt" "$W/b.txt" << 'EOF' || fail "@input buckets"
import json, sys
s = json.load(open(sys.argv[1]))
rows = [(r["key"], r["documents"], r["keywords"]["global"]["count"]) for r in s["buckets"]["rows"]]
assert rows == [([sys.argv[2], None], 2, 3), ([sys.argv[3], None], 1, 1)], rows
assert "undated" not in s["corpus"]
EOF

# ---- keys: strings decoded, numbers as written, other types null; --epoch ----
cat > "$W/k.jsonl" << 'EOF'
{"text":"global","s":"a\u0062c","t":1700000000}
{"text":"global","s":1.50,"t":1700000000000}
{"text":"global","s":true,"t":"2023-11-14T22:13:20Z"}
{"text":"global","s":[1],"t":-1}
{"text":"global","s":{"x":1},"t":null}
{"text":"global","s":null}
{"text":"global","s":"abc","t":1e20}
EOF
run_rc 0 "$T" scan -q -k global --by s --by t:day -o "$W/k.json" "$W/k.jsonl"
python3 - "$W/k.json" << 'EOF' || fail "keys of every JSON type"
import json, sys
s = json.load(open(sys.argv[1]))
rows = [(r["key"], r["documents"]) for r in s["buckets"]["rows"]]
want = [(["1.50", "2023-11-14"], 1), (["abc", "2023-11-14"], 1), (["abc", None], 1),
        ([None, "1969-12-31"], 1), ([None, "2023-11-14"], 1), ([None, None], 2)]
assert rows == want, rows
assert s["corpus"]["undated"] == 3, s["corpus"]
msgs = [w["message"] for w in s["warnings"]]
assert msgs == ["not a date in 't': null", "not a date in 't': no such field", "not a date in 't': 1e20"], msgs
EOF
run_rc 0 "$T" scan -q -k global --by t:day --epoch s -o "$W/ks.json" "$W/k.jsonl"
expect_eq epoch-s "$(get "$W/ks.json" corpus.undated)" 4
run_rc 0 "$T" scan -q -k global --by t:year --epoch ms -o "$W/kms.json" "$W/k.jsonl"
expect_eq epoch-ms "$(get "$W/kms.json" buckets.rows.0.key.0)" 1969
expect_eq epoch-ms-2 "$(get "$W/kms.json" buckets.rows.1.key.0)" 1970

# ---- usage errors ----
run_rc 2 "$T" scan -k global --by '' "$W/k.jsonl" 2> "$W/err"
run_rc 2 "$T" scan -k global --by t:months "$W/k.jsonl" 2> "$W/err"
expect_grep "not a date unit" "$W/err"
run_rc 2 "$T" scan -k global --by @input:day "$W/k.jsonl" 2> "$W/err"
run_rc 2 "$T" scan -k global --by @file "$W/k.jsonl" 2> "$W/err"
run_rc 2 "$T" scan -k global --by t:day --epoch m "$W/k.jsonl" 2> "$W/err"
run_rc 2 "$T" scan -k global --by t:day --utc-offset 8 "$W/k.jsonl" 2> "$W/err"
run_rc 2 "$T" scan -k global --by t:day --utc-offset +24:00 "$W/k.jsonl" 2> "$W/err"
run_rc 2 "$T" scan -k global --by s --utc-offset +08:00 "$W/k.jsonl" 2> "$W/err"
expect_grep "need a date bucket" "$W/err"
run_rc 2 "$T" scan -k global --by t:day --max-buckets 0 "$W/k.jsonl" 2> "$W/err"

# ---- export --table buckets, read back with Python's csv module; --fill ----
run_rc 0 "$T" export --table buckets -o "$W/b.csv" "$W/ref.json"
run_rc 0 "$T" export --table buckets --fill -o "$W/f.csv" "$W/ref.json"
python3 - "$W/ref.json" "$W/b.csv" "$W/f.csv" << 'EOF' || fail "export --table buckets"
import csv, json, sys
s = json.load(open(sys.argv[1]))
terms = [("keyword", k) for k in s["keywords"]] + [("group", g) for g in s["groups"]]
rows = list(csv.reader(open(sys.argv[2], newline="", encoding="utf-8")))
assert rows[0] == ["date:month", "source", "kind", "name", "count", "documents", "per_10k",
                   "bucket_documents", "bucket_tokens"], rows[0]
body = rows[1:]
assert len(body) == len(s["buckets"]["rows"]) * len(terms)
i = 0
for r in s["buckets"]["rows"]:
    for kind, name in terms:
        row = body[i]
        i += 1
        key = [None if c == "" else c for c in row[:2]]
        assert key == r["key"], (key, r["key"])
        c = r["keywords" if kind == "keyword" else "groups"].get(name, {"count": 0, "documents": 0})
        assert row[2:6] == [kind, name, str(c["count"]), str(c["documents"])], row
        assert int(row[7]) == r["documents"] and int(row[8]) == r["tokens"]
# --fill: every month from the first to the last for every source, zeros where nothing was
def months(a, b):
    y, m = int(a[:4]), int(a[5:])
    while (y, m) <= (int(b[:4]), int(b[5:])):
        yield "%04d-%02d" % (y, m)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
dates = sorted(r["key"][0] for r in s["buckets"]["rows"] if r["key"][0])
sources = {r["key"][1] for r in s["buckets"]["rows"]}
have = {tuple(r["key"]) for r in s["buckets"]["rows"]}
want = have | {(d, src) for d in months(dates[0], dates[-1]) for src in sources}
frows = list(csv.reader(open(sys.argv[3], newline="", encoding="utf-8")))[1:]
got = [tuple(None if c == "" else c for c in r[:2]) for r in frows[::len(terms)]]
assert len(frows) == len(want) * len(terms), (len(frows), len(want))
assert set(got) == want and len(got) == len(set(got))
nk = lambda k: [(0, x.encode()) if x is not None else (1, b"") for x in k]
assert got == sorted(got, key=nk), "filled rows out of order"
for r in frows:
    if tuple(None if c == "" else c for c in r[:2]) not in have:
        assert r[4:] == ["0", "0", "0.0", "0", "0"], r
EOF
run_rc 2 "$T" export --table buckets "$W/none.json" 2> "$W/err"
expect_grep "without --by" "$W/err"
run_rc 2 "$T" export --table buckets --fill "$W/in.json" 2> "$W/err"
expect_grep "needs a date component" "$W/err"
# weeks and days fill across year ends (2020 has a week 53)
printf '{"text":"global","d":"2020-12-20"}\n{"text":"global","d":"2021-01-12"}\n' > "$W/wk.jsonl"
run_rc 0 "$T" scan -q -k global --by d:week -o "$W/wk.json" "$W/wk.jsonl"
expect_eq weeks "$("$T" export --table buckets --fill "$W/wk.json" | cut -d, -f1 | tail -n +2 | tr '\n' ' ')" "2020-W51 2020-W52 2020-W53 2021-W01 2021-W02 "
run_rc 0 "$T" scan -q -k global --by d:day -o "$W/dd.json" "$W/wk.jsonl"
expect_eq days "$("$T" export --table buckets --fill "$W/dd.json" | tail -n +2 | wc -l)" 24
exit 0
