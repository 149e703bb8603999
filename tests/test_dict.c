/* test_dict.c — tests for lib/dict.c through the public dictionary API: the file format
 * (comments, blank lines, White_Space trimming, [group] headers, BOM, CRLF), how terms become
 * keywords (normalization, duplicates under their first spelling, prefixes), group membership,
 * the errors a user sees (code, line, "name:line" in the message: bad headers, terms that could
 * never match their own spelling, other tools' formats, files without terms), warnings about group
 * names that differ only in case, the fingerprint's documented canonical text, and a large
 * dictionary. Group membership has no public accessor, so it is read from the layout in dict.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <xxhash.h>

#include "dict.h"
#include "tally.h"

#define U TALLY_TOKENIZER_UNICODE
#define W TALLY_TOKENIZER_WHITESPACE

/* Parses text as one dictionary file named "t.dict"; returns the add_text result. */
static int add(tally_dict *d, const char *text, tally_error *err)
{
    memset(err, 0, sizeof *err);
    return tally_dict_add_text(d, "t.dict", text, strlen(text), err);
}

/* A compiled dictionary of text; fails the test when parsing or compiling fails. */
static tally_dict *compiled(int tok, int cs, const char *text)
{
    tally_dict *d = tally_dict_new(tok, cs);
    tally_error err;
    int rc = add(d, text, &err);
    if (rc)
        print_error("add_text: %s\n", err.message);
    assert_int_equal(rc, 0);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    return d;
}

static size_t kw_index(const tally_dict *d, const char *name)
{
    for (size_t i = 0; i < tally_dict_keyword_count(d); i++)
        if (strcmp(tally_dict_keyword_name(d, i), name) == 0)
            return i;
    fail_msg("no keyword '%s'", name);
    return SIZE_MAX;
}

static size_t grp_index(const tally_dict *d, const char *name)
{
    for (size_t i = 0; i < tally_dict_group_count(d); i++)
        if (strcmp(tally_dict_group_name(d, i), name) == 0)
            return i;
    fail_msg("no group '%s'", name);
    return SIZE_MAX;
}

/* The groups of keyword kw as "g1,g2" (listing order), from the internal layout. */
static void kw_groups(const tally_dict *d, const char *kw, char *out, size_t size)
{
    const tally_kw *k = &d->kws[kw_index(d, kw)];
    out[0] = '\0';
    for (uint32_t i = 0; i < k->n_groups; i++) {
        size_t o = strlen(out);
        snprintf(out + o, size - o, "%s%s", i ? "," : "", d->groups[k->groups[i]].name);
    }
}

/* The members of group g as "kw1|kw2" (listing order). */
static void grp_members(const tally_dict *d, const char *g, char *out, size_t size)
{
    const tally_group *gr = &d->groups[grp_index(d, g)];
    out[0] = '\0';
    for (uint32_t i = 0; i < gr->n_members; i++) {
        size_t o = strlen(out);
        snprintf(out + o, size - o, "%s%s", i ? "|" : "", d->kws[gr->members[i]].name);
    }
}

#define ASSERT_KW_GROUPS(d, kw, expect)                                                           \
    do {                                                                                          \
        char b_[512];                                                                             \
        kw_groups(d, kw, b_, sizeof b_);                                                          \
        assert_string_equal(b_, expect);                                                          \
    } while (0)
#define ASSERT_MEMBERS(d, g, expect)                                                              \
    do {                                                                                          \
        char b_[512];                                                                             \
        grp_members(d, g, b_, sizeof b_);                                                         \
        assert_string_equal(b_, expect);                                                          \
    } while (0)

/* Every keyword name in order, joined by '|'. */
static void all_keywords(const tally_dict *d, char *out, size_t size)
{
    out[0] = '\0';
    for (size_t i = 0; i < tally_dict_keyword_count(d); i++) {
        size_t o = strlen(out);
        snprintf(out + o, size - o, "%s%s", i ? "|" : "", tally_dict_keyword_name(d, i));
    }
}

#define ASSERT_KEYWORDS(d, expect)                                                                \
    do {                                                                                          \
        char b_[2048];                                                                            \
        all_keywords(d, b_, sizeof b_);                                                           \
        assert_string_equal(b_, expect);                                                          \
    } while (0)

/* Expects text to fail with code at line, the message naming "t.dict:line". */
static void expect_error(int tok, const char *text, int code, uint64_t line)
{
    tally_dict *d = tally_dict_new(tok, 0);
    tally_error err;
    int rc = add(d, text, &err);
    assert_int_equal(rc, code);
    assert_int_equal(err.code, code);
    assert_int_equal(err.line, line);
    char where[64];
    snprintf(where, sizeof where, "t.dict:%llu", (unsigned long long)line);
    if (!strstr(err.message, where))
        fail_msg("message '%s' does not name '%s'", err.message, where);
    tally_dict_free(d);
}

/* ---- the format ---------------------------------------------------------------------------- */

static void test_comments_and_blank_lines(void **state)
{
    (void)state;
    tally_dict *d = compiled(U, 0,
                             "# a comment\n"
                             "\n"
                             "global\n"
                             "   # an indented comment\n"
                             " \t \n"
                             "international\n"
                             "#global governance\n"
                             "\n");
    ASSERT_KEYWORDS(d, "global|international");
    assert_int_equal(tally_dict_group_count(d), 0);
    tally_dict_free(d);

    /* the last line needs no newline; a '#' inside a term is no comment */
    d = compiled(U, 0, "a\nc#");
    ASSERT_KEYWORDS(d, "a|c#");
    tally_dict_free(d);
}

