/* test_jsonl.c — unit tests of the JSON Lines field scanner (lib/jsonl.c): strict validation with
 * error offsets, field and id extraction, duplicate keys, escapes and surrogates, ill-formed UTF-8,
 * 100,000-deep nesting, a differential test against jansson on generated lines, and the
 * JSONTestSuite corpus when it is present. Every line is scanned from a buffer that ends right
 * before an unreadable page, so a read past the end crashes the test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "jsonl.h"

/* ---- guarded scanning --------------------------------------------------------------------- */

static uint8_t *guard_base;
static size_t guard_size; /* readable bytes before the guard page */
static const uint8_t *guard_line; /* where the last line was placed */

static void guard_release(void)
{
    if (guard_base)
        munmap(guard_base, guard_size + (size_t)sysconf(_SC_PAGESIZE));
    guard_base = NULL;
    guard_size = 0;
}

/* Copies the line so that its last byte is the last readable byte before a PROT_NONE page. */
static const uint8_t *guarded(const void *line, size_t len)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    if (len > guard_size || !guard_base) {
        guard_release();
        size_t need = (len + page - 1) / page * page;
        if (need == 0)
            need = page;
        uint8_t *m = mmap(NULL, need + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        assert_true(m != MAP_FAILED);
        assert_int_equal(mprotect(m + need, page, PROT_NONE), 0);
        guard_base = m;
        guard_size = need;
    }
    uint8_t *dst = guard_base + guard_size - len;
    if (len)
        memcpy(dst, line, len);
    guard_line = dst;
    return dst;
}

static int scan_g(const tally_jsonl_spec *spec, const void *line, size_t len, tally_jsonl_result *r,
                  tally_error *err)
{
    const uint8_t *g = guarded(line, len);
    return tally__jsonl_scan(spec, g, len, r, err);
}

static int in_line(const uint8_t *p, size_t len)
{
    return p >= guard_line && p + len <= guard_base + guard_size;
}

/* A fixture: spec {"text"} with id "id", and its result. */
struct fx {
    tally_jsonl_spec *spec;
    tally_jsonl_result r;
    tally_error err;
};

static struct fx *fx_new(const char *const *paths, size_t n, const char *id)
{
    struct fx *f = calloc(1, sizeof *f);
    f->spec = tally__jsonl_spec_new(paths, n, id);
    tally__jsonl_result_init(&f->r, f->spec);
    return f;
}

static struct fx *fx_new_keep(const char *const *paths, size_t n, const char *id,
                              const char *const *keeps, size_t n_keep)
{
    struct fx *f = calloc(1, sizeof *f);
    f->spec = tally__jsonl_spec_new_keep(paths, n, id, keeps, n_keep);
    tally__jsonl_result_init(&f->r, f->spec);
    return f;
}

static struct fx *fx_default(void)
{
    static const char *const text[] = {"text"};
    return fx_new(text, 1, "id");
}

static void fx_free(struct fx *f)
{
    tally__jsonl_result_cleanup(&f->r);
    tally__jsonl_spec_free(f->spec);
    free(f);
}

static int scan_s(struct fx *f, const char *s)
{
    memset(&f->err, 0, sizeof f->err);
    return scan_g(f->spec, s, strlen(s), &f->r, &f->err);
}

static int scan_n(struct fx *f, const void *s, size_t n)
{
    memset(&f->err, 0, sizeof f->err);
    return scan_g(f->spec, s, n, &f->r, &f->err);
}

/* Asserts field i holds exactly the strings given (NULL-terminated list). */
static void expect_strings(struct fx *f, size_t i, ...)
{
    va_list ap;
    va_start(ap, i);
    const tally_jfield *fl = &f->r.fields[i];
    assert_int_equal(fl->kind, TALLY_JF_STRINGS);
    size_t k = 0;
    const char *want;
    while ((want = va_arg(ap, const char *)) != NULL) {
        assert_true(k < fl->count);
        const tally_jstr *s = &f->r.strings[fl->first + k];
        if (s->len != strlen(want) || memcmp(s->ptr, want, s->len) != 0)
            fail_msg("field %zu string %zu: got '%.*s', want '%s'", i, k, (int)s->len, s->ptr, want);
        k++;
    }
    va_end(ap);
    assert_int_equal(fl->count, k);
}

static void expect_text(struct fx *f, const char *want)
{
    expect_strings(f, 0, want, (const char *)NULL);
}

/* ---- validation --------------------------------------------------------------------------- */

static void test_valid_lines(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "0", "-0", "1", "-1", "123", "1.5", "-0.0", "1e5", "1E+5", "1e-05", "-12.5e10", "0.000",
        "true", "false", "null", "\"\"", "\"abc\"", "[]", "{}", "[ ]", "{ }", " [1, 2 ,3] ",
        "\t{\"a\" : [true, false, null, {}, []]}\r", "{\"text\":\"x\"}\r", "[[],[[]],{\"\":{}}]",
        "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041\\u00e9\\uFFFF\"", "{\"a\":1,\"a\":2}", "1 ", " 1\r\n",
        "\"\\u0000\"", "\"\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80\"", "[1e400, 123456789012345678901234567890]",
        "\"\x7f\"",
    };
    struct fx *f = fx_default();
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        int rc = scan_s(f, ok[i]);
        if (rc != 0)
            fail_msg("rejected valid line %zu '%s': %s at %llu", i, ok[i], f->err.message,
                     (unsigned long long)f->err.offset);
        assert_int_equal(f->r.is_object, ok[i][strspn(ok[i], " \t")] == '{');
    }
    fx_free(f);
}

struct bad {
    const char *line;
    size_t len; /* 0: strlen */
    uint64_t offset;
    const char *msg; /* substring of the message */
};

static void test_invalid_lines(void **state)
{
    (void)state;
    static const struct bad bad[] = {
        {"NaN", 0, 0, "unexpected character 'N'"},
        {"Infinity", 0, 0, "unexpected character 'I'"},
        {"-Infinity", 0, 1, "invalid number"},
        {"[1,NaN]", 0, 3, "unexpected character 'N'"},
        {"01", 0, 1, "invalid number"},
        {"-01", 0, 2, "invalid number"},
        {"[00]", 0, 2, "invalid number"},
        {"+1", 0, 0, "unexpected character '+'"},
        {".5", 0, 0, "unexpected character '.'"},
        {"1.", 0, 2, "invalid number"},
        {"1.e5", 0, 2, "invalid number"},
        {"1e", 0, 2, "invalid number"},
        {"1e+", 0, 3, "invalid number"},
        {"-", 0, 1, "invalid number"},
        {"- 1", 0, 1, "invalid number"},
        {"0x10", 0, 1, "trailing characters after value"},
        {"1.5.3", 0, 3, "trailing characters after value"},
        {"[1,]", 0, 3, "unexpected character ']'"},
        {"{\"a\":1,}", 0, 7, "unexpected character '}'"},
        {"[,1]", 0, 1, "unexpected character ','"},
        {"[1 2]", 0, 3, "unexpected character '2'"},
        {"{\"a\" 1}", 0, 5, "unexpected character '1'"},
        {"{\"a\":}", 0, 5, "unexpected character '}'"},
        {"{a:1}", 0, 1, "unexpected character 'a'"},
        {"{'a':1}", 0, 1, "unexpected character '''"},
        {"'a'", 0, 0, "unexpected character '''"},
        {"[1] // c", 0, 4, "trailing characters after value"},
        {"/* c */ 1", 0, 0, "unexpected character '/'"},
        {"[1]]", 0, 3, "trailing characters after value"},
        {"[1}", 0, 2, "unexpected character '}'"},
        {"{\"a\":1]", 0, 6, "unexpected character ']'"},
        {"[", 0, 1, "unexpected end of line"},
        {"{\"a\":1", 0, 6, "unexpected end of line"},
        {"{\"a\"", 0, 4, "unexpected end of line"},
        {"{", 0, 1, "unexpected end of line"},
        {"\"abc", 0, 0, "unterminated string"},
        {"[\"abc\\", 0, 1, "unterminated string"},
        {"[\"a\\x\"]", 0, 3, "invalid escape"},
        {"\"\\'\"", 0, 1, "invalid escape"},
        {"\"\\u12G4\"", 0, 1, "invalid \\u escape"},
        {"\"\\u12\"", 0, 1, "invalid \\u escape"},
        {"\"\\u12", 0, 1, "invalid \\u escape"},
        {"\"\\U0041\"", 0, 1, "invalid escape"},
        {"\"a\tb\"", 0, 2, "control character in string"},
        {"{\"text\":\"a\nb\"}", 0, 10, "control character in string"},
        {"{\"k\x1f\":1}", 0, 3, "control character in string"},
        {"\"ab\" \"c\"", 0, 5, "trailing characters after value"},
        {"tru", 0, 0, "invalid literal"},
        {"nul", 0, 0, "invalid literal"},
        {"True", 0, 0, "unexpected character 'T'"},
        {"truex", 0, 4, "trailing characters after value"},
        {"nulll", 0, 4, "trailing characters after value"},
        {"[1]\x0c", 0, 3, "trailing characters after value"},
        {"\xef\xbb\xbf{}", 0, 0, "unexpected byte 0xEF"},
        {"{}\xc3\xa9", 0, 2, "trailing characters after value"},
        {"[\xe2\x82\xac]", 0, 1, "unexpected byte 0xE2"},
        {"[1\x80]", 0, 2, "unexpected byte 0x80"},
        {"\x00", 1, 0, "unexpected byte 0x00"},
        {"[1,\x00]", 5, 3, "unexpected byte 0x00"},
        {"\"a\x00\"", 4, 2, "control character in string"},
        {"{\"text\":\"a\x00\"}", 13, 10, "control character in string"},
        {"1\x00", 2, 1, "trailing characters after value"},
        {"   ", 0, 3, "unexpected end of line"},
    };
    struct fx *f = fx_default();
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        size_t len = bad[i].len ? bad[i].len : strlen(bad[i].line);
        int rc = scan_n(f, bad[i].line, len);
        if (rc != TALLY_EJSON)
            fail_msg("case %zu '%s': accepted (rc %d)", i, bad[i].line, rc);
        if (f->err.code != TALLY_EJSON || f->err.offset != bad[i].offset ||
            strstr(f->err.message, bad[i].msg) == NULL)
            fail_msg("case %zu '%s': got '%s' at %llu, want '%s' at %llu", i, bad[i].line,
                     f->err.message, (unsigned long long)f->err.offset, bad[i].msg,
                     (unsigned long long)bad[i].offset);
    }
    fx_free(f);
}

