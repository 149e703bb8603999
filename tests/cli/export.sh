# tally export end to end: every table of a summary, in CSV and TSV, read back (CSV with
# python3's csv module and a strict RFC 4180 reader of our own, TSV by its documented escapes)
# equals the summary read by python3's json module, value by value: counts as integers, per_10k
# exactly as the summary file writes it. Names with commas, quotes, spaces, tabs, newlines and
# backslashes; --bom and --crlf; refusals (exit 2) and atomic -o.
. tests/cli/lib.inc

mkdir -p "$W/in/d, w" "$W/t" "$W/o"
cd "$W" || fail "cd $W"

# ---- summaries with awkward names --------------------------------------------------------
# a term with a comma (1,000 is one token) and with quotes, a term with a tab, group names with
# a comma, quotes, a backslash and a tab
printf 'global\n1,000\n"hi"\ntab\there\n[north, south]\ncooperation\nexchange*\n"hi"\n[the "best" group]\nbuilding\n1,000\n[back\\slash\tand tab]\nbuilding\n' > d.dict
# paths with quotes and commas, a newline, a tab, a backslash, a trailing space; a missing path
# with quotes, commas and a leading space; a folder with a comma holding a binary file (a warning)
printf '{"text":"global 1,000 \\"hi\\" cooperation, global"}\n{"text":bad}\n{"id":"x","body":1}\n{"text" "y"}\n' > 'in/we "said", hi.jsonl'
printf 'global building 1,000\n' > "$(printf 'in/new\nline.txt')"
printf 'tab here\n' > "$(printf 'in/tab\tname.txt')"
printf 'back slash\n' > 'in/back\slash.txt'
printf 'global exchanges\n' > 'in/trailing '
printf 'x\000y' > 'in/d, w/bin.dat'
# more bad lines than are listed per input: errors_omitted is not 0
awk 'BEGIN { for (i = 1; i <= 1003; i++) print "{bad" }' > 'in/many, bad.jsonl'
printf 'global\n' > 'in/d, w/ok.txt'
run_rc 3 "$T" scan -q -d d.dict -o s1.json in ' in/gone, "really".jsonl'
# only documents without the text field: the derived error's message lists their keys, which
# hold quotes, a comma, a newline, a tab, a CR and a backslash
printf '{"k \\"q\\", x":1,"a\\nb":2,"t\\tt":3,"b\\\\s":4,"c\\r":5}\n' > nt.jsonl
run_rc 3 "$T" scan -q -d d.dict -o s2.json nt.jsonl
# their merge, and a summary without groups, errors or warnings
run_rc 3 "$T" merge -q -o s3.json s1.json s2.json
printf 'global\nexchange*\n' > plain.dict
"$GEN" --seed 5 --docs 20 > g.jsonl
run_rc 0 "$T" scan -q -d plain.dict -o s4.json g.jsonl
grep -q 'fields seen: a\\nb, b\\\\s, c\\r, k \\"q\\", x, t\\tt' s2.json || fail "s2.json has not the planted message"
grep -q '"input":" in/gone, \\"really\\".jsonl"' s1.json || fail "s1.json has not the missing path"
grep -q '"path":"in/trailing "' s1.json || fail "s1.json has not the path with a trailing space"
expect_eq "s1.json errors_omitted" "$(get s1.json errors_omitted)" 3

# ---- every table, every format and variant --------------------------------------------------
TABLES="corpus keywords groups members inputs errors warnings"
: > manifest
for s in s1 s2 s3 s4; do
    for table in $TABLES; do
        for fmt in csv tsv; do
            for v in plain bom crlf bom-crlf; do
                opt=""
                case $v in
                bom) opt="--bom" ;;
                crlf) opt="--crlf" ;;
                bom-crlf) opt="--crlf --bom" ;;
                esac
                out=t/$s.$table.$v.$fmt
                # shellcheck disable=SC2086
                run_rc 0 "$T" export --table $table --$fmt $opt -o "$out" $s.json
                printf '%s\t%s\t%s\t%s\t%s\n' $s.json "$table" $fmt $v "$out" >> manifest
            done
        done
        # standard output is the same as -o
        run_rc 0 "$T" export $s.json --table "$table" --tsv > t/stdout
        cmp -s t/stdout "t/$s.$table.plain.tsv" || fail "$s $table: standard output differs from -o"
    done
    # the defaults: the keywords table, CSV
    run_rc 0 "$T" export $s.json > t/default
    cmp -s t/default t/$s.keywords.plain.csv || fail "$s: the default is not --table keywords --csv"