static void test_trims_white_space(void **state)
{
    (void)state;
    /* U+3000 ideographic space, U+00A0 NBSP, U+2003 em space, U+0085 NEL, U+2028, tab, CR, VT */
    tally_dict *d = compiled(U, 0,
                             "\xE3\x80\x80global\xC2\xA0\n"
                             "\t joint building \xE2\x80\x83\r\n"
                             "\xC2\x85\xE2\x80\xA8" "exchange*\v\f\n"
                             "\xE3\x80\x80\xC2\xA0\n" /* only White_Space: a blank line */
                             "\xE3\x80\x80# comment after ideographic space\n");
    ASSERT_KEYWORDS(d, "global|joint building|exchange*");
    tally_dict_free(d);
}

static void test_group_headers(void **state)
{
    (void)state;
    tally_dict *d = compiled(U, 0,
                             "global\n"
                             "[ cooperation ]\n"
                             "cooperation\n"
                             "exchange*\n"
                             "[\xC2\xA0sharing\xE3\x80\x80]\n"
                             "sharing\n"
                             "  [joint]  \n"
                             "joint building\n");
    ASSERT_KEYWORDS(d, "global|cooperation|exchange*|sharing|joint building");
    assert_int_equal(tally_dict_group_count(d), 3);
    assert_string_equal(tally_dict_group_name(d, 0), "cooperation");
    assert_string_equal(tally_dict_group_name(d, 1), "sharing");
    assert_string_equal(tally_dict_group_name(d, 2), "joint");
    ASSERT_KW_GROUPS(d, "global", "");
    ASSERT_KW_GROUPS(d, "cooperation", "cooperation");
    ASSERT_KW_GROUPS(d, "exchange*", "cooperation");
    ASSERT_KW_GROUPS(d, "sharing", "sharing");
    ASSERT_KW_GROUPS(d, "joint building", "joint");
    ASSERT_MEMBERS(d, "cooperation", "cooperation|exchange*");
    ASSERT_MEMBERS(d, "sharing", "sharing");
    tally_dict_free(d);
}

static void test_group_seen_again(void **state)
{
    (void)state;
    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    /* same file */
    assert_int_equal(add(d, "[g]\na\n[h]\nb\n[g]\nc\n", &err), 0);
    /* another add_text: starts ungrouped, and [g] is the same group */
    assert_int_equal(add(d, "d\n[ g ]\ne\n", &err), 0);
    assert_int_equal(tally_dict_add_term(d, "f", &err), 0);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    ASSERT_KEYWORDS(d, "a|b|c|d|e|f");
    assert_int_equal(tally_dict_group_count(d), 2);
    ASSERT_MEMBERS(d, "g", "a|c|e");
    ASSERT_MEMBERS(d, "h", "b");
    ASSERT_KW_GROUPS(d, "d", "");
    ASSERT_KW_GROUPS(d, "f", "");
    tally_dict_free(d);
}

static void test_every_file_starts_ungrouped(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_dict.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char p1[256], p2[256];
    snprintf(p1, sizeof p1, "%s/one.dict", dir);
    snprintf(p2, sizeof p2, "%s/two.dict", dir);
    FILE *f = fopen(p1, "wb");
    assert_non_null(f);
    fputs("[g]\na\n", f);
    fclose(f);
    f = fopen(p2, "wb");
    assert_non_null(f);
    fputs("b\n[g]\nc\n", f);
    fclose(f);

    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    assert_int_equal(tally_dict_add_file(d, p1, &err), 0);
    assert_int_equal(tally_dict_add_file(d, p2, &err), 0);
    assert_int_equal(add(d, "x\n", &err), 0);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    ASSERT_KEYWORDS(d, "a|b|c|x");
    ASSERT_MEMBERS(d, "g", "a|c");
    ASSERT_KW_GROUPS(d, "b", "");
    ASSERT_KW_GROUPS(d, "x", "");
    tally_dict_free(d);
    unlink(p1);
    unlink(p2);
    rmdir(dir);
}

static void test_term_in_several_groups(void **state)
{
    (void)state;
    tally_dict *d = compiled(U, 0,
                             "[g1]\njoint building\nbuilding\n"
                             "[g2]\nbuilding\n"
                             "[g3]\njoint building\n"
                             "[g1]\nbuilding\n"); /* listed again in g1: still once */
    ASSERT_KEYWORDS(d, "joint building|building");
    ASSERT_KW_GROUPS(d, "joint building", "g1,g3");
    ASSERT_KW_GROUPS(d, "building", "g1,g2");
    ASSERT_MEMBERS(d, "g1", "joint building|building");
    ASSERT_MEMBERS(d, "g2", "building");
    ASSERT_MEMBERS(d, "g3", "joint building");
    tally_dict_free(d);
}

