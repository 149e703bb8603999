/* inputs.h — expands the command line's INPUT arguments into the list of files to scan:
 * folders are walked recursively, hidden files and folders (names starting with '.') are
 * skipped, and each folder's files come in byte-wise sorted order of their full path. A path that
 * cannot be read stays in the list with its error, so that it is counted as a failed input. */
#ifndef TALLY_INPUTS_H
#define TALLY_INPUTS_H

#include <stddef.h>
#include <stdint.h>

typedef struct tally_input_item {
    char *path;     /* owned: the argument (without trailing '/') + '/' + relative path */
    char *error;    /* owned, NULL when the path can be opened as far as the walk could tell */
    int is_enoent;  /* the error is "no such file" */
    uint64_t size;  /* bytes, for a regular file (progress totals); 0 for anything else */
} tally_input_item;

typedef struct tally_input_list {
    tally_input_item *items;
    size_t n, cap;
} tally_input_list;

/* Expands args[0,n) into list (which must be zeroed). Never fails: problems become items with
 * an error. */
void tally__inputs_expand(tally_input_list *list, const char *const *args, size_t n);
void tally__inputs_cleanup(tally_input_list *list);

#endif
