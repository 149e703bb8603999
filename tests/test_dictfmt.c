/* test_dictfmt.c — tests for lib/dictfmt.c and lib/dict_yaml.c through the public API: LIWC .dic,
 * LIWC-22 .dicx, Lexicoder .lc3 and quanteda YAML dictionaries, written by hand for these tests,
 * become the keywords and groups written out in each test (group membership is read from the
 * layout in dict.h); every malformed case a reader refuses gives TALLY_EDICT with its line and a
 * message naming file, line and reason; detection by extension and the explicit format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common.h"
#include "dict.h"
#include "tally.h"

#define U TALLY_TOKENIZER_UNICODE

/* "kw1|kw2 ; group:kwA,kwB ; group2:" — keywords in order, then each group and its members. */
static char *render(const tally_dict *d)
{
    tally_buf b;
    tally__buf_init(&b);
    for (size_t k = 0; k < d->n_kws; k++) {
        if (k)
            tally__buf_append(&b, "|", 1);
        tally__buf_append(&b, d->kws[k].name, strlen(d->kws[k].name));
    }
    for (size_t g = 0; g < d->n_groups; g++) {
        tally__buf_append(&b, " ; ", 3);
        tally__buf_append(&b, d->groups[g].name, strlen(d->groups[g].name));
        tally__buf_append(&b, ":", 1);
        for (uint32_t i = 0; i < d->groups[g].n_members; i++) {
            const char *n = d->kws[d->groups[g].members[i]].name;
            if (i)
                tally__buf_append(&b, ",", 1);
            tally__buf_append(&b, n, strlen(n));
        }
    }
    tally__buf_append(&b, "", 1);
    return (char *)b.data;
}

/* Reads text as a file called name in format; the dictionary must parse and read as want. */
static void expect_dict(const char *name, int format, const char *text, size_t len,
                        const char *want)
{
    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    memset(&err, 0, sizeof err);
    int rc = tally_dict_add_text_format(d, name, text, len, format, &err);
    if (rc)
        fail_msg("%s: %s", name, err.message);
    char *got = render(d);
    if (strcmp(got, want) != 0)
        fail_msg("%s:\n got  %s\n want %s", name, got, want);
    free(got);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    tally_dict_free(d);
}

#define DICT(name, format, text, want) expect_dict(name, format, text, sizeof text - 1, want)

/* The text is refused with TALLY_EDICT at line; the message begins "NAME:LINE: " (or is
 * "NAME has no terms" for line 0) and holds every pattern (NULL-terminated). */
static void expect_error(const char *name, int format, const char *text, size_t len,
                         uint64_t line, ...)
{
    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    memset(&err, 0, sizeof err);
    int rc = tally_dict_add_text_format(d, name, text, len, format, &err);
    if (rc != TALLY_EDICT)
        fail_msg("%s: returned %d, want TALLY_EDICT (%s)", name, rc, err.message);
    if (err.line != line)
        fail_msg("%s: error at line %llu, want %llu: %s", name, (unsigned long long)err.line,
                 (unsigned long long)line, err.message);
    char pre[300];
    if (line)
        snprintf(pre, sizeof pre, "%s:%llu: ", name, (unsigned long long)line);
    else
        snprintf(pre, sizeof pre, "%s has no terms", name);
    if (strncmp(err.message, pre, strlen(pre)) != 0)
        fail_msg("%s: message does not begin with '%s': %s", name, pre, err.message);
    va_list ap;
    va_start(ap, line);
    for (const char *p; (p = va_arg(ap, const char *));)
        if (!strstr(err.message, p))
            fail_msg("%s: '%s' not in: %s", name, p, err.message);
    va_end(ap);
    tally_dict_free(d);
}

#define ERR(name, format, text, line, ...) \
    expect_error(name, format, text, sizeof text - 1, line, __VA_ARGS__, NULL)

