/* test_match.c — tests for lib/match.c: the counting rules of README ("Counting rules" 5–8) on
 * small documents with counts worked out by hand, then random documents checked two ways:
 * against a brute-force reference counter (every start position for keywords, a greedy
 * leftmost-longest scan for groups), and against themselves fed in pieces at every cut
 * tally__tok_safe_cut allows (a huge document's pieces must count like the whole). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dict.h"
#include "match.h"
#include "normalize.h"
#include "tally.h"
#include "tokenize.h"
#include "unicode.h"

#define U TALLY_TOKENIZER_UNICODE
#define W TALLY_TOKENIZER_WHITESPACE

typedef struct fx {
    tally_dict *d;
    tally_matcher *m;
} fx;

static fx setup(int tok, int cs, const char *dict_text)
{
    fx f;
    tally_error err;
    f.d = tally_dict_new(tok, cs);
    int rc = tally_dict_add_text(f.d, "t.dict", dict_text, strlen(dict_text), &err);
    if (rc)
        fail_msg("dictionary: %s", err.message);
    assert_int_equal(tally_dict_compile(f.d, &err), 0);
    f.m = tally__matcher_new(f.d);
    return f;
}

static void teardown(fx *f)
{
    tally__matcher_free(f->m);
    tally_dict_free(f->d);
}

static uint32_t kw_id(const tally_dict *d, const char *name)
{
    for (size_t i = 0; i < d->n_kws; i++)
        if (strcmp(d->kws[i].name, name) == 0)
            return (uint32_t)i;
    fail_msg("no keyword '%s'", name);
    return 0;
}

static uint32_t grp_id(const tally_dict *d, const char *name)
{
    for (size_t i = 0; i < d->n_groups; i++)
        if (strcmp(d->groups[i].name, name) == 0)
            return (uint32_t)i;
    fail_msg("no group '%s'", name);
    return 0;
}

/* Counts one document of one field. */
static void doc1(fx *f, const char *text)
{
    tally__matcher_doc_begin(f->m);
    tally__matcher_field(f->m, (const uint8_t *)text, strlen(text), 0);
    tally__matcher_doc_end(f->m);
}

/* Counts one document whose fields are the NULL-terminated arguments. */
static void docn(fx *f, ...)
{
    va_list ap;
    va_start(ap, f);
    tally__matcher_doc_begin(f->m);
    const char *s;
    while ((s = va_arg(ap, const char *)) != NULL)
        tally__matcher_field(f->m, (const uint8_t *)s, strlen(s), 0);
    va_end(ap);
    tally__matcher_doc_end(f->m);
}

#define KW(f, name) ((f)->m->doc_kw[kw_id((f)->d, name)])
#define GRP(f, name) ((f)->m->doc_grp[grp_id((f)->d, name)])

/* ---- keywords ------------------------------------------------------------------------------ */

static void test_every_start_position(void **state)
{
    (void)state;
    fx f = setup(U, 0, "global\nglobal governance\ngovernance\n");
    doc1(&f, "Global governance and global cooperation, GLOBAL. governance");
    assert_int_equal(KW(&f, "global"), 3);
    assert_int_equal(KW(&f, "global governance"), 1);
    assert_int_equal(KW(&f, "governance"), 2);
    assert_int_equal(f.m->doc_tokens, 7);
    teardown(&f);

    f = setup(U, 0, "a a\na\na a a\n");
    doc1(&f, "a a a");
    assert_int_equal(KW(&f, "a a"), 2);
    assert_int_equal(KW(&f, "a"), 3);
    assert_int_equal(KW(&f, "a a a"), 1);
    doc1(&f, "a a a a a");
    assert_int_equal(KW(&f, "a a"), 4);
    assert_int_equal(KW(&f, "a a a"), 3);
    doc1(&f, "a a. a a");
    assert_int_equal(KW(&f, "a a"), 2);
    assert_int_equal(KW(&f, "a a a"), 0);
    teardown(&f);

    /* a phrase that fails part-way does not hide one that starts inside it */
    f = setup(U, 0, "a b c\nb c d\n");
    doc1(&f, "a b c d a b b c d");
    assert_int_equal(KW(&f, "a b c"), 1);
    assert_int_equal(KW(&f, "b c d"), 2);
    teardown(&f);
}

static void test_phrase_links(void **state)
{
    (void)state;
    static const char *const linked[] = {
        " ", "   ", "\t", "\n", "\r\n", " \n\t ", "\xC2\xA0", "\xE3\x80\x80", "\xE2\x80\x93",
        "\xE2\x80\x94", "-", "--", " - ", " \xE2\x80\x93 ", "\xE2\x80\x90", "\xEF\xBC\x8D",
        "\xE2\x80\xA8",
    };
    static const char *const unlinked[] = {
        ". ", " . ", "(", " (", ",", ", ", " - . ", "\xF0\x9F\x98\x80", " \xF0\x9F\x98\x80 ",
        "\xEF\xBF\xBD", " \xFF ", "/", " \xE2\x80\xA6 ", "!",
    };
    fx f = setup(U, 0, "joint building\njoint\nbuilding\n");
    char text[64];
    for (size_t i = 0; i < sizeof linked / sizeof linked[0]; i++) {
        snprintf(text, sizeof text, "joint%sbuilding", linked[i]);
        doc1(&f, text);
        if (KW(&f, "joint building") != 1)
            fail_msg("separator %zu should link: '%s'", i, text);
        assert_int_equal(KW(&f, "joint"), 1);
        assert_int_equal(KW(&f, "building"), 1);
    }
    for (size_t i = 0; i < sizeof unlinked / sizeof unlinked[0]; i++) {
        snprintf(text, sizeof text, "joint%sbuilding", unlinked[i]);
        doc1(&f, text);
        if (KW(&f, "joint building") != 0)
            fail_msg("separator %zu should not link: '%s'", i, text);
        assert_int_equal(KW(&f, "joint"), 1);
        assert_int_equal(KW(&f, "building"), 1);
    }
    teardown(&f);
}

static void test_fields_and_documents_break_phrases(void **state)
{
    (void)state;
    fx f = setup(U, 0, "[g]\njoint building\nbuilding x\n");
    docn(&f, "the joint", "building", (const char *)NULL);
    assert_int_equal(KW(&f, "joint building"), 0);
    assert_int_equal(GRP(&f, "g"), 0);
    docn(&f, "joint", "building x", (const char *)NULL);
    assert_int_equal(KW(&f, "joint building"), 0);
    assert_int_equal(KW(&f, "building x"), 1);
    assert_int_equal(GRP(&f, "g"), 1);
    docn(&f, "joint building", "joint building", "x", (const char *)NULL);
    assert_int_equal(KW(&f, "joint building"), 2);
    assert_int_equal(KW(&f, "building x"), 0);
    assert_int_equal(GRP(&f, "g"), 2);
    /* an empty field in between breaks too */
    docn(&f, "joint", "", "building", (const char *)NULL);
    assert_int_equal(KW(&f, "joint building"), 0);
    doc1(&f, "it was joint");
    doc1(&f, "building began");
    assert_int_equal(KW(&f, "joint building"), 0);
    assert_int_equal(GRP(&f, "g"), 0);
    teardown(&f);
}

