/* tally.h — the tally engine's public API.
 *
 * tally counts dictionary terms (keywords, multi-word phrases, prefixes, groups) in text archives:
 * JSON Lines, JSON arrays, plain text or one-document-per-line files, plain or compressed with
 * zstd or gzip.
 *
 * The engine is three objects:
 *   tally_dict     a compiled dictionary (terms, groups, the matcher's tables); immutable after
 *                  tally_dict_compile, so any number of threads may read it at once.
 *   tally_scan     one run over a list of inputs (tally_scan_run): a libuv pipeline that reads,
 *                  decompresses, tokenizes and counts on a thread pool, and adds everything into
 *                  a summary.
 *   tally_summary  the exact totals of a run: a value that owns its data, written as the
 *                  documented JSON summary, read back from it, and added into another summary.
 *
 * A scan, from dictionary to summary:
 *
 *     tally_error err;
 *     tally_dict *d = tally_dict_new(TALLY_TOKENIZER_UNICODE, 0);
 *     if (tally_dict_add_file(d, "policy.dict", &err) || tally_dict_compile(d, &err))
 *         fail("policy.dict", err.line, err.message);
 *     tally_scan_options opt;
 *     tally_scan_options_init(&opt);
 *     const char *inputs[] = {"archive/"};
 *     tally_summary *s;
 *     if (tally_scan_run(d, inputs, 1, &opt, &s, &err) == 0) {
 *         for (size_t i = 0; i < tally_summary_keyword_count(s); i++) {
 *             uint64_t count, docs;
 *             tally_summary_keyword(s, i, &count, &docs);
 *             printf("%s %llu\n", tally_summary_keyword_name(s, i), (unsigned long long)count);
 *         }
 *         tally_summary_write(s, stdout);
 *         tally_summary_free(s);
 *     }
 *     tally_dict_free(d);
 *
 * Conventions: functions return 0 on success or a negative TALLY_E* code; tally_strerror() turns a
 * code into text and never returns NULL. Details a user needs (file, line, byte offset, reason)
 * travel in a tally_error record that the caller owns. "_free" functions accept NULL.
 */
#ifndef TALLY_H
#define TALLY_H

#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TALLY_VERSION "0.1.0"
#define TALLY_SCHEMA 2

/* Error codes. */
enum {
    TALLY_OK = 0,
    TALLY_EINVAL = -1,   /* invalid argument or option */
    TALLY_EIO = -2,      /* reading or writing failed */
    TALLY_EDICT = -3,    /* invalid dictionary */
    TALLY_ECORRUPT = -4, /* corrupt or truncated compressed stream */
    TALLY_EJSON = -5,    /* invalid JSON */
    TALLY_ELIMIT = -6,   /* a documented limit was exceeded */
    TALLY_EINTR = -7,    /* interrupted by a signal */
    TALLY_ENOENT = -8,   /* no such file or folder */
    TALLY_EFIELD = -9,   /* a document lacks the text field, or it has the wrong type */
};

/* Returns a static, never NULL description of a TALLY_E* code. */
const char *tally_strerror(int code);

/* What went wrong, where. Owned by the caller; filled by the function that fails. */
typedef struct tally_error {
    int code;            /* TALLY_E* */
    uint64_t line;       /* 1-based line number, 0 when there is none */
    uint64_t offset;     /* byte offset where the fault was found, UINT64_MAX when unknown */
    char message[512];   /* the reason, in plain words, without the input's name */
} tally_error;

/* ---- dictionary -------------------------------------------------------------------------- */

enum tally_tokenizer_kind {
    TALLY_TOKENIZER_UNICODE = 0,    /* UAX #29 word boundaries; tokens hold a letter or number */
    TALLY_TOKENIZER_WHITESPACE = 1, /* maximal runs of non-White_Space code points */
};

typedef struct tally_dict tally_dict;

/* Returns a new, empty dictionary, with the tokenizer and case rule its terms and the scanned
 * text will both use. */
tally_dict *tally_dict_new(int tokenizer, int case_sensitive);
void tally_dict_free(tally_dict *d);

/* Adds every term of a dictionary file (format in README: comments, [group] headers, terms,
 * trailing '*' for a prefix). On error returns TALLY_EDICT or TALLY_EIO with err->line set to the
 * offending line (0 when the file cannot be read, or holds no term); the terms before that line
 * stay added. A file in another dictionary format (LIWC, LIWC-22, Lexicoder, YAML) is refused
 * with a message naming that format, before any of its lines is added. */
int tally_dict_add_file(tally_dict *d, const char *path, tally_error *err);

