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
    int walked;     /* found in a folder walk, not named as an argument */
    uint64_t size;  /* bytes, for a regular file (progress totals); 0 for anything else */
    int64_t mtime_sec; /* a regular file's modification time; 0 for anything else */
    long mtime_nsec;
} tally_input_item;

/* A folder argument that yielded no file at all. */
typedef struct tally_empty_folder {
    char *path;     /* owned: the argument without trailing '/' */
    size_t before;  /* how many items precede it: its place in input order */
} tally_empty_folder;

typedef struct tally_input_list {
    tally_input_item *items;
    size_t n, cap;
    tally_empty_folder *empty;
    size_t n_empty;
} tally_input_list;

/* What a folder walk leaves out besides hidden entries. */
typedef struct tally_walk_options {
    const char *const *globs;   /* checked patterns (glob.h), "!" first to exclude; later ones win */
    size_t n_globs;
    const char *const *exclude; /* files never yielded (the run's outputs), by device and inode */
    size_t n_exclude;
} tally_walk_options;

/* Expands args[0,n) into list (which must be zeroed). Never fails: problems become items with
 * an error. wo may be NULL. Globs apply only inside folders: a file named as an argument is
 * always in the list. */
void tally__inputs_expand(tally_input_list *list, const char *const *args, size_t n,
                          const tally_walk_options *wo);
void tally__inputs_cleanup(tally_input_list *list);

/* Keeps the items and empty folders of shard k of n (tally_shard_of), in their order. */
void tally__inputs_shard(tally_input_list *list, unsigned k, unsigned n);

#endif