/* Every string length around the 16-byte block size, with each kind of special byte at every
 * position, so the block scanner and its scalar tail both see it. */
static void test_string_boundaries(void **state)
{
    (void)state;
    struct fx *f = fx_default();
    char line[200], want[200];
    for (size_t n = 0; n < 70; n++) {
        for (size_t pos = 0; pos <= n; pos++) {
            for (int kind = 0; kind < 5; kind++) {
                size_t L = 0, W = 0;
                L += (size_t)sprintf(line, "{\"text\":\"");
                for (size_t i = 0; i < n; i++) {
                    if (i == pos && kind == 1) {
                        memcpy(line + L, "\\n", 2), L += 2, want[W++] = '\n';
                    } else if (i == pos && kind == 2) {
                        memcpy(line + L, "\xc3\xa9", 2), L += 2, memcpy(want + W, "\xc3\xa9", 2), W += 2;
                    } else if (i == pos && kind == 3) {
                        line[L++] = '\xff', memcpy(want + W, "\xef\xbf\xbd", 3), W += 3;
                    } else if (i == pos && kind == 4) {
                        line[L++] = '\x01';
                    } else {
                        line[L++] = (char)('a' + i % 26), want[W++] = (char)('a' + i % 26);
                    }
                }
                size_t str_end = L;
                line[L++] = '"';
                line[L++] = '}';
                int rc = scan_n(f, line, L);
                if (kind == 4 && pos < n) {
                    assert_int_equal(rc, TALLY_EJSON);
                    assert_int_equal(f->err.offset, 9 + pos);
                    assert_string_equal(f->err.message, "control character in string");
                    continue;
                }
                assert_int_equal(rc, 0);
                want[W] = 0;
                expect_text(f, want);
                int copied = pos < n && (kind == 1 || kind == 3);
                assert_int_equal(in_line(f->r.strings[0].ptr, f->r.strings[0].len), !copied);
                assert_int_equal(f->r.invalid_utf8, pos < n && kind == 3);
                /* The same line cut right inside the string is unterminated. */
                rc = scan_n(f, line, str_end);
                assert_int_equal(rc, TALLY_EJSON);
                if (kind == 4 && pos < n)
                    continue;
                assert_int_equal(f->err.offset, 8);
                assert_string_equal(f->err.message, "unterminated string");
            }
        }
    }
    fx_free(f);
}

/* ---- extraction --------------------------------------------------------------------------- */

static void test_extract_basic(void **state)
{
    (void)state;
    struct fx *f = fx_default();
    assert_int_equal(scan_s(f, "{\"title\":\"T\", \"text\" : \"hello world\",\"id\":\"doc-1\"}"), 0);
    assert_true(f->r.is_object);
    expect_text(f, "hello world");
    assert_true(in_line(f->r.strings[0].ptr, 11)); /* zero copy */
    assert_int_equal(f->r.id_kind, TALLY_JID_STRING);
    assert_int_equal(f->r.id.len, 5);
    assert_memory_equal(f->r.id.ptr, "doc-1", 5);
    assert_int_equal(f->r.n_keys, 3);
    assert_memory_equal(f->r.keys[0].ptr, "title", 5);
    assert_memory_equal(f->r.keys[1].ptr, "text", 4);
    assert_memory_equal(f->r.keys[2].ptr, "id", 2);
    assert_int_equal(f->r.invalid_utf8, 0);

    assert_int_equal(scan_s(f, "{\"id\": -1.50e+3 ,\"text\":\"\"}"), 0);
    expect_text(f, "");
    assert_int_equal(f->r.id_kind, TALLY_JID_NUMBER);
    assert_int_equal(f->r.id.len, 8);
    assert_memory_equal(f->r.id.ptr, "-1.50e+3", 8);

    static const char *const other_ids[] = {"{\"id\":null}", "{\"id\":true}", "{\"id\":[\"a\"]}",
                                            "{\"id\":{\"id\":1}}", "{\"x\":{\"id\":1}}", "[{\"id\":1}]"};
    for (size_t i = 0; i < sizeof other_ids / sizeof *other_ids; i++) {
        assert_int_equal(scan_s(f, other_ids[i]), 0);
        assert_int_equal(f->r.id_kind, TALLY_JID_MISSING);
        assert_int_equal(f->r.fields[0].kind, TALLY_JF_MISSING);
    }

    /* Not an object: nothing extracted, no keys. */
    assert_int_equal(scan_s(f, "[\"text\", {\"text\":\"x\"}]"), 0);
    assert_false(f->r.is_object);
    assert_int_equal(f->r.n_keys, 0);
    assert_int_equal(f->r.fields[0].kind, TALLY_JF_MISSING);
    assert_int_equal(scan_s(f, "\"text\""), 0);
    assert_false(f->r.is_object);
    fx_free(f);
}

static void test_extract_kinds(void **state)
{
    (void)state;
    struct fx *f = fx_default();
    assert_int_equal(scan_s(f, "{\"text\":[\"a\", \"b\\tc\" ,\"\"]}"), 0);
    expect_strings(f, 0, "a", "b\tc", "", (const char *)NULL);
    assert_int_equal(scan_s(f, "{\"text\":[]}"), 0);
    assert_int_equal(f->r.fields[0].kind, TALLY_JF_STRINGS);
    assert_int_equal(f->r.fields[0].count, 0);
    assert_int_equal(scan_s(f, "{\"text\":[ ]}"), 0);
    expect_strings(f, 0, (const char *)NULL);

    static const char *const other[] = {
        "{\"text\":1}", "{\"text\":null}", "{\"text\":true}", "{\"text\":false}", "{\"text\":{}}",
        "{\"text\":{\"text\":\"a\"}}", "{\"text\":[\"a\",1]}", "{\"text\":[1,\"a\"]}",
        "{\"text\":[\"a\",[\"b\"]]}", "{\"text\":[[]]}", "{\"text\":[\"a\",{}]}", "{\"text\":[null]}",
    };
    for (size_t i = 0; i < sizeof other / sizeof *other; i++) {
        assert_int_equal(scan_s(f, other[i]), 0);
        if (f->r.fields[0].kind != TALLY_JF_OTHER)
            fail_msg("'%s': kind %d", other[i], f->r.fields[0].kind);
    }
    static const char *const missing[] = {"{}", "{\"Text\":\"a\"}", "{\"x\":{\"text\":\"a\"}}",
                                          "{\"x\":[{\"text\":\"a\"}]}", "{\"texts\":\"a\"}", "{\"tex\":\"a\"}"};
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
        assert_int_equal(scan_s(f, missing[i]), 0);
        if (f->r.fields[0].kind != TALLY_JF_MISSING)
            fail_msg("'%s': kind %d", missing[i], f->r.fields[0].kind);
    }
    fx_free(f);
}