#define LIWC TALLY_DICT_LIWC
#define DICX TALLY_DICT_DICX
#define LC3 TALLY_DICT_LEXICODER
#define YAML TALLY_DICT_YAML
#define AUTO TALLY_DICT_AUTO

/* ---- LIWC ------------------------------------------------------------------------------------ */

static void test_liwc(void **state)
{
    (void)state;
    /* zero-padded ids, a LIWC 2015 subcategory (leading tab), spaces in the legend, a phrase, a
     * term in two categories, a term listed twice, ids after spaces instead of tabs */
    DICT("p.dic", LIWC,
         "%\n"
         "01\tposemo\n"
         "\t002\tjoy\n"
         "3   negemo\n"
         "%\n"
         "happy*\t1\t2\n"
         "\n"
         "a lot\t01\n"
         "sad\t3\n"
         "glad  1 2\n"
         "sad\t1\n",
         "happy*|a lot|sad|glad ; posemo:happy*,a lot,glad,sad ; joy:happy*,glad ; "
         "negemo:sad");
    /* BOM and CRLF, blank lines before the legend, a category without terms */
    DICT("p.dic", LIWC, "\xEF\xBB\xBF\r\n%\r\n1\ta\r\n2\tb\r\n%\r\nx\t1\r\n",
         "x ; a:x ; b:");
    /* the whole line after the first tab holds the ids: they may be separated by spaces */
    DICT("p.dic", LIWC, "%\n1 a\n2 b\n%\nkind of\t1 2\n", "kind of ; a:kind of ; b:kind of");
    /* a term may be a number when a tab separates it from its categories */
    DICT("p.dic", LIWC, "%\n1 a\n%\n911\t1\n", "911 ; a:911");
}

static void test_liwc_errors(void **state)
{
    (void)state;
    ERR("p.dic", LIWC, "1\tposemo\n%\n", 1, "does not look like a LIWC dictionary", "'%'");
    ERR("p.dic", LIWC, "happy\n", 1, "does not look like a LIWC dictionary");
    ERR("p.dic", LIWC, "\n\n", 1, "does not look like a LIWC dictionary");
    ERR("p.dic", LIWC, "\n%\n1 a\n2 b\n", 2, "no closing line");
    ERR("p.dic", LIWC, "%\n%\nhappy\t1\n", 2, "legend is empty");
    ERR("p.dic", LIWC, "%\nposemo\n%\n", 2, "category number and a name", "posemo");
    ERR("p.dic", LIWC, "%\n1a posemo\n%\n", 2, "followed by a tab or spaces");
    ERR("p.dic", LIWC, "%\n1\n%\n", 2, "category without a name");
    ERR("p.dic", LIWC, "%\n1 \t \n%\n", 2, "category without a name");
    ERR("p.dic", LIWC, "%\n1 a\n01 b\n%\nx\t1\n", 3, "category number 1 is defined twice",
        "line 2");
    ERR("p.dic", LIWC, "%\n1 a\n2 a\n%\n", 3, "category 'a' is defined twice", "line 2");
    ERR("p.dic", LIWC, "%\n1234567890 a\n%\n", 2, "too large");
    ERR("p.dic", LIWC, "%\n1 a\n%\nhappy\t1\nsad\t7\n", 5, "category 7 is not in the legend",
        "sad");
    ERR("p.dic", LIWC, "%\n1 a\n%\nkind\t(02 134)125/464\n", 4, "conditional categories",
        "kind");
    ERR("p.dic", LIWC, "%\n1 a\n%\nkind (1)1/1\n", 4, "conditional categories", "kind");
    ERR("p.dic", LIWC, "%\n1 a\n%\nkind <of>\t1\n", 4, "<of>", "kind <of>");
    ERR("p.dic", LIWC, "%\n1 a\n%\nhappy\n", 4, "no category number", "happy");
    ERR("p.dic", LIWC, "%\n1 a\n%\n\t1\n", 4, "without a term");
    ERR("p.dic", LIWC, "%\n1 a\n%\nhappy\tone\n", 4, "'one' is not a category number");
    ERR("p.dic", LIWC, "%\n1 a\n%\nha\xFFppy\t1\n", 4, "invalid UTF-8 at byte 3");
    ERR("p.dic", LIWC, "%\n1 a\n%\nhap?y\t1\n", 4, "'?' is a wildcard", "hap?y");
    ERR("p.dic", LIWC, "%\n1 a\n%\n*deceit*\t1\n", 4, "'*' is a wildcard only at the end",
        "*deceit*");
    ERR("p.dic", LIWC, "%\n1 a\n%\n...\t1\n", 4, "yields no word", "...");
    ERR("p.dic", LIWC, "%\n1 a\n%\ngood, bad\t1\n", 4, "phrases span only spaces and dashes");
    ERR("p.dic", LIWC, "%\n1 a\n%\n", 0, "");
    /* the terms before an error stay added, as in tally's format */
    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    const char *t = "%\n1 a\n%\nhappy\t1\nsad\t9\n";
    assert_int_equal(tally_dict_add_text_format(d, "p.dic", t, strlen(t), LIWC, &err),
                     TALLY_EDICT);
    assert_int_equal(tally_dict_keyword_count(d), 1);
    tally_dict_free(d);
}

