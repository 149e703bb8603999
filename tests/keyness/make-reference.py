#!/usr/bin/env python3
# make-reference.py — writes tests/keyness/reference.tsv, the independent values that
# tests/test_keyness.c checks lib/keyness.c against: the χ²(1) upper tail, the regularized
# incomplete beta function and its inverse, and every score of tally_keyness_score, computed
# with mpmath at 45 significant digits from their definitions (not from tally's formulas: G² from
# the four cells O ln(O/E) as written, the Clopper–Pearson bounds by bisection on I_x, LRC by
# Evert's rule over both bounds). Run once; the table is committed, so the tests need no mpmath:
#
#     python3 tests/keyness/make-reference.py > tests/keyness/reference.tsv
#
# It installs Debian's python3-mpmath with apt-get when /usr/bin/python3 lacks it (as root).
import os
import subprocess
import sys

try:
    import mpmath
except ImportError:
    if os.geteuid() == 0 and os.path.exists("/usr/bin/apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "python3-mpmath"],
                       check=True, stdout=sys.stderr, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("make-reference.py: needs mpmath (apt-get install python3-mpmath)")

from mpmath import mp, mpf

mp.dps = 45


def s(v):
    return mpmath.nstr(mpf(v), 20, min_fixed=-1, max_fixed=-1) if v != 0 else "0"


def chi2_tail(x):
    # P(χ²₁ > x) = Γ(½, x/2)/Γ(½), the upper regularized incomplete gamma function
    return mpmath.gammainc(mpf(1) / 2, mpf(x) / 2, mpmath.inf, regularized=True)


def ibeta_series(a, b, x):
    """I_x(a, b) = x^a (1 − x)^b / (a B(a, b)) · Σ (a + b)_n / (a + 1)_n · x^n: a series of
    positive terms (not the continued fraction lib/keyness.c uses), summed to 60 digits."""
    y = 1 - x
    lf = a * mpmath.log(x) + b * mpmath.log(y) - (mpmath.loggamma(a) + mpmath.loggamma(b) - mpmath.loggamma(a + b))
    term, total, n = mpf(1), mpf(1), 0
    eps = mpf(10) ** (-mp.dps)
    while True:
        r = (a + b + n) * x / (a + 1 + n)
        term *= r
        total += term
        n += 1
        # past the peak the ratios only fall, so the rest is below term · r/(1 − r)
        if r < 1 and term * r / (1 - r) < eps * total:
            break
    return mpmath.exp(lf) * total / a


def ibeta(a, b, x):
    a, b, x = mpf(a), mpf(b), mpf(x)
    if x <= 0:
        return mpf(0)
    if x >= 1:
        return mpf(1)
    # the side (x, or 1 − x by symmetry) whose series needs fewer terms: they grow while
    # (a + b + n)x/(a + 1 + n) > 1, then shrink about as x^n
    def cost(a, b, x):
        if x >= 1:
            return mpmath.inf
        return max(mpf(0), ((a + b) * x - a - 1) / (1 - x)) + 110 / (1 - x)

    if cost(a, b, x) <= cost(b, a, 1 - x):
        return ibeta_series(a, b, x)
    return 1 - ibeta_series(b, a, 1 - x)


def ibeta_inv(a, b, p):
    """x with I_x(a, b) = p (p a lower tail): bisection on log x to three digits, then
    mpmath's Anderson–Björk bracketing solver to the end."""
    a, b, p = mpf(a), mpf(b), mpf(p)
    lo, hi = mpf(-1000), mpf(0)
    while hi - lo > mpf(1) / 1000:
        mid = (lo + hi) / 2
        if ibeta(a, b, mpmath.exp(mid)) < p:
            lo = mid
        else:
            hi = mid
    t = mpmath.findroot(lambda u: mpmath.log(ibeta(a, b, mpmath.exp(u))) - mpmath.log(p), (lo, hi),
                        solver="anderson", tol=mpf(10) ** -50, maxsteps=200)
    return mpmath.exp(t)


def cp(k, n, conf):
    alpha = (1 - mpf(conf)) / 2
    lo = mpf(0) if k == 0 else ibeta_inv(k, n - k + 1, alpha)
    # the upper bound: I_x(k + 1, n − k) = 1 − α, i.e. 1 − x is the α quantile of Beta(n − k, k + 1)
    hi = mpf(1) if k == n else 1 - ibeta_inv(n - k, k + 1, alpha)
    return lo, hi


def keyness(a, n1, b, n2, conf, m):
    a, n1, b, n2 = mpf(a), mpf(n1), mpf(b), mpf(n2)
    n = n1 + n2
    obs = [a, b, n1 - a, n2 - b]
    exp = [n1 * (a + b) / n, n2 * (a + b) / n, n1 * (n - a - b) / n, n2 * (n - a - b) / n]
    g2 = 2 * sum(o * mpmath.log(o / e) for o, e in zip(obs, exp) if o > 0)
    p = chi2_tail(g2)
    if a / n1 < b / n2:
        g2 = -g2
    fa = a if a else mpf(1) / 2
    fb = b if b else mpf(1) / 2
    lr = mpmath.log((fa / n1) / (fb / n2), 2)
    pct = (fa / n1 - fb / n2) * 100 / (fb / n2)
    conf_b = 1 - (1 - mpf(conf)) / m
    lo, hi = cp(int(a), int(a + b), conf_b)
    lr_lo = mpmath.log(lo / (1 - lo) * n2 / n1, 2) if lo > 0 else -mpmath.inf
    lr_hi = mpmath.log(hi / (1 - hi) * n2 / n1, 2) if hi < 1 else mpmath.inf
    lrc = lr_lo if lr_lo > 0 else (lr_hi if lr_hi < 0 else mpf(0))
    return g2, p, lr, lrc, pct


CHI2 = [1e-12, 1e-6, 0.01, 0.5, 1, 2.5, 3.841458820694124, 6.634896601021214, 10.82756617,
        15.13670523, 30, 100, 300, 700, 1000, 1300, 1400, 1450, 1480]

IBETA = [(0.5, 0.5, 0.3), (2, 3, 0.4), (20, 4, 0.5), (20, 4, 0.95), (4, 20, 0.05), (5, 100, 0.001), (1, 1e6, 1e-7),
         (1e6, 1, 0.9999999), (50, 50, 0.05), (100, 5, 0.1), (5, 100, 0.9), (1e4, 1e4, 0.49),
         (1e4, 1e4, 0.51), (1e6, 2e6, 0.333), (1e6, 2e6, 0.334), (5, 1e9, 1e-9), (5, 1e9, 1e-8),
         (1e8, 1e8, 0.4999), (3, 1e12, 3e-12), (2.5, 7.5, 0.999), (30, 31, 0.5)]

IBETA_INV = [(20, 4, 0.025), (20, 4, 1e-10), (1, 10, 0.025), (10, 1, 0.025), (3, 1e12, 1e-12),
             (2, 3, 0.5), (4, 21, 0.975), (1e5, 1e5 + 1, 1e-8), (1e6, 3e6, 0.025), (50, 50, 1e-100),
             (5, 2, 1e-200), (0.5, 0.5, 0.1), (200, 1, 0.025), (1e4, 5, 0.025), (7, 1e7, 0.5)]

# (a, n1, b, n2, confidence, m)
T = 10**12
KEYNESS = [
    (20, 5000, 3, 6000, 0.95, 1),          # the example
    (3, 6000, 20, 5000, 0.95, 1),          # the same, sides swapped
    (0, 5000, 12, 6000, 0.95, 1),          # a zero on the first side
    (12, 5000, 0, 6000, 0.95, 1),          # a zero on the second side
    (1, 5000, 0, 6000, 0.95, 1),           # one occurrence against none: not significant
    (10, 1000, 20, 2000, 0.95, 1),         # equal relative frequency
    (5000, 5000, 3, 6000, 0.95, 1),        # every token of the first corpus is the item
    (5000, 5000, 6000, 6000, 0.95, 1),     # every token of both
    (20, 5000, 3, 6000, 0.95, 1000),       # Bonferroni over 1,000 items
    (20, 5000, 3, 6000, 0.99, 1),          # another confidence
    (200, 5000, 30, 6000, 0.95, 10**6),    # Bonferroni over a million items
    (20, T, 3, T, 0.95, 1),                # corpora of 10^12 tokens
    (20000000, T, 3000000, T, 0.95, 1),
    (123456789, T, 123456000, T, 0.95, 1),  # nearly equal in huge corpora
    (1000000, T, 999000, 2 * T, 0.95, 50000),
    (40, 10**6, 0, 10**6, 0.95, 1),
    (400, 10**6, 10, 10**6, 0.95, 100),     # a tiny p
    (1200, 10**6, 10, 10**6, 0.95, 100),    # p ~ 1e-280
    (7, 100, 900, 100000, 0.95, 1),
    (1, 1, 0, 1, 0.95, 1),                 # the smallest corpora
]


def main():
    out = sys.stdout
    out.write("# written by tests/keyness/make-reference.py with mpmath %s at %d digits; do not edit\n"
              % (mpmath.__version__, mp.dps))
    for x in CHI2:
        out.write("chi2\t%r\t%s\n" % (x, s(chi2_tail(x))))
    for a, b, x in IBETA:
        out.write("ibeta\t%r\t%r\t%r\t%s\n" % (a, b, x, s(ibeta(a, b, x))))
    for a, b, p in IBETA_INV:
        out.write("ibetainv\t%r\t%r\t%r\t%s\n" % (a, b, p, s(ibeta_inv(a, b, p))))
    for a, n1, b, n2, conf, m in KEYNESS:
        g2, p, lr, lrc, pct = keyness(a, n1, b, n2, conf, m)
        out.write("keyness\t%d\t%d\t%d\t%d\t%r\t%r\t%s\t%s\t%s\t%s\t%s\n"
                  % (a, n1, b, n2, conf, m, s(g2), s(p), s(lr), s(lrc), s(pct)))


main()