static void test_duplicates_after_normalization(void **state)
{
    (void)state;
    tally_dict *d = compiled(U, 0,
                             "Global\n"
                             "[g]\nglobal\n"
                             "[h]\nGLOBAL\n"
                             "[g]\n\xEF\xBC\xA7\xEF\xBD\x8C\xEF\xBD\x8F\xEF\xBD\x82\xEF\xBD\x81\xEF\xBD\x8C\n" /* Ｇｌｏｂａｌ */
                             "[h]\nChina\xE2\x80\x99s\n"                                                   /* China’s */
                             "[g]\nChina's\n"
                             "[h]\nco\xC2\xADoperation\n" /* soft hyphen */
                             "cooperation\n"
                             "joint building\n"
                             "joint-building\n"
                             "joint \xE2\x80\x93 building\n"
                             "Stra\xC3\x9F" "e\n" /* Straße */
                             "STRASSE\n");
    ASSERT_KEYWORDS(d, "Global|China\xE2\x80\x99s|co\xC2\xADoperation|joint building|Stra\xC3\x9F" "e");
    ASSERT_KW_GROUPS(d, "Global", "g,h");
    ASSERT_KW_GROUPS(d, "China\xE2\x80\x99s", "h,g");
    ASSERT_KW_GROUPS(d, "co\xC2\xADoperation", "h");
    ASSERT_MEMBERS(d, "g", "Global|China\xE2\x80\x99s");
    ASSERT_MEMBERS(d, "h", "Global|China\xE2\x80\x99s|co\xC2\xADoperation|joint building|Stra\xC3\x9F" "e");
    tally_dict_free(d);

    /* the same through -k terms */
    d = tally_dict_new(U, 0);
    tally_error err;
    assert_int_equal(tally_dict_add_term(d, "  China's\t", &err), 0);
    assert_int_equal(tally_dict_add_term(d, "CHINA\xCA\xBCS", &err), 0);  /* U+02BC */
    assert_int_equal(tally_dict_add_term(d, "china\xEF\xBC\x87s", &err), 0); /* U+FF07 */
    assert_int_equal(tally_dict_add_term(d, "China\xE2\x80\x98s", &err), 0); /* U+2018 */
    assert_int_equal(tally_dict_compile(d, &err), 0);
    ASSERT_KEYWORDS(d, "China's");
    tally_dict_free(d);
}

static void test_case_sensitive_keeps_case(void **state)
{
    (void)state;
    tally_dict *d = compiled(U, 1, "Global\nglobal\n\xEF\xBC\xA7lobal\nfi\xEF\xAC\x81\nfifi\n");
    /* NFKC still applies: Ｇlobal is Global, ﬁ is fi */
    ASSERT_KEYWORDS(d, "Global|global|fi\xEF\xAC\x81");
    tally_dict_free(d);
}

static void test_prefix_and_exact_are_distinct(void **state)
{
    (void)state;
    tally_dict *d = compiled(U, 0,
                             "exchange*\nexchange\nExchange*\nex*\njoint build*\njoint building\n"
                             "joint-build*\n");
    ASSERT_KEYWORDS(d, "exchange*|exchange|ex*|joint build*|joint building");
    const tally_kw *k = &d->kws[kw_index(d, "joint build*")];
    assert_int_equal(k->n_tokens, 2);
    assert_int_equal(k->n_words, 1);
    assert_int_not_equal(k->prefix, TALLY_NONE);
    k = &d->kws[kw_index(d, "exchange")];
    assert_int_equal(k->n_tokens, 1);
    assert_int_equal(k->prefix, TALLY_NONE);
    tally_dict_free(d);
}

static void test_bom_and_crlf(void **state)
{
    (void)state;
    tally_dict *d = compiled(U, 0, "\xEF\xBB\xBF[g]\r\nglobal\r\n# c\r\n\r\n[ h ]\r\nlocal\r\n");
    ASSERT_KEYWORDS(d, "global|local");
    assert_int_equal(tally_dict_group_count(d), 2);
    assert_string_equal(tally_dict_group_name(d, 0), "g");
    assert_string_equal(tally_dict_group_name(d, 1), "h");
    ASSERT_MEMBERS(d, "g", "global");
    ASSERT_MEMBERS(d, "h", "local");
    tally_dict_free(d);

    d = compiled(U, 0, "\xEF\xBB\xBFglobal\n");
    ASSERT_KEYWORDS(d, "global");
    tally_dict_free(d);

    /* through a file */
    char path[] = "/tmp/test_dict_bom.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "\xEF\xBB\xBF# comment\r\nglobal\r\n[g]\r\nexchange*\r\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    d = tally_dict_new(U, 0);
    tally_error err;
    assert_int_equal(tally_dict_add_file(d, path, &err), 0);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    ASSERT_KEYWORDS(d, "global|exchange*");
    ASSERT_MEMBERS(d, "g", "exchange*");
    tally_dict_free(d);
    unlink(path);
}

/* ---- errors -------------------------------------------------------------------------------- */

static void test_star_in_the_middle(void **state)
{
    (void)state;
    expect_error(U, "global\nex*change\n", TALLY_EDICT, 2);
    expect_error(U, "*global\n", TALLY_EDICT, 1);
    expect_error(U, "# c\n\njoint* building\n", TALLY_EDICT, 3);
    expect_error(U, "a**\n", TALLY_EDICT, 1);
    expect_error(U, "[g]\na\nb\n  glo*bal*  \n", TALLY_EDICT, 4);
}

