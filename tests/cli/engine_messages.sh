# The engine states facts; only the programs know their command lines. No string literal in
# lib/ may name a command-line flag (--long-option, or -x standing alone): a program that wants
# its user to see one adds it, as tally scan adds --zstd-window-log-max to the zstd window error.
# The literals are read with a small C lexer (comments, strings, character literals), so a flag
# named in a comment is fine and an apostrophe or a quote inside a literal cannot confuse it.
. tests/cli/lib.inc

# literals FILE... : prints FILE:LINE:LITERAL for every string literal (contents, escapes as
# written); a literal that goes on with a backslash-newline is reported on its first line
literals() {
    awk '
        FNR == 1 { st = "code" }
        {
            line = $0
            n = length(line)
            for (i = 1; i <= n; i++) {
                c = substr(line, i, 1)
                if (st == "block") {
                    if (c == "*" && substr(line, i + 1, 1) == "/") { st = "code"; i++ }
                } else if (st == "str" || st == "chr") {
                    q = st == "str" ? "\"" : "\047"
                    if (c == "\\") { if (st == "str") lit = lit substr(line, i, 2); i++ }
                    else if (c == q) { if (st == "str") print FILENAME ":" at ":" lit; st = "code" }
                    else if (st == "str") lit = lit c
                } else if (c == "/" && substr(line, i + 1, 1) == "*") { st = "block"; i++ }
                else if (c == "/" && substr(line, i + 1, 1) == "/") break
                else if (c == "\"") { st = "str"; lit = ""; at = FNR }
                else if (c == "\047") st = "chr"
            }
            # a literal still open at the end of a line goes on only after a backslash
            if ((st == "str" || st == "chr") && substr(line, n, 1) != "\\") st = "code"
        }' "$@"
}

# the lexer itself, on a file made to trip a naive one: every literal found, none invented
cat > "$W/t.c" << 'EOF'
/* a comment naming --comment-flag and "a quote" */
char q = '"'; const char *a = "one --first"; // "--line-comment"
const char *b = "it's -k here", *c = "\"--escaped\" \\"; char d = '\'';
const char *e = "split \
-j";
EOF
literals "$W/t.c" > "$W/lits"
expect_eq lexer "$(cut -d: -f2- "$W/lits" | tr '\n' '|')" '2:one --first|3:it'"'"'s -k here|3:\"--escaped\" \\|4:split \-j|'

# flags FILE: the literals of FILE:LINE:LITERAL lines that name a flag
flags() {
    grep -E '^[^:]*:[0-9]*:(.*[^A-Za-z0-9_-])?(--[A-Za-z0-9]|-[A-Za-z]([^A-Za-z0-9_-]|$))' "$1"
}
[ "$(flags "$W/lits" | wc -l)" = 4 ] || fail "the flag pattern misses a flag: $(flags "$W/lits")"
printf 'f.c:1:UTF-8 a-b x--y %%-8s --- -\n' > "$W/ok"
flags "$W/ok" && fail "the flag pattern takes these for flags"

# FILE:LITERAL lines (no line number) whose flag-like text is there for another reason than a
# command line; none so far
cat > "$W/allow" << 'EOF'
EOF

literals lib/*.c lib/*.h > "$W/lib"
[ "$(wc -l < "$W/lib")" -gt 300 ] || fail "found only $(wc -l < "$W/lib") literals in lib/"
flags "$W/lib" | sed 's/^\([^:]*\):[0-9]*:/\1:/' | grep -v -F -x -f "$W/allow" > "$W/found"
[ -s "$W/found" ] && { cat "$W/found" >&2; fail "string literals in lib/ name command-line flags (above): state the fact, let the program add the option"; }
exit 0