static void test_prefixes(void **state)
{
    (void)state;
    fx f = setup(U, 0, "exchange*\njoint build*\nex*\nexchanges\n\xC3\xBC" "ber*\nstra\xC3\x9F" "e*\n");
    doc1(&f, "exchange exchanges Exchanged exchang EXCHANGE-rate exit ex");
    assert_int_equal(KW(&f, "exchange*"), 4);
    assert_int_equal(KW(&f, "ex*"), 7);
    assert_int_equal(KW(&f, "exchanges"), 1);
    doc1(&f, "joint building, joint builders, joint build, joint-builds; joint builds. jointly building "
             "joint. building joint");
    assert_int_equal(KW(&f, "joint build*"), 5);
    /* non-ASCII prefixes, compared after case folding (ß folds to ss) */
    doc1(&f, "\xC3\x9C" "berweisung \xC3\xBC" "ber UBER Stra\xC3\x9F" "enbahn STRASSEN strasse stras");
    assert_int_equal(KW(&f, "\xC3\xBC" "ber*"), 2);
    assert_int_equal(KW(&f, "stra\xC3\x9F" "e*"), 3);
    teardown(&f);

    /* prefixes of several lengths on one token, also as the last word of phrases */
    f = setup(U, 0, "ex*\nexchange*\nexc*\njoint ex*\njoint exchange*\njoint exchanges\n");
    doc1(&f, "joint exchanges");
    assert_int_equal(KW(&f, "ex*"), 1);
    assert_int_equal(KW(&f, "exc*"), 1);
    assert_int_equal(KW(&f, "exchange*"), 1);
    assert_int_equal(KW(&f, "joint ex*"), 1);
    assert_int_equal(KW(&f, "joint exchange*"), 1);
    assert_int_equal(KW(&f, "joint exchanges"), 1);
    doc1(&f, "joint exit");
    assert_int_equal(KW(&f, "ex*"), 1);
    assert_int_equal(KW(&f, "exc*"), 0);
    assert_int_equal(KW(&f, "joint ex*"), 1);
    assert_int_equal(KW(&f, "joint exchange*"), 0);
    teardown(&f);

    /* prefixes of three and four bytes alone, among words that share only their first two
     * bytes with them (the prefix filters look at up to four) */
    f = setup(U, 0, "cur*\nhero*\n");
    doc1(&f, "cu cur Cure curse curtain cub he her hero heroes HEROIC heron herb h c");
    assert_int_equal(KW(&f, "cur*"), 4);
    assert_int_equal(KW(&f, "hero*"), 4);
    teardown(&f);
}

/* ---- groups -------------------------------------------------------------------------------- */

static void test_groups_leftmost_longest(void **state)
{
    (void)state;
    fx f = setup(U, 0, "[g]\njoint building\nbuilding\n");
    doc1(&f, "joint building");
    assert_int_equal(GRP(&f, "g"), 1);
    assert_int_equal(KW(&f, "joint building"), 1);
    assert_int_equal(KW(&f, "building"), 1);
    doc1(&f, "joint building building, joint. building");
    assert_int_equal(GRP(&f, "g"), 3);
    teardown(&f);

    f = setup(U, 0, "[g]\na b\nb c\n");
    doc1(&f, "a b c");
    assert_int_equal(GRP(&f, "g"), 1);
    assert_int_equal(KW(&f, "a b"), 1);
    assert_int_equal(KW(&f, "b c"), 1);
    doc1(&f, "a b c b c");
    assert_int_equal(GRP(&f, "g"), 2);
    teardown(&f);

    f = setup(U, 0, "[g]\na\na b\n");
    doc1(&f, "a b a");
    assert_int_equal(GRP(&f, "g"), 2);
    assert_int_equal(KW(&f, "a"), 2);
    assert_int_equal(KW(&f, "a b"), 1);
    teardown(&f);

    /* leftmost first, even when a longer match starts one token later */
    f = setup(U, 0, "[g]\nb c d\na b\n");
    doc1(&f, "a b c d");
    assert_int_equal(GRP(&f, "g"), 1);
    doc1(&f, "a b c d b c d");
    assert_int_equal(GRP(&f, "g"), 2);
    teardown(&f);

    /* a longest match that fails late falls back to the shorter one at the same start */
    f = setup(U, 0, "[g]\na b c\na\nb\n");
    doc1(&f, "a b x");
    assert_int_equal(GRP(&f, "g"), 2); /* a, then b */
    doc1(&f, "a b a b c");
    assert_int_equal(GRP(&f, "g"), 3); /* a, b, a b c */
    teardown(&f);

    /* group with a long member that never completes, short members settle in time */
    f = setup(U, 0, "[g]\na b c d e\nc\n");
    doc1(&f, "a b c d x c");
    assert_int_equal(GRP(&f, "g"), 2);
    doc1(&f, "a b c d e c");
    assert_int_equal(GRP(&f, "g"), 2);
    teardown(&f);

    /* a prefix and an exact member matching the same token count once */
    f = setup(U, 0, "[g]\nexchange*\nexchange\n");
    doc1(&f, "exchange exchanges");
    assert_int_equal(GRP(&f, "g"), 2);
    assert_int_equal(KW(&f, "exchange*"), 2);
    assert_int_equal(KW(&f, "exchange"), 1);
    teardown(&f);

    /* prefix members */
    f = setup(U, 0, "[g]\nexchange*\nexchange rate\n");
    doc1(&f, "exchange rate exchanges exchange-rate");
    assert_int_equal(GRP(&f, "g"), 3);
    assert_int_equal(KW(&f, "exchange*"), 3);
    assert_int_equal(KW(&f, "exchange rate"), 2);
    teardown(&f);
}

static void test_groups_independent(void **state)
{
    (void)state;
    fx f = setup(U, 0,
                 "building\n"
                 "[g1]\njoint building\nbuilding\n"
                 "[g2]\nbuilding\n"
                 "[g3]\njoint building\n"
                 "[g4]\njoint\n");
    doc1(&f, "joint building");
    assert_int_equal(GRP(&f, "g1"), 1);
    assert_int_equal(GRP(&f, "g2"), 1);
    assert_int_equal(GRP(&f, "g3"), 1);
    assert_int_equal(GRP(&f, "g4"), 1);
    assert_int_equal(KW(&f, "building"), 1);
    assert_int_equal(f.m->n_doc_grp, 4);
    teardown(&f);

    /* one term in two groups, with other members in one of them */
    f = setup(U, 0, "[g1]\na b\n[g2]\na b\nb\n");
    doc1(&f, "a b");
    assert_int_equal(GRP(&f, "g1"), 1);
    assert_int_equal(GRP(&f, "g2"), 1);
    doc1(&f, "b a b b");
    assert_int_equal(GRP(&f, "g1"), 1);
    assert_int_equal(GRP(&f, "g2"), 3);
    teardown(&f);

    /* an ungrouped keyword, longer than every group member, changes nothing */
    f = setup(U, 0, "a b c d e f\n[g]\nb\n");
    doc1(&f, "a b c d e f b");
    assert_int_equal(GRP(&f, "g"), 2);
    assert_int_equal(KW(&f, "a b c d e f"), 1);
    teardown(&f);
}