static void test_nested_paths(void **state)
{
    (void)state;
    static const char *const paths[] = {"article.body", "title", "a", "a.b.c", "article.body"};
    struct fx *f = fx_new(paths, 5, "meta.id");
    assert_int_equal(scan_s(f, "{\"x\":[{\"article\":{\"body\":\"no\"}}],\"article\":{\"head\":\"h\","
                               "\"body\":[\"p1\",\"p2\"],\"x\":{\"body\":\"no\"}},\"title\":\"T\","
                               "\"meta\":{\"id\":42},\"a\":{\"b\":{\"c\":\"deep\"}}}"),
                     0);
    expect_strings(f, 0, "p1", "p2", (const char *)NULL);
    expect_strings(f, 4, "p1", "p2", (const char *)NULL);
    expect_strings(f, 1, "T", (const char *)NULL);
    assert_int_equal(f->r.fields[2].kind, TALLY_JF_OTHER);
    expect_strings(f, 3, "deep", (const char *)NULL);
    assert_int_equal(f->r.id_kind, TALLY_JID_NUMBER);
    assert_memory_equal(f->r.id.ptr, "42", 2);

    /* "a" a string: a.b.c missing; "article" not an object: its body missing. */
    assert_int_equal(scan_s(f, "{\"a\":\"s\",\"article\":[{\"body\":\"x\"}],\"meta\":\"m\"}"), 0);
    expect_strings(f, 2, "s", (const char *)NULL);
    assert_int_equal(f->r.fields[3].kind, TALLY_JF_MISSING);
    assert_int_equal(f->r.fields[0].kind, TALLY_JF_MISSING);
    assert_int_equal(f->r.fields[1].kind, TALLY_JF_MISSING);
    assert_int_equal(f->r.id_kind, TALLY_JID_MISSING);

    /* A key matched through an escape, and the path found after deep unrelated nesting. */
    assert_int_equal(scan_s(f, "{\"z\":[[[{\"a\":{\"b\":{\"c\":\"no\"}}}]]],\"\\u0061\":{\"\\u0062\":{\"c\":[\"y\"]}}}"), 0);
    expect_strings(f, 3, "y", (const char *)NULL);
    assert_int_equal(f->r.fields[2].kind, TALLY_JF_OTHER);
    fx_free(f);
}

static void test_duplicate_keys(void **state)
{
    (void)state;
    static const char *const paths[] = {"text", "a.b"};
    struct fx *f = fx_new(paths, 2, "id");
    assert_int_equal(scan_s(f, "{\"text\":\"first\",\"id\":\"x\",\"text\":[\"s\",\"t\"],\"id\":7}"), 0);
    expect_strings(f, 0, "s", "t", (const char *)NULL);
    assert_int_equal(f->r.id_kind, TALLY_JID_NUMBER);
    assert_int_equal(scan_s(f, "{\"text\":[\"a\"],\"text\":\"b\",\"id\":3,\"id\":{}}"), 0);
    expect_text(f, "b");
    assert_int_equal(f->r.id_kind, TALLY_JID_MISSING);
    assert_int_equal(scan_s(f, "{\"text\":\"a\",\"text\":5}"), 0);
    assert_int_equal(f->r.fields[0].kind, TALLY_JF_OTHER);
    assert_int_equal(scan_s(f, "{\"text\":\"a\",\"text\":[\"b\",null]}"), 0);
    assert_int_equal(f->r.fields[0].kind, TALLY_JF_OTHER);
    /* The parent object occurs again without the child: the child is gone. */
    assert_int_equal(scan_s(f, "{\"a\":{\"b\":\"x\"},\"a\":{\"c\":\"y\"}}"), 0);
    assert_int_equal(f->r.fields[1].kind, TALLY_JF_MISSING);
    assert_int_equal(scan_s(f, "{\"a\":{\"b\":\"x\"},\"a\":1}"), 0);
    assert_int_equal(f->r.fields[1].kind, TALLY_JF_MISSING);
    assert_int_equal(scan_s(f, "{\"a\":{\"b\":\"x\",\"b\":\"z\"}}"), 0);
    expect_strings(f, 1, "z", (const char *)NULL);
    assert_int_equal(scan_s(f, "{\"a\":{\"b\":\"x\"},\"a\":{\"b\":\"w\"}}"), 0);
    expect_strings(f, 1, "w", (const char *)NULL);
    /* Ill-formed UTF-8 of a discarded occurrence is not counted. */
    assert_int_equal(scan_s(f, "{\"text\":\"\xff\xfe\",\"text\":\"ok\xc0\"}"), 0);
    expect_text(f, "ok\xef\xbf\xbd");
    assert_int_equal(f->r.invalid_utf8, 1);
    assert_int_equal(f->r.fields[0].invalid_utf8, 1);
    fx_free(f);
}

static void test_escapes_and_surrogates(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"\\\"\\\\\\/\\b\\f\\n\\r\\t", "\"\\/\b\f\n\r\t"},
        {"caf\\u00e9 \\u00E9", "caf\xc3\xa9 \xc3\xa9"},
        {"\\u0041\\u007f\\u0080\\u07FF\\u0800\\uffff", "A\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf"},
        {"\\uD83D\\uDE00!", "\xf0\x9f\x98\x80!"},
        {"\\ud834\\udd1e", "\xf0\x9d\x84\x9e"},
        {"\\uDBFF\\uDFFF", "\xf4\x8f\xbf\xbf"},
        {"\\uD800", "\xef\xbf\xbd"},
        {"a\\uD800b", "a\xef\xbf\xbd" "b"},
        {"\\uDC00", "\xef\xbf\xbd"},
        {"\\uDE00\\uD83D", "\xef\xbf\xbd\xef\xbf\xbd"},
        {"\\uD800\\u0041", "\xef\xbf\xbd" "A"},
        {"\\uD800\\uD800\\uDC00", "\xef\xbf\xbd\xf0\x90\x80\x80"},
        {"\\uD800\\n", "\xef\xbf\xbd\n"},
        {"x\\u0000y", "x\0y"},
        {"\xc3\xa9\\n\xe2\x82\xac", "\xc3\xa9\n\xe2\x82\xac"},
    };
    struct fx *f = fx_default();
    char line[256];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(line, sizeof line, "{\"text\":\"%s\",\"id\":\"%s\"}", cases[i].in, cases[i].in);
        assert_int_equal(scan_s(f, line), 0);
        size_t want_len = strlen(cases[i].out) + (strstr(cases[i].in, "u0000") ? 2 : 0);
        const tally_jstr *s = &f->r.strings[0];
        assert_int_equal(f->r.fields[0].kind, TALLY_JF_STRINGS);
        if (s->len != want_len || memcmp(s->ptr, cases[i].out, want_len) != 0)
            fail_msg("case %zu: got '%.*s'", i, (int)s->len, s->ptr);
        assert_false(in_line(s->ptr, s->len));
        assert_int_equal(f->r.id_kind, TALLY_JID_STRING);
        assert_int_equal(f->r.id.len, want_len);
        assert_memory_equal(f->r.id.ptr, cases[i].out, want_len);
        assert_int_equal(f->r.invalid_utf8, 0);
    }
    fx_free(f);
}

static void test_invalid_utf8(void **state)
{
    (void)state;
#define R "\xef\xbf\xbd"
    static const struct {
        const char *in, *out;
        uint64_t n;
    } cases[] = {
        {"\xe2\x82\x41", R "A", 1},
        {"\xed\xa0\x80", R R R, 3},
        {"\xc0\x80", R R, 2},
        {"\xf4\x90\x80\x80", R R R R, 4},
        {"\xe0\x80\x80", R R R, 3},
        {"\xf0\x80\x80\x80", R R R R, 4},
        {"\xf5\xff\xfe", R R R, 3},
        {"\x80x\xbf", R "x" R, 2},
        {"\xc3", R, 1},
        {"a\xe2\x82", "a" R, 1},
        {"\xf0\x9f\x98", R, 1},
        {"\xf0\x9f\x98\\n", R "\n", 1},
        {"\xf1\x80\x80\xc3\xa9", R "\xc3\xa9", 1},
        {"\xdf\xbf\xdf", "\xdf\xbf" R, 1},
        {"\xf4\x8f\xbf\xbf\xed\x9f\xbf", "\xf4\x8f\xbf\xbf\xed\x9f\xbf", 0},
    };
    struct fx *f = fx_default();
    char line[256];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(line, sizeof line, "{\"text\":\"%s\"}", cases[i].in);
        assert_int_equal(scan_s(f, line), 0);
        expect_text(f, cases[i].out);
        assert_int_equal(f->r.invalid_utf8, cases[i].n);
        assert_int_equal(in_line(f->r.strings[0].ptr, f->r.strings[0].len), cases[i].n == 0);
    }
    /* In an array of text strings: counted per string. */
    assert_int_equal(scan_s(f, "{\"text\":[\"\xff\",\"ok\",\"\xc3\"]}"), 0);
    expect_strings(f, 0, R, "ok", R, (const char *)NULL);
    assert_int_equal(f->r.invalid_utf8, 2);
    /* In strings that are not text: valid line, not counted; ids and keys are decoded anyway. */
    assert_int_equal(scan_s(f, "{\"x\":\"\xff\xff\",\"k\xff\":[\"\xc3\"],\"id\":\"\xe2\x82\",\"text\":\"t\"}"), 0);
    assert_int_equal(f->r.invalid_utf8, 0);
    assert_int_equal(f->r.id_kind, TALLY_JID_STRING);
    assert_int_equal(f->r.id.len, 3);
    assert_memory_equal(f->r.id.ptr, R, 3);
    assert_int_equal(f->r.n_keys, 4);
    assert_int_equal(f->r.keys[1].len, 4);
    assert_memory_equal(f->r.keys[1].ptr, "k" R, 4);
    /* Text in an array that turns out not to be all strings: not counted. */
    assert_int_equal(scan_s(f, "{\"text\":[\"\xff\",1]}"), 0);
    assert_int_equal(f->r.fields[0].kind, TALLY_JF_OTHER);
    assert_int_equal(f->r.invalid_utf8, 0);
    /* Outside strings it is an error. */
    assert_int_equal(scan_s(f, "{\"text\":\"a\"}\xff"), TALLY_EJSON);
    assert_int_equal(f->err.offset, 12);
    assert_int_equal(scan_s(f, "{\xc3\xa9:1}"), TALLY_EJSON);
    assert_int_equal(f->err.offset, 1);
