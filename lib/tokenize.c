/* tokenize.c — the tokenizer: UAX #29 word segmentation (Unicode 15.0, rules WB1–WB999) with an
 * ASCII fast path, the phrase-link rule, whitespace mode, and safe cut points for documents that
 * are tokenized in pieces.
 *
 * Segmentation always starts at a known boundary and needs no state from before it. That is sound
 * because the rules that look two characters back (WB7, WB7c, WB11) need a join between those two
 * characters (WB6, WB7b, WB12), so they never reach across a boundary, and WB15/16 count regional
 * indicators in pairs starting from the last boundary anyway.
 *
 * The ASCII fast path handles segments made only of ASCII bytes whose following byte is ASCII too:
 * runs of [A-Za-z0-9_] joined through ' . : (between letters) and ' . , ; (between digits), and
 * one-byte separators. Whenever a non-ASCII byte could take part in a decision (an Extend
 * character attaching to a separator, a letter after "a.", ...), the segment is redone by the
 * general rule engine from its start.
 *
 * Segments that start with a non-ASCII character (or an ASCII word that runs into one) first try
 * fast_segment(), which settles letter runs, lone Word_Break=Other characters such as Han
 * ideographs, and katakana runs from a few property lookups, and otherwise hands the segment to
 * the rule engine. */
#include "tokenize.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "tally.h"
#include "unicode.h"

/* ASCII byte classes for the fast path. */
enum {
    K_LETTER = 0x01, /* A-Z a-z (ALetter) */
    K_DIGIT = 0x02,  /* 0-9 (Numeric) */
    K_USCORE = 0x04, /* _ (ExtendNumLet) */
    K_MIDL = 0x08,   /* joins letter to letter: ' . : */
    K_MIDN = 0x10,   /* joins digit to digit: ' . , ; */
    K_SEP = 0x20,    /* a one-byte segment when it starts one and the next byte is ASCII */
    K_GAP = 0x40,    /* White_Space or Pd: keeps a phrase link */
    K_NONASCII = 0x80,
};
#define K_WORD (K_LETTER | K_DIGIT | K_USCORE)

static const uint8_t ascii_class[256] = {
#define R4(x) x, x, x, x
#define R16(x) R4(x), R4(x), R4(x), R4(x)
    /* 0x00-0x1f: controls; 09-0D are White_Space */
    R4(K_SEP), R4(K_SEP), K_SEP, K_SEP | K_GAP, K_SEP | K_GAP, K_SEP | K_GAP, K_SEP | K_GAP,
    K_SEP | K_GAP, K_SEP, K_SEP, R16(K_SEP),
    /* 0x20 ' ' */ K_SEP | K_GAP,
    /* ! " # $ % & */ K_SEP, K_SEP, K_SEP, K_SEP, K_SEP, K_SEP,
    /* ' */ K_SEP | K_MIDL | K_MIDN,
    /* ( ) * + */ K_SEP, K_SEP, K_SEP, K_SEP,
    /* , */ K_SEP | K_MIDN,
    /* - */ K_SEP | K_GAP,
    /* . */ K_SEP | K_MIDL | K_MIDN,
    /* / */ K_SEP,
    /* 0-9 */ R4(K_DIGIT), R4(K_DIGIT), K_DIGIT, K_DIGIT,
    /* : */ K_SEP | K_MIDL,
    /* ; */ K_SEP | K_MIDN,
    /* < = > ? @ */ K_SEP, K_SEP, K_SEP, K_SEP, K_SEP,
    /* A-Z */ R16(K_LETTER), R4(K_LETTER), R4(K_LETTER), K_LETTER, K_LETTER,
    /* [ \ ] ^ */ K_SEP, K_SEP, K_SEP, K_SEP,
    /* _ */ K_USCORE,
    /* ` */ K_SEP,
    /* a-z */ R16(K_LETTER), R4(K_LETTER), R4(K_LETTER), K_LETTER, K_LETTER,
    /* { | } ~ DEL */ K_SEP, K_SEP, K_SEP, K_SEP, K_SEP,
    /* 0x80-0xff */
    R16(K_NONASCII), R16(K_NONASCII), R16(K_NONASCII), R16(K_NONASCII), R16(K_NONASCII),
    R16(K_NONASCII), R16(K_NONASCII), R16(K_NONASCII),
#undef R4
#undef R16
};

#define WB_NONE TALLY_WB_COUNT /* no character (before the segment start, or at the end) */