static void test_document_frequency_and_reset(void **state)
{
    (void)state;
    fx f = setup(U, 0, "global\nlocal\n[g]\nglobal\nworld\n[h]\nlocal\n");
    uint32_t kg = kw_id(f.d, "global"), kl = kw_id(f.d, "local"), kwd = kw_id(f.d, "world");
    uint32_t gg = grp_id(f.d, "g"), gh = grp_id(f.d, "h");
    doc1(&f, "global world global");
    assert_int_equal(f.m->doc_kw[kg], 2);
    assert_int_equal(f.m->doc_grp[gg], 3);
    assert_int_equal(f.m->n_doc_kw, 2);
    assert_int_equal(f.m->doc_kw_list[0], kg); /* sorted by id */
    assert_int_equal(f.m->doc_kw_list[1], kwd);
    doc1(&f, "nothing here");
    assert_int_equal(f.m->doc_kw[kg], 0);
    assert_int_equal(f.m->doc_kw[kwd], 0);
    assert_int_equal(f.m->doc_grp[gg], 0);
    assert_int_equal(f.m->n_doc_kw, 0);
    assert_int_equal(f.m->n_doc_grp, 0);
    assert_int_equal(f.m->doc_tokens, 2);
    doc1(&f, "Global local");
    doc1(&f, "");
    assert_int_equal(f.m->doc_tokens, 0);

    assert_int_equal(f.m->b_docs, 4);
    assert_int_equal(f.m->b_tokens, 3 + 2 + 2);
    tally_idcount *kw, *grp;
    size_t nk, ng;
    tally__matcher_take_batch(f.m, &kw, &nk, &grp, &ng);
    assert_int_equal(nk, 3);
    assert_int_equal(kw[0].id, kg);
    assert_int_equal(kw[0].count, 3);
    assert_int_equal(kw[0].docs, 2);
    assert_int_equal(kw[1].id, kl);
    assert_int_equal(kw[1].count, 1);
    assert_int_equal(kw[1].docs, 1);
    assert_int_equal(kw[2].id, kwd);
    assert_int_equal(kw[2].count, 1);
    assert_int_equal(kw[2].docs, 1);
    assert_int_equal(ng, 2);
    assert_int_equal(grp[0].id, gg);
    assert_int_equal(grp[0].count, 4);
    assert_int_equal(grp[0].docs, 2);
    assert_int_equal(grp[1].id, gh);
    assert_int_equal(grp[1].count, 1);
    assert_int_equal(grp[1].docs, 1);
    free(kw);
    free(grp);
    assert_int_equal(f.m->b_docs, 0);

    /* the next batch starts from zero */
    doc1(&f, "local");
    tally__matcher_take_batch(f.m, &kw, &nk, &grp, &ng);
    assert_int_equal(nk, 1);
    assert_int_equal(kw[0].id, kl);
    assert_int_equal(kw[0].count, 1);
    assert_int_equal(kw[0].docs, 1);
    assert_int_equal(ng, 1);
    assert_int_equal(grp[0].count, 1);
    free(kw);
    free(grp);
    teardown(&f);

    /* group state does not leak into the next document */
    f = setup(U, 0, "[g]\na b\nb\n");
    doc1(&f, "x a");
    assert_int_equal(GRP(&f, "g"), 0);
    doc1(&f, "b");
    assert_int_equal(GRP(&f, "g"), 1);
    assert_int_equal(KW(&f, "a b"), 0);
    teardown(&f);
}

static void test_doc_abort(void **state)
{
    (void)state;
    fx f = setup(U, 0, "[g]\na b\n");
    tally__matcher_doc_begin(f.m);
    tally__matcher_field(f.m, (const uint8_t *)"a b a", 5, 0);
    tally__matcher_doc_abort(f.m);
    doc1(&f, "b a b");
    assert_int_equal(KW(&f, "a b"), 1);
    assert_int_equal(GRP(&f, "g"), 1);
    tally_idcount *kw, *grp;
    size_t nk, ng;
    tally__matcher_take_batch(f.m, &kw, &nk, &grp, &ng);
    assert_int_equal(nk, 1);
    assert_int_equal(kw[0].count, 1);
    assert_int_equal(kw[0].docs, 1);
    assert_int_equal(ng, 1);
    assert_int_equal(grp[0].count, 1);
    free(kw);
    free(grp);
    teardown(&f);
}

/* Phrases longer than the dictionary's small fixed buffers (16 words). */
static void test_long_phrases(void **state)
{
    (void)state;
    char dict[512], text[512];
    size_t o = 0;
    for (int i = 1; i <= 20; i++)
        o += (size_t)snprintf(dict + o, sizeof dict - o, "%sw%d", i > 1 ? " " : "", i);
    o += (size_t)snprintf(dict + o, sizeof dict - o, "\n[g]\n");
    for (int i = 1; i <= 17; i++)
        o += (size_t)snprintf(dict + o, sizeof dict - o, "%sw%d", i > 1 ? " " : "", i);
    o += (size_t)snprintf(dict + o, sizeof dict - o, "*\nw3\n");
    fx f = setup(U, 0, dict);
    assert_int_equal(f.d->n_kws, 3);
    assert_int_equal(f.d->kws[0].n_tokens, 20);
    assert_int_equal(f.d->kws[1].n_tokens, 17);
    /* w1 … w20 twice, the second time with w17 spelled w17x (still matches w17*) */
    o = 0;
    for (int r = 0; r < 2; r++)
        for (int i = 1; i <= 20; i++)
            o += (size_t)snprintf(text + o, sizeof text - o, "W%d%s ", i, r == 1 && i == 17 ? "x" : "");
    doc1(&f, text);
    assert_int_equal(f.m->doc_kw[0], 1);
    assert_int_equal(f.m->doc_kw[1], 2);
    assert_int_equal(f.m->doc_kw[2], 2);
    /* g: w1…w17* at 0 (w3 inside it skipped), then again at 20 */
    assert_int_equal(GRP(&f, "g"), 2);
    teardown(&f);
}

/* ---- modes and normalization --------------------------------------------------------------- */

static void test_case_sensitive(void **state)
{
    (void)state;
    fx f = setup(U, 1, "Global\nglobal\nfinance\n");
    doc1(&f, "Global global GLOBAL \xEF\xBC\xA7lobal \xEF\xAC\x81nance Finance");
    assert_int_equal(KW(&f, "Global"), 2); /* Global, Ｇlobal */
    assert_int_equal(KW(&f, "global"), 1);
    assert_int_equal(KW(&f, "finance"), 1); /* ﬁnance */
    teardown(&f);

    f = setup(U, 0, "Global\n");
    doc1(&f, "Global global GLOBAL \xEF\xBC\xA7lobal");
    assert_int_equal(KW(&f, "Global"), 4);
    teardown(&f);
}

static void test_whitespace_tokenizer(void **state)
{
    (void)state;
    fx f = setup(W, 0, "global\njoint building\nU.S.\n");
    doc1(&f, "Global global, global");
    assert_int_equal(KW(&f, "global"), 2);
    assert_int_equal(f.m->doc_tokens, 3);
    doc1(&f, "joint building joint\t\n building joint, building joint-building");
    assert_int_equal(KW(&f, "joint building"), 2);
    doc1(&f, "U.S. U.S u.s.");
    assert_int_equal(KW(&f, "U.S."), 2);
    /* fields still break phrases */
    docn(&f, "joint", "building", (const char *)NULL);
    assert_int_equal(KW(&f, "joint building"), 0);
    teardown(&f);
}

