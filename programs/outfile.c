/* outfile.c — atomic output files, the output-is-not-an-input check and the interrupt handler
 * (see outfile.h). */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Temporary output files, for the signal handler: it removes them and exits at once, so an
 * interrupted run leaves nothing behind and never touches the previous outputs. Changed only
 * with signals blocked; a slot is cleared before its temporary is renamed or removed. */
static char tmp_paths[TALLY_OUTFILE_MAX][PATH_MAX];
static volatile sig_atomic_t line_drawn;

static void on_signal(int sig)
{
    static const char erase[] = "\r\033[K";
    static const char msg[] = "tally: interrupted, no output written\n";
    /* unlink, write and _exit are async-signal-safe; nothing here allocates or locks */
    for (int i = 0; i < TALLY_OUTFILE_MAX; i++)
        if (tmp_paths[i][0])
            unlink(tmp_paths[i]);
    if (line_drawn) {
        ssize_t w = write(STDERR_FILENO, erase, sizeof erase - 1);
        (void)w;
    }
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    _exit(128 + sig);
}

void tally_outfile_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask); /* one handler at a time: SIGTERM during SIGINT's cleanup waits */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void tally_outfile_status_line(int drawn)
{
    line_drawn = drawn;
}

/* Sets or clears a slot with every signal blocked, so the handler never sees half a path. */
static void set_slot(int slot, const char *path)
{
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    if (path)
        snprintf(tmp_paths[slot], sizeof tmp_paths[slot], "%s", path);
    else
        tmp_paths[slot][0] = '\0';
    sigprocmask(SIG_SETMASK, &old, NULL);
}

int tally_outfile_open(tally_outfile *o, const char *path)
{
    o->path = path;
    o->tmp = NULL;
    o->f = NULL;
    o->slot = -1;
    if (!path || strcmp(path, "-") == 0) {
        o->path = NULL;
        o->f = stdout;
        return 0;
    }
    /* a device, FIFO or the like is written in place: renaming over /dev/null would replace it */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        o->f = fopen(path, "w");
        return o->f ? 0 : -1;
    }
    int slot = 0;
    while (slot < TALLY_OUTFILE_MAX && tmp_paths[slot][0])
        slot++;
    size_t n = strlen(path) + 16;
    if (slot == TALLY_OUTFILE_MAX || n > PATH_MAX) {
        errno = slot == TALLY_OUTFILE_MAX ? EMFILE : ENAMETOOLONG;
        return -1;
    }
    o->tmp = malloc(n);
    if (!o->tmp)
        return -1;
    /* the temporary lives in the same folder, so rename() is atomic; dot-prefixed so that folder
     * walks (which skip hidden entries) never read it */
    const char *slash = strrchr(path, '/');
    size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
    snprintf(o->tmp, n, "%.*s.%s.XXXXXX", (int)dl, path, path + dl);
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, &old);
    int fd = mkstemp(o->tmp);
    if (fd >= 0)
        snprintf(tmp_paths[slot], sizeof tmp_paths[slot], "%s", o->tmp);
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (fd < 0) {
        int e = errno;
        free(o->tmp);
        o->tmp = NULL;
        errno = e;
        return -1;
    }
    o->slot = slot;
    /* keep the permissions an ordinary new file would get */
    mode_t um = umask(0);
    umask(um);
    if (fchmod(fd, 0666 & ~um) != 0) {
        /* the file stays 0600: safe, only less shared than asked */
    }
    o->f = fdopen(fd, "w");
    if (!o->f) {
        int e = errno;
        close(fd);
        set_slot(o->slot, NULL);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        o->slot = -1;
        errno = e;
        return -1;
    }
    return 0;
}

void tally_outfile_abort(tally_outfile *o)
{
    if (o->tmp) {
        if (o->f)
            fclose(o->f);
        set_slot(o->slot, NULL);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        o->slot = -1;
    } else if (o->f && o->f != stdout) {
        fclose(o->f);
    }
    o->f = NULL;
}

int tally_outfile_commit(tally_outfile *o)
{
    return tally_outfile_commit_sync(o, 1);
}