/* What the general engine learned about one segment. */
typedef struct seg_info {
    unsigned alnum;   /* holds a letter or number: a token */
    unsigned nongap;  /* holds a code point that is neither White_Space nor Pd */
    unsigned nonascii; /* holds a byte >= 0x80 */
    uint32_t invalid; /* ill-formed subsequences in it */
} seg_info;

/* Decodes the code point at p (n bytes left) and returns its properties; ill-formed input counts
 * as U+FFFD, whose properties are Word_Break=Other and no flags. */
static inline unsigned decode_prop(const uint8_t *p, size_t n, size_t *clen, int *bad)
{
    uint32_t cp;
    *clen = tally__utf8_decode(p, n, &cp, bad);
    return tally__uprop(cp);
}

static inline void account(seg_info *si, unsigned prop, int bad, uint8_t lead)
{
    si->alnum |= prop & TALLY_UP_ALNUM;
    si->nongap |= !(prop & (TALLY_UP_WSPACE | TALLY_UP_DASH));
    si->nonascii |= lead >= 0x80;
    si->invalid += (uint32_t)bad;
}

static inline int ignorable(unsigned wb)
{
    return wb == TALLY_WB_EXTEND || wb == TALLY_WB_FORMAT || wb == TALLY_WB_ZWJ;
}

/* Word_Break of the first character at or after i that WB4 does not skip, WB_NONE at the end. */
static unsigned lookahead(const uint8_t *s, size_t n, size_t i)
{
    while (i < n) {
        size_t l;
        int bad;
        unsigned wb = decode_prop(s + i, n - i, &l, &bad) & TALLY_UP_WB_MASK;
        if (!ignorable(wb))
            return wb;
        i += l;
    }
    return WB_NONE;
}

static inline int ahletter(unsigned wb)
{
    return wb == TALLY_WB_ALETTER || wb == TALLY_WB_HEBREW;
}

static inline int midnumletq(unsigned wb)
{
    return wb == TALLY_WB_MIDNUMLET || wb == TALLY_WB_SQ;
}

/* Rules WB5–WB16 for the position between L and R (both after WB4), LL being the character before
 * L within the segment; next is the byte offset just after R, for the rules that look ahead. ri is
 * the number of regional indicators ending at L. Returns 1 for "no break". */
static int joins(unsigned LL, unsigned L, unsigned R, unsigned ri, const uint8_t *s, size_t n,
                 size_t next)
{
    if (ahletter(L)) {
        if (ahletter(R) || R == TALLY_WB_NUMERIC || R == TALLY_WB_EXTENDNUMLET)
            return 1; /* WB5, WB9, WB13a */
        if (R == TALLY_WB_MIDLETTER || midnumletq(R))
            if (ahletter(lookahead(s, n, next)))
                return 1; /* WB6 */
        if (L == TALLY_WB_HEBREW) {
            if (R == TALLY_WB_SQ)
                return 1; /* WB7a */
            if (R == TALLY_WB_DQ && lookahead(s, n, next) == TALLY_WB_HEBREW)
                return 1; /* WB7b */
        }
        return 0;
    }
    if (L == TALLY_WB_NUMERIC) {
        if (R == TALLY_WB_NUMERIC || ahletter(R) || R == TALLY_WB_EXTENDNUMLET)
            return 1; /* WB8, WB10, WB13a */
        if ((R == TALLY_WB_MIDNUM || midnumletq(R)) && lookahead(s, n, next) == TALLY_WB_NUMERIC)
            return 1; /* WB12 */
        return 0;
    }
    if (L == TALLY_WB_MIDLETTER || midnumletq(L)) {
        if (ahletter(LL) && ahletter(R))
            return 1; /* WB7 */
    }
    if (L == TALLY_WB_MIDNUM || midnumletq(L)) {
        if (LL == TALLY_WB_NUMERIC && R == TALLY_WB_NUMERIC)
            return 1; /* WB11 */
    }
    if (L == TALLY_WB_DQ && LL == TALLY_WB_HEBREW && R == TALLY_WB_HEBREW)
        return 1; /* WB7c */
    if (L == TALLY_WB_KATAKANA)
        return R == TALLY_WB_KATAKANA || R == TALLY_WB_EXTENDNUMLET; /* WB13, WB13a */
    if (L == TALLY_WB_EXTENDNUMLET)
        return ahletter(R) || R == TALLY_WB_NUMERIC || R == TALLY_WB_KATAKANA ||
               R == TALLY_WB_EXTENDNUMLET; /* WB13b, WB13a */
    if (L == TALLY_WB_RI && R == TALLY_WB_RI)
        return ri & 1; /* WB15, WB16 */
    return 0; /* WB999 */
}