static void test_chinese(void **state)
{
    (void)state;
    /* 合作, 全球合作, 球合, 全球 */
    fx f = setup(U, 0,
                 "\xE5\x90\x88\xE4\xBD\x9C\n"
                 "\xE5\x85\xA8\xE7\x90\x83\xE5\x90\x88\xE4\xBD\x9C\n"
                 "\xE7\x90\x83\xE5\x90\x88\n"
                 "[g]\n\xE5\x85\xA8\xE7\x90\x83\n\xE5\x85\xA8\xE7\x90\x83\xE5\x90\x88\xE4\xBD\x9C\n"
                 "\xE5\x90\x88\xE4\xBD\x9C\n");
    doc1(&f, "\xE5\x85\xA8\xE7\x90\x83\xE5\x90\x88\xE4\xBD\x9C"); /* 全球合作 */
    assert_int_equal(f.m->doc_tokens, 4);
    assert_int_equal(KW(&f, "\xE5\x90\x88\xE4\xBD\x9C"), 1);
    assert_int_equal(KW(&f, "\xE5\x85\xA8\xE7\x90\x83\xE5\x90\x88\xE4\xBD\x9C"), 1);
    assert_int_equal(KW(&f, "\xE7\x90\x83\xE5\x90\x88"), 1);
    assert_int_equal(KW(&f, "\xE5\x85\xA8\xE7\x90\x83"), 1);
    assert_int_equal(GRP(&f, "g"), 1);
    /* 全球 合作 (space) links; 全球，合作 (U+FF0C) does not */
    doc1(&f, "\xE5\x85\xA8\xE7\x90\x83 \xE5\x90\x88\xE4\xBD\x9C");
    assert_int_equal(KW(&f, "\xE5\x85\xA8\xE7\x90\x83\xE5\x90\x88\xE4\xBD\x9C"), 1);
    doc1(&f, "\xE5\x85\xA8\xE7\x90\x83\xEF\xBC\x8C\xE5\x90\x88\xE4\xBD\x9C");
    assert_int_equal(KW(&f, "\xE5\x85\xA8\xE7\x90\x83\xE5\x90\x88\xE4\xBD\x9C"), 0);
    assert_int_equal(KW(&f, "\xE5\x90\x88\xE4\xBD\x9C"), 1);
    assert_int_equal(KW(&f, "\xE7\x90\x83\xE5\x90\x88"), 0);
    assert_int_equal(GRP(&f, "g"), 2);
    teardown(&f);
}

static void test_normalization(void **state)
{
    (void)state;
    fx f = setup(U, 0, "cooperation\nfinance\nChina's\nco\xC2\xADoperation building\n");
    doc1(&f, "\xEF\xBC\xA3\xEF\xBC\xAF\xEF\xBC\xAF\xEF\xBC\xB0\xEF\xBC\xA5\xEF\xBC\xB2\xEF\xBC\xA1"
             "\xEF\xBC\xB4\xEF\xBC\xA9\xEF\xBC\xAF\xEF\xBC\xAE"                  /* ＣＯＯＰＥＲＡＴＩＯＮ */
             " co\xC2\xADoperation Cooperation"                                  /* soft hyphen */
             " \xEF\xAC\x81nance FINANCE"                                        /* ﬁnance */
             " China\xE2\x80\x99s CHINA'S china\xE2\x80\x98s China\xCA\xBCs China\xEF\xBC\x87s Chinas");
    assert_int_equal(KW(&f, "cooperation"), 3);
    assert_int_equal(KW(&f, "finance"), 2);
    assert_int_equal(KW(&f, "China's"), 5);
    doc1(&f, "cooperation building");
    assert_int_equal(KW(&f, "co\xC2\xADoperation building"), 1);
    teardown(&f);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    fx f = setup(U, 0, "a b\na\nb\n");
    /* \xFF: 1; \xE2\x82 then space: 1 (truncated); \xC0 and \xAF: 1 each */
    doc1(&f, "a\xFF" "b \xE2\x82 a \xC0\xAF b");
    assert_int_equal(f.m->b_invalid, 4);
    assert_int_equal(KW(&f, "a b"), 0);
    assert_int_equal(KW(&f, "a"), 2);
    assert_int_equal(KW(&f, "b"), 2);
    doc1(&f, "a b");
    assert_int_equal(f.m->b_invalid, 4);
    tally__matcher_doc_begin(f.m);
    tally__matcher_field(f.m, (const uint8_t *)"\xF0\x9F\x98", 3, 0); /* truncated at the end */
    tally__matcher_doc_end(f.m);
    assert_int_equal(f.m->b_invalid, 5);
    tally_idcount *kw, *grp;
    size_t nk, ng;
    tally__matcher_take_batch(f.m, &kw, &nk, &grp, &ng);
    assert_int_equal(f.m->b_invalid, 0);
    free(kw);
    free(grp);
    teardown(&f);
}

/* ---- random documents: reference counter and pieces ---------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state % n);
}

#define MAXT 4096

typedef struct rtok {
    const uint8_t *s; /* in the reference's pool */
    size_t n;
    int linked;
    size_t start, end; /* in the text */
} rtok;

/* Keyword matches as byte ranges of the whole text, in the order they were found. */
#define MAXH 8192
typedef struct rhit {
    uint32_t kw;
    int64_t start, end;
} rhit;

typedef struct hits {
    rhit h[MAXH];
    size_t n;
    int64_t base; /* the current piece's offset in the text */
} hits;

static hits ref_hits, got_hits;

static void collect_hit(void *ctx, uint32_t kw, int64_t start, int64_t end)
{
    hits *h = ctx;
    assert_true(h->n < MAXH);
    assert_true(start < end);
    h->h[h->n].kw = kw;
    h->h[h->n].start = start + h->base;
    h->h[h->n].end = end + h->base;
    h->n++;
}

static int cmp_rhit(const void *a, const void *b)
{
    const rhit *x = a, *y = b;
    if (x->kw != y->kw)
        return x->kw < y->kw ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return (x->end > y->end) - (x->end < y->end);
}

/* The same matches, and those of each keyword reported in the order of their starts. */
static void assert_same_hits(const tally_dict *d, hits *want, hits *got, const char *what,
                             const uint8_t *text, size_t len)
{
    for (size_t i = 0; i < got->n; i++)
        for (size_t j = i + 1; j < got->n; j++)
            if (got->h[j].kw == got->h[i].kw && got->h[j].start <= got->h[i].start) {
                print_error("%s: keyword '%s' reported out of order on text [%.*s]\n", what,
                            d->kws[got->h[i].kw].name, (int)len, (const char *)text);
                fail();
            }
    qsort(want->h, want->n, sizeof *want->h, cmp_rhit);
    qsort(got->h, got->n, sizeof *got->h, cmp_rhit);
    int same = want->n == got->n;
    for (size_t i = 0; same && i < want->n; i++)
        same = cmp_rhit(&want->h[i], &got->h[i]) == 0;
    if (same)
        return;
    print_error("%s: hits differ on text [%.*s]\n", what, (int)len, (const char *)text);
    for (size_t i = 0; i < want->n || i < got->n; i++)
        print_error("  %s %lld-%lld | %s %lld-%lld\n", i < want->n ? d->kws[want->h[i].kw].name : "-",
                    i < want->n ? (long long)want->h[i].start : -1, i < want->n ? (long long)want->h[i].end : -1,
                    i < got->n ? d->kws[got->h[i].kw].name : "-", i < got->n ? (long long)got->h[i].start : -1,
                    i < got->n ? (long long)got->h[i].end : -1);
    fail();
}

typedef struct counts {
    uint32_t kw[64];
    uint32_t grp[16];
    uint64_t tokens, invalid;
} counts;

/* Brute force: tokens from the tokenizer and normalizer, then every keyword at every start, and
 * every group by a greedy leftmost-longest scan. Independent of the trie and the group queue. */