int tally_outfile_commit_sync(tally_outfile *o, int sync)
{
    int e = 0;
    if (!o->f)
        return EBADF;
    if (!o->tmp) {
        if (fflush(o->f) != 0 || ferror(o->f))
            e = errno ? errno : EIO;
        if (o->f != stdout && fclose(o->f) != 0 && !e)
            e = errno ? errno : EIO;
        o->f = NULL;
        return e;
    }
    if (fflush(o->f) != 0 || ferror(o->f) || (sync && fsync(fileno(o->f)) != 0))
        e = errno ? errno : EIO;
    if (fclose(o->f) != 0 && !e)
        e = errno ? errno : EIO;
    o->f = NULL;
    set_slot(o->slot, NULL);
    if (!e && rename(o->tmp, o->path) != 0)
        e = errno;
    if (e)
        unlink(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
    o->slot = -1;
    return e;
}

/* ---- outputs are never inputs ------------------------------------------------------------- */

char *tally_outfile_canonical(const char *path)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    const char *slash = memrchr(path, '/', n);
    const char *base = slash ? slash + 1 : path;
    size_t bl = n - (size_t)(base - path);
    char *dir;
    if (slash == path)
        dir = strdup("/");
    else if (slash)
        dir = strndup(path, (size_t)(slash - path));
    else
        dir = strdup(".");
    if (!dir)
        return NULL;
    char *real = realpath(dir, NULL);
    free(dir);
    if (!real)
        return NULL;
    /* "." and ".." (or an empty name) are resolved whole: they name folders, not entries */
    if (bl == 0 || (bl == 1 && base[0] == '.') || (bl == 2 && base[0] == '.' && base[1] == '.')) {
        free(real);
        char *whole = strndup(path, n);
        char *r = whole ? realpath(whole, NULL) : NULL;
        free(whole);
        return r;
    }
    size_t rl = strlen(real);
    char *out = malloc(rl + bl + 2);
    if (out) {
        memcpy(out, real, rl);
        size_t k = rl;
        if (k == 0 || out[k - 1] != '/')
            out[k++] = '/';
        memcpy(out + k, base, bl);
        out[k + bl] = '\0';
    }
    free(real);
    return out;
}

typedef struct ident {
    int exists, is_dir, is_chr;
    dev_t dev;
    ino_t ino;
    char *canon;
} ident;

static void ident_of(const char *path, ident *id)
{
    struct stat st;
    memset(id, 0, sizeof *id);
    if (stat(path, &st) == 0) {
        id->exists = 1;
        id->is_dir = S_ISDIR(st.st_mode);
        id->is_chr = S_ISCHR(st.st_mode);
        id->dev = st.st_dev;
        id->ino = st.st_ino;
    }
    id->canon = tally_outfile_canonical(path);
}

/* Same device and inode when both exist (links of every kind); the same canonical path when
 * neither does yet. */
static int same_file(const ident *a, const ident *b)
{
    if (a->is_chr || b->is_chr)
        return 0;
    if (a->exists && b->exists)
        return a->dev == b->dev && a->ino == b->ino;
    if (a->exists || b->exists)
        return 0;
    return a->canon && b->canon && strcmp(a->canon, b->canon) == 0;
}

int tally_outfile_check(const tally_cli_command *cmd, const tally_outfile_spec *outs, size_t n_outs,
                        const char *const *inputs, size_t n_inputs)
{
    int rc = 0;
    ident *oid = calloc(n_outs ? n_outs : 1, sizeof *oid);
    if (!oid) {
        fputs("tally: out of memory\n", stderr);
        return TALLY_EXIT_FATAL;
    }
    for (size_t i = 0; i < n_outs; i++)
        if (outs[i].path && strcmp(outs[i].path, "-") != 0)
            ident_of(outs[i].path, &oid[i]);
    for (size_t i = 0; i < n_outs && !rc; i++) {
        if (!outs[i].path || strcmp(outs[i].path, "-") == 0)
            continue;
        if (oid[i].is_dir) {
            tally_cli_usage_error(cmd, "the output '%s' (%s) is a folder", outs[i].path, outs[i].option);
            rc = TALLY_EXIT_USAGE;
            break;
        }
        for (size_t j = 0; j < i && !rc; j++) {
            if (!outs[j].path || strcmp(outs[j].path, "-") == 0 || !same_file(&oid[i], &oid[j]))
                continue;
            tally_cli_usage_error(cmd, "the outputs '%s' (%s) and '%s' (%s) are the same file", outs[j].path,
                                  outs[j].option, outs[i].path, outs[i].option);
            rc = TALLY_EXIT_USAGE;
        }
        for (size_t k = 0; k < n_inputs && !rc; k++) {
            if (strcmp(inputs[k], "-") == 0)
                continue;
            ident in;
            ident_of(inputs[k], &in);
            /* a folder's own files are left out of its walk instead (scan's opt.exclude) */
            if (!in.is_dir && same_file(&oid[i], &in)) {
                tally_cli_usage_error(cmd, "the output '%s' (%s) is the same file as the input '%s'; "
                                      "refusing to overwrite an input", outs[i].path, outs[i].option, inputs[k]);
                rc = TALLY_EXIT_USAGE;
            }
            free(in.canon);
        }
    }
    for (size_t i = 0; i < n_outs; i++)
        free(oid[i].canon);
    free(oid);
    return rc;
}
