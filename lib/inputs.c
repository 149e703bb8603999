/* inputs.c — walks folders into a sorted list of input files (see inputs.h). Symbolic links are
 * followed; a link back to a folder that is already being walked is reported as a loop instead of
 * being walked forever. */
#include "inputs.h"

#include <xxhash.h>

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"
#include "glob.h"

typedef struct ancestor {
    dev_t dev;
    ino_t ino;
    const struct ancestor *up;
} ancestor;

typedef struct fileid {
    dev_t dev;
    ino_t ino;
} fileid;

/* One walk: its options and the files it must leave out. */
typedef struct walker {
    tally_input_list *l;
    const tally_walk_options *wo;
    fileid *skip;
    size_t n_skip;
    int has_include;  /* some glob includes: files must match one */
    size_t root_len;  /* length of the argument's path plus its '/': where relative paths start */
} walker;

static tally_input_item *push(tally_input_list *l, char *path, char *error, int enoent)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = tally_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    tally_input_item *it = &l->items[l->n++];
    memset(it, 0, sizeof *it);
    it->path = path;
    it->error = error;
    it->is_enoent = enoent;
    return it;
}

/* Whether the globs keep a file (folder = 0) or let a folder be walked (folder = 1): the last
 * glob that matches decides; a file no glob matches is kept only when no glob includes; a
 * folder is walked unless the last glob matching it excludes. */
static int glob_keeps(const walker *w, const char *rel, int folder)
{
    int keep = folder ? 1 : !w->has_include;
    if (!w->wo)
        return keep;
    for (size_t i = 0; i < w->wo->n_globs; i++) {
        const char *g = w->wo->globs[i];
        int neg = g[0] == '!';
        if (folder && !neg)
            continue;
        if (tally__glob_match(g + neg, rel))
            keep = !neg;
    }
    return keep;
}

static int skipped_file(const walker *w, const struct stat *st)
{
    for (size_t i = 0; i < w->n_skip; i++)
        if (w->skip[i].dev == st->st_dev && w->skip[i].ino == st->st_ino)
            return 1;
    return 0;
}

static void set_stat(tally_input_item *it, const struct stat *st)
{
    if (!S_ISREG(st->st_mode))
        return;
    it->size = (uint64_t)st->st_size;
    it->mtime_sec = (int64_t)st->st_mtim.tv_sec;
    it->mtime_nsec = st->st_mtim.tv_nsec;
}

static char *errtext(const char *what, int e)
{
    size_t n = strlen(what) + strlen(strerror(e)) + 4;
    char *s = tally_xmalloc(n);
    snprintf(s, n, "%s%s", what, strerror(e));
    return s;
}