static void reference(const tally_dict *d, tally_normalizer *norm, const uint8_t *text, size_t len,
                      counts *c)
{
    static rtok t[MAXT];
    static uint8_t pool[1 << 17];
    size_t n = 0, used = 0;
    tally_tokenizer tk;
    tally__tok_init(&tk, d->tokenizer);
    tally__tok_begin_field(&tk, text, len);
    tally_token tok;
    while (tally__tok_next(&tk, &tok)) {
        assert_true(n < MAXT);
        size_t nl;
        const uint8_t *nb = tally__norm_token(norm, text + tok.start, tok.len, &nl);
        assert_true(nl <= sizeof pool - used);
        memcpy(pool + used, nb, nl);
        t[n].s = pool + used;
        used += nl;
        t[n].n = nl;
        t[n].linked = (tok.flags & TALLY_TOK_LINKED) != 0;
        t[n].start = tok.start;
        t[n].end = tok.start + tok.len;
        n++;
    }
    memset(c, 0, sizeof *c);
    c->tokens = n;
    c->invalid = tk.invalid_utf8;
    assert_true(d->n_kws <= 64 && d->n_groups <= 16);
    /* match[k][i]: keyword k starts at token i */
    static uint8_t match[64][MAXT];
    for (size_t k = 0; k < d->n_kws; k++) {
        const tally_kw *kw = &d->kws[k];
        for (size_t i = 0; i < n; i++) {
            int ok = i + kw->n_tokens <= n;
            for (uint32_t j = 0; ok && j < kw->n_tokens; j++) {
                const rtok *x = &t[i + j];
                if (j > 0 && !x->linked)
                    ok = 0;
                else if (j < kw->n_words) {
                    uint32_t w = kw->words[j];
                    ok = x->n == d->vocab.lens[w] &&
                         memcmp(x->s, d->vocab.arena.data + d->vocab.offs[w], x->n) == 0;
                } else {
                    uint32_t l = d->prefixes.lens[kw->prefix];
                    ok = x->n >= l && memcmp(x->s, d->prefixes.arena.data + d->prefixes.offs[kw->prefix], l) == 0;
                }
            }
            match[k][i] = (uint8_t)ok;
            c->kw[k] += (uint32_t)ok;
            if (ok) {
                assert_true(ref_hits.n < MAXH);
                ref_hits.h[ref_hits.n++] = (rhit){(uint32_t)k, (int64_t)t[i].start,
                                                  (int64_t)t[i + kw->n_tokens - 1].end};
            }
        }
    }
    for (size_t g = 0; g < d->n_groups; g++) {
        const tally_group *gr = &d->groups[g];
        size_t i = 0;
        while (i < n) {
            uint32_t best = 0;
            for (uint32_t j = 0; j < gr->n_members; j++) {
                uint32_t k = gr->members[j];
                if (match[k][i] && d->kws[k].n_tokens > best)
                    best = d->kws[k].n_tokens;
            }
            if (best) {
                c->grp[g]++;
                i += best;
            } else {
                i++;
            }
        }
    }
}

/* Feeds text as one document, cut at the given positions (ascending, each a safe cut). */
static void by_matcher(fx *f, const uint8_t *text, size_t len, const size_t *cuts, size_t n_cuts,
                       counts *c)
{
    tally__matcher_doc_begin(f->m);
    uint64_t inv0 = f->m->b_invalid;
    size_t from = 0;
    got_hits.n = 0;
    for (size_t i = 0; i <= n_cuts; i++) {
        size_t to = i < n_cuts ? cuts[i] : len;
        got_hits.base = (int64_t)from;
        tally__matcher_field(f->m, text + from, to - from, i > 0);
        from = to;
    }
    tally__matcher_doc_end(f->m);
    memset(c, 0, sizeof *c);
    for (size_t k = 0; k < f->d->n_kws; k++)
        c->kw[k] = f->m->doc_kw[k];
    for (size_t g = 0; g < f->d->n_groups; g++)
        c->grp[g] = f->m->doc_grp[g];
    c->tokens = f->m->doc_tokens;
    c->invalid = f->m->b_invalid - inv0;
}

static void assert_same_counts(const tally_dict *d, const counts *a, const counts *b, const char *what,
                               const uint8_t *text, size_t len, size_t cut)
{
    int same = a->tokens == b->tokens && a->invalid == b->invalid;
    for (size_t k = 0; k < d->n_kws; k++)
        same &= a->kw[k] == b->kw[k];
    for (size_t g = 0; g < d->n_groups; g++)
        same &= a->grp[g] == b->grp[g];
    if (same)
        return;
    print_error("%s differ (cut %zu) on text [%.*s]\n", what, cut, (int)len, (const char *)text);
    print_error("  tokens %llu vs %llu, invalid %llu vs %llu\n", (unsigned long long)a->tokens,
                (unsigned long long)b->tokens, (unsigned long long)a->invalid, (unsigned long long)b->invalid);
    for (size_t k = 0; k < d->n_kws; k++)
        if (a->kw[k] != b->kw[k])
            print_error("  keyword '%s': %u vs %u\n", d->kws[k].name, a->kw[k], b->kw[k]);
    for (size_t g = 0; g < d->n_groups; g++)
        if (a->grp[g] != b->grp[g])
            print_error("  group '%s': %u vs %u\n", d->groups[g].name, a->grp[g], b->grp[g]);
    fail();
}

static const char random_dict[] =
    "a\n"
    "a a\n"
    "b c\n"
    "a b c*\n"
    "exchange*\n"
    "\xE5\x90\x88\xE4\xBD\x9C\n"                 /* 合作 */
    /* phrases whose first word matches nothing alone and starts no prefix: the matcher skips
     * such a word unless the word after it may go on with it */
    "foo bar\n"
    "\xD0\xB4\xD0\xBE\xD0\xBC \xD0\xBA\xD0\xBD\xD0\xB8\xD0\xB3\xD0\xB0\n" /* дом книга */
    "qux\n"
    /* letters and ideographs the fast path takes (Latin-1, Cyrillic, CJK) and some it leaves */
    "\xC3\xB1" "and\xC3\xBA\n"                        /* ñandú */
    "\xD1\x90 \xD1\xA1\xD1\xA1\n"                /* ѐ ѡѡ */
    "abc\xD0\xB4\n"                                  /* abcд */
    "\xE4\xB8\x80\xE9\xBF\xBF\n"                 /* 一鿿 */
    "stra\xC3\x9F" "e\n"                              /* straße */
    "[g1]\n"
    "a b\n"
    "b c\n"
    "b\n"
    "\xC3\xA0\xC3\xA9\n"                           /* àé */
    "[g2]\n"
    "a\n"
    "a b\n"
    "a b c d\n"
    "baz foo bar\n"
    "\xD0\xB4\xD0\xBE\xD0\xBC\n"
    "\xE5\x85\xA8\xE7\x90\x83\xE5\x90\x88\xE4\xBD\x9C\n" /* 全球合作 */
    "\xE5\x90\x88\xE4\xBD\x9C\n"
    "[g3]\n"
    "ex*\n"
    "exchange\n"
    "b c d e\n"
    "c d\n"
    "d*\n"
    "[g4]\n"
    "a a\n"
    "a a a\n";