/* ---- LIWC-22 ---------------------------------------------------------------------------------- */

static void test_dicx(void **state)
{
    (void)state;
    DICT("p.dicx", DICX,
         "DicTerm,posemo,negemo\n"
         "happy*,X,\n"
         "\"well,\",X,X\n"
         "\"\"\"no\"\"\",,x\n"
         "sad,,X\n",
         "happy*|well,|\"no\"|sad ; posemo:happy*,well, ; negemo:well,,\"no\",sad");
    /* Entry as the first column (any case), BOM, CRLF, blank rows, short rows, spaces around
     * cells, a quoted cell over two lines, an unnamed column left empty */
    DICT("p.dicx", DICX,
         "\xEF\xBB\xBF" "entry, a ,b,\r\n"
         "\r\n"
         "x,X\r\n"
         ",,,\r\n"
         "\"y\", , X ,\r\n"
         "w,x,\"x\r\n\"",
         "x|y|w ; a:x,w ; b:y,w");
}

static void test_dicx_weights(void **state)
{
    (void)state;
    /* numeric cells other than 1 are weights: one warning for the file, membership kept */
    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    const char *t = "DicTerm,a,b\nx,0.5,\ny,1,-2\nz,X,3e1\n";
    assert_int_equal(tally_dict_add_text_format(d, "w.dicx", t, strlen(t), DICX, &err), 0);
    assert_int_equal(tally_dict_warning_count(d), 1);
    const char *w = tally_dict_warning(d, 0);
    assert_non_null(strstr(w, "w.dicx:2: "));
    assert_non_null(strstr(w, "'0.5' in column 2"));
    assert_non_null(strstr(w, "weights are ignored"));
    char *got = render(d);
    assert_string_equal(got, "x|y|z ; a:x,y,z ; b:y,z");
    free(got);
    tally_dict_free(d);
    /* marks and 1s are not weights */
    d = tally_dict_new(U, 0);
    t = "DicTerm,a,b\nx,1,\ny,X,1.0\n";
    assert_int_equal(tally_dict_add_text_format(d, "w.dicx", t, strlen(t), DICX, &err), 0);
    assert_int_equal(tally_dict_warning_count(d), 0);
    tally_dict_free(d);
}