static void test_term_without_word(void **state)
{
    (void)state;
    expect_error(U, "global\n...\n", TALLY_EDICT, 2);
    expect_error(U, "\xE2\x80\x94\n", TALLY_EDICT, 1);          /* em dash */
    expect_error(U, "a\nb\n[g]\n- , ;\n", TALLY_EDICT, 4);
    expect_error(U, "*\n", TALLY_EDICT, 1);                     /* a prefix of nothing */
    expect_error(U, "\xC2\xAD\n", TALLY_EDICT, 1);              /* a lone soft hyphen: no letter */
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    expect_error(U, "global\nbad\xFF\n", TALLY_EDICT, 2);
    expect_error(U, "a\nb\nc\xC3\n", TALLY_EDICT, 3);              /* truncated sequence */
    expect_error(U, "\xED\xA0\x80\n", TALLY_EDICT, 1);             /* a surrogate */
    expect_error(U, "\xC0\xAF\n", TALLY_EDICT, 1);                 /* overlong */
    expect_error(U, "[gr\xFF" "oup]\nx\n", TALLY_EDICT, 1);
}

static void test_empty_group_name(void **state)
{
    (void)state;
    expect_error(U, "a\n[ ]\nb\n", TALLY_EDICT, 2);
    expect_error(U, "[]\n", TALLY_EDICT, 1);
    expect_error(U, "x\ny\n[\xE3\x80\x80\xC2\xA0]\n", TALLY_EDICT, 3);
}

static void test_terms_before_error_stay(void **state)
{
    (void)state;
    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    assert_int_equal(add(d, "global\n[g]\nlocal\n...\nlater\n", &err), TALLY_EDICT);
    assert_int_equal(err.line, 4);
    assert_int_equal(tally_dict_keyword_count(d), 2);
    assert_string_equal(tally_dict_keyword_name(d, 0), "global");
    assert_string_equal(tally_dict_keyword_name(d, 1), "local");
    tally_dict_free(d);
}

static void test_add_term_errors(void **state)
{
    (void)state;
    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    assert_int_equal(tally_dict_add_term(d, "...", &err), TALLY_EDICT);
    assert_int_equal(tally_dict_add_term(d, "a*b", &err), TALLY_EDICT);
    assert_int_equal(tally_dict_add_term(d, "bad\xFF", &err), TALLY_EDICT);
    assert_int_equal(tally_dict_add_term(d, " \xE3\x80\x80 ", &err), TALLY_EDICT);
    assert_int_equal(tally_dict_keyword_count(d), 0);
    /* a -k term is one term, even when it looks like a header or a comment */
    assert_int_equal(tally_dict_add_term(d, "\xC2\xA0 joint build* ", &err), 0);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    ASSERT_KEYWORDS(d, "joint build*");
    tally_dict_free(d);
}

static void test_missing_file(void **state)
{
    (void)state;
    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    memset(&err, 0, sizeof err);
    assert_int_equal(tally_dict_add_file(d, "/nonexistent/tally/no.dict", &err), TALLY_ENOENT);
    assert_int_equal(err.code, TALLY_ENOENT);
    assert_int_equal(err.line, 0);
    assert_non_null(strstr(err.message, "/nonexistent/tally/no.dict"));
    tally_dict_free(d);
}

static void test_compile_without_terms(void **state)
{
    (void)state;
    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    assert_int_equal(tally_dict_compile(d, &err), TALLY_EDICT);
    assert_string_equal(err.message, "the dictionary has no terms");
    tally_dict_free(d);

    /* a file of comments, blank lines and headers only is an error of its own, named by file,
     * even when another file has terms */
    static const char *const empty[] = {"", "\n\n", "# nothing\n\n[g]\n\n[h]\n", "\xEF\xBB\xBF# x\r\n"};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        d = tally_dict_new(U, 0);
        assert_int_equal(add(d, "global\n", &err), 0);
        assert_int_equal(add(d, empty[i], &err), TALLY_EDICT);
        assert_int_equal(err.code, TALLY_EDICT);
        assert_int_equal(err.line, 0);
        assert_string_equal(err.message, "t.dict has no terms");
        tally_dict_free(d);
    }
}

static void test_file_without_terms(void **state)
{
    (void)state;
    char path[] = "/tmp/test_dict_empty.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "# only a comment\n\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    assert_int_equal(tally_dict_add_term(d, "global", &err), 0);
    memset(&err, 0, sizeof err);
    assert_int_equal(tally_dict_add_file(d, path, &err), TALLY_EDICT);
    char want[128];
    snprintf(want, sizeof want, "%s has no terms", path);
    assert_string_equal(err.message, want);
    tally_dict_free(d);
    unlink(path);
}


/* Expects text (named name) to fail at line with a message holding each of the NULL-ended
 * fragments. */
static void expect_message(int tok, const char *name, const char *text, uint64_t line, ...)
{
    tally_dict *d = tally_dict_new(tok, 0);
    tally_error err;
    memset(&err, 0, sizeof err);
    int rc = tally_dict_add_text(d, name, text, strlen(text), &err);
    if (rc != TALLY_EDICT)
        fail_msg("'%s' gave %d, not TALLY_EDICT (%s)", text, rc, err.message);
    assert_int_equal(err.code, TALLY_EDICT);
    if (err.line != line)
        fail_msg("'%s': error at line %llu, expected %llu (%s)", text,
                 (unsigned long long)err.line, (unsigned long long)line, err.message);
    char where_[300];
    snprintf(where_, sizeof where_, "%s:%llu: ", name, (unsigned long long)line);
    if (strncmp(err.message, where_, strlen(where_)) != 0)
        fail_msg("message '%s' does not start with '%s'", err.message, where_);
    va_list ap;
    va_start(ap, line);
    for (const char *frag; (frag = va_arg(ap, const char *));)
        if (!strstr(err.message, frag))
            fail_msg("message '%s' lacks '%s'", err.message, frag);
    va_end(ap);
    tally_dict_free(d);
}

