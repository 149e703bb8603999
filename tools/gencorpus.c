/* gencorpus.c — tally's seeded generator of news-like test and benchmark corpora.
 *
 *   gencorpus [--seed N] [--docs N] [--format jsonl|lines|text] [--multilingual PCT]
 *             [--plant-rate PCT] [--dict-out FILE] [--manifest FILE] > corpus
 *
 * Documents are built from pseudo-words (Zipf-distributed, realistic lengths), numbers,
 * punctuation, and, in multilingual documents, Chinese characters, Cyrillic and accented Latin
 * words. Into that filler it plants dictionary terms in many spellings (case, soft hyphen,
 * full-width letters, dashes, line breaks, decomposed accents, curly apostrophes), and it knows by
 * construction what each planting must add to every keyword and group under tally's counting
 * rules. --manifest writes those expected totals as JSON; the end-to-end tests compare tally's
 * summary with it, so no expected figure is written by hand. The filler never contains a
 * dictionary word, and a filler word always separates two plantings.
 *
 * The same seed gives the same bytes on every machine. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* splitmix64 */
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t below(uint32_t n)
{
    return (uint32_t)(rnd() % n);
}

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
static char *vocab[VOCAB];
static double zipf_cdf[VOCAB];

static void build_vocab(void)
{
    double sum = 0;
    for (int i = 0; i < VOCAB; i++) {
        char w[64] = {0};
        int syl = 1 + (int)below(4);
        for (int s = 0; s < syl; s++)
            strcat(w, SYL[below(20)]);
        vocab[i] = strdup(w);
        sum += 1.0 / (i + 1);
        zipf_cdf[i] = sum;
    }
    for (int i = 0; i < VOCAB; i++)
        zipf_cdf[i] /= sum;
}

