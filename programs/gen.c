/* gen.c — the seeded generator of news-like corpora used by the tests, `make bench` and
 * `tally bench` (see gen.h). Everything it writes is a function of the seed and the options, on
 * every machine: its own PRNG (splitmix64), no floating-point formatting of random values, and
 * jansson for the JSON lines. */
#include "gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- the dictionary the plantings refer to ------------------------------------------------ */

static const char DICT[] =
    "# written by gencorpus: the terms its plantings refer to\n"
    "global\n"
    "international\n"
    "China's\n"
    "[cooperation]\n"
    "cooperation\n"
    "exchange*\n"
    "[sharing]\n"
    "sharing\n"
    "joint building\n"
    "collective effort\n"
    "[building]\n"
    "joint building\n"
    "building\n"
    "[中文]\n"
    "全球合作\n"
    "合作\n"
    "[другие]\n"
    "сотрудничество\n"
    "[accents]\n"
    "café\n";

enum { K_GLOBAL, K_INTL, K_CHINAS, K_COOP, K_EXCH, K_SHARING, K_JOINTB, K_COLLECT, K_BUILDING,
       K_ZH_LONG, K_ZH_SHORT, K_RU, K_CAFE, N_KW };
static const char *const KW_NAMES[N_KW] = {
    "global", "international", "China's", "cooperation", "exchange*", "sharing", "joint building",
    "collective effort", "building", "全球合作", "合作", "сотрудничество", "café"};
enum { G_COOP, G_SHARING, G_BUILDING, G_ZH, G_RU, G_ACCENTS, N_GRP };
static const char *const GRP_NAMES[N_GRP] = {"cooperation", "sharing", "building", "中文", "другие", "accents"};

typedef struct plant {
    const char *text;
    int tokens;
    int kw[3];  /* keywords it adds one to, -1 ends */
    int grp[3]; /* groups it adds one to (leftmost-longest already applied), -1 ends */
    int newline; /* contains a line break: not for `lines` format */
} plant;

static const plant PLANTS[] = {
    {"global", 1, {K_GLOBAL, -1}, {-1}, 0},
    {"Global", 1, {K_GLOBAL, -1}, {-1}, 0},
    {"GLOBAL", 1, {K_GLOBAL, -1}, {-1}, 0},
    {"international", 1, {K_INTL, -1}, {-1}, 0},
    {"International", 1, {K_INTL, -1}, {-1}, 0},
    {"China's", 1, {K_CHINAS, -1}, {-1}, 0},
    {"China\xE2\x80\x99s", 1, {K_CHINAS, -1}, {-1}, 0},
    {"cooperation", 1, {K_COOP, -1}, {G_COOP, -1}, 0},
    {"Cooperation", 1, {K_COOP, -1}, {G_COOP, -1}, 0},
    {"co\xC2\xADoperation", 1, {K_COOP, -1}, {G_COOP, -1}, 0},
    {"\xEF\xBC\xA3\xEF\xBC\xAF\xEF\xBC\xAF\xEF\xBC\xB0\xEF\xBC\xA5\xEF\xBC\xB2\xEF\xBC\xA1\xEF\xBC\xB4"
     "\xEF\xBC\xA9\xEF\xBC\xAF\xEF\xBC\xAE",
     1, {K_COOP, -1}, {G_COOP, -1}, 0},
    {"exchange", 1, {K_EXCH, -1}, {G_COOP, -1}, 0},
    {"exchanges", 1, {K_EXCH, -1}, {G_COOP, -1}, 0},
    {"Exchanged", 1, {K_EXCH, -1}, {G_COOP, -1}, 0},
    {"exchange-rate", 2, {K_EXCH, -1}, {G_COOP, -1}, 0},
    {"sharing", 1, {K_SHARING, -1}, {G_SHARING, -1}, 0},
    {"joint building", 2, {K_JOINTB, K_BUILDING, -1}, {G_SHARING, G_BUILDING, -1}, 0},
    {"joint-building", 2, {K_JOINTB, K_BUILDING, -1}, {G_SHARING, G_BUILDING, -1}, 0},
    {"Joint \xE2\x80\x93 Building", 2, {K_JOINTB, K_BUILDING, -1}, {G_SHARING, G_BUILDING, -1}, 0},
    {"joint\nbuilding", 2, {K_JOINTB, K_BUILDING, -1}, {G_SHARING, G_BUILDING, -1}, 1},
    {"joint. building", 2, {K_BUILDING, -1}, {G_BUILDING, -1}, 0},
    {"joint (building", 2, {K_BUILDING, -1}, {G_BUILDING, -1}, 0},
    {"building", 1, {K_BUILDING, -1}, {G_BUILDING, -1}, 0},
    {"collective effort", 2, {K_COLLECT, -1}, {G_SHARING, -1}, 0},
    {"Collective  effort", 2, {K_COLLECT, -1}, {G_SHARING, -1}, 0},
    {"collective, effort", 2, {-1}, {-1}, 0},
    {"全球合作", 4, {K_ZH_LONG, K_ZH_SHORT, -1}, {G_ZH, -1}, 0},
    {"合作", 2, {K_ZH_SHORT, -1}, {G_ZH, -1}, 0},
    {"сотрудничество", 1, {K_RU, -1}, {G_RU, -1}, 0},
    {"Сотрудничество", 1, {K_RU, -1}, {G_RU, -1}, 0},
    {"café", 1, {K_CAFE, -1}, {G_ACCENTS, -1}, 0},
    {"CAFÉ", 1, {K_CAFE, -1}, {G_ACCENTS, -1}, 0},
    {"cafe\xCC\x81", 1, {K_CAFE, -1}, {G_ACCENTS, -1}, 0},
    {"exchang", 1, {-1}, {-1}, 0},
    {"globalization", 1, {-1}, {-1}, 0},
};
#define N_PLANTS (sizeof PLANTS / sizeof PLANTS[0])