static inline int hard_break(unsigned wb)
{
    return wb == TALLY_WB_CR || wb == TALLY_WB_LF || wb == TALLY_WB_NEWLINE;
}

/* The general engine: returns the end of the word segment that starts at the boundary i < n. */
static size_t segment(const uint8_t *s, size_t n, size_t i, seg_info *si)
{
    size_t l;
    int bad;
    unsigned p = decode_prop(s + i, n - i, &l, &bad);
    account(si, p, bad, s[i]);
    i += l;
    /* raw: the previous character as it is (WB3–WB3d); L, LL: the previous two after WB4. A
     * segment's first character stands for itself even when it is Extend/Format/ZWJ (it is the
     * "X" of WB4, or follows sot/CR/LF/Newline). */
    unsigned raw = p & TALLY_UP_WB_MASK, L = raw, LL = WB_NONE;
    unsigned ri = L == TALLY_WB_RI;
    while (i < n) {
        p = decode_prop(s + i, n - i, &l, &bad);
        unsigned R = p & TALLY_UP_WB_MASK;
        if (raw == TALLY_WB_CR && R == TALLY_WB_LF)
            goto join; /* WB3 */
        if (hard_break(raw) || hard_break(R))
            break; /* WB3a, WB3b */
        if (raw == TALLY_WB_ZWJ && (p & TALLY_UP_EXTPICT))
            goto join; /* WB3c */
        if (raw == TALLY_WB_WSEGSPACE && R == TALLY_WB_WSEGSPACE)
            goto join; /* WB3d */
        if (ignorable(R)) {
            raw = R; /* WB4: L and LL stay */
            account(si, p, bad, s[i]);
            i += l;
            continue;
        }
        if (!joins(LL, L, R, ri, s, n, i + l))
            break;
    join:
        LL = L;
        L = R;
        ri = R == TALLY_WB_RI ? ri + 1 : 0;
        raw = R;
        account(si, p, bad, s[i]);
        i += l;
    }
    return i;
}

/* ---- fast paths for common non-ASCII segments ------------------------------------------------
 *
 * Most non-ASCII text in news is made of three kinds of segment, which these paths settle without
 * the rule engine:
 *   - a run of ALetter and Numeric characters (Latin with accents, Greek, Cyrillic, ASCII letters
 *     and digits mixed in): WB5, WB8, WB9 and WB10 join any two of them;
 *   - one Word_Break=Other character (a Han ideograph, a hiragana, most punctuation and symbols):
 *     only WB4 can join anything to it, so it is a segment of its own unless an Extend, Format or
 *     ZWJ follows;
 *   - a run of Katakana (WB13).
 * Each path stops at the first character whose effect is not certain from the one before it
 * (an ignorable, a Mid* character, ExtendNumLet, Hebrew, ill-formed UTF-8, ...) and leaves the
 * whole segment to segment(), which then redoes it from its start. */

enum {
    F_RUN = 0x01,     /* ALetter or Numeric: a member of a letter run */
    F_ENDRUN = 0x02,  /* no rule joins it to a preceding ALetter or Numeric */
    F_SOLO = 0x04,    /* Other: its own segment when no ignorable follows */
    F_IGN = 0x08,     /* Extend, Format, ZWJ (WB4) */
    F_KATA = 0x10,    /* Katakana */
    F_ENDKATA = 0x20, /* no rule joins it to a preceding Katakana */
};

/* Fast-path classes by Word_Break value (TALLY_UP_WB_MASK bits of the properties). */
static const uint8_t wb_fast[32] = {
    [TALLY_WB_OTHER] = F_ENDRUN | F_SOLO | F_ENDKATA,
    [TALLY_WB_CR] = F_ENDRUN | F_ENDKATA,
    [TALLY_WB_LF] = F_ENDRUN | F_ENDKATA,
    [TALLY_WB_NEWLINE] = F_ENDRUN | F_ENDKATA,
    [TALLY_WB_EXTEND] = F_IGN,
    [TALLY_WB_ZWJ] = F_IGN,
    [TALLY_WB_RI] = F_ENDRUN | F_ENDKATA,
    [TALLY_WB_FORMAT] = F_IGN,
    [TALLY_WB_KATAKANA] = F_KATA | F_ENDRUN,
    [TALLY_WB_HEBREW] = F_ENDKATA,             /* WB5 joins it to ALetter */
    [TALLY_WB_ALETTER] = F_RUN | F_ENDKATA,
    [TALLY_WB_SQ] = F_ENDKATA,                 /* WB6/WB12 look further ahead */
    [TALLY_WB_DQ] = F_ENDRUN | F_ENDKATA,      /* WB7b/WB7c need Hebrew */
    [TALLY_WB_MIDNUMLET] = F_ENDKATA,
    [TALLY_WB_MIDLETTER] = F_ENDKATA,
    [TALLY_WB_MIDNUM] = F_ENDKATA,
    [TALLY_WB_NUMERIC] = F_RUN | F_ENDKATA,
    [TALLY_WB_EXTENDNUMLET] = 0,               /* WB13a joins it to both */
    [TALLY_WB_WSEGSPACE] = F_ENDRUN | F_ENDKATA,
};