static void test_malformed_headers(void **state)
{
    (void)state;
    expect_message(U, "t.dict", "a\n[unclosed\nb\n", 2, "closing ']'", "[unclosed", NULL);
    expect_message(U, "t.dict", "[a] extra\nb\n", 1, "after the group header", "[a] extra", NULL);
    expect_message(U, "t.dict", "x\n\n  [a]b]  \n", 3, "after the group header", NULL);
    expect_message(U, "t.dict", "[[a]]\nb\n", 1, "cannot hold '['", NULL);
    expect_message(U, "t.dict", "[a[b]\nb\n", 1, "cannot hold '['", NULL);
    expect_message(U, "t.dict", "[\n", 1, "closing ']'", NULL);
    /* before this change these were the keywords "unclosed" and "a extra": nothing is added */
    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    assert_int_equal(add(d, "[unclosed\n", &err), TALLY_EDICT);
    assert_int_equal(tally_dict_keyword_count(d), 0);
    assert_int_equal(tally_dict_group_count(d), 0);
    tally_dict_free(d);
    /* well-formed headers still work, blanks inside the brackets and around them included */
    d = compiled(U, 0, "[ a b ]\nx\n \t[c]\xC2\xA0\ny\n");
    assert_string_equal(tally_dict_group_name(d, 0), "a b");
    assert_string_equal(tally_dict_group_name(d, 1), "c");
    tally_dict_free(d);
}

/* A term must match its own spelling: words joined by anything but White_Space and dashes can
 * never follow each other in a phrase (README "Counting rules" 5). */
static void test_phrase_gaps(void **state)
{
    (void)state;
    const char *msg = "phrases span only spaces and dashes";
    expect_message(U, "t.dict", "good\ngood, bad\n", 2, "',' (U+002C)", msg, "good, bad", NULL);
    expect_message(U, "t.dict", "AT&T\n", 1, "'&' (U+0026)", msg, NULL);
    expect_message(U, "t.dict", "[g]\njoint. building\n", 2, "'.' (U+002E)", msg, NULL);
    expect_message(U, "t.dict", "joint (building\n", 1, "'(' (U+0028)", NULL);
    expect_message(U, "t.dict", "c# sharp\n", 1, "'#' (U+0023)", NULL);
    expect_message(U, "t.dict", "and/or\n", 1, "'/' (U+002F)", NULL);
    /* "U.S" is one word, and the '.' after it keeps it from any phrase */
    expect_message(U, "t.dict", "U.S. policy\n", 1, "'.' (U+002E)", NULL);
    expect_message(U, "t.dict", "joint \xE2\x80\x94\xE2\x80\xA6 build*\n", 1, /* — then … */
                   "'\xE2\x80\xA6' (U+2026)", NULL);
    expect_message(U, "t.dict", "joint \xF0\x9F\x98\x80 building\n", 1, "U+1F600", NULL);
    /* an invisible character is named by its code point alone */
    expect_message(U, "t.dict", "a\x01" "b\n", 1, "U+0001 stands", NULL);
    expect_message(U, "t.dict", "a \xE2\x80\x8D b\n", 1, "U+200D stands", NULL); /* ZWJ */

    /* what phrases span is accepted, and so is punctuation before, after or inside a word */
    tally_dict *d = compiled(U, 0,
                             "joint building\n"
                             "joint-building2\n"
                             "joint \xE2\x80\x93 building3\n"     /* en dash */
                             "joint\xC2\xA0\xE3\x80\x80" "b4\n"   /* NBSP, ideographic space */
                             "joint --- b5*\n"
                             "(global)\n"
                             "global,\n"
                             "U.S.\n"
                             "China's\n"
                             "\xE5\x85\xA8\xE7\x90\x83\xE5\x90\x88\xE4\xBD\x9C\n");
    assert_int_equal(tally_dict_keyword_count(d), 9); /* (global) and global, are one */
    tally_dict_free(d);

    /* with the whitespace tokenizer every gap inside a field links */
    d = compiled(W, 0, "good, bad\nAT&T\njoint. building\n");
    ASSERT_KEYWORDS(d, "good, bad|AT&T|joint. building");
    tally_dict_free(d);

    /* a term given on its own: the message names it, and no command-line flag */
    d = tally_dict_new(U, 0);
    tally_error err;
    assert_int_equal(tally_dict_add_term(d, "good, bad", &err), TALLY_EDICT);
    assert_int_equal(err.line, 0);
    assert_non_null(strstr(err.message, "','"));
    assert_non_null(strstr(err.message, msg));
    assert_null(strstr(err.message, "-k"));
    assert_int_equal(tally_dict_add_term(d, "AT&T", &err), TALLY_EDICT);
    tally_dict_free(d);
}

