/* keyness.c — the statistics of `tally compare`: how much more (or less) often one corpus uses an
 * item than another, from the item's counts a, b and the corpus sizes n1, n2 (include/tally.h,
 * "keyness"). Also the special functions they need, written here (GSL is GPL): the χ²(1) upper
 * tail, the regularized incomplete beta function and its inverse.
 *
 * Precision matters at both ends: p-values far below 1e-300 are reported rather than rounded to
 * 0 when a double holds them (tails are computed as tails, never as 1 - cdf), and corpora of
 * 10^12 tokens must not lose G² to cancellation between the four cells of the table. */
#include <float.h>
#include <math.h>

#include "tally.h"

#define LN_SQRT_2PI 0.91893853320467274178

double tally_chi2_tail1(double x)
{
    if (isnan(x))
        return x;
    if (x <= 0)
        return 1;
    /* P(χ²₁ > x) = P(|Z| > √x) = erfc(√(x/2)); libm's erfc is accurate in its far tail */
    return erfc(sqrt(0.5 * x));
}

/* lgamma(z) − Stirling's approximation ((z − ½)ln z − z + ½ln 2π), for z ≥ 10: the remainder
 * alone, so that it does not drown in the two large terms it corrects */
static double stirling_rest(double z)
{
    double r = 1 / z, r2 = r * r;
    return r * (1.0 / 12 - r2 * (1.0 / 360 - r2 * (1.0 / 1260 - r2 * (1.0 / 1680 - r2 / 1188))));
}

/* ln(x^a y^b / B(a, b)) with y = 1 − x given separately (the smaller of the two is the exact
 * one; the logarithm of the larger comes from it by log1p). For a large parameter,
 * lgamma(a) + lgamma(b) − lgamma(a + b) cancels (lgamma(1e9) ≈ 2e10 leaves 1e-6 of precision),
 * so the differences of lgamma are taken through Stirling's series instead: around the mode
 * x0 = a/(a + b) when both are large, as lgamma(b) − lgamma(a + b) when one is. */
static double log_front(double a, double b, double x, double y)
{
    double lx = x <= 0.5 ? log(x) : log1p(-y), ly = y <= 0.5 ? log(y) : log1p(-x);
    if (a >= 10 && b >= 10) {
        double s = a + b, x0 = a / s, y0 = b / s;
        /* x − x0 from whichever side keeps its digits */
        double dx = x <= 0.5 ? x - x0 : y0 - y;
        /* near the mode ln(x/x0) = log1p(dx/x0); far from it dx has lost x's digits */
        double ta = fabs(dx / x0) < 0.5 ? log1p(dx / x0) : lx - log(x0);
        double tb = fabs(dx / y0) < 0.5 ? log1p(-dx / y0) : ly - log(y0);
        return a * ta + b * tb + 0.5 * log(a * (b / s)) - LN_SQRT_2PI +
               stirling_rest(s) - stirling_rest(a) - stirling_rest(b);
    }
    double small = a < b ? a : b, large = a < b ? b : a;
    if (large < 10)
        return a * lx + b * ly - (lgamma(a) + lgamma(b) - lgamma(a + b));
    /* lgamma(large) − lgamma(small + large) = −(large − ½) log1p(small/large)
     *     − small ln(small + large) + small + rest(large) − rest(small + large) */
    double d = -(large - 0.5) * log1p(small / large) - small * log(small + large) + small +
               stirling_rest(large) - stirling_rest(small + large);
    return a * lx + b * ly - lgamma(small) - d;
}

/* The continued fraction of I_x(a, b) (its even and odd steps, evaluated by the modified Lentz
 * method); converges fast for x < (a + 1)/(a + b + 2), in O(√max(a, b)) steps at worst. */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    if (fabs(d) < tiny)
        d = tiny;
    d = 1 / d;
    double h = d;
    for (double m = 1; m < 1e8; m++) {
        double m2 = 2 * m;
        double num = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + num * d;
        d = fabs(d) < tiny ? 1 / tiny : 1 / d;
        c = 1 + num / c;
        if (fabs(c) < tiny)
            c = tiny;
        h *= d * c;
        num = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + num * d;
        d = fabs(d) < tiny ? 1 / tiny : 1 / d;
        c = 1 + num / c;
        if (fabs(c) < tiny)
            c = tiny;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 2 * DBL_EPSILON)
            break;
    }
    return h;
}

/* I_x(a, b) in *w and 1 − I_x(a, b) in *w1, each computed as itself where it is the smaller
 * (the tail), with y = 1 − x given exactly; *lf = log_front(a, b, x, y), for the density. */