static const char *zipf_word(void)
{
    double u = (double)(rnd() >> 11) / 9007199254740992.0;
    int lo = 0, hi = VOCAB - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (zipf_cdf[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return vocab[lo];
}

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void put(sbuf *b, const char *s)
{
    size_t l = strlen(s);
    if (b->n + l + 1 > b->cap) {
        b->cap = (b->n + l + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p)
            abort();
    }
    memcpy(b->p + b->n, s, l + 1);
    b->n += l;
}

/* expected totals */
static unsigned long long tot_docs, tot_tokens, kw_count[N_KW], kw_docs[N_KW], grp_count[N_GRP], grp_docs[N_GRP];
static unsigned doc_kw[N_KW], doc_grp[N_GRP];

/* Writes one document's text into b; counts what tally must find. */
static void make_doc(sbuf *b, int multilingual, int plant_pct, int no_newline, int words)
{
    unsigned long long tokens = 0;
    int since_plant = 1;
    for (int i = 0; i < words; i++) {
        if (i)
            put(b, below(12) == 0 ? ". " : below(15) == 0 ? ", " : " ");
        if (since_plant > 0 && (int)below(100) < plant_pct) {
            const plant *p;
            do
                p = &PLANTS[below(N_PLANTS)];
            while (no_newline && p->newline);
            put(b, p->text);
            tokens += (unsigned long long)p->tokens;
            for (int k = 0; k < 3 && p->kw[k] >= 0; k++)
                doc_kw[p->kw[k]]++;
            for (int g = 0; g < 3 && p->grp[g] >= 0; g++)
                doc_grp[p->grp[g]]++;
            since_plant = 0;
            continue;
        }
        since_plant++;
        uint32_t r = below(100);
        if (multilingual && r < 10) {
            int n = 1 + (int)below(6); /* Han characters run together: each is a token */
            for (int k = 0; k < n; k++)
                put(b, HAN[below(20)]);
            tokens += (unsigned long long)n;
        } else if (multilingual && r < 16) {
            int n = 2 + (int)below(3);
            for (int k = 0; k < n; k++)
                put(b, CYR[below(10)]);
            tokens++;
        } else if (multilingual && r < 20) {
            put(b, LAT[below(8)]);
            tokens++;
        } else if (r < 45) {
            put(b, FUNC[below(10)]);
            tokens++;
        } else if (r < 48) {
            char num[16];
            snprintf(num, sizeof num, "%u", below(3000));
            put(b, num);
            tokens++;
        } else if (r < 49) {
            put(b, "\xF0\x9F\x99\x82"); /* an emoji: not a token */
        } else {
            const char *w = zipf_word();
            if (below(10) == 0) {
                char cap[64];
                snprintf(cap, sizeof cap, "%s", w);
                cap[0] = (char)(cap[0] - 32);
                put(b, cap);
            } else {
                put(b, w);
            }
            tokens++;
        }
    }
    put(b, ".");
    tot_tokens += tokens;
}

static void end_doc(void)
{
    tot_docs++;
    for (int k = 0; k < N_KW; k++) {
        kw_count[k] += doc_kw[k];
        kw_docs[k] += doc_kw[k] > 0;
        doc_kw[k] = 0;
    }
    for (int g = 0; g < N_GRP; g++) {
        grp_count[g] += doc_grp[g];
        grp_docs[g] += doc_grp[g] > 0;
        doc_grp[g] = 0;
    }
}

static void usage(void)
{
    fputs("usage: gencorpus [--seed N] [--docs N] [--format jsonl|lines|text] [--multilingual PCT]\n"
          "                 [--plant-rate PCT] [--words N] [--dict-out FILE] [--manifest FILE]\n",
          stderr);
    exit(2);
}

int main(int argc, char **argv)
{
    unsigned long long seed = 1, docs = 100;
    const char *format = "jsonl", *dict_out = NULL, *manifest = NULL;
    int multilingual = 20, plant_pct = 3, words = 300;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v)
            usage();
        if (strcmp(a, "--seed") == 0)
            seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--docs") == 0)
            docs = strtoull(v, NULL, 10);
        else if (strcmp(a, "--format") == 0)
            format = v;
        else if (strcmp(a, "--multilingual") == 0)
            multilingual = atoi(v);
        else if (strcmp(a, "--plant-rate") == 0)
            plant_pct = atoi(v);
        else if (strcmp(a, "--words") == 0)
            words = atoi(v);
        else if (strcmp(a, "--dict-out") == 0)
            dict_out = v;
        else if (strcmp(a, "--manifest") == 0)
            manifest = v;
        else
            usage();
        i++;
    }
    int jsonl = strcmp(format, "jsonl") == 0, lines = strcmp(format, "lines") == 0;
    int text = strcmp(format, "text") == 0;
    if (!jsonl && !lines && !text)
        usage();
    rng_state = seed;
    build_vocab();

    static const char *const sources[] = {"Daily Ledger", "Northern Post", "Le Courrier", "Вестник", "新华日报"};
    sbuf b = {0};
    for (unsigned long long d = 0; d < docs; d++) {
        b.n = 0;
        if (b.p)
            b.p[0] = 0;
        int ml = (int)below(100) < multilingual;
        int n = words / 2 + (int)below((uint32_t)words + 1);
        make_doc(&b, ml, plant_pct, lines, n);
        if (!text)
            end_doc();
        if (jsonl) {
            json_t *o = json_object();
            if (d % 7 == 3)
                json_object_set_new(o, "id", json_integer((json_int_t)(100000 + d)));
            else if (d % 11 != 5) {
                char id[32];
                snprintf(id, sizeof id, "doc-%06llu", d);
                json_object_set_new(o, "id", json_string(id));
            }
            char date[16];
            snprintf(date, sizeof date, "20%02u-%02u-%02u", 10 + below(15), 1 + below(12), 1 + below(28));
            json_object_set_new(o, "date", json_string(date));
            json_object_set_new(o, "source", json_string(sources[below(5)]));
            json_object_set_new(o, "text", json_string(b.p));
            /* ensure_ascii on some lines, so \u escapes and surrogate pairs are exercised */
            size_t flags = JSON_COMPACT | JSON_PRESERVE_ORDER | (d % 5 == 0 ? JSON_ENSURE_ASCII : 0);
            char *line = json_dumps(o, flags);
            fputs(line, stdout);
            fputc('\n', stdout);
            free(line);
            json_decref(o);
        } else if (lines) {
            fputs(b.p, stdout);
            fputc('\n', stdout);
        } else {
            fputs(b.p, stdout);
            fputs(d + 1 < docs ? "\n\n" : "\n", stdout);
        }
    }
    if (text)
        end_doc();
    free(b.p);
    if (fflush(stdout) != 0)
        return 1;

    if (dict_out) {
        FILE *f = fopen(dict_out, "w");
        if (!f || fputs(DICT, f) < 0 || fclose(f) != 0) {
            perror(dict_out);
            return 1;
        }
    }
    if (manifest) {
        json_t *m = json_object();
        json_object_set_new(m, "documents", json_integer((json_int_t)tot_docs));
        json_object_set_new(m, "tokens", json_integer((json_int_t)tot_tokens));
        json_t *k = json_object();
        for (int i = 0; i < N_KW; i++) {
            json_t *e = json_object();
            json_object_set_new(e, "count", json_integer((json_int_t)kw_count[i]));
            json_object_set_new(e, "documents", json_integer((json_int_t)kw_docs[i]));
            json_object_set_new(k, KW_NAMES[i], e);
        }
        json_object_set_new(m, "keywords", k);
        json_t *g = json_object();
        for (int i = 0; i < N_GRP; i++) {
            json_t *e = json_object();
            json_object_set_new(e, "count", json_integer((json_int_t)grp_count[i]));
            json_object_set_new(e, "documents", json_integer((json_int_t)grp_docs[i]));
            json_object_set_new(g, GRP_NAMES[i], e);
        }
        json_object_set_new(m, "groups", g);
        if (json_dump_file(m, manifest, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0) {
            perror(manifest);
            return 1;
        }
        json_decref(m);
    }
    return 0;
}