/* ---- filler ------------------------------------------------------------------------------- */

static const char *const SYL[] = {"ta", "re", "lo", "mi", "an", "der", "po", "sel", "vu", "ka",
                                  "ni", "tor", "es", "ul", "fa", "gri", "ven", "so", "bel", "ud"};
static const char *const HAN[] = {"我", "们", "的", "在", "国", "家", "发", "展", "经", "济",
                                  "新", "年", "人", "民", "政", "府", "世", "界", "和", "平"};
static const char *const CYR[] = {"да", "но", "ми", "ра", "ко", "ст", "ве", "ло", "ны", "то"};
static const char *const LAT[] = {"été", "niño", "über", "façade", "señal", "crème", "année", "résumé"};
static const char *const FUNC[] = {"the", "of", "and", "to", "in", "a", "is", "that", "for", "on"};

#define VOCAB 5000

struct tally_gen {
    tally_gen_options o;
    uint64_t rng;
    char *vocab[VOCAB];
    double zipf_cdf[VOCAB];
    tally_buf doc; /* the current document's text, NUL-terminated */
    /* what tally must find, by construction */
    unsigned long long docs, tokens, kw_count[N_KW], kw_docs[N_KW], grp_count[N_GRP], grp_docs[N_GRP];
    unsigned doc_kw[N_KW], doc_grp[N_GRP];
    /* o.dates: the buckets by construction */
    json_t *bindex;       /* "date\x1fsource" -> row index */
    struct gbucket {
        json_t *key;
        unsigned long long docs, tokens, kw_count[N_KW], kw_docs[N_KW], grp_count[N_GRP], grp_docs[N_GRP];
    } *buckets;
    size_t n_buckets;
    unsigned long long undated;
};