#undef R
    fx_free(f);
}

/* The same path twice and the id path equal to the text path. */
static void test_multi_fields(void **state)
{
    (void)state;
    static const char *const paths[] = {"body", "text", "body"};
    struct fx *f = fx_new(paths, 3, "text");
    assert_int_equal(scan_s(f, "{\"body\":\"b\xff\",\"text\":\"t\xfe\"}"), 0);
    expect_strings(f, 0, "b\xef\xbf\xbd", (const char *)NULL);
    expect_strings(f, 1, "t\xef\xbf\xbd", (const char *)NULL);
    expect_strings(f, 2, "b\xef\xbf\xbd", (const char *)NULL);
    assert_int_equal(f->r.invalid_utf8, 2);
    assert_int_equal(f->r.id_kind, TALLY_JID_STRING);
    assert_int_equal(f->r.id.len, 4);
    assert_memory_equal(f->r.id.ptr, "t\xef\xbf\xbd", 4);
    fx_free(f);

    f = fx_new(paths, 0, NULL);
    assert_int_equal(scan_s(f, "{\"body\":\"b\",\"id\":1}"), 0);
    assert_int_equal(f->r.n_keys, 2);
    assert_int_equal(f->r.id_kind, TALLY_JID_MISSING);
    fx_free(f);
}

/* Many decoded strings: scratch moves several times and every string must follow it. */
static void test_scratch_moves(void **state)
{
    (void)state;
    static const char *const paths[] = {"text", "t2"};
    struct fx *f = fx_new(paths, 2, "id");
    size_t cap = 1 << 20, len = 0;
    char *line = malloc(cap);
    len += (size_t)sprintf(line + len, "{\"\\u006bey0\":1,\"id\":\"\\u0069d\",\"text\":[");
    for (int i = 0; i < 2000; i++)
        len += (size_t)sprintf(line + len, "%s\"s%d\\u00e9%s\"", i ? "," : "", i, i % 3 ? "\xff" : "");
    len += (size_t)sprintf(line + len, "],\"k\\u0065y1\":2,\"t2\":\"");
    for (int i = 0; i < 5000; i++)
        len += (size_t)sprintf(line + len, "\\t");
    len += (size_t)sprintf(line + len, "\"}");
    assert_int_equal(scan_n(f, line, len), 0);
    assert_int_equal(f->r.fields[0].kind, TALLY_JF_STRINGS);
    assert_int_equal(f->r.fields[0].count, 2000);
    char want[64];
    for (int i = 0; i < 2000; i++) {
        int n = sprintf(want, "s%d\xc3\xa9%s", i, i % 3 ? "\xef\xbf\xbd" : "");
        const tally_jstr *s = &f->r.strings[f->r.fields[0].first + (size_t)i];
        assert_int_equal(s->len, n);
        assert_memory_equal(s->ptr, want, (size_t)n);
    }
    assert_int_equal(f->r.invalid_utf8, 1333);
    assert_int_equal(f->r.strings[f->r.fields[1].first].len, 5000);
    assert_int_equal(f->r.n_keys, 5);
    assert_memory_equal(f->r.keys[0].ptr, "key0", 4);
    assert_memory_equal(f->r.keys[3].ptr, "key1", 4);
    assert_memory_equal(f->r.keys[4].ptr, "t2", 2);
    assert_memory_equal(f->r.id.ptr, "id", 2);
    free(line);
    fx_free(f);
}

static void test_keys_cap_and_reuse(void **state)
{
    (void)state;
    struct fx *f = fx_default();
    char line[4096];
    size_t len = 1;
    line[0] = '{';
    for (int i = 0; i < 100; i++)
        len += (size_t)sprintf(line + len, "%s\"k%d\":%d", i ? "," : "", i, i);
    len += (size_t)sprintf(line + len, ",\"text\":\"late\"}");
    assert_int_equal(scan_n(f, line, len), 0);
    assert_int_equal(f->r.n_keys, 64);
    assert_memory_equal(f->r.keys[63].ptr, "k63", 3);
    expect_text(f, "late"); /* found beyond the key cap */
    /* The next line starts clean. */
    assert_int_equal(scan_s(f, "{\"a\":1}"), 0);
    assert_int_equal(f->r.n_keys, 1);
    assert_int_equal(f->r.fields[0].kind, TALLY_JF_MISSING);
    assert_int_equal(f->r.id_kind, TALLY_JID_MISSING);
    assert_int_equal(f->r.n_strings, 0);
    /* A failed line is followed by a good one. */
    assert_int_equal(scan_s(f, "{\"text\":\"\xff\",\"id\":1,"), TALLY_EJSON);
    assert_int_equal(scan_s(f, "{\"text\":\"x\"}"), 0);
    expect_text(f, "x");
    assert_int_equal(f->r.invalid_utf8, 0);
    fx_free(f);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    const size_t D = 100000;
    struct fx *f = fx_default();
    char *line = malloc(D * 6 + 64);
    size_t len;

    memset(line, '[', D);
    memset(line + D, ']', D);
    assert_int_equal(scan_n(f, line, 2 * D), 0);
    assert_int_equal(scan_n(f, line, 2 * D - 1), TALLY_EJSON); /* one close short */
    assert_int_equal(f->err.offset, 2 * D - 1);
    assert_string_equal(f->err.message, "unexpected end of line");
    line[2 * D] = ']';
    assert_int_equal(scan_n(f, line, 2 * D + 1), TALLY_EJSON); /* one close too many */
    assert_int_equal(f->err.offset, 2 * D);
    line[D + 7] = '}';
    assert_int_equal(scan_n(f, line, 2 * D), TALLY_EJSON); /* mismatch deep inside */
    assert_int_equal(f->err.offset, D + 7);

    len = 0;
    for (size_t i = 0; i < D; i++)
        memcpy(line + len, "{\"a\":", 5), len += 5;
    line[len++] = '1';
    memset(line + len, '}', D);
    len += D;
    assert_int_equal(scan_n(f, line, len), 0);
    assert_int_equal(scan_n(f, line, len - 1), TALLY_EJSON);
    assert_int_equal(f->err.offset, len - 1);

    /* Mixed, with the text after the deep part, and the text path itself deep. */
    len = (size_t)sprintf(line, "{\"x\":");
    for (size_t i = 0; i < D; i++) {
        if (i % 2) {
            line[len++] = '[';
        } else {
            memcpy(line + len, "{\"k\":", 5);
            len += 5;
        }
    }
    line[len++] = '0';
    for (size_t i = D; i-- > 0;)
        line[len++] = i % 2 ? ']' : '}';
    len += (size_t)sprintf(line + len, ",\"text\":\"after\"}");
    assert_int_equal(scan_n(f, line, len), 0);
    expect_text(f, "after");
    free(line);
    fx_free(f);

    /* A 3000-component path. */
    char *path = malloc(3000 * 2);
    for (size_t i = 0; i < 3000; i++)
        path[2 * i] = 'a', path[2 * i + 1] = '.';
    path[2 * 3000 - 1] = 0;
    const char *paths[] = {path};
    f = fx_new(paths, 1, NULL);
    line = malloc(3000 * 6 + 64);
    len = 0;
    for (size_t i = 0; i < 3000; i++)
        memcpy(line + len, "{\"a\":", 5), len += 5;
    len += (size_t)sprintf(line + len, "\"deep\"");
    memset(line + len, '}', 3000);
    len += 3000;
    assert_int_equal(scan_n(f, line, len), 0);
    expect_text(f, "deep");
    free(line);
    free(path);
    fx_free(f);
}