done

cat > check.py << 'EOF'
# check.py MANIFEST: every exported table in MANIFEST against its summary read by json
import csv, io, json, re, sys

HEADERS = {
    "corpus": ["inputs", "documents", "tokens", "bytes", "invalid_utf8", "skipped_documents",
               "failed_inputs", "skipped_inputs", "errors_omitted"],
    "keywords": ["keyword", "count", "documents", "per_10k"],
    "groups": ["group", "count", "documents", "per_10k"],
    "members": ["group", "keyword"],
    "inputs": ["path", "format", "bytes", "documents", "digest"],
    "errors": ["input", "line", "message"],
    "warnings": ["input", "line", "message"],
}
INT = "int"


def expected(summary, table):
    """Rows of (kind, value): kind INT for counts, str for text and per_10k's number text."""
    # per_10k stays the text the summary file holds (parse_float keeps the literal)
    with open(summary, encoding="utf-8") as f:
        j = json.load(f, parse_float=lambda x: x)
    rows = []
    if table == "corpus":
        c = j["corpus"]
        rows.append([(INT, c[k]) for k in HEADERS["corpus"][:-1]] + [(INT, j["errors_omitted"])])
    elif table in ("keywords", "groups"):
        for name, v in j[table].items():
            assert isinstance(v["per_10k"], str), (name, v)
            rows.append([(str, name), (INT, v["count"]), (INT, v["documents"]), (str, v["per_10k"])])
    elif table == "members":
        for g, v in j["groups"].items():
            for m in v["members"]:
                rows.append([(str, g), (str, m)])
    elif table == "inputs":
        for i in j["inputs"]:
            rows.append([(str, i["path"]), (str, i["format"] or ""), (INT, i["bytes"]),
                         (INT, i["documents"]), (str, i["digest"] or "")])
    else:
        for e in j[table]:
            rows.append([(str, e["input"]), (INT, e["line"]), (str, e["message"])])
    return rows


def strict_csv(text):
    """RFC 4180 read strictly: a quote only opens a field or is doubled inside a quoted one.
    Returns the rows and the line ending of every row."""
    rows, ends, row, i, n = [], [], [], 0, len(text)
    while i < n:
        if text[i] == '"':
            i += 1
            cell = []
            while True:
                if i >= n:
                    raise ValueError("unterminated quoted field")
                if text[i] == '"':
                    if i + 1 < n and text[i + 1] == '"':
                        cell.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                cell.append(text[i])
                i += 1
            cell = "".join(cell)
        else:
            m = re.compile(r'[^,"\r\n]*').match(text, i)
            cell = m.group(0)
            i = m.end()
            if i < n and text[i] == '"':
                raise ValueError("a quote inside an unquoted field at %d" % i)
        row.append(cell)
        if i < n and text[i] == ",":
            i += 1
            continue
        for end in ("\r\n", "\n"):
            if text.startswith(end, i):
                break
        else:
            raise ValueError("no line end after a field at %d: %r" % (i, text[i:i + 10]))
        rows.append(row)
        ends.append(end)
        row = []
        i += len(end)
    if row:
        raise ValueError("the last row has no line end")
    return rows, ends


def tsv_cell(s):
    out, i = [], 0
    esc = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}
    while i < len(s):
        if s[i] == "\\":
            if i + 1 >= len(s) or s[i + 1] not in esc:
                raise ValueError("a bad escape in %r" % s)
            out.append(esc[s[i + 1]])
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def read_tsv(text, end):
    if not text.endswith(end):
        raise ValueError("the table does not end with its line end")
    rows = []
    for line in text[: -len(end)].split(end):
        if "\r" in line or "\n" in line:
            raise ValueError("a raw CR or LF inside the row %r" % line)
        rows.append([tsv_cell(c) for c in line.split("\t")])
    return rows