static uint64_t rnd(tally_gen *g)
{
    /* splitmix64 */
    uint64_t z = (g->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t below(tally_gen *g, uint32_t n)
{
    return (uint32_t)(rnd(g) % n);
}

tally_gen *tally__gen_new(uint64_t seed, const tally_gen_options *o)
{
    tally_gen *g = tally_xcalloc(1, sizeof *g);
    g->o = *o;
    g->rng = seed;
    tally__buf_init(&g->doc);
    double sum = 0;
    for (int i = 0; i < VOCAB; i++) {
        char w[64] = {0};
        int syl = 1 + (int)below(g, 4);
        for (int s = 0; s < syl; s++)
            strcat(w, SYL[below(g, 20)]);
        g->vocab[i] = tally_xstrdup(w);
        sum += 1.0 / (i + 1);
        g->zipf_cdf[i] = sum;
    }
    for (int i = 0; i < VOCAB; i++)
        g->zipf_cdf[i] /= sum;
    return g;
}

void tally__gen_free(tally_gen *g)
{
    if (!g)
        return;
    for (int i = 0; i < VOCAB; i++)
        free(g->vocab[i]);
    for (size_t i = 0; i < g->n_buckets; i++)
        json_decref(g->buckets[i].key);
    free(g->buckets);
    json_decref(g->bindex);
    tally__buf_cleanup(&g->doc);
    free(g);
}

const char *tally__gen_word(const tally_gen *g, size_t rank)
{
    return rank < VOCAB ? g->vocab[rank] : NULL;
}

const char *tally__gen_dictionary(void)
{
    return DICT;
}

static const char *zipf_word(tally_gen *g)
{
    double u = (double)(rnd(g) >> 11) / 9007199254740992.0;
    int lo = 0, hi = VOCAB - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (g->zipf_cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return g->vocab[lo];
}

static void put(tally_gen *g, const char *s)
{
    tally__buf_append(&g->doc, s, strlen(s));
}

/* Writes one document's text into g->doc; counts what tally must find. */
static void make_doc(tally_gen *g, int multilingual, int no_newline, int words)
{
    unsigned long long tokens = 0;
    int since_plant = 1;
    g->doc.len = 0;
    for (int i = 0; i < words; i++) {
        if (i)
            put(g, below(g, 12) == 0 ? ". " : below(g, 15) == 0 ? ", " : " ");
        if (since_plant > 0 && (int)below(g, 100) < g->o.plant_pct) {
            const plant *p;
            do
                p = &PLANTS[below(g, N_PLANTS)];
            while (no_newline && p->newline);
            put(g, p->text);
            tokens += (unsigned long long)p->tokens;
            for (int k = 0; k < 3 && p->kw[k] >= 0; k++)
                g->doc_kw[p->kw[k]]++;
            for (int k = 0; k < 3 && p->grp[k] >= 0; k++)
                g->doc_grp[p->grp[k]]++;
            since_plant = 0;
            continue;
        }
        since_plant++;
        uint32_t r = below(g, 100);
        if (multilingual && r < 10) {
            int n = 1 + (int)below(g, 6); /* Han characters run together: each is a token */
            for (int k = 0; k < n; k++)
                put(g, HAN[below(g, 20)]);
            tokens += (unsigned long long)n;
        } else if (multilingual && r < 16) {
            int n = 2 + (int)below(g, 3);
            for (int k = 0; k < n; k++)
                put(g, CYR[below(g, 10)]);
            tokens++;
        } else if (multilingual && r < 20) {
            put(g, LAT[below(g, 8)]);
            tokens++;
        } else if (r < 45) {
            put(g, FUNC[below(g, 10)]);
            tokens++;
        } else if (r < 48) {
            char num[16];
            snprintf(num, sizeof num, "%u", below(g, 3000));
            put(g, num);
            tokens++;
        } else if (r < 49) {
            put(g, "\xF0\x9F\x99\x82"); /* an emoji: not a token */
        } else {
            const char *w = zipf_word(g);
            if (below(g, 10) == 0) {
                char cap[64];
                snprintf(cap, sizeof cap, "%s", w);
                cap[0] = (char)(cap[0] - 32);
                put(g, cap);
            } else {
                put(g, w);
            }
            tokens++;
        }
    }
    put(g, ".");
    tally__buf_append(&g->doc, "", 1);
    g->doc.len--;
    g->tokens += tokens;
}

static void end_doc(tally_gen *g)
{
    g->docs++;
    for (int k = 0; k < N_KW; k++) {
        g->kw_count[k] += g->doc_kw[k];
        g->kw_docs[k] += g->doc_kw[k] > 0;
        g->doc_kw[k] = 0;
    }
    for (int k = 0; k < N_GRP; k++) {
        g->grp_count[k] += g->doc_grp[k];
        g->grp_docs[k] += g->doc_grp[k] > 0;
        g->doc_grp[k] = 0;
    }
}

/* ---- dated documents ---------------------------------------------------------------------- */

/* The key of UTC second t in the unit, by the C library's calendar. */
static void unit_key(int unit, int64_t t, char out[16])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    switch (unit) {
    case 0: strftime(out, 16, "%Y-%m-%d", &tm); break;
    case 1: strftime(out, 16, "%G-W%V", &tm); break;
    case 2: strftime(out, 16, "%Y-%m", &tm); break;
    default: strftime(out, 16, "%Y", &tm); break;
    }
}

enum { F_DATE, F_ISO, F_ISO_NOSEC, F_SPACE_NOSEC, F_GDELT };

static void fmt_utc(int64_t t, int form, char *out, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    switch (form) {
    case F_DATE: strftime(out, n, "%Y-%m-%d", &tm); break;
    case F_ISO: strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm); break;
    case F_ISO_NOSEC: strftime(out, n, "%Y-%m-%dT%H:%M", &tm); break;
    case F_SPACE_NOSEC: strftime(out, n, "%Y-%m-%d %H:%M", &tm); break;
    default: strftime(out, n, "%Y%m%d%H%M%S", &tm); break;
    }
}

/* Draws a date value: its JSON text (raw) into raw; returns 1 with the expected key in key, or
 * 0 when tally must find it is not a date. */
static int draw_date(tally_gen *g, char *raw, size_t n, char key[16])
{
    static const char *const bad[] = {
        "\"2024-02-30\"", "\"2023-02-29\"", "\"2100-02-29\"", "\"2024-13-01\"", "\"2024-00-10\"",
        "\"2024-01-00\"", "\"2024-01-01T24:00:00Z\"", "\"2024-01-01T10:60Z\"", "\"2024-01-01T10:00:60Z\"",
        "\"2024/01/05\"", "\"yesterday\"", "\"\"", "\"2024-01-01T10:00+25:00\"", "\"20241301120000\"",
        "\"2024-01-05Z\"", "\"2024-1-05\"", "\" 2024-01-05\"", "\"2024-01-05 \"", "\"2024-01-05T10:00:00.Z\"",
        "\"2024-01-05T10\"", "\"2024-01-05T10:00+0\"", "\"2024-01-05T10:00:00+05:30:00\"", "\"2024012\"",
        "true", "null", "[\"2024-01-05\"]", "{\"d\":\"2024-01-05\"}", "1e20", "-99999999999999999", "\"12345\"",
        "\"2024-01-05\\u0000\""};
    static const int zones[] = {-720, -570, -300, -120, 0, 60, 345, 480, 840, -60, 330};
    /* instants where calendars are subtle: leap days, ISO weeks 53 and 1, the epoch's edge */
    static const int64_t edges[] = {1609416000 /* 2020-12-31 12:00 */, 1609675200 /* 2021-01-03 12:00 */,
                                    1709208000 /* 2024-02-29 12:00 */, 951825600 /* 2000-02-29 12:00 */,
                                    946684799 /* 1999-12-31 23:59:59 */, -3600 /* 1969-12-31 23:00 */,
                                    1767225600 /* 2026-01-01 00:00 */, 1104537600 /* 2005-01-01 00:00 */,
                                    1230681600 /* 2008-12-31 00:00 */, 1262304000 /* 2010-01-01 00:00 */};
    if (below(g, 100) < 10) {
        snprintf(raw, n, "%s", bad[below(g, sizeof bad / sizeof bad[0])]);
        return 0;
    }
    int64_t t;
    if (below(g, 8) == 0)
        t = edges[below(g, sizeof edges / sizeof edges[0])] + (int64_t)below(g, 7201) - 3600;
    else
        t = -315619200 + (int64_t)(rnd(g) % 2366841600ull); /* 1960-01-01 to 2035-01-01 */
    int z = zones[below(g, sizeof zones / sizeof zones[0])];
    int za = z < 0 ? -z : z;
    char zs = z < 0 ? '-' : '+';
    int64_t local = t + (int64_t)z * 60;
    char b[64];
    int form = (int)below(g, 11);
    int64_t shifted = t + (int64_t)g->o.utc_offset * 60;
    switch (form) {
    case 0:
        /* a calendar date is taken as it is, whatever the offset */
        fmt_utc(t, F_DATE, b, sizeof b);
        snprintf(raw, n, "\"%s\"", b);
        unit_key(g->o.date_unit, t - ((t % 86400) + 86400) % 86400, key);
        return 1;
    case 10:
        /* a calendar date with an escaped first digit: the scanner decodes it */
        fmt_utc(t, F_DATE, b, sizeof b);
        snprintf(raw, n, "\"\\u00%02x%s\"", (unsigned)b[0], b + 1);
        unit_key(g->o.date_unit, t - ((t % 86400) + 86400) % 86400, key);
        return 1;
    case 1:
        fmt_utc(t, F_ISO, b, sizeof b);
        snprintf(raw, n, "\"%sZ\"", b);
        break;
    case 2:
        fmt_utc(local, F_ISO, b, sizeof b);
        snprintf(raw, n, "\"%s%c%02d:%02d\"", b, zs, za / 60, za % 60);
        break;
    case 3:
        fmt_utc(local, F_ISO, b, sizeof b);
        snprintf(raw, n, "\"%s.%03u%c%02d%02d\"", b, below(g, 1000), zs, za / 60, za % 60);
        break;
    case 4:
        /* ±HH needs a whole hour; minutes only, so the instant is the minute's start */
        z -= z % 60;
        za = z < 0 ? -z : z;
        t -= ((t % 60) + 60) % 60;
        shifted = t + (int64_t)g->o.utc_offset * 60;
        fmt_utc(t + (int64_t)z * 60, F_SPACE_NOSEC, b, sizeof b);
        snprintf(raw, n, "\"%s%c%02d\"", b, zs, za / 60);
        break;
    case 5:
        fmt_utc(t, F_ISO, b, sizeof b);
        snprintf(raw, n, "\"%s\"", b);
        break;
    case 6:
        fmt_utc(t, F_GDELT, b, sizeof b);
        snprintf(raw, n, "\"%s\"", b);
        break;
    case 7:
        snprintf(raw, n, "%lld", (long long)t);
        break;
    case 8:
        if (t > -100000000 && t < 100000000) {
            /* too close to 1970 to be told from seconds by its size */
            snprintf(raw, n, "%lld", (long long)t);
            break;
        }
        snprintf(raw, n, "%lld", (long long)t * 1000 + (long long)below(g, 1000));
        break;
    default: /* 9 */
        t -= ((t % 60) + 60) % 60;
        shifted = t + (int64_t)g->o.utc_offset * 60;
        fmt_utc(t, F_ISO_NOSEC, b, sizeof b);
        snprintf(raw, n, "\"%s\"", b);
        break;
    }
    unit_key(g->o.date_unit, shifted, key);
    return 1;
}

/* Draws a source: its JSON text into raw (empty: no member), and its key into key (NULL: null). */
static const char *draw_source(tally_gen *g, char *raw, size_t n, int ascii)
{
    static const char *const sources[] = {"Daily Ledger", "Northern Post", "Le \"Courrier\"", "Вестник", "新华日报"};
    uint32_t r = below(g, 100);
    if (r < 4) {
        raw[0] = '\0';
        return NULL;
    }
    if (r < 6) {
        snprintf(raw, n, r == 4 ? "null" : "false");
        return NULL;
    }
    if (r < 8) {
        snprintf(raw, n, r == 6 ? "42" : "3.50");
        return r == 6 ? "42" : "3.50";
    }
    const char *s = sources[below(g, 5)];
    json_t *v = json_string(s);
    char *t = json_dumps(v, JSON_ENCODE_ANY | (ascii ? JSON_ENSURE_ASCII : 0));
    snprintf(raw, n, "%s", t);
    free(t);
    json_decref(v);
    return s;
}

/* Adds the document just made (before end_doc) to bucket [date, source]. */
static void bucket_doc(tally_gen *g, const char *date, const char *source, unsigned long long tokens)
{
    char id[256];
    snprintf(id, sizeof id, "%s\x1f%s", date ? date : "\x01null", source ? source : "\x01null");
    if (!g->bindex)
        g->bindex = json_object();
    json_t *at = json_object_get(g->bindex, id);
    size_t i;
    if (at) {
        i = (size_t)json_integer_value(at);
    } else {
        i = g->n_buckets++;
        g->buckets = tally_xrealloc(g->buckets, g->n_buckets * sizeof *g->buckets);
        memset(&g->buckets[i], 0, sizeof g->buckets[i]);
        g->buckets[i].key = json_pack("[ss]", date ? date : "", source ? source : "");
        if (!date)
            json_array_set_new(g->buckets[i].key, 0, json_null());
        if (!source)
            json_array_set_new(g->buckets[i].key, 1, json_null());
        json_object_set_new(g->bindex, id, json_integer((json_int_t)i));
    }
    struct gbucket *b = &g->buckets[i];
    b->docs++;
    b->tokens += tokens;
    for (int k = 0; k < N_KW; k++) {
        b->kw_count[k] += g->doc_kw[k];
        b->kw_docs[k] += g->doc_kw[k] > 0;
    }
    for (int k = 0; k < N_GRP; k++) {
        b->grp_count[k] += g->doc_grp[k];
        b->grp_docs[k] += g->doc_grp[k] > 0;
    }
    if (!date)
        g->undated++;
}

json_t *tally__gen_buckets(const tally_gen *g)
{
    json_t *rows = json_array();
    for (size_t i = 0; i < g->n_buckets; i++) {
        const struct gbucket *b = &g->buckets[i];
        json_t *kw = json_object(), *gr = json_object();
        for (int k = 0; k < N_KW; k++)
            if (b->kw_count[k])
                json_object_set_new(kw, KW_NAMES[k], json_pack("{sIsI}", "count", (json_int_t)b->kw_count[k],
                                                               "documents", (json_int_t)b->kw_docs[k]));
        for (int k = 0; k < N_GRP; k++)
            if (b->grp_count[k])
                json_object_set_new(gr, GRP_NAMES[k], json_pack("{sIsI}", "count", (json_int_t)b->grp_count[k],
                                                                "documents", (json_int_t)b->grp_docs[k]));
        json_array_append_new(rows, json_pack("{sOsIsIsoso}", "key", b->key, "documents", (json_int_t)b->docs,
                                              "tokens", (json_int_t)b->tokens, "keywords", kw, "groups", gr));
    }
    return json_pack("{sIso}", "undated", (json_int_t)g->undated, "rows", rows);
}

/* A dated JSON line (o.dates): the id and text by jansson, the date and source as drawn. */
static void dated_line(tally_gen *g, tally_buf *out, uint64_t d, unsigned long long tokens)
{
    int ascii = d % 5 == 0;
    char date_raw[96], key[16], src_raw[96];
    int dated = draw_date(g, date_raw, sizeof date_raw, key);
    const char *src = draw_source(g, src_raw, sizeof src_raw, ascii);
    int missing_date = below(g, 100) < 3;
    bucket_doc(g, dated && !missing_date ? key : NULL, src, tokens);
    json_t *o = json_object();
    char id[32];
    snprintf(id, sizeof id, "doc-%06llu", (unsigned long long)d);
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "text", json_string((const char *)g->doc.data));
    char *rest = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | (ascii ? JSON_ENSURE_ASCII : 0));
    json_decref(o);
    if (!rest) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
    tally__buf_append(out, "{", 1);
    if (!missing_date) {
        tally__buf_append(out, "\"date\":", 7);
        tally__buf_append(out, date_raw, strlen(date_raw));
        tally__buf_append(out, ",", 1);
    }
    if (src_raw[0]) {
        tally__buf_append(out, "\"source\":", 9);
        tally__buf_append(out, src_raw, strlen(src_raw));
        tally__buf_append(out, ",", 1);
    }
    tally__buf_append(out, rest + 1, strlen(rest + 1));
    tally__buf_append(out, "\n", 1);
    free(rest);
}