/* ---- kept fields -------------------------------------------------------------------------- */

/* Asserts kept value i is exactly want (NULL: missing), as bytes of the scanned line. */
static void expect_kept_n(struct fx *f, size_t i, const char *want, size_t want_len)
{
    const tally_jstr *k = &f->r.kept[i];
    if (!want) {
        if (k->ptr)
            fail_msg("kept %zu: got '%.*s', want missing", i, (int)k->len, k->ptr);
        return;
    }
    if (!k->ptr)
        fail_msg("kept %zu: missing, want '%s'", i, want);
    if (k->len != want_len || memcmp(k->ptr, want, want_len) != 0)
        fail_msg("kept %zu: got '%.*s', want '%s'", i, (int)k->len, k->ptr, want);
    assert_true(in_line(k->ptr, k->len)); /* never copied */
}

static void expect_kept(struct fx *f, size_t i, const char *want)
{
    expect_kept_n(f, i, want, want ? strlen(want) : 0);
}

/* Every JSON type, exactly as written: numbers keep their spelling, strings their quotes and
 * escapes, containers their inner whitespace. */
static void test_keep_as_written(void **state)
{
    (void)state;
    static const char *const text[] = {"text"};
    static const char *const keeps[] = {"n1", "n2", "n3", "s", "o", "a", "t", "f", "z", "e1", "e2", "missing"};
    struct fx *f = fx_new_keep(text, 1, "id", keeps, 12);
    assert_int_equal(scan_s(f, "{\"n1\":1.50,\"n2\": -0 ,\"n3\":1E+05,"
                               "\"s\":\"a\\\"b\\u00E9\\/\\uD83D\\uDE00 \xc3\xa9\",\"text\":\"x\","
                               "\"o\": { \"x\" : [1, 2,\t{}] ,\"y\":\"}\"}\r,\"a\":[ \"]\" ,{} ]  ,"
                               "\"t\":true,\"f\":false,\"z\":null,\"e1\":{},\"e2\":[]}\r"),
                     0);
    expect_kept(f, 0, "1.50");
    expect_kept(f, 1, "-0");
    expect_kept(f, 2, "1E+05");
    expect_kept(f, 3, "\"a\\\"b\\u00E9\\/\\uD83D\\uDE00 \xc3\xa9\"");
    expect_kept(f, 4, "{ \"x\" : [1, 2,\t{}] ,\"y\":\"}\"}");
    expect_kept(f, 5, "[ \"]\" ,{} ]");
    expect_kept(f, 6, "true");
    expect_kept(f, 7, "false");
    expect_kept(f, 8, "null"); /* null is a value, not a missing field */
    expect_kept(f, 9, "{}");
    expect_kept(f, 10, "[]");
    expect_kept(f, 11, NULL);
    expect_text(f, "x");

    /* Ill-formed UTF-8 in a kept string is returned as it is and not counted (not text). */
    assert_int_equal(scan_s(f, "{\"s\":\"a\xff\xc3\",\"o\":[\"\xe2\x82\"]}"), 0);
    expect_kept(f, 3, "\"a\xff\xc3\"");
    expect_kept(f, 4, "[\"\xe2\x82\"]");
    assert_int_equal(f->r.invalid_utf8, 0);

    /* A NUL escape and a raw NUL-free string with every escape kind. */
    assert_int_equal(scan_s(f, "{\"s\":\"\\u0000\\b\\f\\n\\r\\t\\\\\"}"), 0);
    expect_kept(f, 3, "\"\\u0000\\b\\f\\n\\r\\t\\\\\"");

    /* The next line starts clean; a failed line leaves no trace in the one after it. */
    assert_int_equal(scan_s(f, "{\"text\":\"y\"}"), 0);
    for (size_t i = 0; i < 12; i++)
        expect_kept(f, i, NULL);
    assert_int_equal(scan_s(f, "{\"n1\":2,\"o\":{\"x\":1"), TALLY_EJSON);
    assert_int_equal(scan_s(f, "{\"a\":[[[]]]}"), 0);
    expect_kept(f, 0, NULL);
    expect_kept(f, 4, NULL);
    expect_kept(f, 5, "[[[]]]");
    /* Not an object: nothing kept. */
    assert_int_equal(scan_s(f, "[{\"n1\":1}]"), 0);
    expect_kept(f, 0, NULL);
    assert_int_equal(scan_s(f, "\"n1\""), 0);
    expect_kept(f, 0, NULL);
    fx_free(f);
}

static void test_keep_nested_and_prefixes(void **state)
{
    (void)state;
    static const char *const text[] = {"text"};
    /* prefixes both ways round, a three-level chain, one path twice */
    static const char *const keeps[] = {"meta.date", "meta", "a", "a.b", "a.b.c", "meta.date", "x.y"};
    struct fx *f = fx_new_keep(text, 1, "id", keeps, 7);
    const char *line = "{\"x\":{\"z\":1},\"meta\":{\"src\":\"s\",\"date\":\"2024-01-05\",\"n\":{\"date\":0}},"
                       "\"a\":{\"b\":{\"c\":[1,{\"c\":2}],\"d\":{}},\"e\":3},\"text\":\"t\"}";
    assert_int_equal(scan_s(f, line), 0);
    expect_kept(f, 0, "\"2024-01-05\"");
    expect_kept(f, 1, "{\"src\":\"s\",\"date\":\"2024-01-05\",\"n\":{\"date\":0}}");
    expect_kept(f, 2, "{\"b\":{\"c\":[1,{\"c\":2}],\"d\":{}},\"e\":3}");
    expect_kept(f, 3, "{\"c\":[1,{\"c\":2}],\"d\":{}}");
    expect_kept(f, 4, "[1,{\"c\":2}]");
    expect_kept(f, 5, "\"2024-01-05\"");
    expect_kept(f, 6, NULL); /* x exists, x.y does not */
    expect_text(f, "t");

    /* Not through arrays, not through scalars; a key matched through an escape. */
    assert_int_equal(scan_s(f, "{\"meta\":[{\"date\":\"d\"}],\"a\":\"s\",\"\\u0078\":{\"y\":[true]}}"), 0);
    expect_kept(f, 0, NULL);
    expect_kept(f, 1, "[{\"date\":\"d\"}]");
    expect_kept(f, 2, "\"s\"");
    expect_kept(f, 3, NULL);
    expect_kept(f, 4, NULL);
    expect_kept(f, 6, "[true]");

    /* The path found after deep unrelated nesting, and kept deep inside a kept object. */
    assert_int_equal(scan_s(f, "{\"q\":[[[{\"a\":{\"b\":1}}]]],\"a\":{\"b\":{\"q\":[[{}]],\"c\":{\"c\":{}}}}}"), 0);
    expect_kept(f, 2, "{\"b\":{\"q\":[[{}]],\"c\":{\"c\":{}}}}");
    expect_kept(f, 3, "{\"q\":[[{}]],\"c\":{\"c\":{}}}");
    expect_kept(f, 4, "{\"c\":{}}");
    fx_free(f);
}

/* The last occurrence of a key wins, for the key itself and for everything below it. */
static void test_keep_duplicates(void **state)
{
    (void)state;
    static const char *const text[] = {"text"};
    static const char *const keeps[] = {"date", "meta", "meta.date"};
    struct fx *f = fx_new_keep(text, 1, "id", keeps, 3);
    assert_int_equal(scan_s(f, "{\"date\":\"a\",\"text\":\"t\",\"date\":20240105}"), 0);
    expect_kept(f, 0, "20240105");
    assert_int_equal(scan_s(f, "{\"date\":[1],\"date\":\"b\"}"), 0);
    expect_kept(f, 0, "\"b\"");
    assert_int_equal(scan_s(f, "{\"meta\":{\"date\":\"a\"},\"meta\":{\"x\":1}}"), 0);
    expect_kept(f, 1, "{\"x\":1}");
    expect_kept(f, 2, NULL);
    assert_int_equal(scan_s(f, "{\"meta\":{\"date\":\"a\"},\"meta\":null}"), 0);
    expect_kept(f, 1, "null");
    expect_kept(f, 2, NULL);
    assert_int_equal(scan_s(f, "{\"meta\":{\"date\":\"a\",\"date\":{\"d\":[]}}}"), 0);
    expect_kept(f, 1, "{\"date\":\"a\",\"date\":{\"d\":[]}}");
    expect_kept(f, 2, "{\"d\":[]}");
    assert_int_equal(scan_s(f, "{\"meta\":{\"date\":1},\"meta\":{\"y\":0,\"date\":2}}"), 0);
    expect_kept(f, 2, "2");
    fx_free(f);
}