def check(summary, table, fmt, variant, path):
    raw = open(path, "rb").read()
    bom = b"\xef\xbb\xbf"
    if "bom" in variant:
        assert raw.startswith(bom), "no byte order mark"
        raw = raw[3:]
    assert bom not in raw, "a byte order mark where none belongs"
    text = raw.decode("utf-8")
    end = "\r\n" if "crlf" in variant else "\n"
    if fmt == "csv":
        rows, ends = strict_csv(text)
        assert all(e == end for e in ends), "line ends %r, expected %r" % (sorted(set(ends)), end)
        mod = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        assert mod == rows, "csv module %r, strict reader %r" % (mod, rows)
    else:
        rows = read_tsv(text, end)
    assert rows and rows[0] == HEADERS[table], "header %r" % (rows[:1],)
    want = expected(summary, table)
    got = rows[1:]
    assert len(got) == len(want), "%d rows, expected %d" % (len(got), len(want))
    for r, (g, w) in enumerate(zip(got, want), 1):
        assert len(g) == len(w), "row %d: %d cells, expected %d: %r" % (r, len(g), len(w), g)
        for c, (cell, (kind, value)) in enumerate(zip(g, w)):
            col = HEADERS[table][c]
            if kind == INT:
                assert re.fullmatch(r"0|[1-9][0-9]*", cell), "row %d %s: %r is not an integer" % (r, col, cell)
                assert int(cell) == value, "row %d %s: %s, expected %d" % (r, col, cell, value)
            else:
                assert cell == value, "row %d %s: %r, expected %r" % (r, col, cell, value)
    return len(want)


bad = 0
rows = 0
for line in open(sys.argv[1], encoding="utf-8"):
    summary, table, fmt, variant, path = line.rstrip("\n").split("\t")
    try:
        rows += check(summary, table, fmt, variant, path)
    except (AssertionError, ValueError, UnicodeDecodeError) as e:
        print("%s: %s" % (path, e), file=sys.stderr)
        bad += 1
print(rows)
sys.exit(1 if bad else 0)
EOF
nrows=$(python3 check.py manifest) || fail "exported tables differ from their summaries"
# every table of the funny summaries had rows to compare (not only headers)
[ "$nrows" -gt 200 ] || fail "only $nrows rows compared"
for s in s1 s3; do
    for table in $TABLES; do
        [ "$(wc -l < t/$s.$table.plain.tsv)" -ge 2 ] || fail "$s: the $table table is empty"
    done
done

# cells that need quoting are quoted, in CSV (a spot check of the raw text, beside the readers)
grep -qF '"north, south",cooperation' t/s1.members.plain.csv || fail "the group with a comma is not quoted"
grep -qF '"the ""best"" group",' t/s1.groups.plain.csv || fail "the group with quotes is not quoted"
grep -qF '"1,000",' t/s1.keywords.plain.csv || fail "the term with a comma is not quoted"
grep -qF '"""hi""",' t/s1.keywords.plain.csv || fail "the term with quotes is not quoted"
grep -qF 'tab\there	' t/s1.keywords.plain.tsv || fail "the term with a tab is not escaped in TSV"
grep -qF 'back\\slash\tand tab	' t/s1.groups.plain.tsv || fail "the group with a backslash is not escaped in TSV"
grep -qF 'in/new\nline.txt	' t/s1.inputs.plain.tsv || fail "the path with a newline is not escaped in TSV"
# --bom adds EF BB BF at the start, and only then; --crlf ends every row with CR LF
expect_eq "--bom" "$(head -c 3 t/s1.keywords.bom.csv | od -An -tx1 | tr -d ' ')" efbbbf
head -c 3 t/s1.keywords.plain.csv | od -An -tx1 | grep -qi 'ef bb bf' && fail "a BOM without --bom"
tail -c +4 t/s1.keywords.bom.csv | cmp -s - t/s1.keywords.plain.csv || fail "--bom changed more than the start"
tr -d '\r' < t/s4.keywords.crlf.csv | cmp -s - t/s4.keywords.plain.csv || fail "--crlf changed more than the line ends"
expect_eq "CR LF rows" "$(grep -c "$(printf '\r')\$" t/s4.keywords.crlf.csv)" "$(wc -l < t/s4.keywords.crlf.csv)"
grep -q "$(printf '\r')" t/s4.keywords.plain.csv && fail "a CR without --crlf"

