# chart.awk — draws BUILD/bench/chart.svg from bench/run.sh's raw results: tally's throughput
# (MB/s, median of the end-to-end runs) with 1 and 2 threads (4 .jsonl.zst files) and with
# dictionaries of 10, 100, 1,000 and 10,000 terms (English text, one thread; end to end and the
# matcher micro benchmark side by side). Plain SVG, no scripts, no external fonts.

function median(name,    n, i, j, t, a) {
    n = cnt[name]
    if (n == 0) return -1
    for (i = 1; i <= n; i++) a[i] = runs[name, i]
    for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function mbs(name, bytes,    s) { s = median(name); return s > 0 ? bytes / s / 1e6 : 0 }
# One bar: x, width, value, scale max, colour, label under it.
function bar(x, w, v, vmax, colour, label,    h) {
    h = vmax > 0 ? 200 * v / vmax : 0
    printf "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>\n", x, 250 - h, w, h, colour
    printf "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\">%.0f</text>\n", x + w / 2, 245 - h, v
    if (label != "")
        printf "<text x=\"%.1f\" y=\"268\" text-anchor=\"middle\" font-size=\"12\">%s</text>\n", x + w / 2, label
}
function axis(x0, x1, title, caption) {
    printf "<line x1=\"%d\" y1=\"250\" x2=\"%d\" y2=\"250\" stroke=\"#333\"/>\n", x0, x1
    printf "<text x=\"%d\" y=\"30\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">%s</text>\n", (x0 + x1) / 2, title
    printf "<text x=\"%d\" y=\"290\" text-anchor=\"middle\" font-size=\"12\">%s</text>\n", (x0 + x1) / 2, caption
}

$1 == "micro" { mb[$2] = $3 / $5 / 1e6 }
$1 == "e2e" { runs[$2, ++cnt[$2]] = $3 }
$1 == "size" { size[$2] = $3 }

END {
    j1 = mbs("tally.parts.j1", size["parts"]); j2 = mbs("tally.parts.j2", size["parts"])
    n = split("10 100 1000 10000", ds, " ")
    split("10|100|1,000|10,000", dl, "|")
    vmax = j1 > j2 ? j1 : j2
    for (i = 1; i <= n; i++) {
        e[i] = mbs("tally.en" ds[i] ".j1", size["en"]); m[i] = mb["match.en" ds[i] ".en"]
        if (e[i] > vmax) vmax = e[i]
        if (m[i] > vmax) vmax = m[i]
    }
    print "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"760\" height=\"330\" viewBox=\"0 0 760 330\" font-family=\"sans-serif\">"
    print "<rect width=\"760\" height=\"330\" fill=\"white\"/>"
    print "<text x=\"10\" y=\"318\" font-size=\"11\" fill=\"#555\">MB/s (10^6 bytes per second of decompressed text), medians of bench/run.sh; higher is better</text>"
    axis(30, 230, "Threads (4 .jsonl.zst files)", "--threads")
    bar(60, 50, j1, vmax, "#4a7ebb", "1")
    bar(150, 50, j2, vmax, "#4a7ebb", "2")
    axis(270, 740, "Dictionary size (English, 1 thread)", "terms")
    for (i = 1; i <= n; i++) {
        x = 290 + (i - 1) * 115
        bar(x, 40, e[i], vmax, "#4a7ebb", "")
        bar(x + 42, 40, m[i], vmax, "#e39c3b", "")
        printf "<text x=\"%d\" y=\"268\" text-anchor=\"middle\" font-size=\"12\">%s</text>\n", x + 41, dl[i]
    }
    print "<rect x=\"560\" y=\"44\" width=\"12\" height=\"12\" fill=\"#4a7ebb\"/><text x=\"577\" y=\"54\" font-size=\"11\">tally scan (end to end)</text>"
    print "<rect x=\"560\" y=\"62\" width=\"12\" height=\"12\" fill=\"#e39c3b\"/><text x=\"577\" y=\"72\" font-size=\"11\">matcher (micro, in memory)</text>"
    print "</svg>"
}