/* Adds the dictionary text in buf (same format as a file). name is used in messages only. */
int tally_dict_add_text(tally_dict *d, const char *name, const char *buf, size_t len, tally_error *err);

/* Adds one ungrouped term, as from -k. */
int tally_dict_add_term(tally_dict *d, const char *term, tally_error *err);

/* Builds the matcher tables. Must be called once after the last add and before scanning.
 * Returns TALLY_EDICT when the dictionary has no term. */
int tally_dict_compile(tally_dict *d, tally_error *err);

size_t tally_dict_keyword_count(const tally_dict *d);
size_t tally_dict_group_count(const tally_dict *d);
/* Borrowed: the first spelling of keyword i, as listed (trimmed). */
const char *tally_dict_keyword_name(const tally_dict *d, size_t i);
const char *tally_dict_group_name(const tally_dict *d, size_t i);
/* Borrowed: 32 hex digits, the XXH3-128 digest of the compiled dictionary's canonical text (its
 * normalized terms and its groups in order; README "The summary" gives the text exactly), "" before
 * tally_dict_compile. The tokenizer and case rule are not in it: they are settings of the run, in
 * the summary's fingerprint beside this digest. */
const char *tally_dict_fingerprint(const tally_dict *d);

/* Warnings about the dictionary as added so far (two group names that differ only in case), in
 * the order found. Borrowed; each is "FILE:LINE: reason". tally_dict_warning returns NULL when i
 * is out of range. */
size_t tally_dict_warning_count(const tally_dict *d);
const char *tally_dict_warning(const tally_dict *d, size_t i);

/* ---- scanning ---------------------------------------------------------------------------- */

enum tally_format {
    TALLY_FORMAT_AUTO = 0, /* by file name without compression suffix: .jsonl/.ndjson, else text */
    TALLY_FORMAT_JSONL = 1,
    TALLY_FORMAT_TEXT = 2,  /* each input is one document */
    TALLY_FORMAT_LINES = 3, /* each line is one document */
    TALLY_FORMAT_JSON = 4,  /* one JSON array of objects: each element is one document */
};

/* Progress of a running scan, for a status line. */
typedef struct tally_progress {
    uint64_t input_bytes_read;  /* bytes of the input files consumed so far (before decompression) */
    uint64_t input_bytes_total; /* sum of the input files' sizes; 0 when unknown (standard input) */
    uint64_t bytes;             /* bytes after decompression so far */
    uint64_t documents;         /* documents counted so far */
    uint64_t errors;            /* errors so far (skipped documents and failed inputs) */
    double seconds;             /* since the scan started */
} tally_progress;

/* Called on the thread that runs tally_scan_run, at most 10 times a second; p is borrowed. */
typedef void (*tally_progress_cb)(const tally_progress *p, void *ctx);

typedef struct tally_scan_options {
    int format;                   /* enum tally_format */
    const char *const *text_fields; /* JSON field paths (dotted); NULL means {"text"} */
    size_t n_text_fields;
    const char *id_field;         /* NULL means "id" */
    unsigned threads;             /* 0 means the number of online CPUs */
    size_t batch_bytes;           /* 0 means 1 MiB */
    size_t max_line_bytes;        /* longest JSON line kept; 0 means 256 MiB */
    int zstd_window_log_max;      /* 0 means 27 (128 MiB); at most 31 */
    FILE *per_doc;                /* when not NULL, one JSON object per document, input order */
    const char *const *keep_fields; /* JSON field paths copied as written into each per-document
                                     * record (JSON Lines and JSON); NULL for none */
    size_t n_keep_fields;
    const char *const *globs;     /* folder walks: "GLOB" includes, "!GLOB" excludes (README) */
    size_t n_globs;
    int binary;                   /* folder walks also read files that look binary */
    const char *const *exclude;   /* paths a folder walk never yields (the run's own outputs) */
    size_t n_exclude;
    tally_progress_cb progress;   /* when not NULL, called with the scan's progress */
    void *progress_ctx;
    const volatile sig_atomic_t *stop;    /* when not NULL and *stop becomes non-zero, the scan ends early */
} tally_scan_options;

/* Fills o with the defaults. */
void tally_scan_options_init(tally_scan_options *o);

typedef struct tally_summary tally_summary;

/* Scans the inputs (paths; "-" is standard input; folders are walked recursively, sorted
 * byte-wise, hidden entries skipped) with the compiled dictionary and returns a new summary in
 * *out. Problems with single inputs or documents do not fail the scan: they are recorded in the
 * summary (see tally_summary_status). Returns TALLY_EINTR when opt->stop was raised, TALLY_EIO when
 * the per-document output cannot be written, TALLY_EINVAL before reading anything when a glob is
 * malformed or kept fields are given and no input can be JSON (every one is text or lines); *out
 * is then NULL. */