# ---- refusals: exit 2, nothing written --------------------------------------------------
# refuse WHAT PATTERN ARGS...: tally export -o OUT ARGS exits 2, leaves an existing OUT and its
# folder as they were, writes nothing on standard output, and says PATTERN
refuse() {
    what=$1 pat=$2
    shift 2
    printf 'the previous table\n' > o/out.csv
    "$T" export -o o/out.csv "$@" > stdout 2> err
    rc=$?
    [ "$rc" = 2 ] || { cat err >&2; fail "$what: exit $rc, expected 2"; }
    [ "$(cat o/out.csv)" = "the previous table" ] || fail "$what: the existing output was changed"
    [ "$(ls -A o)" = out.csv ] || fail "$what: left behind: $(ls -A o)"
    [ -s stdout ] && fail "$what: wrote on standard output"
    grep -qF -- "$pat" err || { cat err >&2; fail "$what: '$pat' not in the message"; }
    "$T" export "$@" > stdout 2> /dev/null
    rc=$?
    [ "$rc" = 2 ] || fail "$what (standard output): exit $rc, expected 2"
    [ -s stdout ] && fail "$what: wrote on standard output"
    return 0
}
refuse "--table bogus" "bogus" --table bogus s1.json
refuse "--table without a name" "--table" s1.json --table
refuse "--format" "--format" --format csv s1.json
refuse "two summaries" "one SUMMARY" s1.json s2.json
refuse "no summary" "no SUMMARY" --table corpus
size=$(wc -c < s1.json)
for cut in 1 $((size / 3)) $((size - 2)); do
    head -c $cut s1.json > cut.json
    refuse "cut at $cut" "cut.json:" --table corpus cut.json
done
awk 'NR == 5 { sub(/"count":[0-9]+/, "\"count\":12345") } { print }' s1.json > edited.json
cmp -s s1.json edited.json && fail "edited.json was not edited"
refuse "a count edited" "not a valid tally summary" edited.json
sed '2s/"tally": [0-9]*/"tally": 1/' s1.json > v1.json
refuse "schema version 1" "version 1" v1.json
refuse "a data file" "not a valid tally summary" --table inputs g.jsonl
refuse "a missing summary" "none.json" none.json
cp s1.json keep.json
"$T" export -o s1.json s1.json > stdout 2> err
expect_eq "-o the summary: exit" $? 2
cmp -s s1.json keep.json || fail "-o the summary: the summary was changed"
expect_grep "s1.json" err

# ---- -o writes atomically -----------------------------------------------------------------
# a new file is renamed into place: the old one is never written into (its inode stays as it
# was, with its content, for a reader that has it open)
printf 'old\n' > o/t.csv
ln o/t.csv o/old-link.csv
run_rc 0 "$T" export -o o/t.csv s1.json --table inputs
cmp -s o/t.csv t/s1.inputs.plain.csv || fail "-o: not the table"
expect_eq "-o: the old file" "$(cat o/old-link.csv)" old
rm o/old-link.csv
expect_eq "-o: files in the folder" "$(ls -A o | tr '\n' ' ')" "out.csv t.csv "
# cannot be written: exit 1, nothing left behind
run_rc 1 "$T" export -o o/no/such/dir.csv s1.json 2> err
expect_grep "o/no/such/dir.csv" err
expect_eq "no folder: files in the folder" "$(ls -A o | tr '\n' ' ')" "out.csv t.csv "
if [ -w /dev/full ]; then
    run_rc 1 "$T" export -o /dev/full s1.json 2> err
    expect_grep "cannot write" err
fi
exit 0
