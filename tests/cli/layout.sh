# The engine and the programs are apart: libtally.a holds the objects of lib/ (and the generated
# Unicode tables) and nothing else, so the installed library carries no command-line code, and
# the programs reach the engine through include/tally.h. Two known exceptions: tally bench's
# per-stage benchmarks measure engine internals, and the corpus generator writes into the
# engine's byte buffer (common.h).
. tests/cli/lib.inc

lib=$B/libtally.a
[ -f "$lib" ] || fail "no $lib"
ar t "$lib" | sort > "$W/members"
{ for f in "$ROOT"/lib/*.c; do basename "$f" .c; done; echo unicode_tables; } | sed 's/$/.o/' | sort > "$W/want"
cmp -s "$W/members" "$W/want" || { diff "$W/want" "$W/members" >&2; fail "libtally.a holds other objects than lib/"; }
# no symbol of the command line is defined in it
if nm -g --defined-only "$lib" | grep -E ' (tally_cli_|tally_outfile_|tally_table_|tally_scan_command|tally_merge_command)' > "$W/cli"; then
    cat "$W/cli" >&2
    fail "command-line symbols in libtally.a"
fi
# programs include only the public header and their own, but for tally bench's stage benchmarks
for f in "$ROOT"/programs/*.c "$ROOT"/programs/*.h; do
    case "$(basename "$f")" in bench.c | gen.c | gen.h) continue ;; esac
    for h in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
        [ "$h" = tally.h ] && continue
        [ -f "$ROOT/programs/$h" ] || fail "$(basename "$f") includes the engine's internal $h"
    done
done
exit 0