/* decode_valid for 4-byte and ill-formed sequences, kept out of line. */
static size_t decode_valid_rare(const uint8_t *s, size_t n, size_t i, uint32_t *cp)
{
    int bad;
    size_t l = tally__utf8_decode(s + i, n - i, cp, &bad);
    return bad ? 0 : l;
}

/* Decodes the character at s[i] (a byte >= 0x80, i < n) into *cp and returns its length, or
 * returns 0 when it is ill-formed or cut off by the end of the buffer. */
static inline size_t decode_valid(const uint8_t *s, size_t n, size_t i, uint32_t *cp)
{
    unsigned b0 = s[i];
    if (b0 - 0xc2u < 0x1eu) {
        if (i + 1 < n && (s[i + 1] & 0xc0) == 0x80) {
            *cp = ((b0 & 0x1fu) << 6) | (s[i + 1] & 0x3fu);
            return 2;
        }
        return 0;
    }
    if (b0 - 0xe0u < 0x10u && i + 2 < n && (s[i + 1] & 0xc0) == 0x80 && (s[i + 2] & 0xc0) == 0x80) {
        uint32_t c = ((b0 & 0x0fu) << 12) | ((s[i + 1] & 0x3fu) << 6) | (s[i + 2] & 0x3fu);
        if (c >= 0x800 && (c & 0xf800) != 0xd800) { /* not overlong, not a surrogate */
            *cp = c;
            return 3;
        }
    }
    return decode_valid_rare(s, n, i, cp);
}

/* Whether the non-ASCII character at s[j] might join an ASCII separator segment that ends at j
 * (WB4, or WB3d after spaces), or is ill-formed: then the general engine decides. */
static __attribute__((noinline)) int may_attach(tally_tokenizer *t, const uint8_t *s, size_t n,
                                                size_t j)
{
    uint32_t cp;
    size_t l = decode_valid(s, n, j, &cp);
    if (!l)
        return 1;
    unsigned p = tally__uprop(cp), wb = p & TALLY_UP_WB_MASK;
    t->la_pos = j;
    t->la_len = (unsigned)l;
    t->la_prop = p;
    return (wb_fast[wb] & F_IGN) || wb == TALLY_WB_WSEGSPACE;
}

/* The next code point of a run at s[j] (non-ASCII): returns 1 with its property and length in
 * *pp and *lp when its fast class has a bit of keep (the run goes on); 0 when it has a bit of
 * end (the run ends before it, and it is kept as the next lookahead); -1 when the general
 * engine must decide. */
static inline int run_next(tally_tokenizer *t, const uint8_t *s, size_t n, size_t j, unsigned keep,
                           unsigned end, unsigned *pp, size_t *lp)
{
    uint32_t cp;
    size_t l = decode_valid(s, n, j, &cp);
    if (!l)
        return -1;
    unsigned p = tally__uprop(cp), f = wb_fast[p & TALLY_UP_WB_MASK];
    if (f & keep) {
        *pp = p;
        *lp = l;
        return 1;
    }
    if (!(f & end))
        return -1;
    t->la_pos = j;
    t->la_len = (unsigned)l;
    t->la_prop = p;
    return 0;
}

/* Settles the segment that starts at the boundary i < n when one of the fast paths applies:
 * fills *si and returns its end. Returns 0 when the general engine must decide. */
