# The summary's fingerprint: rebuilt here from README's rules ("The summary") and checked with
# xxhsum -H2; unchanged by what changes no count (format, id field, threads, batch size), changed
# by every setting that does (terms, groups, group order, tokenizer, case rule, text fields).
. tests/cli/lib.inc
command -v xxhsum > /dev/null || fail "xxhsum missing (Debian package xxhash, scripts/ensure-deps.sh)"
TAB=$(printf '\t')

cat > "$W/p.dict" << 'EOF'
# a small policy dictionary
Global
[cooperation]
Cooperation
exchange*
joint-building
[sharing]
joint   building
Joint Build*
[cooperation]
global
EOF

# canon DICT : the dictionary's canonical text by README's rules, for an ASCII dictionary whose
# terms are words, spaces, dashes and a final '*' (normalizing is lower-casing then)
canon() {
    awk -v T="$TAB" '
        /^[ \t]*(#|$)/ { next }
        { sub(/^[ \t]+/, ""); sub(/[ \t]+$/, "") }
        /^\[/ { g = substr($0, 2, length($0) - 2); gsub(/^[ \t]+|[ \t]+$/, "", g)
                if (!(g in gid)) { gid[g] = ++ng; gname[ng] = g }
                cur = gid[g]; next }
        { t = tolower($0); kind = "exact"
          if (t ~ /\*$/) { kind = "prefix"; t = substr(t, 1, length(t) - 1) }
          n = split(t, w, /[ \t-]+/); line = kind
          for (i = 1; i <= n; i++) if (w[i] != "") line = line T w[i]
          if (!(line in kid)) { kid[line] = ++nk; kline[nk] = line }
          k = kid[line]
          if (cur && !((cur, k) in member)) { member[cur, k] = 1; mem[cur] = mem[cur] " " k } }
        END {
          print "tally-dictionary" T "1"
          for (i = 1; i <= nk; i++) print kline[i]
          for (g = 1; g <= ng; g++) {
            print "group" T gname[g]
            m = split(mem[g], ks, " ")
            for (j = 1; j <= m; j++) print "member" T ks[j]
          }
        }' "$1"
}

# the versions come from the Debian packages the tables and the library were built from
uni=$(dpkg-query -W -f='${Version}' unicode-data | sed 's/-[^-]*$//')
u8p=$(dpkg-query -W -f='${Version}' libutf8proc2 | sed 's/-[^-]*$//')

printf '{"id":"a","text":"Global joint-building and exchanges","body":"cooperation"}\n{"id":"b","text":"joint builders","body":"x"}\n' > "$W/in.jsonl"
zstd -q -o "$W/in.jsonl.zst" "$W/in.jsonl"

run_rc 0 "$T" scan -q -d "$W/p.dict" -o "$W/base.json" "$W/in.jsonl.zst"

canon "$W/p.dict" > "$W/canon.txt"
dig=$(xxhsum -H2 < "$W/canon.txt" | cut -d' ' -f1)
expect_eq options.dictionary "$(get "$W/base.json" options.dictionary)" "$dig"
settings="tokenizer=unicode case=insensitive unicode=$uni utf8proc=$u8p text-fields=[\"text\"]"
expect_eq options.settings "$(get "$W/base.json" options.settings)" "$settings"
fp=$(printf 'tally-fingerprint\t1\nsettings\t%s\ndictionary\t%s\n' "$settings" "$dig" |
    xxhsum -H2 | cut -d' ' -f1)
expect_eq options.fingerprint "$(get "$W/base.json" options.fingerprint)" "$fp"
# the awk above must have seen what the README describes: 5 keywords, 2 groups
expect_eq "canonical lines" "$(grep -c "^exact$TAB\|^prefix$TAB" "$W/canon.txt")" 5

# settings with text fields beyond the default, and a name that needs JSON escaping
run_rc 0 "$T" scan -q -d "$W/p.dict" --case-sensitive --tokenizer whitespace --text-field text \
    --text-field 'we"ird\path' -o "$W/s.json" "$W/in.jsonl.zst"
expect_eq "settings (fields)" "$(get "$W/s.json" options.settings)" \
    "tokenizer=whitespace case=sensitive unicode=$uni utf8proc=$u8p text-fields=[\"text\",\"we\\\"ird\\\\path\"]"

# fp FILE : the fingerprint of a summary
fp() { get "$1" options.fingerprint; }
base=$(fp "$W/base.json")

# what changes no count changes nothing
same() {
    run_rc 0 "$T" scan -q -o "$W/s.json" "$@" > /dev/null
    expect_eq "fingerprint with $*" "$(fp "$W/s.json")" "$base"
    expect_eq "counts with $*" "$(get "$W/s.json" keywords.exchange*.count)" 1
}
same -d "$W/p.dict" --format jsonl "$W/in.jsonl.zst"
same -d "$W/p.dict" --format auto "$W/in.jsonl"
same -d "$W/p.dict" --id-field body "$W/in.jsonl.zst"
same -d "$W/p.dict" -j 1 "$W/in.jsonl.zst"
same -d "$W/p.dict" -j 2 --batch-bytes 16 "$W/in.jsonl.zst"
same -d "$W/p.dict" --per-doc "$W/docs.jsonl" "$W/in.jsonl.zst"

# everything that decides counts changes it, and no two of these agree
sed 's/^Global$/Globe/' "$W/p.dict" > "$W/term.dict"
sed 's/^\[sharing\]$/[share]/' "$W/p.dict" > "$W/group.dict"
printf '[sharing]\njoint building\nJoint Build*\n[cooperation]\nCooperation\nexchange*\njoint-building\nglobal\n' > "$W/order.dict"
printf '[cooperation]\nCooperation\nexchange*\njoint-building\nglobal\n[sharing]\njoint building\nJoint Build*\n' > "$W/order2.dict"
seen="$base"
differs() {
    what=$1
    shift
    run_rc 0 "$T" scan -q -o "$W/s.json" "$@" "$W/in.jsonl.zst"
    f=$(fp "$W/s.json")
    for o in $seen; do
        [ "$f" = "$o" ] && fail "$what: the fingerprint $f is not new"
    done
    seen="$seen $f"
}
differs "a term" -d "$W/term.dict"
differs "an added term" -d "$W/p.dict" -k extra
differs "a group name" -d "$W/group.dict"
differs "group order" -d "$W/order.dict"
differs "keyword order" -d "$W/order2.dict"
differs "tokenizer" -d "$W/p.dict" --tokenizer whitespace
differs "case rule" -d "$W/p.dict" --case-sensitive
differs "text field" -d "$W/p.dict" --text-field body
differs "text fields" -d "$W/p.dict" --text-field text --text-field body
differs "text field order" -d "$W/p.dict" --text-field body --text-field text
exit 0