void tally__gen_next(tally_gen *g, tally_buf *out, uint64_t d, int last)
{
    if (g->o.dates && g->o.format == TALLY_FORMAT_JSONL) {
        int ml = (int)below(g, 100) < g->o.multilingual_pct;
        int n = g->o.words / 2 + (int)below(g, (uint32_t)g->o.words + 1);
        unsigned long long before = g->tokens;
        make_doc(g, ml, 0, n);
        dated_line(g, out, d, g->tokens - before);
        end_doc(g);
        return;
    }
    static const char *const sources[] = {"Daily Ledger", "Northern Post", "Le Courrier", "Вестник", "新华日报"};
    int fmt = g->o.format;
    int ml = (int)below(g, 100) < g->o.multilingual_pct;
    int n = g->o.words / 2 + (int)below(g, (uint32_t)g->o.words + 1);
    make_doc(g, ml, fmt == TALLY_FORMAT_LINES, n);
    if (fmt != TALLY_FORMAT_TEXT)
        end_doc(g);
    if (fmt == TALLY_FORMAT_JSONL) {
        json_t *o = json_object();
        if (d % 7 == 3)
            json_object_set_new(o, "id", json_integer((json_int_t)(100000 + d)));
        else if (d % 11 != 5) {
            char id[32];
            snprintf(id, sizeof id, "doc-%06llu", (unsigned long long)d);
            json_object_set_new(o, "id", json_string(id));
        }
        char date[16];
        /* drawn day, month, year: the order the first corpora were written with */
        unsigned dd = 1 + below(g, 28), mm = 1 + below(g, 12), yy = 10 + below(g, 15);
        snprintf(date, sizeof date, "20%02u-%02u-%02u", yy, mm, dd);
        json_object_set_new(o, "date", json_string(date));
        json_object_set_new(o, "source", json_string(sources[below(g, 5)]));
        json_object_set_new(o, "text", json_string((const char *)g->doc.data));
        /* ensure_ascii on some lines, so \u escapes and surrogate pairs are exercised */
        size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER | (d % 5 == 0 ? JSON_ENSURE_ASCII : 0);
        char *line = json_dumps(o, flags);
        if (!line) {
            fputs("tally: out of memory\n", stderr);
            abort();
        }
        tally__buf_append(out, line, strlen(line));
        tally__buf_append(out, "\n", 1);
        free(line);
        json_decref(o);
    } else if (fmt == TALLY_FORMAT_LINES) {
        tally__buf_append(out, g->doc.data, g->doc.len);
        tally__buf_append(out, "\n", 1);
    } else {
        tally__buf_append(out, g->doc.data, g->doc.len);
        tally__buf_append(out, last ? "\n" : "\n\n", last ? 1 : 2);
        if (last)
            end_doc(g); /* in text format the whole output is one document */
    }
}

json_t *tally__gen_manifest(const tally_gen *g)
{
    json_t *m = json_object();
    json_object_set_new(m, "documents", json_integer((json_int_t)g->docs));
    json_object_set_new(m, "tokens", json_integer((json_int_t)g->tokens));
    json_t *k = json_object();
    for (int i = 0; i < N_KW; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "count", json_integer((json_int_t)g->kw_count[i]));
        json_object_set_new(e, "documents", json_integer((json_int_t)g->kw_docs[i]));
        json_object_set_new(k, KW_NAMES[i], e);
    }
    json_object_set_new(m, "keywords", k);
    json_t *gr = json_object();
    for (int i = 0; i < N_GRP; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "count", json_integer((json_int_t)g->grp_count[i]));
        json_object_set_new(e, "documents", json_integer((json_int_t)g->grp_docs[i]));
        json_object_set_new(gr, GRP_NAMES[i], e);
    }
    json_object_set_new(m, "groups", gr);
    return m;
}