static inline size_t fast_segment(tally_tokenizer *t, const uint8_t *s, size_t n, size_t i,
                                  seg_info *si)
{
    uint32_t cp;
    size_t l, j;
    unsigned p, f;
    if (s[i] < 0x80) {
        if (!(ascii_class[s[i]] & (K_LETTER | K_DIGIT)))
            return 0;
        p = TALLY_UP_ALNUM | TALLY_WB_ALETTER;
        l = 1;
    } else if (i == t->la_pos) {
        l = t->la_len;
        p = t->la_prop;
    } else {
        l = decode_valid(s, n, i, &cp);
        if (!l)
            return 0;
        p = tally__uprop(cp);
    }
    f = wb_fast[p & TALLY_UP_WB_MASK];
    j = i + l;
    /* What the segment holds is accounted code point by code point, as the general engine does:
     * a non-token segment keeps a phrase linked when it is only White_Space and Pd, and some
     * ALetter and Katakana characters are dashes (U+058A ARMENIAN HYPHEN, U+30A0). */
    seg_info acc = {0, 0, 0, 0};
    account(&acc, p, 0, s[i]);
    if (f & F_RUN) {
        while (j < n) {
            unsigned b = s[j];
            if (b < 0x80) {
                unsigned k = ascii_class[b];
                if (k & (K_LETTER | K_DIGIT)) {
                    account(&acc, TALLY_UP_ALNUM | TALLY_WB_ALETTER, 0, (uint8_t)b);
                    j++;
                    continue;
                }
                if (!(k & K_SEP))
                    return 0; /* '_' (WB13a) */
                /* ' . : , ; join only when a letter or digit follows (WB6, WB12) */
                if ((k & (K_MIDL | K_MIDN)) && j + 1 < n &&
                    (ascii_class[s[j + 1]] & (K_LETTER | K_DIGIT | K_NONASCII)))
                    return 0;
                break;
            }
            int r = run_next(t, s, n, j, F_RUN, F_ENDRUN, &p, &l);
            if (r < 0)
                return 0;
            if (r == 0)
                break;
            account(&acc, p, 0, (uint8_t)b);
            j += l;
        }
    } else if (f & F_SOLO) {
        if (j < n && s[j] >= 0x80) {
            size_t l2 = decode_valid(s, n, j, &cp);
            if (!l2)
                return 0;
            unsigned p2 = tally__uprop(cp);
            if (wb_fast[p2 & TALLY_UP_WB_MASK] & F_IGN)
                return 0;
            t->la_pos = j;
            t->la_len = (unsigned)l2;
            t->la_prop = p2;
        }
    } else if (f & F_KATA) {
        while (j < n) {
            if (s[j] < 0x80) {
                if (s[j] == '_')
                    return 0;
                break;
            }
            int r = run_next(t, s, n, j, F_KATA, F_ENDKATA, &p, &l);
            if (r < 0)
                return 0;
            if (r == 0)
                break;
            account(&acc, p, 0, s[j]);
            j += l;
        }
    } else {
        return 0;
    }
    *si = acc;
    return j;
}

/* The end of the segment that starts at the boundary i < n: by a fast path if one applies, else by
 * the rule engine. Out of line, so that the ASCII paths of tally__tok_next keep their registers. */
static __attribute__((noinline)) size_t general_segment(tally_tokenizer *t, const uint8_t *s,
                                                        size_t n, size_t i, seg_info *si)
{
    size_t e = fast_segment(t, s, n, i, si);
    return e ? e : segment(s, n, i, si);
}

size_t tally__wb_next_boundary(const uint8_t *text, size_t len, size_t pos)
{
    seg_info si = {0, 0, 0, 0};
    return segment(text, len, pos, &si);
}

void tally__tok_init(tally_tokenizer *t, int mode)
{
    t->text = NULL;
    t->len = 0;
    t->pos = 0;
    t->mode = mode;
    t->have_prev = 0;
    t->gap_ok = 0;
    t->invalid_utf8 = 0;
    t->blk = 0;
    t->blk_ok = 0;
    t->la_pos = SIZE_MAX;
}

void tally__tok_begin_field(tally_tokenizer *t, const uint8_t *text, size_t len)
{
    t->text = text;
    t->len = len;
    t->pos = 0;
    t->have_prev = 0;
    t->gap_ok = 0;
    t->blk_ok = 0;
    t->la_pos = SIZE_MAX;
}

void tally__tok_continue_field(tally_tokenizer *t, const uint8_t *text, size_t len)
{
    t->text = text;
    t->len = len;
    t->pos = 0;
    t->blk_ok = 0;
    t->la_pos = SIZE_MAX;
}

