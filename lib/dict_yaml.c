/* dict_yaml.c — reads quanteda's YAML dictionaries with libyaml's event parser:
 *
 *     economy:                 a key whose value is a list of terms is a group of that name
 *       - tax*
 *       - joint building
 *     AFRICA:
 *       EAST:
 *         KE: [kenya, nairobi] a nested key is a group named by its path: AFRICA.EAST.KE
 *       "": [africa]           the empty key holds the terms of its own level: group AFRICA
 *
 * A mapping is a level, not a group, unless it has an empty key; a key with a single term as its
 * value is a group of one, a key with no value an empty group; an empty key at the top holds
 * ungrouped terms. Aliases are refused (they could make a small file expand without bound, and a
 * dictionary has no use for them), and so are duplicate keys, several documents and anything
 * but terms in a list. A well-kept parser (libyaml, Debian's libyaml-0-2) reads the YAML itself:
 * flow and block styles, quoting, escapes and comments are its business, not ours. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "common.h"
#include "dict.h"
#include "dictfmt.h"

#define MAX_DEPTH 64

typedef struct yreader {
    tally_fmt *f;
    yaml_parser_t parser;
    yaml_event_t ev;
    int have;        /* ev holds an event to delete */
    tally_buf path;  /* the current level's path, keys joined with '.' */
    uint64_t lines;  /* the text's line count, as its line feeds give it */
} yreader;

/* libyaml counts U+0085, U+2028 and U+2029 as line breaks too (YAML 1.1); messages count line
 * feeds, as an editor does, so a line past the text's last is its last. */
static uint64_t clamp_line(const yreader *y, size_t mark_line)
{
    uint64_t line = (uint64_t)mark_line + 1;
    return line > y->lines ? y->lines : line;
}

static uint64_t ev_line(const yreader *y)
{
    return clamp_line(y, y->ev.start_mark.line);
}

static int next(yreader *y)
{
    if (y->have)
        yaml_event_delete(&y->ev);
    y->have = 0;
    if (!yaml_parser_parse(&y->parser, &y->ev)) {
        const yaml_parser_t *p = &y->parser;
        /* at the end of the text libyaml's mark may stand on a line after the last one */
        return tally__fmt_error(y->f, clamp_line(y, p->problem_mark.line), "YAML: %s%s%s",
                                p->problem ? p->problem : "cannot be parsed",
                                p->context ? " " : "", p->context ? p->context : "");
    }
    y->have = 1;
    return 0;
}

static int alias_error(yreader *y)
{
    return tally__fmt_error(y->f, ev_line(y),
                            "YAML aliases (*name) are not supported in dictionaries (a term that "
                            "starts with '*' must be quoted, and tally has only a trailing '*' "
                            "wildcard)");
}

static const char *scalar(const yreader *y, size_t *n)
{
    *n = y->ev.data.scalar.length;
    return (const char *)y->ev.data.scalar.value;
}