static void test_foreign_formats(void **state)
{
    (void)state;
    const char *own = "it is being read as a tally dictionary (one term per line, [group] headers)";
    /* LIWC 2001-2015 */
    expect_message(U, "policy.dic", "%\n1\tposemo\n2\tnegemo\n%\nhappy*\t1\nsad\t2\n", 1,
                   "this looks like a LIWC dictionary (a '%' legend line)", own, NULL);
    expect_message(U, "policy.txt", "\n# x\n%\n1\tposemo\n%\nhappy*\t1\n", 3, "LIWC dictionary", NULL);
    expect_message(U, "policy.dic", "%1 posemo\n", 1, "LIWC dictionary", NULL);
    /* LIWC-22 */
    expect_message(U, "policy.dicx", "DicTerm,posemo,negemo\nhappy*,X,\n", 1,
                   "a LIWC-22 dictionary", own, NULL);
    expect_message(U, "p.csv", "dicterm,a\nx,X\n", 1, "LIWC-22", NULL);
    expect_message(U, "p.dicx", "term,posemo\nhappy*,X\n", 1, "LIWC-22", NULL);
    /* Lexicoder */
    expect_message(U, "policy.lc3", "+positive\nhappy*\n+negative\nsad\n", 1,
                   "a Lexicoder dictionary (a '+name' category line)", own, NULL);
    expect_message(U, "policy.txt", "# x\nhappy\n+negative\nsad\n", 3, "Lexicoder", NULL);
    /* quanteda's YAML */
    expect_message(U, "policy.yml", "economy:\n  - tax\n  - jobs*\n", 1, "a YAML dictionary", own,
                   NULL);
    expect_message(U, "policy.txt", "# x\n\neconomy:\n  - tax\n", 3, "YAML", NULL);
    expect_message(U, "policy.txt", "---\neconomy:\n- tax\n", 1, "YAML", NULL);
    expect_message(U, "policy.txt", "economy: [tax, jobs]\n", 1, "YAML", NULL);
    expect_message(U, "policy.yaml", "economy:\n", 1, "YAML", NULL);
    /* nothing of another format is added */
    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    assert_int_equal(tally_dict_add_text(d, "x", "tax\n+pos\nhappy\n", 16, &err), TALLY_EDICT);
    assert_int_equal(tally_dict_keyword_count(d), 0);
    tally_dict_free(d);

    /* tally dictionaries that share a character with those markers are read as ever, whatever
     * the file's name */
    static const char *const names[] = {"ok.dict", "ok.dic", "ok.yml", "ok.lc3", "ok.dicx"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        d = tally_dict_new(U, 0);
        const char *text = "100%\nc++\n+1\n[g]\neconomy\n-based\n";
        memset(&err, 0, sizeof err);
        int rc = tally_dict_add_text(d, names[i], text, strlen(text), &err);
        if (rc)
            fail_msg("%s: %s", names[i], err.message);
        assert_int_equal(tally_dict_keyword_count(d), 5);
        tally_dict_free(d);
    }
    /* a dash item or a 'key:' line alone is YAML only by a .yml or .yaml name */
    d = compiled(U, 0, "- tax\nnote:\n");
    ASSERT_KEYWORDS(d, "- tax|note:");
    tally_dict_free(d);
}

static void test_group_case_warnings(void **state)
{
    (void)state;
    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    assert_int_equal(tally_dict_warning_count(d), 0);
    assert_null(tally_dict_warning(d, 0));
    const char *t1 = "[economy]\ntax\n[economy]\njobs\n[Economy]\nwage\n";
    assert_int_equal(tally_dict_add_text(d, "a.dict", t1, strlen(t1), &err), 0);
    assert_int_equal(tally_dict_warning_count(d), 1);
    assert_string_equal(tally_dict_warning(d, 0),
                        "a.dict:5: the group [Economy] differs only in case from the group "
                        "[economy] (a.dict:1); they are two groups");
    /* across files; full case folding (ß, ss); a name seen again exactly warns no more */
    const char *t2 = "[ECONOMY]\nx\n[Economy]\ny\n[stra\xC3\x9F" "e]\nz\n[STRASSE]\nw\n[other]\nv\n";
    assert_int_equal(tally_dict_add_text(d, "b.dict", t2, strlen(t2), &err), 0);
    assert_int_equal(tally_dict_warning_count(d), 3);
    assert_string_equal(tally_dict_warning(d, 1),
                        "b.dict:1: the group [ECONOMY] differs only in case from the group "
                        "[economy] (a.dict:1); they are two groups");
    assert_string_equal(tally_dict_warning(d, 2),
                        "b.dict:7: the group [STRASSE] differs only in case from the group "
                        "[stra\xC3\x9F" "e] (b.dict:5); they are two groups");
    assert_null(tally_dict_warning(d, 3));
    assert_int_equal(tally_dict_compile(d, &err), 0);
    /* they stay separate groups */
    assert_int_equal(tally_dict_group_count(d), 6);
    ASSERT_MEMBERS(d, "economy", "tax|jobs");
    ASSERT_MEMBERS(d, "Economy", "wage|y");
    ASSERT_MEMBERS(d, "ECONOMY", "x");
    tally_dict_free(d);
}

/* ---- fingerprints -------------------------------------------------------------------------- */

static void fingerprint_of(int tok, int cs, const char *text, char out[33])
{
    tally_dict *d = compiled(tok, cs, text);
    const char *fp = tally_dict_fingerprint(d);
    assert_int_equal(strlen(fp), 32);
    for (const char *p = fp; *p; p++)
        assert_non_null(strchr("0123456789abcdef", *p));
    memcpy(out, fp, 33);
    tally_dict_free(d);
}