static int whitespace_next(tally_tokenizer *t, tally_token *tok)
{
    const uint8_t *s = t->text;
    size_t n = t->len, i = t->pos, l;
    int bad;
    unsigned p;
    while (i < n) {
        if (s[i] < 0x80) {
            if (!(ascii_class[s[i]] & K_GAP) || s[i] == '-')
                break;
            i++;
            continue;
        }
        p = decode_prop(s + i, n - i, &l, &bad);
        if (!(p & TALLY_UP_WSPACE))
            break;
        i += l;
    }
    if (i >= n) {
        t->pos = n;
        return 0;
    }
    size_t start = i;
    unsigned nonascii = 0;
    while (i < n) {
        if (s[i] < 0x80) {
            if ((ascii_class[s[i]] & K_GAP) && s[i] != '-')
                break;
            i++;
            continue;
        }
        p = decode_prop(s + i, n - i, &l, &bad);
        if (p & TALLY_UP_WSPACE)
            break;
        t->invalid_utf8 += (unsigned)bad;
        nonascii = 1;
        i += l;
    }
    tok->start = start;
    tok->len = i - start;
    tok->flags = (nonascii ? 0 : TALLY_TOK_ASCII) | (t->have_prev ? TALLY_TOK_LINKED : 0);
    t->have_prev = 1;
    t->pos = i;
    return 1;
}

/* Returns the first position at or after j that does not hold an ASCII letter or digit. */
static inline size_t skip_alnum(const uint8_t *s, size_t n, size_t j)
{
#ifdef __SSE2__
    /* 16 bytes at a time: a letter is (c | 0x20) - 'a' < 26, a digit c - '0' < 10, both as
     * unsigned compares done by biasing into signed range. */
    const __m128i case_bit = _mm_set1_epi8(0x20);
    const __m128i bias_a = _mm_set1_epi8((char)(0x80 - 'a'));
    const __m128i lim_a = _mm_set1_epi8((char)(-128 + 26));
    const __m128i bias_0 = _mm_set1_epi8((char)(0x80 - '0'));
    const __m128i lim_0 = _mm_set1_epi8((char)(-128 + 10));
    while (j + 16 <= n) {
        __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(s + j));
        __m128i letter = _mm_cmplt_epi8(_mm_add_epi8(_mm_or_si128(c, case_bit), bias_a), lim_a);
        __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(c, bias_0), lim_0);
        unsigned other = ~(unsigned)_mm_movemask_epi8(_mm_or_si128(letter, digit)) & 0xffffu;
        if (other)
            return j + (size_t)__builtin_ctz(other);
        j += 16;
    }
#endif
    while (j < n && (ascii_class[s[j]] & (K_LETTER | K_DIGIT)))
        j++;
    return j;
}

#ifdef __SSE2__
/* Computes the block masks for the 64 bytes at t->text + blk (blk + 64 <= len). */
static void load_block(tally_tokenizer *t, size_t blk)
{
    const uint8_t *p = t->text + blk;
    uint64_t w = 0, simple = 0, gap = 0;
    for (int q = 0; q < 4; q++) {
        __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * q));
        __m128i letter = _mm_cmplt_epi8(
            _mm_add_epi8(_mm_or_si128(c, _mm_set1_epi8(0x20)), _mm_set1_epi8((char)(0x80 - 'a'))),
            _mm_set1_epi8((char)(-128 + 26)));
        __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(c, _mm_set1_epi8((char)(0x80 - '0'))),
                                       _mm_set1_epi8((char)(-128 + 10)));
        __m128i special = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8('\'')), _mm_cmpeq_epi8(c, _mm_set1_epi8('.'))),
            _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8(':')),
                                      _mm_cmpeq_epi8(c, _mm_set1_epi8(','))),
                         _mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8(';')),
                                      _mm_cmpeq_epi8(c, _mm_set1_epi8('_')))));
        /* 9..13 and ' ' are White_Space; '-' is Pd. */
        __m128i ws = _mm_cmplt_epi8(_mm_add_epi8(c, _mm_set1_epi8((char)(0x80 - 9))),
                                    _mm_set1_epi8((char)(-128 + 5)));
        ws = _mm_or_si128(ws, _mm_or_si128(_mm_cmpeq_epi8(c, _mm_set1_epi8(' ')),
                                           _mm_cmpeq_epi8(c, _mm_set1_epi8('-'))));
        __m128i wd = _mm_or_si128(letter, digit);
        /* Non-ASCII bytes have the top bit set; movemask of c finds them. */
        unsigned m_w = (unsigned)_mm_movemask_epi8(wd);
        unsigned m_other = (unsigned)_mm_movemask_epi8(_mm_or_si128(wd, special)) |
                           (unsigned)_mm_movemask_epi8(c);
        w |= (uint64_t)m_w << (16 * q);
        simple |= (uint64_t)(~m_other & 0xffffu) << (16 * q);
        gap |= (uint64_t)(unsigned)_mm_movemask_epi8(ws) << (16 * q);
    }
    t->blk = blk;
    t->blk_ok = 1;
    t->blk_word = w;
    t->blk_simple = simple;
    t->blk_gap = gap;
}

