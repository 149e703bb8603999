#!/usr/bin/env python3
"""by_check.py SUMMARY EXPECTED — compares a summary's "buckets" (tally scan --by date:UNIT
--by source) with the buckets the seeded generator planted (gencorpus --buckets): every row's
documents, tokens, keyword and group counts and document frequencies, corpus.undated and the
number of undated warnings listed; and, from the summary alone, that the rows are in key order
(component by component, byte-wise, null last) and add up to the corpus totals."""
import json
import sys


def sort_key(key):
    # null last; strings byte-wise as UTF-8
    return [(1, b"") if c is None else (0, c.encode("utf-8")) for c in key]


def counts(o):
    return {k: (v["count"], v["documents"]) for k, v in o.items()}


def main():
    s = json.load(open(sys.argv[1]))
    want = json.load(open(sys.argv[2]))
    bad = []
    rows = s["buckets"]["rows"]
    keys = [sort_key(r["key"]) for r in rows]
    if keys != sorted(keys) or len(set(map(str, keys))) != len(keys):
        bad.append("rows are not in key order")
    got = {json.dumps(r["key"]): r for r in rows}
    exp = {json.dumps(r["key"]): r for r in want["rows"]}
    for k in sorted(set(got) | set(exp)):
        g, e = got.get(k), exp.get(k)
        if not g or not e:
            bad.append("bucket %s: %s" % (k, "missing" if e else "not planted"))
            continue
        for f in ("documents", "tokens"):
            if g[f] != e[f]:
                bad.append("bucket %s: %s %d, planted %d" % (k, f, g[f], e[f]))
        for f in ("keywords", "groups"):
            if counts(g[f]) != counts(e[f]):
                bad.append("bucket %s: %s %s, planted %s" % (k, f, counts(g[f]), counts(e[f])))
            for name, v in g[f].items():
                rate = v["count"] * 10000.0 / g["tokens"]
                if abs(v["per_10k"] - rate) > 1e-8 * rate:
                    bad.append("bucket %s: per_10k of %s" % (k, name))
    c = s["corpus"]
    if c.get("undated") != want["undated"]:
        bad.append("corpus.undated %s, planted %d" % (c.get("undated"), want["undated"]))
    listed = [w for w in s["warnings"] if w["message"].startswith("not a date in ")]
    if len(listed) != min(100, want["undated"]):
        bad.append("%d undated documents listed, expected %d" % (len(listed), min(100, want["undated"])))
    # exactly additive: the buckets add up to the corpus
    if sum(r["documents"] for r in rows) != c["documents"] or sum(r["tokens"] for r in rows) != c["tokens"]:
        bad.append("the buckets' documents or tokens do not add up to the corpus's")
    for f in ("keywords", "groups"):
        for name, v in s[f].items():
            n = sum(r[f].get(name, {}).get("count", 0) for r in rows)
            d = sum(r[f].get(name, {}).get("documents", 0) for r in rows)
            if (n, d) != (v["count"], v["documents"]):
                bad.append("%s %s: buckets add up to %d/%d, total %d/%d" % (f, name, n, d, v["count"], v["documents"]))
    for b in bad[:20]:
        print("by_check: " + b, file=sys.stderr)
    return 1 if bad else 0


sys.exit(main())
