/* gendict.c — the benchmark's seeded dictionary generator. It reads a sample of a corpus, builds
 * its vocabulary with frequencies, and writes a tally dictionary of frequent and rare words,
 * phrases that occur in the text, and prefixes of corpus words:
 *
 *   gendict [--seed N] [--words N] [--phrases N] [--prefixes N] [--sample-bytes N]
 *           [--plain-out FILE] CORPUS > dict
 *
 * Words: half drawn from the most frequent tenth of the vocabulary, half from the rest. Phrases:
 * 2 or 3 consecutive words (70/30) at random positions of the text where only spaces, line breaks
 * or hyphens separate them (so tally's phrase rule lets them match); when the text runs out of new
 * ones, random combinations of vocabulary words fill the rest (needed for 1,000,000 terms).
 * Prefixes: the first 3 to 7 characters of a vocabulary word longer than that, written "pre*".
 * Half of the terms are ungrouped, the rest fall into 10 groups. --plain-out also writes every
 * term without its '*', one per line, for `rg -f` / `grep -f`.
 *
 * A word is a run of ASCII letters, Latin/Greek/Cyrillic letters (UTF-8 lead bytes C3..D4, which
 * include combining accents) or a single CJK ideograph (lead bytes E4..E9); ASCII is lower-cased.
 * The same seed and corpus give the same dictionary on every machine. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull); /* splitmix64 */
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static size_t below(size_t n)
{
    return n ? (size_t)(rnd() % n) : 0;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fputs("gendict: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("gendict: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

/* ---- a string set: open addressing, strings copied into their own allocations ------------ */

typedef struct strset {
    char **keys;
    uint32_t *vals;
    size_t mask, count;
} strset;

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return h;
}

static void set_init(strset *s, size_t cap)
{
    s->mask = cap - 1;
    s->count = 0;
    s->keys = calloc(cap, sizeof *s->keys);
    s->vals = calloc(cap, sizeof *s->vals);
    if (!s->keys || !s->vals)
        exit(1);
}

/* Returns the slot of s[0,n): *found tells whether it was there; when not, inserts it. */
static size_t set_put(strset *s, const char *str, size_t n, int *found)
{
    if ((s->count + 1) * 2 > s->mask + 1) {
        strset t;
        set_init(&t, (s->mask + 1) * 2);
        for (size_t i = 0; i <= s->mask; i++) {
            if (!s->keys[i])
                continue;
            size_t j = hash(s->keys[i], strlen(s->keys[i])) & t.mask;
            while (t.keys[j])
                j = (j + 1) & t.mask;
            t.keys[j] = s->keys[i];
            t.vals[j] = s->vals[i];
        }
        t.count = s->count;
        free(s->keys);
        free(s->vals);
        *s = t;
    }
    size_t i = hash(str, n) & s->mask;
    while (s->keys[i]) {
        if (strlen(s->keys[i]) == n && memcmp(s->keys[i], str, n) == 0) {
            *found = 1;
            return i;
        }
        i = (i + 1) & s->mask;
    }
    char *k = xmalloc(n + 1);
    memcpy(k, str, n);
    k[n] = 0;
    s->keys[i] = k;
    s->vals[i] = 0;
    s->count++;
    *found = 0;
    return i;
}

/* ---- the corpus ----------------------------------------------------------------------------- */

typedef struct word {
    const char *s;
    uint64_t freq;
} word;

static word *vocab;
static size_t n_vocab, cap_vocab;
static uint32_t *toks;  /* the text as word ids */
static uint8_t *linked; /* linked[i]: only spaces, line breaks or '-' between token i-1 and i */
static size_t n_toks, cap_toks;

/* Length of the word character at p (0 when it is not one); *cjk is set for an ideograph. */
static size_t word_char(const uint8_t *p, const uint8_t *end, int *cjk)
{
    *cjk = 0;
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
        return 1;
    if (*p >= 0xC3 && *p <= 0xD4 && p + 1 < end && (p[1] & 0xC0) == 0x80)
        return 2;
    if (*p >= 0xE4 && *p <= 0xE9 && p + 2 < end && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
        *cjk = 1;
        return 3;
    }
    return 0;
}

static void add_token(strset *ids, const char *w, size_t n, int link)
{
    int found;
    size_t slot = set_put(ids, w, n, &found);
    if (!found) {
        if (n_vocab == cap_vocab) {
            cap_vocab = cap_vocab ? cap_vocab * 2 : 4096;
            vocab = xrealloc(vocab, cap_vocab * sizeof *vocab);
        }
        ids->vals[slot] = (uint32_t)n_vocab;
        vocab[n_vocab].s = ids->keys[slot];
        vocab[n_vocab].freq = 0;
        n_vocab++;
    }
    uint32_t id = ids->vals[slot];
    vocab[id].freq++;
    if (n_toks == cap_toks) {
        cap_toks = cap_toks ? cap_toks * 2 : 65536;
        toks = xrealloc(toks, cap_toks * sizeof *toks);
        linked = xrealloc(linked, cap_toks);
    }
    toks[n_toks] = id;
    linked[n_toks] = (uint8_t)link;
    n_toks++;
}

static void read_corpus(const char *path, size_t max_bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    uint8_t *buf = xmalloc(max_bytes);
    size_t len = fread(buf, 1, max_bytes, f);
    fclose(f);
    strset ids;
    set_init(&ids, 1 << 16);
    char w[256];
    const uint8_t *p = buf, *end = buf + len;
    int gap_ok = 0; /* the text since the last token is only spaces, line breaks and '-' */
    while (p < end) {
        int cjk;
        size_t k = word_char(p, end, &cjk);
        if (!k) {
            if (*p != ' ' && *p != '\n' && *p != '-')
                gap_ok = 0;
            p++;
            continue;
        }
        if (cjk) {
            add_token(&ids, (const char *)p, 3, gap_ok);
            p += 3;
            gap_ok = 1;
            continue;
        }
        size_t n = 0;
        while (p < end && (k = word_char(p, end, &cjk)) != 0 && !cjk) {
            for (size_t j = 0; j < k; j++, p++)
                if (n < sizeof w)
                    w[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
        }
        if (n < sizeof w)
            add_token(&ids, w, n, gap_ok);
        gap_ok = 1;
    }
    free(buf);
}

static int by_freq(const void *a, const void *b)
{
    const word *x = a, *y = b;
    if (x->freq != y->freq)
        return x->freq < y->freq ? 1 : -1;
    return strcmp(x->s, y->s);
}

/* ---- terms ---------------------------------------------------------------------------------- */

static char **terms;
static size_t n_terms, cap_terms;
static strset seen;

static int add_term(const char *t)
{
    int found;
    set_put(&seen, t, strlen(t), &found);
    if (found)
        return 0;
    if (n_terms == cap_terms) {
        cap_terms = cap_terms ? cap_terms * 2 : 1024;
        terms = xrealloc(terms, cap_terms * sizeof *terms);
    }
    size_t n = strlen(t);
    terms[n_terms] = xmalloc(n + 1);
    memcpy(terms[n_terms], t, n + 1);
    n_terms++;
    return 1;
}

/* Index in the sorted vocabulary of a word: half the draws from the top tenth. */
static size_t draw_word(void)
{
    size_t top = n_vocab / 10 ? n_vocab / 10 : 1;
    return (rnd() & 1) ? below(top) : top + below(n_vocab - top);
}

int main(int argc, char **argv)
{
    uint64_t seed = 1;
    size_t n_words = 75, n_phrases = 20, n_prefixes = 5, sample = 16u << 20;
    const char *plain_out = NULL, *corpus = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-') {
            corpus = a;
            continue;
        }
        if (!v)
            goto usage;
        if (strcmp(a, "--seed") == 0)
            seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--words") == 0)
            n_words = strtoull(v, NULL, 10);
        else if (strcmp(a, "--phrases") == 0)
            n_phrases = strtoull(v, NULL, 10);
        else if (strcmp(a, "--prefixes") == 0)
            n_prefixes = strtoull(v, NULL, 10);
        else if (strcmp(a, "--sample-bytes") == 0)
            sample = strtoull(v, NULL, 10);
        else if (strcmp(a, "--plain-out") == 0)
            plain_out = v;
        else
            goto usage;
        i++;
    }
    if (!corpus)
        goto usage;
    rng_state = seed;
    read_corpus(corpus, sample);
    if (n_vocab < 10 || n_toks < 100) {
        fprintf(stderr, "gendict: %s: too few words\n", corpus);
        return 1;
    }
    /* Sorting moves the words; token ids still index the unsorted order, so keep a copy. */
    word *by_id = xmalloc(n_vocab * sizeof *by_id);
    memcpy(by_id, vocab, n_vocab * sizeof *vocab);
    qsort(vocab, n_vocab, sizeof *vocab, by_freq);
    set_init(&seen, 1024);

    char t[1024];
    /* words: at most 90% of the vocabulary, so random draws still find new ones */
    size_t want = n_words < n_vocab * 9 / 10 ? n_words : n_vocab * 9 / 10;
    size_t got = 0;
    for (size_t tries = 0; got < want && tries < want * 100; tries++)
        got += (size_t)add_term(vocab[draw_word()].s);
    n_phrases += n_words - got; /* keep the requested total when the vocabulary is too small */
    /* phrases: from the text first, then from random word combinations */
    size_t base = n_terms, tries = 0;
    while (n_terms - base < n_phrases) {
        int len = below(10) < 7 ? 2 : 3;
        int ok = 0;
        size_t n = 0;
        if (tries++ < n_phrases * 4 + 10000) {
            size_t at = below(n_toks - 3);
            if (linked[at + 1] && (len == 2 || linked[at + 2])) {
                ok = 1;
                for (int j = 0; j < len; j++)
                    n += (size_t)snprintf(t + n, sizeof t - n, "%s%s", j ? " " : "", by_id[toks[at + j]].s);
            }
        } else {
            ok = 1;
            for (int j = 0; j < len; j++)
                n += (size_t)snprintf(t + n, sizeof t - n, "%s%s", j ? " " : "", vocab[draw_word()].s);
        }
        if (ok && n < sizeof t)
            add_term(t);
    }
    /* prefixes */
    base = n_terms;
    for (tries = 0; n_terms - base < n_prefixes && tries < n_prefixes * 1000; tries++) {
        const char *w = vocab[draw_word()].s;
        size_t wl = strlen(w), chars = 0;
        for (size_t j = 0; j < wl; j++)
            chars += ((uint8_t)w[j] & 0xC0) != 0x80;
        if (chars < 4)
            continue;
        size_t maxc = chars - 1 < 7 ? chars - 1 : 7;
        size_t keep = 3 + below(maxc - 2), n = 0, c = 0;
        while (n < wl && (c < keep || ((uint8_t)w[n] & 0xC0) == 0x80)) {
            c += ((uint8_t)w[n] & 0xC0) != 0x80;
            n++;
        }
        snprintf(t, sizeof t, "%.*s*", (int)n, w);
        add_term(t);
    }
    /* shuffle, then half ungrouped and the rest in 10 groups */
    for (size_t i = n_terms; i > 1; i--) {
        size_t j = below(i);
        char *x = terms[i - 1];
        terms[i - 1] = terms[j];
        terms[j] = x;
    }
    printf("# gendict --seed %llu: %zu terms from %s\n", (unsigned long long)seed, n_terms, corpus);
    size_t half = n_terms / 2, per = (n_terms - half + 9) / 10;
    for (size_t i = 0; i < n_terms; i++) {
        if (i >= half && per && (i - half) % per == 0)
            printf("[group%zu]\n", (i - half) / per);
        printf("%s\n", terms[i]);
    }
    if (plain_out) {
        FILE *f = fopen(plain_out, "w");
        if (!f) {
            perror(plain_out);
            return 1;
        }
        for (size_t i = 0; i < n_terms; i++) {
            size_t n = strlen(terms[i]);
            if (n && terms[i][n - 1] == '*')
                n--;
            fprintf(f, "%.*s\n", (int)n, terms[i]);
        }
        if (fclose(f) != 0)
            return 1;
    }
    if (fflush(stdout) != 0)
        return 1;
    fprintf(stderr, "gendict: %zu terms (vocabulary %zu words, %zu tokens read)\n", n_terms, n_vocab, n_toks);
    return 0;
usage:
    fputs("usage: gendict [--seed N] [--words N] [--phrases N] [--prefixes N] [--sample-bytes N] "
          "[--plain-out FILE] CORPUS > dict\n", stderr);
    return 2;
}
