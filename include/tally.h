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

/* Dictionary formats (README "Dictionaries in other formats"). */
enum tally_dict_format {
    TALLY_DICT_AUTO = 0,      /* by the name: .dic LIWC, .dicx LIWC-22, .lc3 Lexicoder, .yml and
                               * .yaml YAML (any case), anything else tally's own format */
    TALLY_DICT_TALLY = 1,     /* tally's own format, as tally_dict_add_file reads it */
    TALLY_DICT_LIWC = 2,      /* LIWC 2001-2015 .dic: a '%' legend of categories, then terms */
    TALLY_DICT_DICX = 3,      /* LIWC-22 .dicx: CSV, a DicTerm column and one per category */
    TALLY_DICT_LEXICODER = 4, /* Lexicoder .lc3: '+category' headers, one pattern per line */
    TALLY_DICT_YAML = 5,      /* quanteda's YAML: nested mappings, lists of terms at the leaves */
};

/* Adds every term of the dictionary file at path, read in format (enum tally_dict_format). Each
 * category of another format is a group named by its name (nested YAML keys by their path
 * joined with '.'); a term in several categories belongs to each. The content must look like
 * the format (a .dic file that holds no LIWC legend is refused saying so). Errors as for
 * tally_dict_add_file: TALLY_EDICT with err->line and a message "PATH:LINE: reason" (for a
 * term, ending in the term), TALLY_ENOENT / TALLY_EIO when the file cannot be read, TALLY_EINVAL
 * for an unknown format; the terms before the error stay added. A LIWC-22 file with numeric
 * cells (weights) other than 1 adds one warning (tally_dict_warning): weights are ignored. */
int tally_dict_add_file_format(tally_dict *d, const char *path, int format, tally_error *err);

/* The same for the dictionary text buf[0, len); name gives messages their file name and, with
 * TALLY_DICT_AUTO, the format by its extension. */
int tally_dict_add_text_format(tally_dict *d, const char *name, const char *buf, size_t len,
                               int format, tally_error *err);

/* Adds one ungrouped term, as from -k. */
int tally_dict_add_term(tally_dict *d, const char *term, tally_error *err);

/* Builds the matcher tables. Must be called once after the last add and before scanning.
 * Returns TALLY_EDICT when the dictionary has no term. */
int tally_dict_compile(tally_dict *d, tally_error *err);

/* Lets tally_dict_compile accept a dictionary without terms (a scan for its vocabulary only). */
void tally_dict_allow_empty(tally_dict *d);

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
    /* sharding: with shard_n > 0, only the inputs (after folder walks) whose tally_shard_of is
     * shard_k, 1 <= shard_k <= shard_n */
    unsigned shard_k, shard_n;
    /* when not NULL, the scan reads these inputs, expanded already (tally_inputs_expand), instead
     * of expanding its INPUT arguments: no walk, no glob and no shard applies again */
    const struct tally_input_entry *entries;
    size_t n_entries;
    int setup_only;   /* make the checks a scan makes before reading, and return an empty summary
                       * with the run's options (for its fingerprint): read nothing */
    int keep_unchecked; /* kept fields are not refused when no input is JSON (a program scanning
                         * inputs one at a time checks the whole list with setup_only) */
    /* counts per bucket (README "Counts per date and per field"): each document goes into the
     * bucket of its key, one component per specification: "PATH" (a dotted JSON path: a string
     * as is, a number as written, anything else null), "PATH:day|week|month|year" (the value as
     * a date) or "@input" (the input's name); NULL for none */
    const char *const *by;
    size_t n_by;
    int by_epoch;                 /* JSON numbers as dates: enum tally_epoch */
    int by_utc_offset;            /* minutes east of UTC that times are bucketed in, -1439..1439 */
    size_t max_buckets;           /* distinct keys allowed; 0 means 100,000; more: TALLY_ELIMIT */
    /* concordance lines (README "Concordance lines"): when kwic is not NULL, the first kwic_max
     * matches of each keyword in input order (0: all of them) are written to it as JSON Lines
     * when the scan ends, each with up to kwic_window tokens of context on either side */
    FILE *kwic;
    size_t kwic_max;
    size_t kwic_window;
    /* The vocabulary (README "The vocabulary"): when vocab is not NULL, every token type in its
     * compared form is counted and written there as TSV at the end, and the summary gets a
     * "vocabulary" object. The dictionary may have no terms (tally_dict_allow_empty). */
    FILE *vocab;
    const char *vocab_name;       /* the file's name, recorded in the summary */
    uint64_t vocab_min_count;     /* types counted less often are left out of the file (0, 1: none) */
    size_t vocab_top;             /* the summary's top list (tally_scan_options_init: 100) */
    size_t vocab_memory;          /* bound for its tables before they spill; 0 means 1 GiB */
    const char *vocab_temp_dir;   /* for the spilled runs; NULL means $TMPDIR, then /tmp */
    int vocab_general_only;       /* tests: every token through the general tokenizer and normalizer */
} tally_scan_options;