/* A plain empty, ~ or null scalar: YAML's null, a value left out. */
static int is_null(const yreader *y)
{
    if (y->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    size_t n;
    const char *s = scalar(y, &n);
    return n == 0 || (n == 1 && s[0] == '~') || (n == 4 && (memcmp(s, "null", 4) == 0 ||
                                                           memcmp(s, "Null", 4) == 0 ||
                                                           memcmp(s, "NULL", 4) == 0));
}

/* The group of a key's value: the path and the key, or the path alone for the empty key
 * (TALLY_NONE at the top). */
static int value_group(yreader *y, uint64_t line, const char *key, size_t kn, uint32_t *group)
{
    size_t base = y->path.len;
    if (kn) {
        if (base)
            tally__buf_append(&y->path, ".", 1);
        tally__buf_append(&y->path, key, kn);
    }
    int rc = 0;
    *group = TALLY_NONE;
    if (y->path.len)
        rc = tally__fmt_category(y->f, line, (const char *)y->path.data, y->path.len, "key",
                                 group);
    y->path.len = base;
    return rc;
}

static int level(yreader *y, int depth);

/* One key's value, the event after the key. */
static int value(yreader *y, uint64_t line, const char *key, size_t kn, int depth)
{
    uint32_t g;
    int rc;
    switch (y->ev.type) {
    case YAML_ALIAS_EVENT:
        return alias_error(y);
    case YAML_SCALAR_EVENT: {
        int null = is_null(y);
        if (null && kn == 0)
            return 0;
        if ((rc = value_group(y, line, key, kn, &g)))
            return rc;
        if (null)
            return 0;
        size_t n;
        const char *s = scalar(y, &n);
        return tally__fmt_term(y->f, ev_line(y), s, n, g);
    }
    case YAML_SEQUENCE_START_EVENT:
        if ((rc = value_group(y, line, key, kn, &g)))
            return rc;
        for (;;) {
            if ((rc = next(y)))
                return rc;
            if (y->ev.type == YAML_SEQUENCE_END_EVENT)
                return 0;
            if (y->ev.type == YAML_ALIAS_EVENT)
                return alias_error(y);
            if (y->ev.type != YAML_SCALAR_EVENT)
                return tally__fmt_error(y->f, ev_line(y),
                                        "a list item must be a term, not a list or a mapping "
                                        "(a nested category is a key of its own)");
            if (is_null(y))
                return tally__fmt_error(y->f, ev_line(y), "an empty list item");
            size_t n;
            const char *s = scalar(y, &n);
            if ((rc = tally__fmt_term(y->f, ev_line(y), s, n, g)))
                return rc;
        }
    case YAML_MAPPING_START_EVENT: {
        if (depth >= MAX_DEPTH)
            return tally__fmt_error(y->f, ev_line(y), "keys nested more than %d deep",
                                    MAX_DEPTH);
        size_t base = y->path.len;
        if (kn) {
            if (base)
                tally__buf_append(&y->path, ".", 1);
            tally__buf_append(&y->path, key, kn);
        }
        rc = level(y, depth + 1);
        y->path.len = base;
        return rc;
    }
    default:
        return tally__fmt_error(y->f, ev_line(y), "unexpected YAML content");
    }
}

/* The keys of a mapping whose start event has been read, to its end. */
static int level(yreader *y, int depth)
{
    tally_buf keys; /* this mapping's keys so far, each a size_t length then its bytes */
    tally__buf_init(&keys);
    int rc;
    for (;;) {
        if ((rc = next(y)))
            goto out;
        if (y->ev.type == YAML_MAPPING_END_EVENT)
            break;
        if (y->ev.type == YAML_ALIAS_EVENT) {
            rc = alias_error(y);
            goto out;
        }
        if (y->ev.type != YAML_SCALAR_EVENT) {
            rc = tally__fmt_error(y->f, ev_line(y), "a key must be a name, not a list or a "
                                                    "mapping");
            goto out;
        }
        uint64_t line = ev_line(y);
        size_t kn;
        const char *k = scalar(y, &kn);
        k = tally__dict_trim(k, &kn);
        for (size_t at = 0; at < keys.len;) {
            size_t len;
            memcpy(&len, keys.data + at, sizeof len);
            at += sizeof len;
            if (len == kn && memcmp(keys.data + at, k, kn) == 0) {
                rc = tally__fmt_error(y->f, line, "the key '%.*s' appears twice in one mapping",
                                      (int)kn, k);
                goto out;
            }
            at += len;
        }
        tally__buf_append(&keys, &kn, sizeof kn);
        tally__buf_append(&keys, k, kn);
        /* the key's bytes live in the event, which the next call frees: keep a copy */
        char *key = tally_xstrndup(k, kn);
        rc = next(y);
        if (rc == 0)
            rc = value(y, line, key, kn, depth);
        free(key);
        if (rc)
            goto out;
    }
    rc = 0;
out:
    tally__buf_cleanup(&keys);
    return rc;
}

int tally__fmt_yaml(tally_fmt *f, const char *buf, size_t len)
{
    yreader y;
    memset(&y, 0, sizeof y);
    y.f = f;
    y.lines = 1;
    for (const char *p = buf, *e = buf + len; (p = memchr(p, '\n', (size_t)(e - p))); p++)
        y.lines++;
    tally__buf_init(&y.path);
    if (!yaml_parser_initialize(&y.parser)) { /* it fails only for want of memory */
        fputs("tally: out of memory\n", stderr);
        abort();
    }
    yaml_parser_set_input_string(&y.parser, (const unsigned char *)buf, len);
    int rc, docs = 0;
    if ((rc = next(&y))) /* stream start */
        goto out;
    for (;;) {
        if ((rc = next(&y)))
            goto out;
        if (y.ev.type == YAML_STREAM_END_EVENT)
            break;
        if (y.ev.type != YAML_DOCUMENT_START_EVENT) {
            rc = tally__fmt_error(f, ev_line(&y), "unexpected YAML content");
            goto out;
        }
        if (++docs > 1) {
            rc = tally__fmt_error(f, ev_line(&y), "a second YAML document; a dictionary is one");
            goto out;
        }
        if ((rc = next(&y)))
            goto out;
        if (y.ev.type == YAML_MAPPING_START_EVENT) {
            if ((rc = level(&y, 0)))
                goto out;
        } else if (!(y.ev.type == YAML_SCALAR_EVENT && is_null(&y))) {
            rc = tally__fmt_error(f, ev_line(&y),
                                  "the YAML document must be a mapping of category names to "
                                  "lists of terms");
            goto out;
        }
        if ((rc = next(&y))) /* document end */
            goto out;
    }
    rc = 0;
out:
    if (y.have)
        yaml_event_delete(&y.ev);
    yaml_parser_delete(&y.parser);
    tally__buf_cleanup(&y.path);
    return rc;
}