/* A kept path that is also a text path and the id path: each gets what it needs from one read. */
static void test_keep_also_text_and_id(void **state)
{
    (void)state;
    static const char *const text[] = {"text", "meta.body"};
    static const char *const keeps[] = {"text", "id", "meta", "meta.body"};
    struct fx *f = fx_new_keep(text, 2, "id", keeps, 4);
    assert_int_equal(scan_s(f, "{\"id\":\"d\\u00e9\",\"text\":[\"a\\n\",\"b\"],\"meta\":{\"body\":\"x\\ty\"}}"), 0);
    expect_strings(f, 0, "a\n", "b", (const char *)NULL);
    expect_strings(f, 1, "x\ty", (const char *)NULL);
    assert_int_equal(f->r.id_kind, TALLY_JID_STRING);
    assert_memory_equal(f->r.id.ptr, "d\xc3\xa9", 3);
    expect_kept(f, 0, "[\"a\\n\",\"b\"]");
    expect_kept(f, 1, "\"d\\u00e9\"");
    expect_kept(f, 2, "{\"body\":\"x\\ty\"}");
    expect_kept(f, 3, "\"x\\ty\"");
    assert_int_equal(scan_s(f, "{\"id\":-1.50e+3,\"text\":\"a\xff\"}"), 0);
    assert_int_equal(f->r.id_kind, TALLY_JID_NUMBER);
    expect_kept(f, 1, "-1.50e+3");
    expect_text(f, "a\xef\xbf\xbd");
    expect_kept(f, 0, "\"a\xff\"");
    assert_int_equal(f->r.invalid_utf8, 1);
    /* A text field of the wrong type is still kept as written. */
    assert_int_equal(scan_s(f, "{\"text\":{\"t\":1}}"), 0);
    assert_int_equal(f->r.fields[0].kind, TALLY_JF_OTHER);
    expect_kept(f, 0, "{\"t\":1}");
    fx_free(f);

    /* Only kept paths: no text path at all. */
    f = fx_new_keep(text, 0, NULL, keeps, 1);
    assert_int_equal(scan_s(f, "{\"text\":\"q\"}"), 0);
    expect_kept(f, 0, "\"q\"");
    assert_int_equal(f->r.n_strings, 0);
    fx_free(f);
}

/* Kept containers nested as deep as the path goes: every level's end is found. */
static void test_keep_deep(void **state)
{
    (void)state;
    const size_t D = 200;
    char **paths = malloc(D * sizeof *paths);
    for (size_t i = 0; i < D; i++) {
        paths[i] = malloc(2 * (i + 1));
        for (size_t j = 0; j <= i; j++)
            paths[i][2 * j] = 'a', paths[i][2 * j + 1] = '.';
        paths[i][2 * i + 1] = 0;
    }
    struct fx *f = fx_new_keep(NULL, 0, NULL, (const char *const *)paths, D);
    /* {"a":{"a":...{"a":[[0]]}...}}: D levels, each one kept */
    char *line = malloc(D * 6 + 64);
    size_t len = 0;
    line[len++] = '{';
    for (size_t i = 0; i < D; i++)
        memcpy(line + len, "\"a\":{", 5), len += 5;
    len -= 1;
    len += (size_t)sprintf(line + len, "[[0]]");
    memset(line + len, '}', D);
    len += D;
    assert_int_equal(scan_n(f, line, len), 0);
    for (size_t i = 0; i < D; i++) {
        /* level i starts after the root's brace and i + 1 keys, and ends where the (D - 1 - i)th
         * of the closing braces that follow "[[0]]" closes it */
        const tally_jstr *k = &f->r.kept[i];
        assert_true(k->ptr == guard_line + 1 + 5 * i + 4);
        assert_true(k->ptr + k->len == guard_line + len - 1 - i);
        assert_true(k->ptr[0] == (i == D - 1 ? '[' : '{'));
        json_error_t je;
        json_t *v = json_loadb((const char *)k->ptr, k->len, JSON_DECODE_ANY, &je);
        if (!v)
            fail_msg("level %zu: jansson rejects the kept value: %s", i, je.text);
        /* D - 1 - i objects above the array */
        size_t depth = 0;
        json_t *c = v;
        while (json_is_object(c)) {
            c = json_object_get(c, "a");
            depth++;
        }
        assert_int_equal(depth, D - 1 - i);
        assert_true(json_is_array(c));
        json_decref(v);
    }
    free(line);
    fx_free(f);
    for (size_t i = 0; i < D; i++)
        free(paths[i]);
    free(paths);
}

/* ---- differential test against jansson ---------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)((rng_state >> 11) % n);
}

struct sb {
    char *p;
    size_t len, cap;
};

static void sb_put(struct sb *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static void sb_str(struct sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void gen_ws(struct sb *b)
{
    static const char ws[] = " \t\r\n";
    while (rnd(6) == 0)
        sb_put(b, &ws[rnd(4)], 1);
}

static void gen_string(struct sb *b)
{
    static const char *const parts[] = {
        "the ", "quick", " brown fox ", "\\n", "\\\"", "\\\\", "\\/", "\\b", "\\f", "\\r", "\\t",
        "\\u00e9", "\\u4E2D", "\\uD83D\\uDE00", "\xc3\xa9", "\xe4\xb8\xad", "\xf0\x9f\x98\x80",
        "\\u0000", "\x7f", "'", "{[,:]}", "0", "\\u0041", "\\uFFFF",
    };
    static const char *const rare[] = {"\\uD800", "\\uDC00x", "\xff", "\xe2\x82", "\xc0\x80", "\xed\xa0\x80"};
    sb_put(b, "\"", 1);
    int n = (int)rnd(8);
    for (int i = 0; i < n; i++)
        sb_str(b, rnd(200) == 0 ? rare[rnd(6)] : parts[rnd(sizeof parts / sizeof *parts)]);
    sb_put(b, "\"", 1);
}

static void gen_number(struct sb *b)
{
    char tmp[64];
    switch (rnd(6)) {
    case 0: sb_str(b, rnd(2) ? "0" : "-0"); break;
    case 1: snprintf(tmp, sizeof tmp, "%d", (int)rnd(2000000) - 1000000), sb_str(b, tmp); break;
    case 2: snprintf(tmp, sizeof tmp, "%u.%u", rnd(1000), rnd(1000)), sb_str(b, tmp); break;
    case 3: snprintf(tmp, sizeof tmp, "-%u.0%ue%s%u", rnd(10), rnd(100), rnd(2) ? "-" : "+", rnd(300)), sb_str(b, tmp); break;
    case 4: snprintf(tmp, sizeof tmp, "%uE%u", rnd(100), rnd(30)), sb_str(b, tmp); break;
    default: snprintf(tmp, sizeof tmp, "%u", rnd(10)), sb_str(b, tmp); break;
    }
}

static void gen_value(struct sb *b, int depth)
{
    static const char *const keys[] = {"\"text\"", "\"id\"", "\"body\"", "\"meta\"", "\"t\\u0065xt\"",
                                       "\"\"", "\"title\"", "\"text\"", "\"k\\u0000\""};
    int k = (int)rnd(depth > 4 ? 5 : 8);
    switch (k) {
    case 0: case 1: gen_string(b); break;
    case 2: gen_number(b); break;
    case 3: sb_str(b, rnd(3) == 0 ? "true" : rnd(2) ? "false" : "null"); break;
    case 4: gen_string(b); break;
    case 5: case 6: {
        sb_put(b, "[", 1);
        gen_ws(b);
        int n = (int)rnd(5);
        int strs = rnd(2);
        for (int i = 0; i < n; i++) {
            if (i)
                sb_put(b, ",", 1), gen_ws(b);
            if (strs)
                gen_string(b);
            else
                gen_value(b, depth + 1);
            gen_ws(b);
        }
        sb_put(b, "]", 1);
        break;
    }
    default: {
        sb_put(b, "{", 1);
        gen_ws(b);
        int n = (int)rnd(5);
        for (int i = 0; i < n; i++) {
            if (i)
                sb_put(b, ",", 1), gen_ws(b);
            sb_str(b, keys[rnd(sizeof keys / sizeof *keys)]);
            gen_ws(b);
            sb_put(b, ":", 1);
            gen_ws(b);
            gen_value(b, depth + 1);
            gen_ws(b);
        }
        sb_put(b, "}", 1);
    }
    }
}

static void mutate(struct sb *b)
{
    static const char ins[] = "{}[],:\"\\ 0123456789-+.eEtrufalsnx'/\x00\x1f\x80\xff";
    int n = 1 + (int)rnd(2);
    for (int i = 0; i < n && b->len; i++) {
        size_t at = rnd((uint32_t)b->len);
        char c = ins[rnd(sizeof ins - 1)];
        switch (rnd(4)) {
        case 0: memmove(b->p + at, b->p + at + 1, b->len - at - 1), b->len--; break;
        case 1: b->p[at] = c; break;
        case 2: b->len = at; break;
        default: {
            char tail[1] = {c};
            size_t old = b->len;
            sb_put(b, tail, 1);
            memmove(b->p + at + 1, b->p + at, old - at);
            b->p[at] = c;
        }
        }
    }
}

static int utf8_ok(const uint8_t *p, size_t n)
{
    /* Independent of the scanner: rejects overlongs, surrogates and code points > U+10FFFF. */
    size_t i = 0;
    while (i < n) {
        uint32_t c = p[i];
        size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!k || i + k > n)
            return 0;
        uint32_t u = k == 1 ? c : k == 2 ? c & 0x1f : k == 3 ? c & 0x0f : c & 0x07;
        for (size_t j = 1; j < k; j++) {
            if ((p[i + j] & 0xc0) != 0x80)
                return 0;
            u = (u << 6) | (p[i + j] & 0x3f);
        }
        static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (u < min[k] || u > 0x10FFFF || (u >= 0xD800 && u <= 0xDFFF))
            return 0;
        i += k;
    }
    return 1;
}