int tally_scan_run(const tally_dict *d, const char *const *inputs, size_t n_inputs,
                   const tally_scan_options *opt, tally_summary **out, tally_error *err);

/* ---- summaries ----------------------------------------------------------------------------
 *
 * A summary is a value that owns all its data: made by tally_scan_run, read from its JSON by
 * tally_summary_read, added into another by tally_summary_add, written by tally_summary_write.
 * Adding the summaries of scans of disjoint inputs gives, byte for byte (but the "run" object),
 * the summary of one scan of all of them, in any order and grouping. For example, to merge
 * nightly summaries:
 *
 *     tally_summary *total = NULL, *s;
 *     tally_error err;
 *     for (int i = 0; i < n; i++) {
 *         if (tally_summary_read(paths[i], &s, &err) != 0)
 *             return report(paths[i], &err);      // damaged, or not a summary
 *         if (!total)
 *             total = s;
 *         else if (tally_summary_add(total, s, 0, &err) != 0)
 *             return report(paths[i], &err);      // another dictionary, or an input twice
 *         else
 *             tally_summary_free(s);
 *     }
 *     tally_summary_write(total, stdout);
 *
 * Memory is that of one summary (its keywords, groups, inputs and listed errors), whatever the
 * number added. Strings returned by the accessors are borrowed from the summary. */

void tally_summary_free(tally_summary *s);

/* Reads a summary from the JSON file at path ("-": standard input) into a new summary *out.
 * The file must be a summary of schema TALLY_SCHEMA; every field is checked for its type, and
 * the totals for agreement (a keyword in more documents than the corpus has, inputs whose bytes
 * or documents do not add up to the corpus's, a per_10k that does not follow from its count, a
 * fingerprint that does not follow from its settings and dictionary): any such fault returns
 * TALLY_EJSON with err->line (for JSON syntax) and err->message saying what is wrong, and an
 * older schema returns TALLY_EINVAL. TALLY_EIO / TALLY_ENOENT when the file cannot be read. */
int tally_summary_read(const char *path, tally_summary **out, tally_error *err);

/* The same from the JSON text buf[0, len). */
int tally_summary_read_buffer(const char *buf, size_t len, tally_summary **out, tally_error *err);

/* flags of tally_summary_add */
enum {
    TALLY_ADD_ALLOW_SAME_PATH = 1, /* add even when an input path is in both */
};

/* Adds b into a: every count adds, the inputs, errors and warnings are joined in their order
 * (errors capped per input as a scan caps them), per_10k follows from the new totals. Refuses,
 * with TALLY_EINVAL and a message saying what differs and a unchanged, summaries of different
 * fingerprints (dictionary or counting settings), and two summaries that both list an input
 * path (the usual mistake of a nightly job that merges a part twice; the message says whether
 * the two contents were equal) unless flags has TALLY_ADD_ALLOW_SAME_PATH. */
int tally_summary_add(tally_summary *a, const tally_summary *b, unsigned flags, tally_error *err);

/* 0 when every input and document was read, 3 when some were skipped or failed, 1 when inputs
 * were named and not one of them could be read (a scan's summary only). */
int tally_summary_status(const tally_summary *s);

/* The corpus totals of a summary. */
typedef struct tally_totals {
    uint64_t inputs, documents, tokens, bytes, invalid_utf8, skipped_documents, failed_inputs;
    uint64_t skipped_inputs; /* files of folder walks left out as binary */
    uint64_t errors_omitted; /* errors counted but not listed (past the per-input limit) */
    double seconds;          /* the run's time (added up by tally_summary_add) */
} tally_totals;

void tally_summary_totals(const tally_summary *s, tally_totals *out);

/* count × 10,000 / the corpus's tokens, 0 when there are none: the summary's per_10k. */
double tally_summary_rate(const tally_summary *s, uint64_t count);

/* Keywords and groups, in dictionary order. */
size_t tally_summary_keyword_count(const tally_summary *s);
const char *tally_summary_keyword_name(const tally_summary *s, size_t i);
void tally_summary_keyword(const tally_summary *s, size_t i, uint64_t *count, uint64_t *documents);
/* The groups keyword i belongs to (indices, listing order); returns their number. */
size_t tally_summary_keyword_groups(const tally_summary *s, size_t i, const uint32_t **groups);
size_t tally_summary_group_count(const tally_summary *s);
const char *tally_summary_group_name(const tally_summary *s, size_t i);
void tally_summary_group(const tally_summary *s, size_t i, uint64_t *count, uint64_t *documents);
/* The keywords of group i (indices, listing order); returns their number. */
size_t tally_summary_group_members(const tally_summary *s, size_t i, const uint32_t **members);

