/* dictfmt.h — what the readers of other tools' dictionary formats share (dictfmt.c: LIWC, LIWC-22,
 * Lexicoder and the dispatch; dict_yaml.c: quanteda's YAML). Each reader turns its format's
 * categories into groups and its entries into terms through these functions, which apply the
 * rules every format has in common (README "Dictionaries in other formats"), and then through
 * dict.c's own add functions, so that a term becomes a keyword exactly as in tally's format. */
#ifndef TALLY_DICTFMT_H
#define TALLY_DICTFMT_H

#include <stddef.h>
#include <stdint.h>

#include "tally.h"

/* One file being read. */
typedef struct tally_fmt {
    tally_dict *d;
    const char *name;     /* the file's name, for messages */
    tally_error *err;
    uint64_t *defined;    /* group id -> the line of this file that defined it, 0 when none */
    size_t cap_defined;
    uint64_t terms;       /* terms added from this file */
} tally_fmt;

/* Sets *err to TALLY_EDICT at line with the message "NAME:LINE: " and the formatted reason;
 * returns TALLY_EDICT. */
int tally__fmt_error(tally_fmt *f, uint64_t line, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Defines the category s[0,n) at line (trimmed here; what says what it is in messages, such as
 * "category" or "key") and sets *group to its group: a group of the same name from another file
 * is the same group, but a name this file defines twice is an error, and so are an empty name
 * and one holding a control character other than a tab. */
int tally__fmt_category(tally_fmt *f, uint64_t line, const char *s, size_t n, const char *what,
                        uint32_t *group);

/* Adds the term s[0,n) (trimmed here) of line to group (TALLY_NONE: ungrouped). Refuses an empty
 * term, a control character other than a tab, and wildcards tally does not have: '?', and '*'
 * anywhere but at the end. */
int tally__fmt_term(tally_fmt *f, uint64_t line, const char *s, size_t n, uint32_t group);

/* quanteda's YAML (dict_yaml.c), for the valid UTF-8 text buf[0,len). */
int tally__fmt_yaml(tally_fmt *f, const char *buf, size_t len);

#endif