/* The line as jansson would need it for our excused differences: each byte of ill-formed UTF-8
 * becomes '?', each surrogate \u escape becomes \u0041. Inside strings this keeps the line valid;
 * outside strings the line stays invalid. Returns 1 when anything changed. */
static int sanitize(const uint8_t *in, size_t n, struct sb *out)
{
    int changed = 0;
    out->len = 0;
    size_t i = 0;
    while (i < n) {
        if (in[i] == '\\' && i + 1 < n) {
            if (in[i + 1] == 'u' && i + 5 < n && (in[i + 2] | 0x20) == 'd' &&
                strchr("89abcdefABCDEF", in[i + 3]) && in[i + 3]) {
                sb_str(out, "\\u0041");
                i += 6;
                changed = 1;
            } else {
                sb_put(out, in + i, 2);
                i += 2;
            }
            continue;
        }
        if (in[i] >= 0x80) {
            size_t k = in[i] >= 0xF0 ? 4 : in[i] >= 0xE0 ? 3 : 2;
            if (i + k > n || !utf8_ok(in + i, k)) {
                sb_put(out, "?", 1);
                i++;
                changed = 1;
                continue;
            }
            sb_put(out, in + i, k);
            i += k;
            continue;
        }
        sb_put(out, in + i, 1);
        i++;
    }
    return changed;
}

static int jansson_limit(const json_error_t *e)
{
    return strstr(e->text, "too big") || strstr(e->text, "overflow") ||
           strstr(e->text, "NUL byte in object key") || strstr(e->text, "maximum parsing depth");
}

static void compare_field(const tally_jsonl_result *r, size_t i, json_t *v, const char *line)
{
    const tally_jfield *f = &r->fields[i];
    if (!v) {
        if (f->kind != TALLY_JF_MISSING)
            fail_msg("field %zu: kind %d, jansson missing: %s", i, f->kind, line);
        return;
    }
    if (json_is_string(v)) {
        if (f->kind != TALLY_JF_STRINGS || f->count != 1)
            fail_msg("field %zu: kind %d count %zu, jansson string: %s", i, f->kind, f->count, line);
        const tally_jstr *s = &r->strings[f->first];
        if (s->len != json_string_length(v) || memcmp(s->ptr, json_string_value(v), s->len) != 0)
            fail_msg("field %zu: bytes differ: %s", i, line);
        return;
    }
    if (json_is_array(v)) {
        size_t n = json_array_size(v), k;
        for (k = 0; k < n; k++)
            if (!json_is_string(json_array_get(v, k)))
                break;
        if (k == n) {
            if (f->kind != TALLY_JF_STRINGS || f->count != n)
                fail_msg("field %zu: kind %d, jansson string array: %s", i, f->kind, line);
            for (k = 0; k < n; k++) {
                json_t *e = json_array_get(v, k);
                const tally_jstr *s = &r->strings[f->first + k];
                if (s->len != json_string_length(e) || memcmp(s->ptr, json_string_value(e), s->len) != 0)
                    fail_msg("field %zu element %zu: bytes differ: %s", i, k, line);
            }
            return;
        }
    }
    if (f->kind != TALLY_JF_OTHER)
        fail_msg("field %zu: kind %d, jansson other: %s", i, f->kind, line);
}

/* jansson's value at a dotted path through objects, or NULL. */
static json_t *at_path(json_t *v, const char *path)
{
    char key[64];
    while (v && *path) {
        size_t n = strcspn(path, ".");
        assert_true(n < sizeof key);
        memcpy(key, path, n);
        key[n] = 0;
        v = json_is_object(v) ? json_object_get(v, key) : NULL;
        path += n + (path[n] == '.');
    }
    return v;
}

/* A kept value must be exactly one JSON value, with nothing around it, that jansson reads as the
 * value its parse of the whole line holds at the path. Returns 1 when the path exists. */
static int compare_kept(const tally_jsonl_result *r, size_t i, json_t *root, const char *path, const char *line)
{
    json_t *want = at_path(root, path);
    const tally_jstr *k = &r->kept[i];
    if (!want) {
        if (k->ptr)
            fail_msg("kept '%s': '%.*s', jansson missing: %s", path, (int)k->len, k->ptr, line);
        return 0;
    }
    if (!k->ptr)
        fail_msg("kept '%s': missing, jansson has it: %s", path, line);
    assert_true(k->len > 0 && !strchr(" \t\r\n", k->ptr[0]) && !strchr(" \t\r\n", k->ptr[k->len - 1]));
    assert_true(in_line(k->ptr, k->len));
    json_error_t je;
    json_t *got = json_loadb((const char *)k->ptr, k->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!got)
        fail_msg("kept '%s': jansson rejects '%.*s' (%s): %s", path, (int)k->len, k->ptr, je.text, line);
    if (!json_equal(got, want))
        fail_msg("kept '%s': '%.*s' is not jansson's value: %s", path, (int)k->len, k->ptr, line);
    json_decref(got);
    return 1;
}