/* XXH128 of text in the canonical big-endian hex form, straight from libxxhash. */
static void xxh128_of(const char *text, size_t n, char out[33])
{
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(text, n));
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", c.digest[i]);
}

static void test_fingerprint_is_the_documented_text(void **state)
{
    (void)state;
    char got[33], want[33];
    /* the hex form is xxhsum -H2's: its digest of "abc" (xxhsum 0.8.1) */
    tally__xxh128_hex("abc", 3, got);
    assert_string_equal(got, "06b05ab6733a618578af5f94892f3950");

    /* README "The summary": the dictionary's canonical text, written out by hand */
    fingerprint_of(U, 0,
                   "Global\n"
                   "[cooperation]\n"
                   "Exchange*\n"
                   "joint-building\n"
                   "[sharing]\n"
                   "joint building\n"
                   "joint build*\n"
                   "[cooperation]\n"
                   "global\n"
                   "[Tab\there]\n"
                   "\xEF\xBC\xA7lobal  Ｃ\n", /* Ｇlobal Ｃ */
                   got);
    static const char canon[] = "tally-dictionary\t1\n"
                                "exact\tglobal\n"
                                "prefix\texchange\n"
                                "exact\tjoint\tbuilding\n"
                                "prefix\tjoint\tbuild\n"
                                "exact\tglobal\tc\n"
                                "group\tcooperation\n"
                                "member\t2\n"
                                "member\t3\n"
                                "member\t1\n"
                                "group\tsharing\n"
                                "member\t3\n"
                                "member\t4\n"
                                "group\tTab\there\n"
                                "member\t5\n";
    xxh128_of(canon, sizeof canon - 1, want);
    assert_string_equal(got, want);

    /* a word that normalizes to '*' (whitespace tokenizer, U+FF0A) is no prefix */
    fingerprint_of(W, 0, "a\xEF\xBC\x8A\n", got);
    static const char canon2[] = "tally-dictionary\t1\nexact\ta*\n";
    xxh128_of(canon2, sizeof canon2 - 1, want);
    assert_string_equal(got, want);
    fingerprint_of(W, 0, "a*\n", got);
    static const char canon3[] = "tally-dictionary\t1\nprefix\ta\n";
    xxh128_of(canon3, sizeof canon3 - 1, want);
    assert_string_equal(got, want);
}

static void test_fingerprints(void **state)
{
    (void)state;
    const char *base = "global\n[g]\nexchange*\njoint building\n[h]\nsharing\n";
    char a[33], b[33];
    fingerprint_of(U, 0, base, a);
    fingerprint_of(U, 0, base, b);
    assert_string_equal(a, b);
    /* comments, blank lines, trimming, CRLF and a BOM change nothing */
    fingerprint_of(U, 0, "\xEF\xBB\xBF# x\r\n global\r\n\r\n[ g ]\r\nexchange*\r\njoint building\r\n[h]\r\nsharing\r\n", b);
    assert_string_equal(a, b);
    /* the same dictionary through two add calls */
    {
        tally_dict *d = tally_dict_new(U, 0);
        tally_error err;
        assert_int_equal(add(d, "global\n[g]\nexchange*\n", &err), 0);
        assert_int_equal(add(d, "[g]\njoint building\n[h]\nsharing\n", &err), 0);
        assert_int_equal(tally_dict_compile(d, &err), 0);
        assert_string_equal(tally_dict_fingerprint(d), a);
        tally_dict_free(d);
    }

    /* the spelling is not in it: terms equal after normalization count alike */
    fingerprint_of(U, 0, "GLOBAL\n[g]\nExchange*\njoint-building\n[h]\nSharing\n", b);
    assert_string_equal(a, b);
    /* nor the tokenizer and case rule: they are settings of the run (tests/cli/fingerprint.sh
     * checks that the summary's fingerprint holds them); these lower-case ASCII terms are alike
     * under both */
    fingerprint_of(U, 1, base, b);
    assert_string_equal(a, b);
    fingerprint_of(W, 0, base, b);
    assert_string_equal(a, b);

    static const struct {
        int tok, cs;
        const char *text;
    } diff[] = {
        {U, 1, "Global\n[g]\nexchange*\njoint building\n[h]\nsharing\n"},    /* case kept */
        {W, 0, "global\n[g]\nexchange*\njoint-building\n[h]\nsharing\n"},    /* one word */
        {U, 0, "globe\n[g]\nexchange*\njoint building\n[h]\nsharing\n"},     /* a term */
        {U, 0, "global\n[g]\nexchange\njoint building\n[h]\nsharing\n"},     /* prefix or not */
        {U, 0, "global\n[g]\nexchange*\njoint building\n[i]\nsharing\n"},    /* group name */
        {U, 0, "global\n[g]\nexchange*\n[h]\njoint building\nsharing\n"},    /* membership */
        {U, 0, "[g]\nglobal\nexchange*\njoint building\n[h]\nsharing\n"},    /* membership */
        {U, 0, "global\n[g]\nexchange*\njoint building\n[h]\nsharing\n[g]\nsharing\n"},
        {U, 0, "global\n[g]\njoint building\nexchange*\n[h]\nsharing\n"},    /* order */
        {U, 0, "global\n[g]\nexchange*\njoint\n[h]\nsharing\n"},             /* phrase length */
        {U, 0, "global\n[g]\nexchange*\njoint building\n[h]\nsharing\nmore\n"},
    };
    char seen[sizeof diff / sizeof diff[0]][33];
    for (size_t i = 0; i < sizeof diff / sizeof diff[0]; i++) {
        fingerprint_of(diff[i].tok, diff[i].cs, diff[i].text, seen[i]);
        if (strcmp(seen[i], a) == 0)
            fail_msg("variant %zu has the base fingerprint %s", i, a);
        for (size_t j = 0; j < i; j++)
            if (strcmp(seen[i], seen[j]) == 0)
                fail_msg("variants %zu and %zu share fingerprint %s", j, i, seen[i]);
    }
}