enum tally_epoch {
    TALLY_EPOCH_AUTO = 0,         /* seconds; milliseconds when the absolute value is >= 10^11 */
    TALLY_EPOCH_SECONDS = 1,
    TALLY_EPOCH_MILLISECONDS = 2,
};

/* One input as a scan lists it, after folder walks (tally_inputs_expand). */
typedef struct tally_input_entry {
    char *path;          /* the name the summary gives it */
    char *error;         /* why it cannot be read (a failed input), or NULL */
    int enoent;          /* the error is "no such file" */
    int walked;          /* found in a folder walk (files that look binary are left out) */
    int empty_folder;    /* not an input: a folder argument that holds no file (an error) */
    uint64_t size;       /* a regular file's size and modification time; 0 for anything else */
    int64_t mtime_sec;
    long mtime_nsec;
} tally_input_entry;

/* Expands INPUT arguments as tally_scan_run would (walks with o's globs and exclusions, then
 * o's shard) into *out[0,*n) (owned; tally_inputs_free), in scan order. *found_any is 0 when the
 * arguments named nothing at all (before the shard): the scan's "no input files" error. */
void tally_inputs_expand(const char *const *args, size_t n, const tally_scan_options *o, tally_input_entry **out,
                         size_t *n_out, int *found_any);
void tally_inputs_free(tally_input_entry *e, size_t n);

/* The shard, 1 to n, of an input path as the scan lists it (the argument as given, and for a
 * file found in a folder walk, the argument without trailing '/' + '/' + the path inside):
 * XXH3-64 of the path's bytes with seed 0, modulo n, plus 1. A stable function (XXH3's output is
 * fixed by its specification), so a file keeps its shard across versions, machines and runs as
 * an archive grows. Returns 0 when n is 0. */
unsigned tally_shard_of(const char *path, unsigned n);

/* Fills o with the defaults. */
void tally_scan_options_init(tally_scan_options *o);

typedef struct tally_summary tally_summary;

/* Scans the inputs (paths; "-" is standard input; folders are walked recursively, sorted
 * byte-wise, hidden entries skipped) with the compiled dictionary and returns a new summary in
 * *out. Problems with single inputs or documents do not fail the scan: they are recorded in the
 * summary (see tally_summary_status). Returns TALLY_EINTR when opt->stop was raised, TALLY_EIO when
 * the per-document output cannot be written, TALLY_EINVAL before reading anything when a glob or
 * a --by specification is malformed or kept fields are given and no input can be JSON (every one
 * is text or lines), TALLY_ELIMIT when the documents have more distinct bucket keys than
 * opt->max_buckets (the message says so; nothing is returned); *out is then NULL. */
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

/* Buckets (a scan with --by; README "Counts per date and per field"). tally_summary_by_count is
 * the number of key components (0: the summary has no buckets), tally_summary_by the
 * specification of component j as given ("date:month"). Buckets are in key order (component by
 * component, byte-wise, null last); tally_summary_bucket_key returns component j of bucket i's
 * key and its length in *len (it may hold a NUL byte), or NULL for a null component. A keyword
 * or group a bucket does not count reads as 0. tally_summary_undated: documents whose date
 * component is null (corpus.undated). */
