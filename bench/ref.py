"""ref.py — the benchmark's Python reference: what a short script does with re.findall(r"\w+")
and a set lookup. Reads a tally dictionary file, lower-cases a text file chunk by chunk, counts
its \w+ tokens, and prints how many of them are dictionary words or start with a dictionary
prefix ('prefix*'). Phrases are not counted (a token set cannot see them), so this does less
work than tally does.

    python3 ref.py DICT TEXT"""
import collections
import re
import sys


def main():
    words, prefixes = set(), []
    for line in open(sys.argv[1], encoding="utf-8"):
        t = line.strip().lower()
        if not t or t.startswith("#") or t.startswith("["):
            continue
        if t.endswith("*"):
            prefixes.append(t[:-1])
        elif " " not in t:
            words.add(t)
    prefixes = tuple(prefixes)
    token = re.compile(r"\w+")
    counts = collections.Counter()
    with open(sys.argv[2], encoding="utf-8", errors="replace") as f:
        while True:
            lines = f.readlines(1 << 20)
            if not lines:
                break
            counts.update(token.findall("".join(lines).lower()))
    total = sum(n for w, n in counts.items() if w in words)
    if prefixes:
        total += sum(n for w, n in counts.items() if w.startswith(prefixes))
    print(total)


main()
