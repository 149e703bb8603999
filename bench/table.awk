# table.awk — turns bench/run.sh's raw results (BUILD/bench/results.txt) into the benchmark
# table (Markdown): medians, MB/s (10^6 bytes per second), ns per token, and each target ratio
# with PASS/MISS. Nothing here is a measured figure; everything comes from the results file.
#
# Input lines:  micro NAME BYTES TOKENS SECONDS      (already the median of the repetitions)
#               e2e NAME SECONDS MAXRSS_KB STATUS    (one line per run)
#               compile NAME KEYWORDS LOAD_MS COMPILE_MS TOTAL_MS MAXRSS_KB
#               size NAME BYTES / tokens NAME N / rss TARGET_MB BYTES SECONDS MAXRSS_KB STATUS
# Variable machine: the machine line, printed under the table.

function median(name,    n, i, j, t, a) {
    n = cnt[name]
    if (n == 0) return -1
    for (i = 1; i <= n; i++) a[i] = runs[name, i]
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function dsize(name) {
    if (name ~ /parts/) return size["parts"]
    if (name ~ /news/) return size["news"]
    if (name ~ /\.ml/) return size["ml"]
    return size["en"]
}
function fmt(x, unit) {
    if (x < 0) return "—"
    if (x >= 100) return sprintf("%.0f%s", x, unit)
    if (x >= 10) return sprintf("%.1f%s", x, unit)
    return sprintf("%.2f%s", x, unit)
}
function row(label, value, mbs, nstok, ratio, target, result) {
    printf "| %s | %s | %s | %s | %s | %s | %s |\n", label, value, mbs, nstok, ratio, target, result
}
function micro_row(label, name) {
    if (!(name in mbytes)) return
    row(label, fmt(msec[name] * 1000, " ms"), fmt(mbytes[name] / msec[name] / 1e6, ""),
        mtok[name] ? fmt(msec[name] * 1e9 / mtok[name], "") : "—", "", "", "")
}
function e2e_row(label, name,    s, note, tk) {
    s = median(name)
    if (s < 0) return
    note = bad[name] ? " (exit " bad[name] ")" : ""
    tk = tokens[name]
    row(label note, fmt(s, " s"), fmt(dsize(name) / s / 1e6, ""), tk ? fmt(s * 1e9 / tk, "") : "—", "", "", "")
}
function verdict(ok) { return ok ? "**PASS**" : "**MISS**" }

$1 == "micro" { mbytes[$2] = $3; mtok[$2] = $4; msec[$2] = $5 }
$1 == "e2e" { runs[$2, ++cnt[$2]] = $3; if ($5 != 0 && !($2 ~ /^grep/ && $5 == 1)) bad[$2] = $5 }
$1 == "compile" { ckw[$2] = $3; cload[$2] = $4; ccomp[$2] = $5; ctotal[$2] = $6; crss[$2] = $7 }
$1 == "size" { size[$2] = $3 }
$1 == "tokens" { tokens[$2] = $3 }
# peak RSS: several samples per size (which batch slots a run gets to use depends on timing); the
# median of them, its time with it, any failure kept
$1 == "rss" { rbytes[$2] = $3; k = ++rn[$2]; rsamp_kb[$2, k] = $5; rsamp_sec[$2, k] = $4; if ($6 != 0) rstat[$2] = $6 }

function rss_median(t,   m, i, j, x, y, a, b) {
    m = rn[t]
    for (i = 1; i <= m; i++) { a[i] = rsamp_kb[t, i]; b[i] = rsamp_sec[t, i] }
    for (i = 2; i <= m; i++) {
        x = a[i]; y = b[i]
        for (j = i - 1; j >= 1 && a[j] > x; j--) { a[j + 1] = a[j]; b[j + 1] = b[j] }
        a[j + 1] = x; b[j + 1] = y
    }
    rkb[t] = a[int((m + 1) / 2)]; rsec[t] = b[int((m + 1) / 2)]
}
END {
    if (100 in rn) rss_median(100)
    if (1000 in rn) rss_median(1000)
    row("benchmark", "median", "MB/s", "ns/token", "ratio", "target", "result")
    row("---", "---:", "---:", "---:", "---:", "---", "---")
    row("**micro** (in memory, one thread)", "", "", "", "", "", "")
    micro_row("tokenize, English", "tok.en")
    micro_row("tokenize + normalize, English", "norm.en")
    micro_row("tokenize, multilingual", "tok.ml")
    micro_row("tokenize + normalize, multilingual", "norm.ml")
    micro_row("matcher, 10 terms, English", "match.en10.en")
    micro_row("matcher, 100 terms, English", "match.en100.en")
    micro_row("matcher, 1,000 terms, English", "match.en1000.en")
    micro_row("matcher, 10,000 terms, English", "match.en10000.en")
    micro_row("matcher, 100 terms, multilingual", "match.ml100.ml")
    micro_row("JSON Lines: tally__jsonl_scan", "jsonl.tally")
    micro_row("JSON Lines: jansson json_loadb per line", "jsonl.jansson")
    for (k in mbytes) if (k ~ /^read\./) { rd[++nrd] = k }
    for (i = 1; i <= nrd; i++) micro_row("decompress " substr(rd[i], 6) " (tally__reader)", rd[i])

    row("**end to end** (page cache, median of " cnt["tally.en100.j1"] " interleaved runs)", "", "", "", "", "", "")
    e2e_row("tally scan, English, -j1, 100 terms", "tally.en100.j1")
    e2e_row("tally scan, English, -j1, 10 terms", "tally.en10.j1")
    e2e_row("tally scan, English, -j1, 1,000 terms", "tally.en1000.j1")
    e2e_row("tally scan, English, -j1, 10,000 terms", "tally.en10000.j1")
    e2e_row("rg --count-matches -F -w -i -f (100 terms)", "rg.en100")
    e2e_row("grep -c -F -w -i -f (100 terms)", "grep.en100")
    e2e_row("python3 bench/ref.py (words + prefixes)", "python.en100")
    e2e_row("zstd -dc English.zst > /dev/null", "zstd.en")
    e2e_row("cat English > /dev/null", "cat.en")
    e2e_row("tally scan, multilingual text, -j1, 100 terms", "tally.ml100.j1")
    e2e_row("tally scan, one .jsonl.zst, -j2", "tally.news.zst.j2")
    e2e_row("tally scan, one .jsonl.zst, -j2, --progress", "tally.news.zst.j2.progress")
    e2e_row("tally scan, one .jsonl.zst, -j2, --kwic (20 lines, 8 tokens)", "tally.news.zst.j2.kwic")
    e2e_row("zstd -dc .jsonl.zst > /dev/null", "zstd.news")
    e2e_row("tally scan, one .jsonl.gz, -j2", "tally.news.gz.j2")
    e2e_row("gzip -dc .jsonl.gz > /dev/null", "gzip.news")
    e2e_row("tally scan, 4 .jsonl.zst files, -j1", "tally.parts.j1")
    e2e_row("tally scan, 4 .jsonl.zst files, -j2", "tally.parts.j2")

    row("**targets**", "", "", "", "", "", "")
    t100 = median("tally.en100.j1")
    if (t100 > 0 && median("rg.en100") > 0) {
        x = median("rg.en100") / t100
        row("1. keyword mode vs rg (English, -j1, 100 terms)", "", "", "", sprintf("%.2f×", x), "≥ 20×", verdict(x >= 20))
    }
    if (t100 > 0 && median("grep.en100") > 0)
        row("&nbsp;&nbsp; vs grep (same run)", "", "", "", sprintf("%.2f×", median("grep.en100") / t100), "—", "")
    if (t100 > 0 && median("python.en100") > 0)
        row("&nbsp;&nbsp; vs Python reference (same run)", "", "", "", sprintf("%.2f×", median("python.en100") / t100), "—", "")
    if (t100 > 0 && median("tally.en10000.j1") > 0) {
        x = 100 * t100 / median("tally.en10000.j1")
        row("2. 10,000 terms as % of 100 terms (end to end)", "", "", "", sprintf("%.0f%%", x), "≥ 70%", verdict(x >= 70))
    }
    if ("match.en100.en" in msec && "match.en10000.en" in msec)
        row("&nbsp;&nbsp; same, matcher micro benchmark", "", "", "", sprintf("%.0f%%", 100 * msec["match.en100.en"] / msec["match.en10000.en"]), "—", "")
    if ("en10000" in ctotal)
        row("&nbsp;&nbsp; load + compile " ckw["en10000"] " terms (tally_dict_*)", fmt(ctotal["en10000"], " ms"), "", "",
            sprintf("%.1f ms", ctotal["en10000"]), "< 50 ms", verdict(ctotal["en10000"] < 50))
    if ("en1m" in ctotal) {
        row("&nbsp;&nbsp; load + compile " ckw["en1m"] " terms", fmt(ctotal["en1m"] / 1000, " s"), "", "",
            sprintf("%.2f s", ctotal["en1m"] / 1000), "< 5 s", verdict(ctotal["en1m"] < 5000))
        row("&nbsp;&nbsp; peak RSS, " ckw["en1m"] " terms (getrusage)", fmt(crss["en1m"] / 1024, " MiB"), "", "",
            sprintf("%.0f MiB", crss["en1m"] / 1024), "< 400 MiB", verdict(crss["en1m"] < 400 * 1024))
    }
    if (t100 > 0 && median("tally.ml100.j1") > 0) {
        x = 100 * (size["ml"] / median("tally.ml100.j1")) / (size["en"] / t100)
        row("3. multilingual text as % of English (MB/s, -j1)", "", "", "", sprintf("%.0f%%", x), "≥ 25%", verdict(x >= 25))
    }
    if ("jsonl.tally" in msec && "jsonl.jansson" in msec) {
        x = msec["jsonl.jansson"] / msec["jsonl.tally"]
        row("4. JSON Lines extraction vs json_loadb per line", "", "", "", sprintf("%.1f×", x), "≥ 15×", verdict(x >= 15))
    }
    if (median("tally.news.zst.j2") > 0 && median("zstd.news") > 0) {
        x = median("tally.news.zst.j2") / median("zstd.news")
        row("5. one .jsonl.zst, -j2: time vs zstd -dc", "", "", "", sprintf("%.2f", x), "≤ 1.15", verdict(x <= 1.15))
    }
    if (median("tally.news.zst.j2") > 0 && median("tally.news.zst.j2.progress") > 0) {
        x = median("tally.news.zst.j2.progress") / median("tally.news.zst.j2")
        row("&nbsp;&nbsp; status line: --progress vs none (same rounds)", "", "", "", sprintf("%.3f", x), "≤ 1.03", verdict(x <= 1.03))
    }
    if (median("tally.news.zst.j2") > 0 && median("tally.news.zst.j2.kwic") > 0) {
        x = median("tally.news.zst.j2") / median("tally.news.zst.j2.kwic")
        row("&nbsp;&nbsp; concordance: --kwic vs none, throughput (same rounds)", "", "", "", sprintf("%.3f", x), "≥ 0.90", verdict(x >= 0.90))
    }
    if (median("tally.parts.j1") > 0 && median("tally.parts.j2") > 0) {
        x = median("tally.parts.j1") / median("tally.parts.j2")
        row("&nbsp;&nbsp; 4 files: -j2 vs -j1 throughput", "", "", "", sprintf("%.2f×", x), "≥ 1.8×", verdict(x >= 1.8))
    }
    if ((100 in rkb) && (1000 in rkb)) {
        x = rkb[1000] / rkb[100]
        row(sprintf("6. peak RSS, %.0f MB vs %.0f MB via a pipe (-j2, --per-doc)", rbytes[1000] / 1e6, rbytes[100] / 1e6),
            fmt(rkb[1000] / 1024, " MiB") " / " fmt(rkb[100] / 1024, " MiB"), fmt(rbytes[1000] / rsec[1000] / 1e6, ""), "",
            sprintf("%.2f×", x), "≤ 1.1×", verdict(x <= 1.1))
        row(sprintf("&nbsp;&nbsp; peak RSS, %.0f MB, absolute", rbytes[1000] / 1e6), fmt(rkb[1000] / 1024, " MiB"), "", "",
            sprintf("%.0f MiB", rkb[1000] / 1024), "≤ 128 MiB", verdict(rkb[1000] <= 128 * 1024 && rstat[1000] == 0))
    }
}