static void ibeta(double a, double b, double x, double y, double *w, double *w1, double *lf)
{
    if (x <= 0) {
        *w = 0, *w1 = 1, *lf = -INFINITY;
        return;
    }
    if (y <= 0) {
        *w = 1, *w1 = 0, *lf = -INFINITY;
        return;
    }
    *lf = log_front(a, b, x, y);
    /* closed forms where a parameter is 1: what Clopper–Pearson meets for a count of 0 */
    double lx = x <= 0.5 ? log(x) : log1p(-y), ly = y <= 0.5 ? log(y) : log1p(-x);
    if (b == 1) {
        *w = exp(a * lx);
        *w1 = -expm1(a * lx);
        return;
    }
    if (a == 1) {
        *w1 = exp(b * ly);
        *w = -expm1(b * ly);
        return;
    }
    if (x < (a + 1) / (a + b + 2)) {
        *w = exp(*lf) * beta_cf(a, b, x) / a;
        *w1 = 1 - *w;
    } else {
        *w1 = exp(*lf) * beta_cf(b, a, y) / b;
        *w = 1 - *w1;
    }
}

double tally_beta_inc(double a, double b, double x)
{
    if (!(a > 0 && b > 0 && x >= 0 && x <= 1))
        return NAN;
    double w, w1, lf;
    ibeta(a, b, x, 1 - x, &w, &w1, &lf);
    return w;
}

/* The x (and y = 1 − x) with I_x(a, b) = p, where q = 1 − p is given too; the smaller of the
 * two is the one matched, in logarithms (a tail of 1e-200 is found as precisely as one of
 * 0.1). Newton's method on that, kept inside a bracket that every evaluation narrows, with
 * bisection (geometric once the bracket spans decades) whenever Newton would leave it. */
static void ibeta_inv(double a, double b, double p, double q, double *xo, double *yo)
{
    if (p <= 0) {
        *xo = 0, *yo = 1;
        return;
    }
    if (q <= 0) {
        *xo = 1, *yo = 0;
        return;
    }
    /* solve for the variable whose root is at most ½, where it keeps its relative precision:
     * I_x(a, b) = p is I_y(b, a) = q */
    double w, w1, lf;
    ibeta(a, b, 0.5, 0.5, &w, &w1, &lf);
    int swap = w < p;
    if (swap) {
        double t = a;
        a = b, b = t;
        t = p;
        p = q, q = t;
    }
    int lower = p <= q; /* match ln I = ln p, else ln(1 − I) = ln q */
    double target = lower ? log(p) : log(q);
    double lo = 0, hi = 0.5;
    /* start: the small-x form I_x ≈ x^a / (a B(a, b)) when p is a lower tail, else the middle */
    double x = 0.25;
    if (lower) {
        double lb = lgamma(a) + lgamma(b) - lgamma(a + b);
        double g = exp((log(p) + log(a) + lb) / a);
        if (g > 0 && g < 0.5)
            x = g;
    }
    for (int it = 0; it < 400; it++) {
        ibeta(a, b, x, 1 - x, &w, &w1, &lf);
        double h = lower ? log(w) - target : target - log(w1);
        if (h == 0 || isnan(h))
            break;
        if (h < 0)
            lo = x;
        else
            hi = x;
        /* d/dx ln I = density / I, density = front / (x y) */
        double dens = exp(lf - log(x) - log1p(-x));
        double slope = lower ? dens / w : dens / w1;
        double nx = x - h / slope;
        if (!(nx > lo && nx < hi) || !isfinite(nx)) {
            if (lo > 0 && hi / lo > 8)
                nx = sqrt(lo * hi);
            else if (lo == 0)
                nx = hi / 8;
            else
                nx = 0.5 * (lo + hi);
        }
        if (fabs(nx - x) <= 4 * DBL_EPSILON * x || hi - lo <= 4 * DBL_EPSILON * hi) {
            x = nx;
            break;
        }
        if (nx <= 0) /* 0 < nx stays: the root is positive where p > 0 */
            nx = lo > 0 ? lo : DBL_MIN;
        x = nx;
    }
    if (swap)
        *xo = 1 - x, *yo = x;
    else
        *xo = x, *yo = 1 - x;
}

double tally_beta_inc_inv(double a, double b, double p)
{
    if (!(a > 0 && b > 0 && p >= 0 && p <= 1))
        return NAN;
    double x, y;
    ibeta_inv(a, b, p, 1 - p, &x, &y);
    return x;
}

