/* glob.h — the glob patterns of folder walks (`-g GLOB`, `!GLOB`), matched against a file's
 * path relative to the folder being walked, as ripgrep's -g does:
 *
 *   *       any run of characters but '/'
 *   ?       one character (a whole UTF-8 code point) but '/'
 *   [...]   one character of a set: ranges a-z, '!' or '^' first negates; ']' first is literal
 *   **      as a whole path component: any number of folders (zero included): `**` + `/x`,
 *           `a/` + `**`, `a/` + `**` + `/b`
 *   \c      the character c itself
 *
 * A pattern without '/' matches the file's name at any depth (`*.json`); a pattern with '/'
 * matches the whole relative path (`2024/` then `*.jsonl`); a leading '/' anchors it at the folder
 * and is dropped. Matching is byte-wise on UTF-8 (case matters). */
#ifndef TALLY_GLOB_H
#define TALLY_GLOB_H

#include <stddef.h>

#include "tally.h"

/* Checks a pattern's syntax (an unclosed '[', a trailing '\', an empty pattern). Returns 0, or
 * TALLY_EINVAL with err->message saying why. */
int tally__glob_check(const char *pat, tally_error *err);

/* 1 when path (relative, '/'-separated, no leading '/') matches the checked pattern pat. */
int tally__glob_match(const char *pat, const char *path);

#endif
