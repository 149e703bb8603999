/* inputs.c — walks folders into a sorted list of input files (see inputs.h). Symbolic links are
 * followed; a link back to a folder that is already being walked is reported as a loop instead of
 * being walked forever. */
#include "inputs.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common.h"

typedef struct ancestor {
    dev_t dev;
    ino_t ino;
    const struct ancestor *up;
} ancestor;

static void push(tally_input_list *l, char *path, char *error, int enoent)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = tally_xrealloc(l->items, l->cap * sizeof *l->items);
    }
    l->items[l->n].path = path;
    l->items[l->n].error = error;
    l->items[l->n].is_enoent = enoent;
    l->items[l->n].size = 0;
    l->n++;
}

static char *errtext(const char *what, int e)
{
    size_t n = strlen(what) + strlen(strerror(e)) + 4;
    char *s = tally_xmalloc(n);
    snprintf(s, n, "%s%s", what, strerror(e));
    return s;
}

static void walk(tally_input_list *l, const char *dir, const ancestor *up)
{
    DIR *dp = opendir(dir);
    if (!dp) {
        push(l, tally_xstrdup(dir), errtext("cannot read folder: ", errno), 0);
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
            push(l, names[i], errtext("", errno), errno == ENOENT);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            int loop = 0;
            for (const ancestor *a = &me; a; a = a->up)
                if (a->dev == st.st_dev && a->ino == st.st_ino)
                    loop = 1;
            if (loop)
                push(l, names[i], tally_xstrdup("symbolic link loop: folder already being read"), 0);
            else {
                walk(l, names[i], &me);
                free(names[i]);
            }
        } else {
            push(l, names[i], NULL, 0);
            l->items[l->n - 1].size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
        }
    }
    free(names);
}

static int cmp_item(const void *a, const void *b)
{
    return strcmp(((const tally_input_item *)a)->path, ((const tally_input_item *)b)->path);
}

void tally__inputs_expand(tally_input_list *l, const char *const *args, size_t n)
{
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
            push(l, path, NULL, 0);
            l->items[l->n - 1].size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
            continue;
        }
        size_t first = l->n;
        walk(l, path, NULL);
        free(path);
        /* full paths of one argument, byte-wise: "a-b" < "a.txt" < "a/x" */
        if (l->n - first > 1)
            qsort(l->items + first, l->n - first, sizeof *l->items, cmp_item);
    }
}

void tally__inputs_cleanup(tally_input_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].path);
        free(l->items[i].error);
    }
    free(l->items);
    memset(l, 0, sizeof *l);
}