static void test_dicx_errors(void **state)
{
    (void)state;
    ERR("p.dicx", DICX, "term,posemo\nhappy,X\n", 1, "does not look like a LIWC-22",
        "DicTerm", "'term'");
    ERR("p.dicx", DICX, "\n\n", 1, "no header row");
    ERR("p.dicx", DICX, "DicTerm\nhappy,X\n", 1, "names no category");
    ERR("p.dicx", DICX, "DicTerm,a,a\n", 1, "category 'a' is defined twice");
    ERR("p.dicx", DICX, "DicTerm,a\nhappy,X\n\"sad,X\nmad,X\n", 3, "quoted cell is not closed");
    ERR("p.dicx", DICX, "DicTerm,a\n\"happy\"x,X\n", 2, "after the closing quote");
    ERR("p.dicx", DICX, "DicTerm,a,,b\nhappy,,X\n", 2, "cell 3 is marked", "no category",
        "happy");
    ERR("p.dicx", DICX, "DicTerm,a\nhappy,X,X\n", 2, "cell 3 is marked");
    ERR("p.dicx", DICX, "DicTerm,a,b\nhappy,,\n", 2, "in no category", "happy");
    ERR("p.dicx", DICX, "DicTerm,a\n,X\n", 2, "no term");
    ERR("p.dicx", DICX, "DicTerm,a\nha?py,X\n", 2, "'?' is a wildcard");
    /* a quoted cell over several lines: the next row's line is still right */
    ERR("p.dicx", DICX, "DicTerm,a\nx,\"X\n\"\ny,\"\nX\"\nha?,X\n", 6, "'?' is a wildcard");
    ERR("p.dicx", DICX, "DicTerm,\"a\nb\"\n", 1, "control character (U+000A)");
    ERR("p.dicx", DICX, "DicTerm,a\n", 0, "");
}

/* ---- Lexicoder -------------------------------------------------------------------------------- */

static void test_lexicoder(void **state)
{
    (void)state;
    DICT("p.lc3", LC3,
         "\xEF\xBB\xBF+positive\r\n"
         "happy*\r\n"
         "a good deal\r\n"
         "\r\n"
         "+negative #FF0000\r\n"
         "sad\r\n"
         "happy*\r\n"
         "+empty#00ff00\r\n",
         "happy*|a good deal|sad ; positive:happy*,a good deal ; negative:sad,happy* ; empty:");
}

static void test_lexicoder_errors(void **state)
{
    (void)state;
    ERR("p.lc3", LC3, "happy\n+pos\n", 1, "does not look like a Lexicoder", "'+name'", "happy");
    ERR("p.lc3", LC3, "\n", 1, "no '+name' category header");
    ERR("p.lc3", LC3, "+pos\nhappy\n+ #ccc\nsad\n", 3, "category without a name");
    ERR("p.lc3", LC3, "+pos\nhappy\n+pos\nsad\n", 3, "'pos' is defined twice", "line 1");
    ERR("p.lc3", LC3, "+pos\nha*ppy\n", 2, "'*' is a wildcard only at the end", "ha*ppy");
    ERR("p.lc3", LC3, "+pos\n", 0, "");
}

/* ---- YAML ------------------------------------------------------------------------------------- */

static void test_yaml(void **state)
{
    (void)state;
    DICT("p.yml", YAML,
         "# a comment\n"
         "economy:\n"
         "  - tax*\n"
         "  - joint building\n"
         "AFRICA:\n"
         "  EAST:\n"
         "    KE: [kenya, nairobi]\n"
         "    TZ: tanzania\n"
         "  '': [africa]\n"
         "  WEST:\n"
         "    NG:\n"
         "      - nigeria\n"
         "      - \"lagos\"\n"
         "'': [ungrouped, tax*]\n"
         "later:\n",
         "tax*|joint building|kenya|nairobi|tanzania|africa|nigeria|lagos|ungrouped ; "
         "economy:tax*,joint building ; AFRICA.EAST.KE:kenya,nairobi ; AFRICA.EAST.TZ:tanzania ; "
         "AFRICA:africa ; AFRICA.WEST.NG:nigeria,lagos ; later:");
    /* BOM, CRLF, a document start and end, flow mappings, an empty key that goes on nesting */
    DICT("p.yaml", YAML,
         "\xEF\xBB\xBF---\r\n"
         "a: {b: [x, y], \"\": {c: [z]}}\r\n"
         "...\r\n",
         "x|y|z ; a.b:x,y ; a.c:z");
}

