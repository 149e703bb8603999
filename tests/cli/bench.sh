# tally bench: generates its corpus, measures every stage at each thread count, prints a table
# or JSON; bad options are usage errors.
. tests/cli/lib.inc

run_rc 0 "$T" bench --size 2M --threads 1,2 --stage every --runs 1 --json > "$W/b.json"
expect_eq stage0 "$(get "$W/b.json" stages.0.stage)" tokenize
expect_eq stage4 "$(get "$W/b.json" stages.4.stage)" all
expect_eq keywords "$(get "$W/b.json" keywords)" 100
for s in 0 1 2 3 4; do
    expect_eq "threads-$s" "$(get "$W/b.json" stages.$s.results.1.threads)" 2
    mbs=$(get "$W/b.json" stages.$s.results.0.mb_per_s)
    [ "${mbs%.*}" -gt 0 ] || fail "stage $s: $mbs MB/s"
done
run_rc 0 "$T" bench --size 1M --threads 1 --stage match --runs 1 > "$W/b.txt"
expect_grep "^machine: " "$W/b.txt"
expect_grep "^match  *1 " "$W/b.txt"
run_rc 2 "$T" bench --stage nope 2> "$W/err"
run_rc 2 "$T" bench --threads 0 2> "$W/err"
run_rc 2 "$T" bench some-file 2> "$W/err"
run_rc 0 "$T" bench --help > "$W/help"
expect_grep "Example" "$W/help"
exit 0
