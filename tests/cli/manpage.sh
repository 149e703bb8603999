# man/tally.1 is what the option tables generate (`make man`), every option that a --help lists
# is in it, and it renders.
. tests/cli/lib.inc

"$T" __man > "$W/tally.1" || fail "tally __man failed"
if ! cmp -s "$W/tally.1" man/tally.1; then
    diff man/tally.1 "$W/tally.1" | head -20 >&2
    fail "man/tally.1 differs from what the option tables generate: run make man"
fi

# every option of every --help, in its roff spelling (\-\-name, \-x)
for sub in "" scan bench compare; do
    # shellcheck disable=SC2086
    "$T" $sub --help > "$W/help" || fail "tally $sub --help"
    grep -o -- '--[a-z][a-z-]*' "$W/help" | sort -u > "$W/longs"
    [ -s "$W/longs" ] || fail "tally $sub --help lists no long option"
    while read -r opt; do
        roff=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
        grep -q -- "\\\\fB$roff\\\\fR" man/tally.1 || fail "tally $sub: $opt is not in the man page"
    done < "$W/longs"
    sed -n 's/^  \(-[a-zA-Z]\),.*/\1/p' "$W/help" | sort -u > "$W/shorts"
    while read -r opt; do
        roff=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
        grep -q -- "\\\\fB$roff\\\\fR" man/tally.1 || fail "tally $sub: $opt is not in the man page"
    done < "$W/shorts"
done

# it renders: with man-db when it is there (installed here if apt can), else the check is skipped
if ! command -v man > /dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends man-db > /dev/null 2>&1
fi
if command -v man > /dev/null 2>&1; then
    MANWIDTH=80 man -l man/tally.1 > "$W/rendered" 2> "$W/man-err" || { cat "$W/man-err" >&2; fail "man -l failed"; }
    head -n 1 "$W/rendered" | grep -q "^TALLY(1) " || fail "no TALLY(1) header: $(head -n 1 "$W/rendered")"
    for h in NAME SYNOPSIS DESCRIPTION "TALLY SCAN" "TALLY BENCH"; do
        grep -q "^$h\$" "$W/rendered" || fail "rendered page has no $h section"
    done
    grep -q -- "--per-doc FILE" "$W/rendered" || fail "rendered page lacks --per-doc FILE"
    # groff's warnings (bad requests, unknown escapes) mean a broken page
    [ -s "$W/man-err" ] && { cat "$W/man-err" >&2; fail "man warned"; }
else
    echo "SKIP: no man command; the render check did not run" >&2
fi
exit 0
