/* fuzz_dictfmt.c — libFuzzer target for the readers of other tools' dictionary formats
 * (lib/dictfmt.c: LIWC, LIWC-22, Lexicoder; lib/dict_yaml.c: quanteda's YAML through libyaml).
 *
 * Byte 0 chooses the format (bits 0-1: LIWC, LIWC-22, Lexicoder, YAML), the tokenizer (bit 2) and
 * case sensitivity (bit 3). The rest is the dictionary text. Checks:
 *   - an error is TALLY_EDICT whose message begins "NAME:LINE: " with a line inside the text, or
 *     is "NAME has no terms" at line 0;
 *   - a dictionary that parsed compiles, with a sane fingerprint, and every group name is
 *     non-empty and holds no line break (the digest's canonical text has one name per line);
 *   - the same text with a BOM in front and CRLF line ends (when it has no CR of its own) reads
 *     alike: the same result, error line, keywords, groups and fingerprint. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"
#include "fuzz_util.h"
#include "tally.h"

static const int formats[4] = {TALLY_DICT_LIWC, TALLY_DICT_DICX, TALLY_DICT_LEXICODER,
                               TALLY_DICT_YAML};

static void check_error(int rc, const tally_error *err, const uint8_t *text, size_t len)
{
    FUZZ_CHECK(rc == TALLY_EDICT, "returned %d (%s): %s", rc, tally_strerror(rc), err->message);
    FUZZ_CHECK(err->code == rc, "err.code %d, rc %d", err->code, rc);
    FUZZ_CHECK(memchr(err->message, 0, sizeof err->message), "message not terminated");
    if (err->line == 0) {
        FUZZ_CHECK(strcmp(err->message, "fuzz has no terms") == 0, "line 0: '%s'", err->message);
        return;
    }
    uint64_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    FUZZ_CHECK(err->line <= lines, "error line %llu of %llu lines: %s",
               (unsigned long long)err->line, (unsigned long long)lines, err->message);
    char pre[40];
    snprintf(pre, sizeof pre, "fuzz:%llu: ", (unsigned long long)err->line);
    FUZZ_CHECK(strncmp(err->message, pre, strlen(pre)) == 0, "message '%s'", err->message);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    int format = formats[data[0] & 3];
    int tok = data[0] & 4 ? TALLY_TOKENIZER_WHITESPACE : TALLY_TOKENIZER_UNICODE;
    int cs = (data[0] >> 3) & 1;
    size_t len = size - 1;
    uint8_t *text = malloc(len ? len : 1); /* exact size: ASan sees reads past the end */
    memcpy(text, data + 1, len);

    tally_dict *d = tally_dict_new(tok, cs);
    tally_error err;
    memset(&err, 0, sizeof err);
    int rc = tally_dict_add_text_format(d, "fuzz", (const char *)text, len, format, &err);
    if (rc)
        check_error(rc, &err, text, len);
    else {
        FUZZ_CHECK(tally_dict_keyword_count(d) > 0, "parsed without a keyword");
        for (size_t g = 0; g < tally_dict_group_count(d); g++) {
            const char *name = tally_dict_group_name(d, g);
            FUZZ_CHECK(name[0] && !strchr(name, '\n') && !strchr(name, '\r'), "group name '%s'",
                       name);
        }
        tally_error cerr;
        FUZZ_CHECK(tally_dict_compile(d, &cerr) == 0, "compile failed: %s", cerr.message);
        const char *fp = tally_dict_fingerprint(d);
        FUZZ_CHECK(strlen(fp) == 32 && strspn(fp, "0123456789abcdef") == 32, "fingerprint '%s'",
                   fp);
    }

    if (!memchr(text, '\r', len) && !(len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)) {
        size_t n2 = 3;
        for (size_t i = 0; i < len; i++)
            n2 += text[i] == '\n' ? 2 : 1;
        uint8_t *t2 = malloc(n2);
        memcpy(t2, "\xEF\xBB\xBF", 3);
        for (size_t i = 0, o = 3; i < len; i++) {
            if (text[i] == '\n')
                t2[o++] = '\r';
            t2[o++] = text[i];
        }
        tally_dict *d2 = tally_dict_new(tok, cs);
        tally_error err2;
        memset(&err2, 0, sizeof err2);
        int rc2 = tally_dict_add_text_format(d2, "fuzz", (const char *)t2, n2, format, &err2);
        FUZZ_CHECK(rc2 == rc, "with BOM and CRLF: %d (%s), without: %d (%s)", rc2, err2.message,
                   rc, rc ? err.message : "");
        if (rc)
            FUZZ_CHECK(err2.line == err.line, "error at line %llu with BOM and CRLF, %llu without",
                       (unsigned long long)err2.line, (unsigned long long)err.line);
        else {
            tally_error cerr;
            FUZZ_CHECK(tally_dict_compile(d2, &cerr) == 0, "compile failed: %s", cerr.message);
            FUZZ_CHECK(tally_dict_keyword_count(d2) == tally_dict_keyword_count(d) &&
                           tally_dict_group_count(d2) == tally_dict_group_count(d),
                       "keywords or groups differ with BOM and CRLF");
            FUZZ_CHECK(strcmp(tally_dict_fingerprint(d2), tally_dict_fingerprint(d)) == 0,
                       "the fingerprint differs with BOM and CRLF");
        }
        tally_dict_free(d2);
        free(t2);
    }
    tally_dict_free(d);
    free(text);
    return 0;
}