/* ---- tokenizer modes ----------------------------------------------------------------------- */

static void test_whitespace_mode_terms(void **state)
{
    (void)state;
    /* whitespace mode: every run of non-White_Space is a token, punctuation included */
    tally_dict *d = compiled(W, 0, "global\nglobal,\nGLOBAL\nU.S.\n...\njoint-building\njoint building\n");
    ASSERT_KEYWORDS(d, "global|global,|U.S.|...|joint-building|joint building");
    assert_int_equal(d->kws[kw_index(d, "joint-building")].n_tokens, 1);
    assert_int_equal(d->kws[kw_index(d, "joint building")].n_tokens, 2);
    assert_int_equal(d->kws[kw_index(d, "...")].n_tokens, 1);
    tally_dict_free(d);

    /* unicode mode: "global," is "global", "U.S." is "U.S", "joint-building" two words */
    d = compiled(U, 0, "global\nglobal,\nU.S.\nU.S\njoint-building\njoint building\n");
    ASSERT_KEYWORDS(d, "global|U.S.|joint-building");
    assert_int_equal(d->kws[kw_index(d, "joint-building")].n_tokens, 2);
    assert_int_equal(d->kws[kw_index(d, "U.S.")].n_tokens, 1);
    tally_dict_free(d);

    /* Han ideographs are one token each in unicode mode, one run in whitespace mode */
    d = compiled(U, 0, "\xE5\x85\xA8\xE7\x90\x83\xE5\x90\x88\xE4\xBD\x9C\n"); /* 全球合作 */
    assert_int_equal(d->kws[0].n_tokens, 4);
    tally_dict_free(d);
    d = compiled(W, 0, "\xE5\x85\xA8\xE7\x90\x83\xE5\x90\x88\xE4\xBD\x9C\n");
    assert_int_equal(d->kws[0].n_tokens, 1);
    tally_dict_free(d);
}

/* ---- scale --------------------------------------------------------------------------------- */

static void test_large_dictionary(void **state)
{
    (void)state;
    const size_t n = 100000;
    size_t cap = n * 40;
    char *text = malloc(cap);
    assert_non_null(text);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % 1000 == 0)
            o += (size_t)snprintf(text + o, cap - o, "[group%zu]\n", i / 1000 % 37);
        switch (i % 4) {
        case 0: o += (size_t)snprintf(text + o, cap - o, "w%zu\n", i); break;
        case 1: o += (size_t)snprintf(text + o, cap - o, "w%zu x%zu\n", i, i % 977); break;
        case 2: o += (size_t)snprintf(text + o, cap - o, "p%zu*\n", i); break;
        default: o += (size_t)snprintf(text + o, cap - o, "w%zu y z%zu*\n", i % 5000, i); break;
        }
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    assert_int_equal(tally_dict_add_text(d, "big.dict", text, o, &err), 0);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(tally_dict_keyword_count(d), n);
    assert_int_equal(tally_dict_group_count(d), 37);
    assert_string_equal(tally_dict_keyword_name(d, 99999), "w4999 y z99999*");
    fprintf(stderr, "# 100,000 terms parsed and compiled in %.3f s\n",
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    tally_dict_free(d);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_comments_and_blank_lines),
        cmocka_unit_test(test_trims_white_space),
        cmocka_unit_test(test_group_headers),
        cmocka_unit_test(test_group_seen_again),
        cmocka_unit_test(test_every_file_starts_ungrouped),
        cmocka_unit_test(test_term_in_several_groups),
        cmocka_unit_test(test_duplicates_after_normalization),
        cmocka_unit_test(test_case_sensitive_keeps_case),
        cmocka_unit_test(test_prefix_and_exact_are_distinct),
        cmocka_unit_test(test_bom_and_crlf),
        cmocka_unit_test(test_star_in_the_middle),
        cmocka_unit_test(test_term_without_word),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_empty_group_name),
        cmocka_unit_test(test_terms_before_error_stay),
        cmocka_unit_test(test_add_term_errors),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_compile_without_terms),
        cmocka_unit_test(test_file_without_terms),
        cmocka_unit_test(test_malformed_headers),
        cmocka_unit_test(test_phrase_gaps),
        cmocka_unit_test(test_foreign_formats),
        cmocka_unit_test(test_group_case_warnings),
        cmocka_unit_test(test_fingerprint_is_the_documented_text),
        cmocka_unit_test(test_fingerprints),
        cmocka_unit_test(test_whitespace_mode_terms),
        cmocka_unit_test(test_large_dictionary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
