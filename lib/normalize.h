/* normalize.h — turns a token into the form that is compared with dictionary terms:
 * NFKC_Casefold (NFKC, full case folding, default-ignorable code points removed; utf8proc's
 * utf8proc_NFKC_Casefold rules), or, case-sensitive, NFKC with default-ignorables removed; then
 * U+2018, U+2019, U+02BC and U+FF07 become U+0027. Ill-formed UTF-8 becomes U+FFFD.
 *
 * ASCII tokens take a fast path (lower-casing only), and so do tokens made only of ASCII and of
 * common letters that normalize one code point at a time (Latin, Greek, Cyrillic, CJK
 * ideographs, kana, ...; the table for them is filled on first use). Other non-ASCII results are
 * kept in a bounded per-normalizer cache. A normalizer belongs to one thread. */
#ifndef TALLY_NORMALIZE_H
#define TALLY_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

typedef struct tally_normalizer tally_normalizer;

/* Returns a new normalizer (aborts on out of memory). */
tally_normalizer *tally__norm_new(int case_sensitive);
void tally__norm_free(tally_normalizer *n);

/* Normalizes s[0,len). Returns a pointer to the result (borrowed: valid until the next call on
 * n) and stores its length in *outlen. The result may be empty (a token of ignorables only). */
const uint8_t *tally__norm_token(tally_normalizer *n, const uint8_t *s, size_t len, size_t *outlen);

#endif