static void test_yaml_errors(void **state)
{
    (void)state;
    ERR("p.yml", YAML, "- tax\n- jobs\n", 1, "must be a mapping");
    ERR("p.yml", YAML, "tax\n", 1, "must be a mapping");
    ERR("p.yml", YAML, "a: [x]\nb: &l [y]\nc: *l\n", 3, "aliases");
    ERR("p.yml", YAML, "a:\n  - x\n  - *y\n", 3, "aliases");
    ERR("p.yml", YAML, "a: [x]\nb: [y]\na: [z]\n", 3, "key 'a' appears twice");
    ERR("p.yml", YAML, "A.B: [x]\nA:\n  B: [y]\n", 3, "key 'A.B' is defined twice", "line 1");
    ERR("p.yml", YAML, "a: [x]\n---\nb: [y]\n", 2, "second YAML document");
    ERR("p.yml", YAML, "a:\n  - x\n  - {b: y}\n", 3, "a list item must be a term");
    ERR("p.yml", YAML, "a:\n  - x\n  -\n", 3, "empty list item");
    ERR("p.yml", YAML, "a: [x\nb: [y]\n", 2, "YAML: ");
    ERR("p.yml", YAML, "a:\n  - x\n b: [y]\n", 3, "YAML: ");
    ERR("p.yml", YAML, "[a]: [x]\n", 1, "a key must be a name");
    ERR("p.yml", YAML, "a: [x, \"ta?\"]\n", 1, "'?' is a wildcard", "ta?");
    ERR("p.yml", YAML, "a: [x]\nb: [\"\"]\n", 2, "an empty term");
    ERR("p.yml", YAML, "a: [\"x\\ny\"]\n", 1, "control character (U+000A)");
    ERR("p.yml", YAML, "a: [x]\nb: [\xC3\x28]\n", 2, "invalid UTF-8 at byte 5");
    ERR("p.yml", YAML, "a: [x, \"...\"]\n", 1, "yields no word");
    /* a lone CR is a line break to YAML and not to the others: refused in every format */
    ERR("p.yml", YAML, "a: [x]\rb: [y]\n", 1, "carriage return (CR) at byte 7");
    ERR("p.lc3", LC3, "+a\nx\ry\n", 2, "carriage return (CR) at byte 2");
    ERR("p.yml", YAML, "a:\n", 0, "");
    ERR("p.yml", YAML, "", 0, "");
    /* nesting beyond the limit is refused, not followed down the stack */
    tally_buf b;
    tally__buf_init(&b);
    for (int i = 0; i < 100; i++)
        tally__buf_append(&b, "k: {", 4);
    tally__buf_append(&b, "z: [x]", 6);
    for (int i = 0; i < 100; i++)
        tally__buf_append(&b, "}", 1);
    expect_error("deep.yml", YAML, (const char *)b.data, b.len, 1, "nested more than", NULL);
    tally__buf_cleanup(&b);
}

/* ---- detection and the API -------------------------------------------------------------------- */