/* The Clopper–Pearson bounds for k of n, each as x and 1 − x (both precise); alpha2 is the
 * probability left out on each side. */
static void cp_lower(uint64_t k, uint64_t n, double alpha2, double lo[2])
{
    if (k == 0)
        lo[0] = 0, lo[1] = 1;
    else
        ibeta_inv((double)k, (double)(n - k) + 1, alpha2, 1 - alpha2, &lo[0], &lo[1]);
}

static void cp_upper(uint64_t k, uint64_t n, double alpha2, double hi[2])
{
    if (k == n)
        hi[0] = 1, hi[1] = 0;
    else
        /* the upper bound x has I_x(k + 1, n − k) = 1 − α/2, i.e. I_{1−x}(n − k, k + 1) = α/2 */
        ibeta_inv((double)(n - k), (double)k + 1, alpha2, 1 - alpha2, &hi[1], &hi[0]);
}

int tally_clopper_pearson(uint64_t k, uint64_t n, double confidence, double *lo, double *hi)
{
    if (k > n || n == 0 || !(confidence > 0 && confidence < 1))
        return TALLY_EINVAL;
    double l[2], h[2];
    cp_lower(k, n, (1 - confidence) / 2, l);
    cp_upper(k, n, (1 - confidence) / 2, h);
    *lo = l[0];
    *hi = h[0];
    return 0;
}

/* O ln(O/E) − (O − E) for a cell of the table, with E = O − delta: never negative, so the four
 * cells add without cancelling; the series for small delta/O keeps the digits that
 * −log1p(−t) − t would lose for a cell of 10^12 tokens. */
static double cell(double o, double delta)
{
    if (o == 0)
        return -delta; /* 0 ln 0 = 0: what is left is E */
    double t = delta / o; /* < 1, as E > 0 */
    double f;
    if (fabs(t) < 0.01) {
        /* −ln(1 − t) − t = t²/2 + t³/3 + … */
        double tk = t * t;
        f = 0;
        for (int k = 2; k < 40; k++) {
            double term = tk / k;
            f += term;
            if (fabs(term) <= 1e-17 * f)
                break;
            tk *= t;
        }
    } else {
        f = -log1p(-t) - t;
    }
    return o * f;
}

int tally_keyness_score(uint64_t a, uint64_t n1, uint64_t b, uint64_t n2, double confidence, double m,
                        tally_keyness *out)
{
    if (n1 == 0 || n2 == 0 || a > n1 || b > n2 || a + b == 0 || !(confidence > 0 && confidence < 1) ||
        !(m >= 1))
        return TALLY_EINVAL;
    double ad = (double)a, bd = (double)b, n1d = (double)n1, n2d = (double)n2, n = n1d + n2d;
    /* every cell's O − E is ±D, D = (a n2 − b n1)/N; each product in long double is exact for
     * counts below 2^64 */
    long double diff = (long double)a * n2 - (long double)b * n1;
    double d = (double)(diff / ((long double)n1 + n2));
    double g2 = 2 * (cell(ad, d) + cell(bd, -d) + cell(n1d - ad, -d) + cell(n2d - bd, d));
    if (g2 < 0)
        g2 = 0;
    out->p = tally_chi2_tail1(g2);
    out->g2 = diff < 0 ? -g2 : g2;
    (void)n;

    double fa = a ? ad : 0.5, fb = b ? bd : 0.5;
    /* products of counts stay exact in a double up to 2^53, so 20·6000 / (3·5000) is 8 exactly */
    out->log_ratio = log2((fa * n2d) / (fb * n1d));
    out->pct_diff = (fa / n1d - fb / n2d) * 100 / (fb / n2d);

    /* LRC (Evert): the Clopper–Pearson interval of p = a/(a + b), at the Bonferroni-corrected
     * level, against equal frequency p0 = n1/(n1 + n2); the bound nearer to p0 as a log ratio
     * log2(p/(1 − p) · n2/n1), 0 when the interval holds p0 */
    double alpha2 = (1 - confidence) / m / 2, bound[2];
    out->lrc = 0;
    if (diff > 0) {
        cp_lower(a, a + b, alpha2, bound);
        if (bound[0] * n2d > bound[1] * n1d) /* bound > p0, without rounding p0 */
            out->lrc = log2(bound[0] / bound[1] * (n2d / n1d));
    } else if (diff < 0) {
        cp_upper(a, a + b, alpha2, bound);
        if (bound[0] * n2d < bound[1] * n1d)
            out->lrc = log2(bound[0] / bound[1] * (n2d / n1d));
    }
    return 0;
}