static void test_differential_jansson(void **state)
{
    (void)state;
    static const char *const paths[] = {"text", "meta.body"};
    static const char *const keeps[] = {"text", "id", "meta", "meta.body", "meta.meta", "meta.meta.text",
                                        "other", "meta.title"};
    enum { NK = sizeof keeps / sizeof *keeps };
    struct fx *f = fx_new(paths, 2, "id");
    /* the same fields with kept paths: everything else must come out the same */
    struct fx *fk = fx_new_keep(paths, 2, "id", keeps, NK);
    int kept_found[NK] = {0}, kept_containers = 0;
    const char *seed_env = getenv("TALLY_SEED");
    rng_state = seed_env ? strtoull(seed_env, NULL, 10) : 0x9E3779B97F4A7C15ull;
    if (!rng_state)
        rng_state = 1;
    const int N = getenv("TALLY_DIFF_N") ? atoi(getenv("TALLY_DIFF_N")) : 200000;
    struct sb b = {0}, san = {0};
    int both_ok = 0, both_bad = 0, excused_utf8 = 0, excused_limits = 0, excused_nul = 0, compared = 0;
    for (int it = 0; it < N; it++) {
        b.len = 0;
        if (rnd(8) == 0) {
            gen_value(&b, 0);
        } else {
            sb_put(&b, "{", 1);
            int n = (int)rnd(6);
            static const char *const keys[] = {"\"text\"", "\"id\"", "\"meta\"", "\"other\"", "\"te\\u0078t\""};
            for (int i = 0; i < n; i++) {
                if (i)
                    sb_put(&b, ",", 1);
                gen_ws(&b);
                sb_str(&b, keys[rnd(5)]);
                sb_put(&b, ":", 1);
                gen_ws(&b);
                gen_value(&b, 1);
                gen_ws(&b);
            }
            sb_put(&b, "}", 1);
        }
        if (rnd(2))
            mutate(&b);
        if (b.len == 0 || strspn(b.p, " \t\r\n") == b.len)
            continue;
        /* keep LF out of the line, as the line splitter would */
        for (size_t i = 0; i < b.len; i++)
            if (b.p[i] == '\n')
                b.p[i] = ' ';

        int ours = scan_n(f, b.p, b.len);
        int ours_k = scan_n(fk, b.p, b.len);
        assert_int_equal(ours_k, ours);
        if (ours) {
            assert_int_equal(fk->err.offset, f->err.offset);
            assert_string_equal(fk->err.message, f->err.message);
        }
        json_error_t je;
        json_t *root = json_loadb(b.p, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
        if (ours != 0 && root && memchr(b.p, 0, b.len) &&
            f->err.offset == (uint64_t)((const char *)memchr(b.p, 0, b.len) - b.p)) {
            /* jansson ends a number at a NUL byte and then ignores the rest ("1\0x" loads as 1);
             * we reject at the NUL. */
            excused_nul++;
        } else if (ours != 0 && root) {
            fail_msg("we reject, jansson accepts (%s at %llu): %.*s", f->err.message,
                     (unsigned long long)f->err.offset, (int)b.len, b.p);
        } else if (ours == 0 && !root) {
            int changed = sanitize((const uint8_t *)b.p, b.len, &san);
            json_error_t je2;
            json_t *r2 = changed ? json_loadb(san.p, san.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je2) : NULL;
            if (changed && (r2 || jansson_limit(&je2)))
                excused_utf8++;
            else if (!changed && jansson_limit(&je))
                excused_limits++;
            else
                fail_msg("we accept, jansson rejects (%s; sanitized: %s): %.*s", je.text,
                         changed ? je2.text : "-", (int)b.len, b.p);
            json_decref(r2);
        } else if (ours == 0) {
            both_ok++;
            if (!sanitize((const uint8_t *)b.p, b.len, &san)) {
                compared++;
                assert_int_equal(f->r.is_object, json_is_object(root));
                json_t *text = json_is_object(root) ? json_object_get(root, "text") : NULL;
                compare_field(&f->r, 0, text, b.p);
                json_t *meta = json_is_object(root) ? json_object_get(root, "meta") : NULL;
                compare_field(&f->r, 1, json_is_object(meta) ? json_object_get(meta, "body") : NULL, b.p);
                json_t *id = json_is_object(root) ? json_object_get(root, "id") : NULL;
                if (json_is_string(id)) {
                    assert_int_equal(f->r.id_kind, TALLY_JID_STRING);
                    assert_int_equal(f->r.id.len, json_string_length(id));
                    assert_memory_equal(f->r.id.ptr, json_string_value(id), f->r.id.len);
                } else if (json_is_number(id)) {
                    assert_int_equal(f->r.id_kind, TALLY_JID_NUMBER);
                    char tmp[128];
                    assert_true(f->r.id.len < sizeof tmp);
                    memcpy(tmp, f->r.id.ptr, f->r.id.len);
                    tmp[f->r.id.len] = 0;
                    assert_true(strtod(tmp, NULL) == json_number_value(id));
                } else {
                    assert_int_equal(f->r.id_kind, TALLY_JID_MISSING);
                }
                /* the spec with kept paths: same fields and id, and its kept values */
                assert_int_equal(fk->r.is_object, json_is_object(root));
                compare_field(&fk->r, 0, text, b.p);
                compare_field(&fk->r, 1, json_is_object(meta) ? json_object_get(meta, "body") : NULL, b.p);
                assert_int_equal(fk->r.id_kind, f->r.id_kind);
                assert_int_equal(fk->r.id.len, f->r.id.len);
                if (f->r.id.len)
                    assert_memory_equal(fk->r.id.ptr, f->r.id.ptr, f->r.id.len);
                assert_int_equal(fk->r.n_keys, f->r.n_keys);
                for (size_t i = 0; i < NK; i++) {
                    if (compare_kept(&fk->r, i, json_is_object(root) ? root : NULL, keeps[i], b.p)) {
                        kept_found[i]++;
                        kept_containers += fk->r.kept[i].ptr[0] == '{' || fk->r.kept[i].ptr[0] == '[';
                    }
                }
                if (json_is_object(root) && f->r.n_keys < 64) {
                    const char *key;
                    json_t *v;
                    json_object_foreach(root, key, v) {
                        size_t k;
                        for (k = 0; k < f->r.n_keys; k++)
                            if (f->r.keys[k].len == strlen(key) && memcmp(f->r.keys[k].ptr, key, f->r.keys[k].len) == 0)
                                break;
                        if (k == f->r.n_keys)
                            fail_msg("key '%s' not listed: %s", key, b.p);
                    }
                }
            }
        } else {
            both_bad++;
        }
        json_decref(root);
    }
    print_message("differential: %d lines, %d valid (%d compared field by field), %d invalid, excused: %d ill-formed UTF-8 or "
                  "lone surrogates, %d jansson limits, %d NUL after a number\n",
                  N, both_ok, compared, both_bad, excused_utf8, excused_limits, excused_nul);
    assert_true(both_ok > N / 10 && both_bad > N / 10 && excused_utf8 > 0 && excused_limits > 0);
    print_message("kept values compared:");
    for (size_t i = 0; i < NK; i++) {
        print_message(" %s %d", keeps[i], kept_found[i]);
        assert_true(kept_found[i] > 0);
    }
    print_message(", %d of them objects or arrays\n", kept_containers);
    assert_true(kept_containers > compared / 20);
    free(b.p);
    free(san.p);
    fx_free(f);
    fx_free(fk);
}

/* ---- JSONTestSuite ------------------------------------------------------------------------ */

static void test_jsontestsuite(void **state)
{
    (void)state;
    const char *dir = getenv("TALLY_JSONTESTSUITE");
    if (!dir)
        dir = "../shared/testdata/JSONTestSuite/test_parsing";
    DIR *d = opendir(dir);
    if (!d) {
        print_message("JSONTestSuite not found at %s: skipped\n", dir);
        skip();
        return;
    }
    struct fx *f = fx_default();
    int y = 0, y_ok = 0, n = 0, i_acc = 0, i_rej = 0, excused = 0, failures = 0;
    struct sb san = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        const char *name = e->d_name;
        if (strlen(name) < 6 || strcmp(name + strlen(name) - 5, ".json") != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        struct sb buf = {0};
        char tmp[65536];
        size_t got;
        while ((got = fread(tmp, 1, sizeof tmp, fp)) > 0)
            sb_put(&buf, tmp, got);
        fclose(fp);
        /* An empty or blank file is never handed to the scanner by the line splitter. */
        int blank = strspn(buf.p ? buf.p : "", " \t\r\n") == buf.len;
        int rc = blank ? TALLY_EJSON : scan_n(f, buf.p ? buf.p : "", buf.len);
        if (name[0] == 'y') {
            y++;
            if (rc == 0)
                y_ok++;
            else {
                print_error("%s rejected: %s at %llu\n", name, f->err.message, (unsigned long long)f->err.offset);
                failures++;
            }
        } else if (name[0] == 'n') {
            n++;
            if (rc == 0) {
                /* Excused by rule: the file holds ill-formed UTF-8 (which we accept only inside
                 * strings) or surrogate escapes; the sanitized file must then be rejected too or
                 * be one that jansson, too, accepts. */
                if (sanitize((const uint8_t *)buf.p, buf.len, &san)) {
                    json_error_t je;
                    json_t *j = json_loadb(san.p, san.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
                    if (j)
                        excused++;
                    else {
                        print_error("%s accepted\n", name);
                        failures++;
                    }
                    json_decref(j);
                } else {
                    print_error("%s accepted\n", name);
                    failures++;
                }
            }
        } else if (name[0] == 'i') {
            rc == 0 ? i_acc++ : i_rej++;
        }
        free(buf.p);
    }
    closedir(d);
    print_message("JSONTestSuite: %d y_ accepted, %d n_ rejected, %d n_ excused (ill-formed UTF-8 "
                  "in strings or lone surrogates), i_: %d accepted, %d rejected\n",
                  y_ok, n - excused, excused, i_acc, i_rej);
    free(san.p);
    fx_free(f);
    assert_int_equal(failures, 0);
    assert_true(y > 0 && n > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_lines),
        cmocka_unit_test(test_invalid_lines),
        cmocka_unit_test(test_string_boundaries),
        cmocka_unit_test(test_extract_basic),
        cmocka_unit_test(test_extract_kinds),
        cmocka_unit_test(test_nested_paths),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_escapes_and_surrogates),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_multi_fields),
        cmocka_unit_test(test_scratch_moves),
        cmocka_unit_test(test_keys_cap_and_reuse),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_keep_as_written),
        cmocka_unit_test(test_keep_nested_and_prefixes),
        cmocka_unit_test(test_keep_duplicates),
        cmocka_unit_test(test_keep_also_text_and_id),
        cmocka_unit_test(test_keep_deep),
        cmocka_unit_test(test_differential_jansson),
        cmocka_unit_test(test_jsontestsuite),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    guard_release();
    return rc;
}