static inline size_t ctz_or_64(uint64_t x)
{
    return x ? (size_t)__builtin_ctzll(x) : 64;
}

/* Makes the block that holds position i current; returns 0 near the end of the buffer. */
static inline int block_at(tally_tokenizer *t, size_t i)
{
    size_t b = i & ~(size_t)63;
    if (t->blk_ok && t->blk == b)
        return 1;
    if (b + 64 > t->len)
        return 0;
    load_block(t, b);
    return 1;
}
#endif

int tally__tok_next(tally_tokenizer *t, tally_token *tok)
{
    if (t->mode == TALLY_TOKENIZER_WHITESPACE)
        return whitespace_next(t, tok);
    const uint8_t *s = t->text;
    size_t n = t->len, i = t->pos, start, end;
    int gap_ok = t->gap_ok; /* a local: stores through t could alias s */
    unsigned ascii;
    while (i < n) {
#ifdef __SSE2__
        /* Block fast path: a run of simple separators followed by a letter or digit, then a run
         * of letters and digits followed by a simple separator. Anything else (a ' . : , ; _
         * or a non-ASCII byte next to them, or the last 64 bytes) goes on to the paths below. */
        if (block_at(t, i)) {
            unsigned off = (unsigned)(i - t->blk);
            uint64_t simple = t->blk_simple >> off;
            if (simple & 1) {
                if (~simple == 0)
                    goto scalar;
                unsigned r = (unsigned)__builtin_ctzll(~simple);
                if (off + r < 64 && ((t->blk_word >> (off + r)) & 1)) {
                    uint64_t run = ((uint64_t)1 << r) - 1;
                    if (((t->blk_gap >> off) & run) != run)
                        gap_ok = 0;
                    i += r;
                    off += r;
                } else {
                    goto scalar;
                }
            }
            uint64_t word = t->blk_word >> off;
            if (word & 1) {
                size_t e = i + ctz_or_64(~word);
                while ((e & 63) == 0 && block_at(t, e) && (t->blk_word & 1))
                    e += ctz_or_64(~t->blk_word);
                if (e < n && block_at(t, e) && ((t->blk_simple >> (e - t->blk)) & 1)) {
                    start = i;
                    end = e;
                    ascii = TALLY_TOK_ASCII;
                    goto emit;
                }
            }
        }
    scalar:;
#endif
        unsigned k = ascii_class[s[i]];
        if (k & K_SEP) {
            /* A separator, or a ' . : , ; that starts a segment: nothing joins it to a following
             * ASCII character (WB6/WB11/WB12 need a letter or digit before it), except that WB3d
             * keeps a run of spaces together, which matters if a non-ASCII Extend follows. */
            size_t j = i + 1;
            if (s[i] == ' ')
                while (j < n && s[j] == ' ')
                    j++;
            if (j < n && s[j] >= 0x80 && may_attach(t, s, n, j))
                goto general;
            if (!(k & K_GAP))
                gap_ok = 0;
            i = j;
            if (i < n && s[i] >= 0x80)
                goto general; /* a non-ASCII segment: the block path has nothing for it */
            continue;
        }
        if (k & K_WORD) {
            size_t j = i + 1;
            unsigned alnum = k & (K_LETTER | K_DIGIT);
            for (;;) {
                size_t j2 = skip_alnum(s, n, j);
                alnum |= j2 > j;
                j = j2;
                if (j >= n)
                    break; /* WB2 */
                unsigned kb = ascii_class[s[j]];
                if (kb & K_USCORE) {
                    j++; /* WB13a, WB13b */
                    continue;
                }
                if (kb & K_NONASCII)
                    goto general;
                if (!(kb & (K_MIDL | K_MIDN)) || j + 1 >= n)
                    break;
                unsigned ka = ascii_class[s[j + 1]];
                if (ka & K_NONASCII)
                    goto general;
                unsigned kp = ascii_class[s[j - 1]];
                if ((kb & K_MIDL) && (kp & K_LETTER) && (ka & K_LETTER)) {
                    j += 2; /* WB6, WB7 */
                    continue;
                }
                if ((kb & K_MIDN) && (kp & K_DIGIT) && (ka & K_DIGIT)) {
                    j += 2; /* WB11, WB12 */
                    continue;
                }
                break;
            }
            if (!alnum) {
                gap_ok = 0; /* underscores only */
                i = j;
                continue;
            }
            start = i;
            end = j;
            ascii = TALLY_TOK_ASCII;
            goto emit;
        }
    general:;
        seg_info si = {0, 0, 0, 0};
        size_t e = general_segment(t, s, n, i, &si);
        t->invalid_utf8 += si.invalid;
        if (si.alnum) {
            start = i;
            end = e;
            ascii = si.nonascii ? 0 : TALLY_TOK_ASCII;
            goto emit;
        }
        if (si.nongap)
            gap_ok = 0;
        i = e;
    }
    t->pos = n;
    t->gap_ok = gap_ok;
    return 0;
emit:
    tok->start = start;
    tok->len = end - start;
    tok->flags = ascii | (t->have_prev && gap_ok ? TALLY_TOK_LINKED : 0);
    t->have_prev = 1;
    t->gap_ok = 1;
    t->pos = end;
    return 1;
}