static const char *const words[] = {
    "a", "a", "A", "b", "b", "c", "c", "d", "e", "ex", "exchange", "Exchanges", "exit",
    "\xEF\xBC\xA1" /* Ａ */, "de", "cd", "ab", "3.14", "\xE5\x85\xA8", "\xE7\x90\x83", "\xE5\x90\x88",
    "\xE4\xBD\x9C", /* 全球合作 */
    "foo", "foo", "Foo", "bar", "BAR", "baz", "qux", "\xD0\xB4\xD0\xBE\xD0\xBC", "\xD0\x94\xD0\xBE\xD0\xBC",
    "\xD0\xBA\xD0\xBD\xD0\xB8\xD0\xB3\xD0\xB0", "\xE5\x85\xA8\xE7\x90\x83\xE5\x90\x88\xE4\xBD\x9C",
    "\xC3\x91" "and\xC3\xBA", "\xC3\xB1" "AND\xC3\x9A", "\xC3\x80\xC3\x89", "\xC3\xA0\xC3\xA9", "\xC3\xBF",
    "\xD0\x80", "\xD1\x90", "\xD1\xA0\xD1\xA1", "\xD1\xA1\xD1\xA1", "ABC\xD0\x94", "abc\xD0\xB4",
    "\xD0\x94\xD0\x9E\xD0\x9C", "\xE4\xB8\x80", "\xE9\xBF\xBF", "\xE4\xB8\x80\xE9\xBF\xBF",
    "\xE3\x90\x80" /* U+3400, not taken */, "STRASSE", "stra\xC3\x9F" "e", "\xC3\x97" /* × */,
    "\xD0\xB5\xCC\x81" /* е + U+0301 */, "\xD0\xB4'\xD0\xB0", "\xC3\xA9.\xC3\xA9", "1\xE4\xB8\x80_",
};