static void test_detection(void **state)
{
    (void)state;
    /* by extension, in any case */
    DICT("P.DIC", AUTO, "%\n1 a\n%\nx\t1\n", "x ; a:x");
    DICT("p.dicx", AUTO, "DicTerm,a\nx,X\n", "x ; a:x");
    DICT("p.Lc3", AUTO, "+a\nx\n", "x ; a:x");
    DICT("p.yaml", AUTO, "a: [x]\n", "x ; a:x");
    DICT("p.yml", AUTO, "a: [x]\n", "x ; a:x");
    DICT("p.dict", AUTO, "[a]\nx\n", "x ; a:x");
    /* the named format wins over the name */
    DICT("p.txt", LIWC, "%\n1 a\n%\nx\t1\n", "x ; a:x");
    DICT("p.dic", TALLY_DICT_TALLY, "[a]\nx\n", "x ; a:x");
    /* content that does not fit the extension's format says so */
    ERR("p.dic", AUTO, "[a]\nx\n", 1, "does not look like a LIWC dictionary");
    ERR("p.yml", AUTO, "[a]\nx\n", 1, "must be a mapping");
    /* another format's content in a tally dictionary names the format to ask for */
    ERR("p.txt", AUTO, "%\n1 a\n%\nx\t1\n", 1, "this looks like a LIWC dictionary",
        "read it in format 'liwc'");
    ERR("p.txt", AUTO, "a:\n  - x\n", 1, "YAML", "read it in format 'yaml'");

    tally_dict *d = tally_dict_new(U, 0);
    tally_error err;
    assert_int_equal(tally_dict_add_text_format(d, "x", "a", 1, 9, &err), TALLY_EINVAL);
    assert_int_equal(tally_dict_add_file_format(d, "x", -1, &err), TALLY_EINVAL);
    assert_int_equal(tally_dict_add_file_format(d, "/nonexistent/p.dic", AUTO, &err),
                     TALLY_ENOENT);
    /* a file on disk */
    char path[] = "/tmp/test_dictfmt_XXXXXX.lc3";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "+pos\nhappy\n", 11), 11);
    close(fd);
    assert_int_equal(tally_dict_add_file_format(d, path, AUTO, &err), 0);
    assert_int_equal(tally_dict_group_count(d), 1);
    assert_string_equal(tally_dict_group_name(d, 0), "pos");
    /* the same group from a second file is the same group, not a duplicate */
    assert_int_equal(tally_dict_add_text_format(d, "q.lc3", "+pos\nglad\n", 10, AUTO, &err), 0);
    char *got = render(d);
    assert_string_equal(got, "happy|glad ; pos:happy,glad");
    free(got);
    assert_int_equal(tally_dict_compile(d, &err), 0);
    /* nothing is added after compiling, not even a group */
    assert_int_equal(tally_dict_add_text_format(d, "r.lc3", "+neg\nsad\n", 9, AUTO, &err),
                     TALLY_EINVAL);
    assert_int_equal(tally_dict_group_count(d), 1);
    unlink(path);
    tally_dict_free(d);
}

/* The same terms and groups, in the same order, give the same digest in every format. */
static void test_same_digest(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text;
    } f[] = {
        {"s.dict", "[pos]\nhappy*\na lot\n[neg]\na lot\nsad\n"},
        {"s.dic", "%\n1 pos\n2 neg\n%\nhappy*\t1\na lot\t1\t2\nsad\t2\n"},
        {"s.dicx", "DicTerm,pos,neg\nhappy*,X,\na lot,X,X\nsad,,X\n"},
        {"s.lc3", "+pos\nhappy*\na lot\n+neg\na lot\nsad\n"},
        {"s.yml", "pos: [happy*, a lot]\nneg: [a lot, sad]\n"},
    };
    char first[33] = "";
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        tally_dict *d = tally_dict_new(U, 0);
        tally_error err;
        if (tally_dict_add_text_format(d, f[i].name, f[i].text, strlen(f[i].text), AUTO, &err) ||
            tally_dict_compile(d, &err))
            fail_msg("%s: %s", f[i].name, err.message);
        if (i == 0)
            snprintf(first, sizeof first, "%s", tally_dict_fingerprint(d));
        else
            assert_string_equal(tally_dict_fingerprint(d), first);
        tally_dict_free(d);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_liwc),
        cmocka_unit_test(test_liwc_errors),
        cmocka_unit_test(test_dicx),
        cmocka_unit_test(test_dicx_weights),
        cmocka_unit_test(test_dicx_errors),
        cmocka_unit_test(test_lexicoder),
        cmocka_unit_test(test_lexicoder_errors),
        cmocka_unit_test(test_yaml),
        cmocka_unit_test(test_yaml_errors),
        cmocka_unit_test(test_detection),
        cmocka_unit_test(test_same_digest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
