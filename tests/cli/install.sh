# make install puts the program, the library, the header and the man page under DESTDIR + PREFIX
# (MANDIR for the page), and nothing outside DESTDIR.
. tests/cli/lib.inc

command -v make > /dev/null 2>&1 || fail "make is missing"
# BUILD is the tree the suite runs from, already built: install only copies
make -s --no-print-directory install BUILD="$B" DESTDIR="$W/stage" PREFIX=/opt/tally > "$W/log" 2>&1 ||
    { cat "$W/log" >&2; fail "make install failed"; }
for f in bin/tally lib/libtally.a include/tally.h share/man/man1/tally.1; do
    [ -f "$W/stage/opt/tally/$f" ] || fail "not installed: $f (found: $(cd "$W/stage" && find . -type f))"
done
[ -x "$W/stage/opt/tally/bin/tally" ] || fail "bin/tally is not executable"
cmp -s man/tally.1 "$W/stage/opt/tally/share/man/man1/tally.1" || fail "the installed man page differs"
"$W/stage/opt/tally/bin/tally" --version | grep -q "^tally " || fail "the installed tally does not run"
[ "$(cd "$W/stage" && ls)" = opt ] || fail "installed outside PREFIX: $(cd "$W/stage" && ls)"
make -s --no-print-directory install BUILD="$B" DESTDIR="$W/stage2" PREFIX=/usr MANDIR=/usr/share/man > "$W/log" 2>&1 ||
    { cat "$W/log" >&2; fail "make install MANDIR= failed"; }
[ -f "$W/stage2/usr/share/man/man1/tally.1" ] || fail "MANDIR was not used"
exit 0