static const char *const seps[] = {
    " ", " ", " ", " ", " ", " ", " ", " ", "  ", "\t", "\n", "\r\n", ", ", ". ", "-", " - ",
    "\xE2\x80\x93", "\xE2\x80\x94", "\xC2\xA0", "\xE3\x80\x80", "(", "\xF0\x9F\x98\x80", "\xFF", "'",
    "\xC2\xAD", "\xEF\xBC\x8C", "_", ":", "", " \xE2\x80\x94\n ", "\n\n", " \xCC\x81",
    "\xE2\x80\x8D", " \xE2\x80\x8D", " \xC2\xAD", " \xE3\x80\x80",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Pieces for the matcher's fast path, mostly ASCII: words long enough to cross its 64-byte
 * blocks and 1 KiB chunks (and its 8-byte and 256-byte token limits), underscores alone and in
 * words, mid punctuation between letters and digits, runs of spaces; and the non-ASCII letters
 * and ideographs it takes too (tally__fast_char), in long words at every offset. */
#define CYR7 "\xD0\x94\xD0\xBE\xD0\xBC\xD0\xB0\xD1\x88\xD0\xBD\xD0\xB8" /* Домашни */
#define CYR70 CYR7 CYR7 CYR7 CYR7 CYR7 "x" 
#define W70 "exchangeexchangeexchangeexchangeexchangeexchangeexchangeexchangeexchan"
#define W300 W70 W70 W70 W70 "exchangeexchangeexchangeexchangeexchangeexchangeexchangeexchangeexchan"
static const char random_dict_ascii[] =
    "a\n"
    "a a\n"
    "b c\n"
    "a b c*\n"
    "exchange*\n"
    "don't\n"
    "3.14 a\n"
    "a_\n"
    W70 "\n"
    W300 " b\n"
    "foo bar\n"
    "qux\n"
    "bar qux foo\n"
    CYR70 "\n"
    "\xD0\xB4\xD0\xBE\xD0\xBC \xE4\xB8\x80\n" /* дом 一 */
    "\xE4\xB8\x80\xE4\xB8\x80\n"
    "\xC3\xA9t\xC3\xA9 foo\n"
    "\xD0\xB4" W70 "\n"
    "ab\xD0\xB4" W70 "\n"
    "[g1]\n"
    "a b\n"
    "b c\n"
    "b\n"
    "exchangeexchange\n"
    "[g2]\n"
    "a\n"
    "a b\n"
    "a b c d\n"
    "e.g\n"
    "baz foo bar\n"
    "foo bar qux\n"
    "[g3]\n"
    "ex*\n"
    "exchange\n"
    "b c d e\n"
    "c d\n"
    "d*\n"
    "[g4]\n"
    "a a\n"
    "a a a\n";

static const char *const words_ascii[] = {
    "a", "a", "A", "b", "b", "B", "c", "c", "d", "e", "ex", "exchange", "Exchanges", "EXCHANGEEXCHANGE",
    "exit", "de", "cd", "ab", "3.14", "1,000", "don't", "Don'T", "e.g", "x:y", "1:2", "1.2.a", "a.b.c",
    "_", "__", "_a", "a_", "A_", "a_b", "9", "0x1F", W70, W300, "exchangeexchangeexchangeexchangeexchangeexchangeexchangeexchangeexchangeX",
    "foo", "foo", "Foo", "FOO", "bar", "bar", "Bar", "baz", "qux", "Qux", "fo", "ba", "bars",
    CYR70, CYR70, "\xD0\xB4\xD0\xBE\xD0\xBC", "\xD0\x94\xD0\x9E\xD0\x9C", "\xE4\xB8\x80",
    "\xE4\xB8\x80\xE4\xB8\x80\xE4\xB8\x80", "\xC3\x89T\xC3\x89", "\xC3\xA9t\xC3\xA9", "x\xD0\xB4",
    "\xE4\xB8\x80_", "_\xD0\xB4", "\xD0\xB4'\xD0\xB4", "1\xE4\xB8\x80", "\xD0\x94" W70,
    "\xE4\xB8\x80" W70, W70 "\xD0\x94", "ab\xD0\x94" W70, "ab\xD0\x94" W70,
};

static const char *const seps_ascii[] = {
    " ", " ", " ", " ", " ", " ", "  ", "\t", "\n", "\r\n", ", ", ". ", "-", " - ", "(", "'", "_",
    ":", "", ".", ",", ";", "\n\n", "\v\f", "!", " _ ", "                                                                        ",
};

/* Random documents of random pieces, counted whole and compared with the reference, then
 * counted in two pieces at allowed cuts (every one for short documents), and in many random
 * pieces. */
static void run_random_from(int mode, int cs, const char *dict, const char *const *wl_, size_t n_wl,
                            const char *const *sl, size_t n_sl, unsigned n_docs, size_t max_pieces)
{
    fx f = setup(mode, cs, dict);
    tally_normalizer *norm = tally__norm_new(cs);
    tally__matcher_set_hits(f.m, collect_hit, &got_hits);
    static uint8_t text[4096];
    size_t cuts[512];
    size_t checked_cuts = 0, total_hits = 0, split_hits = 0;
    uint64_t kw_hits = 0, grp_hits = 0;
    for (unsigned it = 0; it < n_docs; it++) {
        size_t len = 0;
        size_t np = 1 + rnd((uint32_t)max_pieces);
        for (size_t i = 0; i < np; i++) {
            const char *w = wl_[rnd((uint32_t)n_wl)];
            const char *p = sl[rnd((uint32_t)n_sl)];
            size_t wl = strlen(w), pl = strlen(p);
            if (len + wl + pl > sizeof text)
                break;
            memcpy(text + len, w, wl);
            memcpy(text + len + wl, p, pl);
            len += wl + pl;
        }
        counts whole, ref, part;
        by_matcher(&f, text, len, NULL, 0, &whole);
        ref_hits.n = 0;
        reference(f.d, norm, text, len, &ref);
        assert_same_counts(f.d, &ref, &whole, "reference and matcher", text, len, 0);
        assert_same_hits(f.d, &ref_hits, &got_hits, "reference and matcher", text, len);
        f.m->general_only = 1; /* the general path alone: the fast path's own reference */
        by_matcher(&f, text, len, NULL, 0, &part);
        f.m->general_only = 0;
        assert_same_counts(f.d, &whole, &part, "matcher and its general path", text, len, 0);
        assert_same_hits(f.d, &ref_hits, &got_hits, "reference and the general path", text, len);
        tally_classify_fn cpu = f.m->classify; /* the portable classifier gives the same */
        f.m->classify = tally__matcher_classifier(1);
        by_matcher(&f, text, len, NULL, 0, &part);
        f.m->classify = cpu;
        assert_same_counts(f.d, &whole, &part, "the two classifiers", text, len, 0);
        assert_same_hits(f.d, &ref_hits, &got_hits, "reference and the portable classifier", text, len);
        total_hits += ref_hits.n;
        for (size_t k = 0; k < f.d->n_kws; k++)
            kw_hits += whole.kw[k] * f.d->kws[k].n_tokens; /* phrases weigh more */
        for (size_t g = 0; g < f.d->n_groups; g++)
            grp_hits += whole.grp[g];

        for (size_t l = 1; l <= len; l += len > 600 ? 1 + rnd(40) : 1) {
            size_t p = tally__tok_safe_cut(text, l, 0);
            if (p == 0)
                continue;
            assert_true(p < l);
            by_matcher(&f, text, len, &p, 1, &part);
            assert_same_counts(f.d, &whole, &part, "whole and two pieces", text, len, p);
            assert_same_hits(f.d, &ref_hits, &got_hits, "reference and two pieces", text, len);
            for (size_t i = 0; i < got_hits.n; i++)
                split_hits += got_hits.h[i].start < (int64_t)p && got_hits.h[i].end > (int64_t)p;
            checked_cuts++;
        }

        /* many pieces: from each cut, the next cut is taken in a random window */
        size_t n_cuts = 0, from = 0;
        while (from < len && n_cuts < 512) {
            size_t w = 1 + rnd(12);
            if (from + w >= len)
                break;
            size_t p = tally__tok_safe_cut(text + from, w, 0);
            if (p == 0)
                p = tally__tok_safe_cut(text + from, len - from, 0); /* a long run without a cut */
            if (p == 0)
                break;
            from += p;
            cuts[n_cuts++] = from;
        }
        by_matcher(&f, text, len, cuts, n_cuts, &part);
        assert_same_counts(f.d, &whole, &part, "whole and many pieces", text, len, n_cuts);
        assert_same_hits(f.d, &ref_hits, &got_hits, "reference and many pieces", text, len);
    }
    /* the generator must actually produce cuts and matches */
    fprintf(stderr, "# %u documents, %zu cuts, keyword weight %llu, group matches %llu\n", n_docs,
            checked_cuts, (unsigned long long)kw_hits, (unsigned long long)grp_hits);
    assert_true(checked_cuts > n_docs);
    assert_true(kw_hits > 10 * n_docs);
    assert_true(grp_hits > 5 * n_docs);
    fprintf(stderr, "# %zu reported matches, %zu across a cut\n", total_hits, split_hits);
    assert_true(total_hits > 10 * n_docs);
    assert_true(split_hits > n_docs / 4);
    tally__norm_free(norm);
    teardown(&f);
}

static void run_random(int mode, unsigned n_docs, size_t max_pieces)
{
    run_random_from(mode, 0, random_dict, words, COUNT(words), seps, COUNT(seps), n_docs, max_pieces);
}

/* Every code point the fast path takes, and no other, with what the general engine says of it:
 * two-byte letters join letters, digits and mid punctuation like ALetter, ideographs are tokens
 * of their own, and tally__fold_fast gives what the normalizer gives (and NFKC alone leaves
 * them as they are). */
static int in_fast_ranges(uint32_t cp)
{
    return (cp >= 0xC0 && cp <= 0xFF && cp != 0xD7 && cp != 0xF7 && cp != 0xDF) ||
           (cp >= 0x400 && cp <= 0x47F) || (cp >= 0x4E00 && cp <= 0x9FFF);
}

static size_t count_tokens(const uint8_t *s, size_t n, size_t *first_len)
{
    tally_tokenizer tk;
    tally__tok_init(&tk, U);
    tally__tok_begin_field(&tk, s, n);
    tally_token tok;
    size_t k = 0;
    while (tally__tok_next(&tk, &tok)) {
        if (k++ == 0)
            *first_len = tok.len;
    }
    return k;
}

static void test_fast_chars(void **state)
{
    (void)state;
    tally_normalizer *fold = tally__norm_new(0), *nfkc = tally__norm_new(1);
    size_t taken = 0;
    for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        uint8_t c[4], text[16], out[4];
        size_t l = tally__utf8_encode(cp, c), nl, first = 0;
        size_t fl = tally__fast_char(c, l);
        assert_true(fl == 0 || fl == l);
        if (!!fl != in_fast_ranges(cp))
            fail_msg("U+%04X: fast_char says %zu", (unsigned)cp, fl);
        if (!fl)
            continue;
        taken++;
        assert_int_equal(tally__fast_char(c, l - 1), 0); /* cut off */
        const uint8_t *nb = tally__norm_token(fold, c, l, &nl);
        tally__fold_fast(c, l, out);
        if (nl != l || memcmp(nb, out, l) != 0)
            fail_msg("U+%04X: folds differently from the normalizer", (unsigned)cp);
        nb = tally__norm_token(nfkc, c, l, &nl);
        assert_true(nl == l && memcmp(nb, c, l) == 0);
        /* x C ' C 1: one token for a letter (WB5, WB6/7, WB9), x|C|'|C|1 -> x, C, C, 1 for an
         * ideograph */
        size_t n = 0;
        text[n++] = 'x';
        memcpy(text + n, c, l), n += l;
        text[n++] = '\'';
        memcpy(text + n, c, l), n += l;
        text[n++] = '1';
        size_t k = count_tokens(text, n, &first);
        if (l == 2 ? (k != 1 || first != n) : (k != 4 || first != 1))
            fail_msg("U+%04X: %zu tokens in x C ' C 1", (unsigned)cp, k);
    }
    assert_int_equal(taken, (0x100 - 0xC0 - 3) + (0x480 - 0x400) + (0xA000 - 0x4E00));
    static const char *const bad[] = {"\xD0", "\xD0\x41", "\xE4\xB8", "\xE4\xB7\xBF", "\xE4\xB8\xC0",
                                      "\xEA\x80\x80", "\xC3\x9F", "\xC3\x97", "\xC3\xB7", "\xC2\xA0",
                                      "\xD2\x80", "\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tally__fast_char((const uint8_t *)bad[i], strlen(bad[i])), 0);
    tally__norm_free(fold);
    tally__norm_free(nfkc);
}

/* find_nonfast's 64-byte blocks against its character-at-a-time reference: random strings of
 * ASCII, the fast path's leads and continuations, the bytes it excludes and others, so that
 * characters are cut, broken and excluded at every offset of a block and across blocks; and
 * every character of up to 3 bytes (and cut-off ones) at the offsets around a block boundary. */
static void test_find_nonfast(void **state)
{
    (void)state;
    static const uint8_t alphabet[] = {'a', ' ', 'Z', 0xC3, 0xD0, 0xD1, 0xE4, 0xE5, 0xE9, 0x80, 0x97,
                                       0x9F, 0xB7, 0xB8, 0xBF, 0xA0, 0xC2, 0xD2, 0xE3, 0xEA, 0xF0, 0xFF};
    static const char *const chars[] = {"\xC3\x80", "\xD0\x90", "\xD1\xBF", "\xE4\xB8\x80",
                                        "\xE9\xBF\xBF", "\xC3\xA9", "\xE5\x80\x80"};
    uint8_t buf[400];
    rng_state = 0x7F4A7C159E3779B9ull;
    size_t nonfast_found = 0;
    for (int round = 0; round < 40000; round++) {
        size_t n = 1 + rnd(sizeof buf);
        int mode = (int)rnd(3);
        for (size_t i = 0; i < n;) {
            /* mode 0: any bytes; 1: mostly well-formed fast characters and ASCII; 2: only those,
             * with at most one byte changed below */
            if (mode == 2 || (mode == 1 && rnd(8) != 0)) {
                const char *c = rnd(3) ? chars[rnd(COUNT(chars))] : "x";
                size_t l = strlen(c);
                for (size_t j = 0; j < l && i < n; j++)
                    buf[i++] = (uint8_t)c[j];
            } else {
                buf[i++] = alphabet[rnd(sizeof alphabet)];
            }
        }
        if (mode == 2 && rnd(2))
            buf[rnd((uint32_t)n)] = alphabet[rnd(sizeof alphabet)];
        uint8_t *exact = malloc(n); /* exactly n bytes, so that ASan sees any read past them */
        assert_non_null(exact);
        memcpy(exact, buf, n);
        size_t a = tally__find_nonfast(exact, n, 0), b = tally__find_nonfast(exact, n, 1);
        free(exact);
        nonfast_found += b < n;
        if (a != b)
            fail_msg("round %d: blocks say %zu, characters %zu (n %zu)", round, a, b, n);
    }
    assert_true(nonfast_found > 4000 && nonfast_found < 36000); /* both outcomes exercised */
    /* a block of fast characters, an ASCII block, then a character the fast path does not take;
     * and an ideograph or a letter cut by the end of a buffer of whole blocks */
    static const struct {
        size_t at, n;
        const char *c;
    } fixed[] = {{130, 192, "\xC2\xA0"}, {150, 192, "\xC3\x97"}, {190, 192, "\xE4\xB8"},
                 {191, 192, "\xE4"}, {127, 128, "\xD0"}, {126, 128, "\xE5\x80"}};
    for (size_t k = 0; k < COUNT(fixed); k++) {
        uint8_t *t = malloc(fixed[k].n);
        assert_non_null(t);
        for (size_t i = 0; i + 3 <= 63; i += 3) /* bytes 0..62: ideographs, then ASCII */
            memcpy(t + i, "\xE5\x9B\xBD", 3);
        memset(t + 63, 'a', fixed[k].n - 63);
        memcpy(t + fixed[k].at, fixed[k].c, strlen(fixed[k].c));
        size_t a = tally__find_nonfast(t, fixed[k].n, 0), b = tally__find_nonfast(t, fixed[k].n, 1);
        assert_int_equal(b, fixed[k].at);
        assert_int_equal(a, b);
        free(t);
    }
    /* every code point U+0080..U+FFFF and cut-off prefixes, at offsets 58..70 in ASCII: both
     * scans stop at it unless it is whole and one of the fast path's (tally__fast_char, checked
     * code point by code point in test_fast_chars) */
    for (uint32_t cp = 0x80; cp <= 0xFFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        uint8_t c[4];
        size_t l = tally__utf8_encode(cp, c);
        for (size_t cut = 1; cut <= l; cut++)
            for (size_t off = 58; off <= 70; off += (cut == l ? 1 : 4)) {
                memset(buf, 'a', 140);
                memcpy(buf + off, c, cut);
                size_t a = tally__find_nonfast(buf, 140, 0), b = tally__find_nonfast(buf, 140, 1);
                size_t want = cut == l && tally__fast_char(c, l) ? 140 : off;
                if (a != want || b != want)
                    fail_msg("U+%04X (%zu of %zu bytes) at %zu: %zu and %zu, not %zu", (unsigned)cp,
                             cut, l, off, a, b, want);
            }
    }
}

static void test_random_unicode(void **state)
{
    (void)state;
    rng_state = 0x9E3779B97F4A7C15ull;
    run_random(U, 400, 120);
}

/* Long ASCII documents (up to 4 KiB: several of the fast path's chunks), both case modes. */
static void test_random_ascii(void **state)
{
    (void)state;
    rng_state = 0x2545F4914F6CDD1Dull;
    run_random_from(U, 0, random_dict_ascii, words_ascii, COUNT(words_ascii), seps_ascii,
                    COUNT(seps_ascii), 300, 700);
    run_random_from(U, 1, random_dict_ascii, words_ascii, COUNT(words_ascii), seps_ascii,
                    COUNT(seps_ascii), 100, 700);
}

static void test_random_whitespace(void **state)
{
    (void)state;
    rng_state = 0x0123456789ABCDEFull;
    run_random(W, 200, 120);
}

/* The pieces agree with hand-counted values for a few fixed documents with phrases over cuts. */
static void test_pieces_fixed(void **state)
{
    (void)state;
    fx f = setup(U, 0, "[g]\njoint building\nbuilding\na b c\nb c\n[h]\nb c\n");
    static const char text[] = "joint   building a b c joint\n\nbuilding a b  c b c";
    /* joint building ×2; building ×2; a b c ×1; b c ×2;
     * g: joint building(0) | joint building(5) | a b c(2) | b c(9) → 4 ... see below */
    size_t len = strlen(text);
    counts whole, part;
    by_matcher(&f, (const uint8_t *)text, len, NULL, 0, &whole);
    /* tokens: joint building a b c joint building a b c b c → 12
     * joint building at 0 and 5; building at 1 and 6; a b c at 2 and 7; b c at 3, 8, 10.
     * g: 0 joint building (→2), 2 a b c (→5), 5 joint building (→7), 7 a b c (→10),
     *    10 b c → 5.  h: b c at 3, 8, 10 → 3. */
    assert_int_equal(whole.tokens, 12);
    assert_int_equal(whole.kw[kw_id(f.d, "joint building")], 2);
    assert_int_equal(whole.kw[kw_id(f.d, "building")], 2);
    assert_int_equal(whole.kw[kw_id(f.d, "a b c")], 2);
    assert_int_equal(whole.kw[kw_id(f.d, "b c")], 3);
    assert_int_equal(whole.grp[grp_id(f.d, "g")], 5);
    assert_int_equal(whole.grp[grp_id(f.d, "h")], 3);
    size_t n_allowed = 0;
    for (size_t l = 1; l <= len; l++) {
        size_t p = tally__tok_safe_cut((const uint8_t *)text, l, 0);
        if (!p)
            continue;
        n_allowed++;
        by_matcher(&f, (const uint8_t *)text, len, &p, 1, &part);
        assert_same_counts(f.d, &whole, &part, "fixed", (const uint8_t *)text, len, p);
    }
    assert_true(n_allowed > 10);
    teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_start_position),
        cmocka_unit_test(test_phrase_links),
        cmocka_unit_test(test_fields_and_documents_break_phrases),
        cmocka_unit_test(test_prefixes),
        cmocka_unit_test(test_groups_leftmost_longest),
        cmocka_unit_test(test_groups_independent),
        cmocka_unit_test(test_long_phrases),
        cmocka_unit_test(test_document_frequency_and_reset),
        cmocka_unit_test(test_doc_abort),
        cmocka_unit_test(test_case_sensitive),
        cmocka_unit_test(test_whitespace_tokenizer),
        cmocka_unit_test(test_chinese),
        cmocka_unit_test(test_normalization),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_pieces_fixed),
        cmocka_unit_test(test_fast_chars),
        cmocka_unit_test(test_find_nonfast),
        cmocka_unit_test(test_random_unicode),
        cmocka_unit_test(test_random_ascii),
        cmocka_unit_test(test_random_whitespace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