/* The inputs, by path. */
typedef struct tally_input_info {
    const char *path;
    const char *format;  /* "jsonl", "json", "text", "lines"; NULL when it was never read */
    uint64_t bytes;      /* after decompression */
    uint64_t documents;  /* counted */
    const char *digest;  /* XXH3-128 of its bytes as read (hex); NULL when not read to its end */
} tally_input_info;

size_t tally_summary_input_count(const tally_summary *s);
void tally_summary_input(const tally_summary *s, size_t i, tally_input_info *out);

/* The listed errors, by input path, then line, then message. */
size_t tally_summary_error_count(const tally_summary *s);
void tally_summary_error(const tally_summary *s, size_t i, const char **input, uint64_t *line,
                         const char **message);

/* The listed warnings (facts that do not fail the run, such as binary files left out of a
 * folder walk), ordered as errors. */
size_t tally_summary_warning_count(const tally_summary *s);
void tally_summary_warning(const tally_summary *s, size_t i, const char **input, uint64_t *line,
                           const char **message);

/* options.fingerprint, options.settings, options.dictionary (README "The summary"). */
const char *tally_summary_fingerprint(const tally_summary *s);
const char *tally_summary_settings(const tally_summary *s);
const char *tally_summary_dictionary(const tally_summary *s);

/* Writes the summary JSON (schema TALLY_SCHEMA, documented in README and
 * docs/summary.schema.json) to f. Returns 0 or TALLY_EIO. */
int tally_summary_write(const tally_summary *s, FILE *f);

/* ---- keyness: comparing two corpora ------------------------------------------------------
 *
 * The statistics of `tally compare` (README "Comparing two corpora"), for an item counted a times
 * in a first corpus of n1 tokens and b times in a second of n2, and the special functions behind
 * them, written for tally (no GSL: it is GPL). Pure functions: safe on any number of threads. */

typedef struct tally_keyness {
    double g2;        /* the log-likelihood G² of the 2×2 table (a, b, n1 − a, n2 − b; 0 ln 0 = 0),
                       * signed: positive when the item is relatively more frequent in the first
                       * corpus, negative when in the second */
    double p;         /* P(χ²(1) ≥ |g2|), computed as a tail (as small as a double holds) */
    double log_ratio; /* Hardie's Log Ratio log2((a/n1)/(b/n2)), 0.5 in place of a zero count */
    double lrc;       /* Evert's conservative log ratio: the bound, nearer to equal frequency,
                       * of the Clopper–Pearson interval for a/(a + b) turned into a log ratio
                       * (log2(p/(1 − p) · n2/n1)); 0 when the interval holds n1/(n1 + n2) */
    double pct_diff;  /* %DIFF (Gabrielatos & Marchi): (f1 − f2)·100/f2 of the relative
                       * frequencies, 0.5 in place of a zero count */
} tally_keyness;

/* Fills *out for counts a of n1 and b of n2. confidence is that of LRC's interval (0.95);
 * m the number of items compared, for the Bonferroni correction (the interval is at level
 * 1 − (1 − confidence)/m, two-sided); 1 for none. Returns 0, or TALLY_EINVAL when n1 or n2 is
 * 0, a > n1, b > n2, a + b is 0, confidence is not inside (0, 1) or m < 1. */
int tally_keyness_score(uint64_t a, uint64_t n1, uint64_t b, uint64_t n2, double confidence, double m,
                        tally_keyness *out);

/* P(X > x) for X of the χ² distribution with 1 degree of freedom (erfc(√(x/2))); 1 for x ≤ 0. */
double tally_chi2_tail1(double x);

/* The regularized incomplete beta function I_x(a, b), for a, b > 0 and 0 ≤ x ≤ 1 (NaN
 * otherwise). The smaller of I and 1 − I is computed directly, to about 1e-13 relative. */
double tally_beta_inc(double a, double b, double x);

/* Its inverse: the x with I_x(a, b) = p, for a, b > 0 and 0 ≤ p ≤ 1 (NaN otherwise). */
double tally_beta_inc_inv(double a, double b, double p);

/* The two-sided Clopper–Pearson interval [*lo, *hi] for k successes in n trials at the given
 * confidence (0.95): lo = 0 when k = 0, hi = 1 when k = n. TALLY_EINVAL when k > n, n = 0 or
 * confidence is not inside (0, 1). */
int tally_clopper_pearson(uint64_t k, uint64_t n, double confidence, double *lo, double *hi);

#ifdef __cplusplus
}
#endif
#endif