size_t tally_summary_by_count(const tally_summary *s);
const char *tally_summary_by(const tally_summary *s, size_t j);
size_t tally_summary_bucket_count(const tally_summary *s);
const char *tally_summary_bucket_key(const tally_summary *s, size_t i, size_t j, size_t *len);
void tally_summary_bucket_totals(const tally_summary *s, size_t i, uint64_t *documents, uint64_t *tokens);
void tally_summary_bucket_keyword(const tally_summary *s, size_t i, size_t kw, uint64_t *count, uint64_t *documents);
void tally_summary_bucket_group(const tally_summary *s, size_t i, size_t g, uint64_t *count, uint64_t *documents);
/* count × 10,000 / bucket i's tokens, 0 when it has none: the bucket's per_10k */
double tally_summary_bucket_rate(const tally_summary *s, size_t i, uint64_t count);
uint64_t tally_summary_undated(const tally_summary *s);

/* Writes the summary JSON (schema TALLY_SCHEMA, documented in README and
 * docs/summary.schema.json) to f. Returns 0 or TALLY_EIO. */
int tally_summary_write(const tally_summary *s, FILE *f);

/* Makes s's "run" object that of a scan (threads, seconds) rather than of a merge: for a program
 * that assembles a scan's summary from parts (tally scan --state). */
void tally_summary_set_run(tally_summary *s, unsigned threads, double seconds);

/* The content digest the summary gives an input read to its end (XXH3-128 of its bytes as
 * stored, compressed or not, in hex), of the file at path; returns 0, or a negative TALLY_E*
 * with err filled. */
int tally_file_digest(const char *path, char out[33], tally_error *err);

/* The same digest (XXH3-128, hex) of p[0,n). */
void tally_digest_bytes(const void *p, size_t n, char out[33]);

/* ---- the vocabulary (README "The vocabulary") ---- */

typedef struct tally_vocab_info {
    const char *file;    /* the vocabulary file's name as given */
    const char *digest;  /* XXH3-128 of its bytes, hex */
    uint64_t min_count;  /* 1 when every type is in it */
    uint64_t types;      /* distinct types counted */
    size_t n_top;        /* entries of the top list */
} tally_vocab_info;

/* Fills *out and returns 0 when s has a vocabulary, else returns -1. Borrowed from s. */
int tally_summary_vocabulary(const tally_summary *s, tally_vocab_info *out);
/* Entry i of the top list (by count descending, then type byte-wise); type is len bytes. */
void tally_summary_vocabulary_top(const tally_summary *s, size_t i, const char **type, size_t *len, uint64_t *count,
                                  uint64_t *documents);

typedef struct tally_vocab_merge_options {
    size_t memory;        /* 0 means 1 GiB */
    const char *temp_dir; /* NULL means $TMPDIR, then /tmp */
    size_t top;           /* the top list's length */
    uint64_t min_count;   /* types counted less often are left out; 0 means the summaries' */
} tally_vocab_merge_options;

/* After tally_summary_add has added summaries with vocabularies into total: adds their
 * vocabulary files files[0,n) (each checked against digests[i], the digest its summary records,
 * when digests and digests[i] are not NULL), writes the merged file to out and puts its
 * vocabulary, top list recomputed from the merged counts, into total (file named out_name).
 * Returns 0, or a negative TALLY_E* with err naming the file and line. */
int tally_vocab_merge(tally_summary *total, const char *const *files, const char *const *digests, size_t n_files,
                      FILE *out, const char *out_name, const tally_vocab_merge_options *o, tally_error *err);

/* Opens part i of a merge for reading (the merge closes it), its name for messages in *name and
 * the digest its content must have in *digest (NULL: not checked); NULL when it cannot be read.
 * Parts are opened one at a time, in order. */
typedef FILE *(*tally_part_open_fn)(void *ctx, size_t i, const char **name, const char **digest);

/* tally_vocab_merge with the n parts' vocabularies given by open_part rather than by name. */
int tally_vocab_merge_parts(tally_summary *total, size_t n, tally_part_open_fn open_part, void *ctx, FILE *out,
                            const char *out_name, const tally_vocab_merge_options *o, tally_error *err);

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
