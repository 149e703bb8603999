/* tokenize.h — splits UTF-8 text into tokens: UAX #29 word segments that hold a letter or a
 * number (Unicode 15.0 word-break data from Debian's unicode-data, generated into
 * build/gen/unicode_tables.c), or runs of non-White_Space code points in whitespace mode.
 *
 * It also decides, for each token, whether a phrase may continue into it from the previous token
 * of the same field: only when the text between them holds nothing but White_Space and dash
 * punctuation (General_Category Pd). Ill-formed UTF-8 counts as U+FFFD (one per maximal
 * ill-formed subsequence) and is counted in invalid_utf8.
 *
 * The tokenizer is an iterator over one buffer at a time. It allocates nothing. */
#ifndef TALLY_TOKENIZE_H
#define TALLY_TOKENIZE_H

#include <stddef.h>
#include <stdint.h>

#define TALLY_TOK_LINKED 0x1u /* a phrase may continue from the previous token into this one */
#define TALLY_TOK_ASCII 0x2u  /* every byte of the token is < 0x80 */

typedef struct tally_token {
    size_t start; /* byte offset of the token in the current buffer */
    size_t len;   /* byte length, as in the text (before normalization) */
    unsigned flags;
} tally_token;

typedef struct tally_tokenizer {
    const uint8_t *text;
    size_t len;
    size_t pos;
    int mode;          /* TALLY_TOKENIZER_UNICODE or TALLY_TOKENIZER_WHITESPACE */
    int have_prev;     /* a token was seen earlier in this field */
    int gap_ok;        /* the text since that token is only White_Space and Pd so far */
    uint64_t invalid_utf8; /* ill-formed subsequences seen so far (never reset by this module) */
    /* Fast-path cache: bit masks of the 64 bytes at text + blk (valid when blk_ok). */
    size_t blk;
    int blk_ok;
    uint64_t blk_word;   /* ASCII letters and digits */
    uint64_t blk_simple; /* ASCII bytes that are neither letters, digits nor ' . : , ; _ */
    uint64_t blk_gap;    /* White_Space and '-' */
    /* The last non-ASCII character the fast paths decoded while looking past a segment's end:
     * its offset (SIZE_MAX: none), byte length and properties, so the next call need not decode
     * it again. */
    size_t la_pos;
    unsigned la_len;
    unsigned la_prop;
} tally_tokenizer;

/* Prepares t for a new run; invalid_utf8 starts at 0. */
void tally__tok_init(tally_tokenizer *t, int mode);

/* Starts a new field: text is borrowed until the next begin/continue call. Phrases never
 * continue from an earlier field into this one. */
void tally__tok_begin_field(tally_tokenizer *t, const uint8_t *text, size_t len);

/* Continues the current field with its next piece, which must start at a position that
 * tally__tok_safe_cut returned for the previous piece. Linking carries over the cut. */
void tally__tok_continue_field(tally_tokenizer *t, const uint8_t *text, size_t len);

/* Stores the next token in *tok and returns 1, or returns 0 at the end of the buffer. */
int tally__tok_next(tally_tokenizer *t, tally_token *tok);

/* Returns the largest p with 0 < p < len such that tokenizing text[0,p) and then continuing with
 * the rest gives exactly the tokens and links of tokenizing the whole, whatever bytes follow
 * text[len-1]; returns 0 when no such p exists in the buffer. Used to cut documents that are
 * larger than a batch. Looks only at the last max_scan bytes (0 = no limit). */
size_t tally__tok_safe_cut(const uint8_t *text, size_t len, size_t max_scan);

/* For tests: raw UAX #29 segmentation. Given a word boundary pos < len (0 is one), returns the
 * next word boundary, treating len as the end of text. Counts nothing. */
size_t tally__wb_next_boundary(const uint8_t *text, size_t len, size_t pos);

#endif