static void walk(walker *w, const char *dir, const ancestor *up)
{
    tally_input_list *l = w->l;
    DIR *dp = opendir(dir);
    if (!dp) {
        push(l, tally_xstrdup(dir), errtext("cannot read folder: ", errno), 0)->walked = up != NULL;
        return;
    }
    struct stat st;
    ancestor me = {0, 0, up};
    if (fstat(dirfd(dp), &st) == 0) {
        me.dev = st.st_dev;
        me.ino = st.st_ino;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    size_t dl = strlen(dir);
    while ((errno = 0, de = readdir(dp)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            names = tally_xrealloc(names, cap * sizeof *names);
        }
        size_t nl = strlen(de->d_name);
        char *p = tally_xmalloc(dl + nl + 2);
        memcpy(p, dir, dl);
        p[dl] = '/';
        memcpy(p + dl + 1, de->d_name, nl + 1);
        names[n++] = p;
    }
    int read_errno = errno;
    closedir(dp);
    if (read_errno)
        push(l, tally_xstrdup(dir), errtext("cannot read folder: ", read_errno), 0);
    /* the order is settled once for the whole argument, by full path (tally__inputs_expand) */
    for (size_t i = 0; i < n; i++) {
        if (stat(names[i], &st) != 0) {
            int e = errno;
            push(l, names[i], errtext("", e), e == ENOENT)->walked = 1;
            continue;
        }
        const char *rel = names[i] + w->root_len;
        if (S_ISDIR(st.st_mode)) {
            int loop = 0;
            for (const ancestor *a = &me; a; a = a->up)
                if (a->dev == st.st_dev && a->ino == st.st_ino)
                    loop = 1;
            if (!glob_keeps(w, rel, 1)) {
                free(names[i]);
            } else if (loop) {
                push(l, names[i], tally_xstrdup("symbolic link loop: folder already being read"), 0)->walked = 1;
            } else {
                walk(w, names[i], &me);
                free(names[i]);
            }
        } else if (skipped_file(w, &st) || !glob_keeps(w, rel, 0)) {
            free(names[i]);
        } else {
            tally_input_item *it = push(l, names[i], NULL, 0);
            it->walked = 1;
            set_stat(it, &st);
        }
    }
    free(names);
}

static int cmp_item(const void *a, const void *b)
{
    return strcmp(((const tally_input_item *)a)->path, ((const tally_input_item *)b)->path);
}

void tally__inputs_expand(tally_input_list *l, const char *const *args, size_t n,
                          const tally_walk_options *wo)
{
    walker w = {l, wo, NULL, 0, 0, 0};
    if (wo) {
        w.skip = tally_xcalloc(wo->n_exclude ? wo->n_exclude : 1, sizeof *w.skip);
        for (size_t i = 0; i < wo->n_exclude; i++) {
            struct stat st;
            if (stat(wo->exclude[i], &st) == 0 && S_ISREG(st.st_mode))
                w.skip[w.n_skip++] = (fileid){st.st_dev, st.st_ino};
        }
        for (size_t i = 0; i < wo->n_globs; i++)
            if (wo->globs[i][0] != '!')
                w.has_include = 1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *a = args[i];
        if (strcmp(a, "-") == 0) {
            push(l, tally_xstrdup("-"), NULL, 0);
            continue;
        }
        size_t al = strlen(a);
        while (al > 1 && a[al - 1] == '/')
            al--;
        char *path = tally_xstrndup(a, al);
        struct stat st;
        if (stat(path, &st) != 0) {
            int e = errno;
            push(l, path, errtext("", e), e == ENOENT || e == ENOTDIR);
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            set_stat(push(l, path, NULL, 0), &st);
            continue;
        }
        size_t first = l->n;
        w.root_len = al + 1;
        walk(&w, path, NULL);
        /* full paths of one argument, byte-wise: "a-b" < "a.txt" < "a/x" */
        if (l->n - first > 1)
            qsort(l->items + first, l->n - first, sizeof *l->items, cmp_item);
        if (l->n == first) {
            l->empty = tally_xrealloc(l->empty, (l->n_empty + 1) * sizeof *l->empty);
            l->empty[l->n_empty++] = (tally_empty_folder){path, first};
        } else {
            free(path);
        }
    }
    free(w.skip);
}

unsigned tally_shard_of(const char *path, unsigned n)
{
    return n ? (unsigned)(XXH3_64bits(path, strlen(path)) % n) + 1 : 0;
}

void tally__inputs_shard(tally_input_list *l, unsigned k, unsigned n)
{
    size_t kept = 0, kept_empty = 0, before = 0;
    for (size_t i = 0, e = 0; i <= l->n; i++) {
        /* empty folders keep their place among the items that stay */
        for (; e < l->n_empty && l->empty[e].before == i; e++) {
            if (tally_shard_of(l->empty[e].path, n) == k) {
                l->empty[e].before = before;
                l->empty[kept_empty++] = l->empty[e];
            } else {
                free(l->empty[e].path);
            }
        }
        if (i == l->n)
            break;
        if (tally_shard_of(l->items[i].path, n) == k) {
            l->items[kept++] = l->items[i];
            before++;
        } else {
            free(l->items[i].path);
            free(l->items[i].error);
        }
    }
    l->n = kept;
    l->n_empty = kept_empty;
}

void tally__inputs_cleanup(tally_input_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].path);
        free(l->items[i].error);
    }
    free(l->items);
    for (size_t i = 0; i < l->n_empty; i++)
        free(l->empty[i].path);
    free(l->empty);
    memset(l, 0, sizeof *l);
}