/* The character that ends at p, if it is well-formed: its properties go to *prop. A byte that is
 * not a continuation byte always starts a new character in a forward decode, so stepping back to
 * one and decoding forward finds the true character when it ends exactly at p. */
static int char_before(const uint8_t *s, size_t p, unsigned *prop)
{
    size_t q = p - 1, lim = p > 4 ? p - 4 : 0;
    while (q > lim && (s[q] & 0xc0) == 0x80)
        q--;
    uint32_t cp;
    int bad;
    size_t l = tally__utf8_decode(s + q, p - q, &cp, &bad);
    if (bad || q + l != p)
        return 0;
    *prop = tally__uprop(cp);
    return 1;
}

/* A cut at p is safe when the character c1 before it is White_Space (so whitespace mode ends or
 * has not yet started a token there) and, for UAX #29:
 *   - c1 is LF, Newline, or CR not followed by LF: WB3a breaks after it whatever follows, and the
 *     segmentation after a boundary needs nothing from before it;
 *   - otherwise (c1 is WSegSpace or Other) c2, the character at p, is complete in the buffer and
 *     neither Extend/Format/ZWJ (WB4) nor, after a WSegSpace, WSegSpace (WB3d): then no rule joins
 *     c1 to c2, no look-ahead from before p passes c1 (c1 is not skipped by WB4), and LL = c1 never
 *     enables WB7/WB7c/WB11. (WB3d matters: in "U+3000 SPACE U+FF9E" the Lm Extend mark makes the
 *     whole run one token that starts at U+3000.)
 * A piece that ends at such a p segments as the whole does, since nothing before p looks beyond
 * c1. */
size_t tally__tok_safe_cut(const uint8_t *text, size_t len, size_t max_scan)
{
    size_t stop = (max_scan && max_scan < len) ? len - max_scan : 1;
    if (stop < 1)
        stop = 1;
    for (size_t p = len - (len > 0); p >= stop && p > 0; p--) {
        uint8_t b = text[p - 1];
        unsigned prop = 0;
        if (b < 0x80) {
            if (b == '\n' || b == '\v' || b == '\f')
                return p;
            if (b == '\r') {
                if (text[p] != '\n')
                    return p;
                continue;
            }
            if (b != ' ' && b != '\t')
                continue;
            prop = b == ' ' ? TALLY_WB_WSEGSPACE : TALLY_WB_OTHER;
        } else if ((b & 0xc0) != 0x80 || !char_before(text, p, &prop) ||
                   !(prop & TALLY_UP_WSPACE)) {
            continue;
        } else {
            unsigned wb = prop & TALLY_UP_WB_MASK;
            if (wb == TALLY_WB_NEWLINE || wb == TALLY_WB_LF)
                return p;
            /* White_Space with another Word_Break value takes part in rules: U+202F NARROW
             * NO-BREAK SPACE is ExtendNumLet, so WB13a/b join it to the letters around it */
            if (wb != TALLY_WB_WSEGSPACE && wb != TALLY_WB_OTHER)
                continue;
        }
        int c1_wseg = (prop & TALLY_UP_WB_MASK) == TALLY_WB_WSEGSPACE;
        if (text[p] < 0x80) {
            if (c1_wseg && text[p] == ' ')
                continue;
            return p;
        }
        uint32_t cp;
        int bad;
        size_t l = tally__utf8_decode(text + p, len - p, &cp, &bad);
        if (bad && p + l == len)
            continue; /* possibly the start of a character cut off by the buffer's end */
        unsigned wb2 = tally__uprop(cp) & TALLY_UP_WB_MASK;
        if (!ignorable(wb2) && !(c1_wseg && wb2 == TALLY_WB_WSEGSPACE))
            return p;
    }
    return 0;
}
