/* state.c — `tally scan --state DIR`: incremental, resumable scans (README "Nightly runs").
 *
 * The state folder keeps, for each input, what a scan of that input alone gives (its summary and
 * its per-document records) in a part file, written atomically when the input is finished and
 * keyed by the input's path, size and modification time (and its content digest with --verify).
 * A run reuses the parts of unchanged inputs without reading the inputs, scans the others one at
 * a time and adds all the parts up. The sum of the summaries of disjoint inputs is, byte for
 * byte, the summary of one scan of their union (tally_summary_add), and per-document records are
 * concatenated in input order, so the outputs are those of a fresh full scan.
 *
 * So that an unchanged input costs nothing, the folder also keeps the total of the last run's
 * stored parts with the list of inputs (path, size, modification time) it covers. When every
 * input on that list is still there unchanged, a run starts from the total and adds only the
 * parts of the others; otherwise it adds every part. Inputs that are not regular files, that
 * could not be opened or read to the end, and folders without files are scanned on every run
 * and never stored: their result may change without their modification time changing.
 *
 * A killed run leaves only whole files behind (each is written to a temporary and renamed), so
 * the next run reuses what was finished and goes on. Every stored file carries a digest of its
 * content: a damaged part is reported and its input scanned again; a damaged total is reported
 * and the run adds the parts instead. One run at a time holds the folder (flock on DIR/lock, which
 * a killed process cannot keep).
 *
 * Layout: DIR/lock (the holder's pid), DIR/state.json (what the parts were made with), DIR/total,
 * DIR/parts/XX/KEY.part with KEY the XXH3-128 of the input's path (XX its first two digits). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "outfile.h"
#include "state.h"
#include "tally.h"

#define PART_MAGIC "tally-state-part 1\n"
#define TOTAL_MAGIC "tally-state-total 1\n"
#define META_VERSION 1

typedef struct part {
    tally_summary *sum;
    char *per_doc;
    size_t per_doc_len;
    char digest[33]; /* the input's content digest, as its summary says */
} part;

/* One covered input of the cached total. */
typedef struct covered {
    char *hex; /* the path's bytes in hex */
    uint64_t size;
    int64_t sec;
    long nsec;
    char digest[33];
    int seen;  /* this run found it unchanged */
} covered;

typedef struct state {
    const tally_state_options *so;
    const tally_dict *d;
    const tally_scan_options *opt;
    char *settings;     /* what the parts depend on, as state.json records it */
    char fingerprint[33]; /* the run's */
    covered *cov;       /* the total's list, sorted by hex */
    size_t n_cov;
    tally_summary *total; /* the cached total, when usable */
    uint64_t reused, scanned, damaged;
} state;

/* "tally: warning: state: the WHAT 'NAME' is damaged (WHY); THEN" */
static void warn(const state *st, const char *what, const char *name, const char *why, const char *then)
{
    if (!st->so->quiet)
        fprintf(stderr, "tally: warning: state: the %s '%s' is damaged (%s); %s\n", what, name, why, then);
}

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", a, b);
    return p;
}

static char *hex_of(const char *s)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = strlen(s);
    char *h = malloc(2 * n + 1);
    if (!h)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        h[2 * i] = hex[(unsigned char)s[i] >> 4];
        h[2 * i + 1] = hex[(unsigned char)s[i] & 15];
    }
    h[2 * n] = 0;
    return h;
}

/* The whole file at path into *buf (NUL-terminated); 0, or -1 with errno. */
static int slurp(const char *path, char **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    int rc = 0;
    while (b) {
        size_t r = fread(b + n, 1, cap - n - 1, f);
        n += r;
        if (n + 1 < cap)
            break;
        char *nb = realloc(b, cap * 2);
        if (!nb) {
            free(b);
            b = NULL;
            break;
        }
        b = nb;
        cap *= 2;
    }
    if (!b || ferror(f)) {
        rc = -1;
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = 0;
        *buf = b;
        *len = n;
    }
    return rc;
}

/* Splits a stored file into its header object (after the magic line) and its body; checks the
 * body's digest. Returns the header (new reference) or NULL with why set. */
static json_t *open_stored(const char *buf, size_t len, const char *magic, const char **body, size_t *body_len,
                           const char **why)
{
    size_t ml = strlen(magic);
    if (len < ml || memcmp(buf, magic, ml) != 0) {
        *why = "not a state file of this version";
        return NULL;
    }
    const char *h = buf + ml, *nl = memchr(h, '\n', len - ml);
    if (!nl) {
        *why = "truncated header";
        return NULL;
    }
    json_error_t je;
    json_t *hdr = json_loadb(h, (size_t)(nl - h), 0, &je);
    if (!json_is_object(hdr)) {
        json_decref(hdr);
        *why = "unreadable header";
        return NULL;
    }
    *body = nl + 1;
    *body_len = len - (size_t)(*body - buf);
    const char *check = json_string_value(json_object_get(hdr, "check"));
    char got[33];
    tally_digest_bytes(*body, *body_len, got);
    if (!check || strcmp(check, got) != 0) {
        json_decref(hdr);
        *why = "its content does not match its digest (truncated or edited)";
        return NULL;
    }
    return hdr;
}

static uint64_t get_u64(const json_t *o, const char *k, int *ok)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v) || json_integer_value(v) < 0) {
        *ok = 0;
        return 0;
    }
    return (uint64_t)json_integer_value(v);
}

/* ---- parts --------------------------------------------------------------------------------- */

static char *part_path(const char *dir, const char *path)
{
    char key[33];
    tally_digest_bytes(path, strlen(path), key);
    char rel[64];
    snprintf(rel, sizeof rel, "parts/%.2s/%s.part", key, key);
    return path_join(dir, rel);
}

static void part_free(part *p)
{
    tally_summary_free(p->sum);
    free(p->per_doc);
    memset(p, 0, sizeof *p);
}

/* Reads the stored part of e: 1 when it is there and was made from the input as it is now, 0 when
 * there is none or it is stale (the input changed), -1 when it is damaged (*why says how). */
static int part_load(const state *st, const char *file, const tally_input_entry *e, const char *verify_digest, part *p,
                     const char **why)
{
    char *buf;
    size_t len;
    memset(p, 0, sizeof *p);
    if (slurp(file, &buf, &len) != 0)
        return 0;
    const char *body;
    size_t body_len;
    json_t *hdr = open_stored(buf, len, PART_MAGIC, &body, &body_len, why);
    int rc = -1;
    if (!hdr)
        goto out;
    int ok = 1;
    const char *hex = json_string_value(json_object_get(hdr, "path"));
    uint64_t size = get_u64(hdr, "size", &ok), sec = get_u64(hdr, "mtime_sec", &ok),
             nsec = get_u64(hdr, "mtime_nsec", &ok), sum_len = get_u64(hdr, "summary", &ok),
             doc_len = get_u64(hdr, "per_doc", &ok);
    const char *dg = json_string_value(json_object_get(hdr, "digest"));
    if (!ok || !hex || !dg || strlen(dg) != 32 || sum_len + doc_len != body_len) {
        *why = "its header is incomplete";
        goto out;
    }
    char *want = hex_of(e->path);
    int same = want && strcmp(want, hex) == 0;
    free(want);
    rc = 0;
    if (!same || size != e->size || (int64_t)sec != e->mtime_sec || (long)nsec != e->mtime_nsec ||
        (verify_digest && strcmp(verify_digest, dg) != 0))
        goto out; /* made from another version of the input */
    tally_error err;
    if (tally_summary_read_buffer(body, (size_t)sum_len, &p->sum, &err) != 0) {
        *why = "its summary cannot be read";
        rc = -1;
        goto out;
    }
    if (strcmp(tally_summary_fingerprint(p->sum), st->fingerprint) != 0) {
        *why = "its fingerprint is not the state's";
        rc = -1;
        part_free(p);
        goto out;
    }
    p->per_doc_len = (size_t)doc_len;
    p->per_doc = malloc(doc_len + 1);
    if (!p->per_doc) {
        part_free(p);
        rc = -1;
        *why = "out of memory";
        goto out;
    }
    memcpy(p->per_doc, body + sum_len, doc_len);
    memcpy(p->digest, dg, 33);
    rc = 1;
out:
    json_decref(hdr);
    free(buf);
    return rc;
}

/* Scans e alone, with the run's options. Returns 0, or the engine's error (printed). */
static int part_scan(const state *st, const tally_input_entry *e, part *p)
{
    memset(p, 0, sizeof *p);
    tally_scan_options o = *st->opt;
    o.entries = e;
    o.n_entries = 1;
    o.shard_n = 0;
    o.keep_unchecked = 1;
    o.progress = NULL;
    FILE *docs = NULL;
    if (st->opt->per_doc) {
        docs = open_memstream(&p->per_doc, &p->per_doc_len);
        if (!docs) {
            fprintf(stderr, "tally: out of memory\n");
            return TALLY_EIO;
        }
        o.per_doc = docs;
    }
    tally_error err;
    int rc = tally_scan_run(st->d, NULL, 0, &o, &p->sum, &err);
    if (docs && fclose(docs) != 0 && rc == 0)
        rc = TALLY_EIO;
    if (rc) {
        if (rc != TALLY_EINTR)
            fprintf(stderr, "tally: %s\n", err.message);
        part_free(p);
        return rc;
    }
    tally_input_info info;
    if (tally_summary_input_count(p->sum) == 1) {
        tally_summary_input(p->sum, 0, &info);
        snprintf(p->digest, sizeof p->digest, "%s", info.digest ? info.digest : "");
    }
    return 0;
}

/* Whether a scanned part may be stored: a regular file, read to its end without a failure. */
static int storable(const tally_input_entry *e, const part *p)
{
    if (e->empty_folder || e->error || e->mtime_sec == 0 || strlen(p->digest) != 32)
        return 0;
    tally_totals t;
    tally_summary_totals(p->sum, &t);
    return t.failed_inputs == 0 && t.inputs == 1;
}

/* Writes a stored file: magic, header (with "check", the body's digest), body pieces. */
static int store(const char *file, const char *magic, json_t *hdr, const char *const *pieces, const size_t *lens,
                 size_t n_pieces, int sync)
{
    char *body = NULL;
    size_t body_len = 0;
    FILE *m = open_memstream(&body, &body_len);
    if (!m)
        return ENOMEM;
    for (size_t i = 0; i < n_pieces; i++)
        fwrite(pieces[i], 1, lens[i], m);
    if (fclose(m) != 0) {
        free(body);
        return ENOMEM;
    }
    char check[33];
    tally_digest_bytes(body, body_len, check);
    json_object_set_new(hdr, "check", json_string(check));
    char *h = json_dumps(hdr, JSON_COMPACT | JSON_SORT_KEYS);
    tally_outfile o = {NULL, NULL, NULL, -1};
    int e = 0;
    if (!h)
        e = ENOMEM;
    else if (tally_outfile_open(&o, file) != 0)
        e = errno ? errno : EIO;
    else {
        fputs(magic, o.f);
        fputs(h, o.f);
        fputc('\n', o.f);
        fwrite(body, 1, body_len, o.f);
        e = tally_outfile_commit_sync(&o, sync);
    }
    free(h);
    free(body);
    return e;
}

static char *summary_text(const tally_summary *s, size_t *len)
{
    char *buf = NULL;
    FILE *m = open_memstream(&buf, len);
    if (!m)
        return NULL;
    int rc = tally_summary_write(s, m);
    if (fclose(m) != 0 || rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static int part_store(const char *dir, const char *file, const tally_input_entry *e, const part *p)
{
    char sub[64];
    const char *slash = strrchr(file, '/');
    snprintf(sub, sizeof sub, "%.*s", (int)(slash - file - strlen(dir) - 1), file + strlen(dir) + 1);
    char *subdir = path_join(dir, sub);
    if (!subdir)
        return ENOMEM;
    if (mkdir(subdir, 0755) != 0 && errno != EEXIST) {
        int e2 = errno;
        free(subdir);
        return e2;
    }
    free(subdir);
    size_t sum_len;
    char *sum = summary_text(p->sum, &sum_len);
    char *hex = hex_of(e->path);
    if (!sum || !hex) {
        free(sum);
        free(hex);
        return ENOMEM;
    }
    json_t *hdr = json_object();
    json_object_set_new(hdr, "path", json_string(hex));
    json_object_set_new(hdr, "size", json_integer((json_int_t)e->size));
    json_object_set_new(hdr, "mtime_sec", json_integer((json_int_t)e->mtime_sec));
    json_object_set_new(hdr, "mtime_nsec", json_integer((json_int_t)e->mtime_nsec));
    json_object_set_new(hdr, "digest", json_string(p->digest));
    json_object_set_new(hdr, "summary", json_integer((json_int_t)sum_len));
    json_object_set_new(hdr, "per_doc", json_integer((json_int_t)p->per_doc_len));
    const char *pieces[2] = {sum, p->per_doc ? p->per_doc : ""};
    size_t lens[2] = {sum_len, p->per_doc_len};
    int rc = store(file, PART_MAGIC, hdr, pieces, lens, 2, 0);
    json_decref(hdr);
    free(sum);
    free(hex);
    return rc;
}

/* ---- the cached total ---------------------------------------------------------------------- */

static int cmp_cov(const void *a, const void *b)
{
    return strcmp(((const covered *)a)->hex, ((const covered *)b)->hex);
}

static void total_drop(state *st)
{
    for (size_t i = 0; i < st->n_cov; i++)
        free(st->cov[i].hex);
    free(st->cov);
    st->cov = NULL;
    st->n_cov = 0;
    tally_summary_free(st->total);
    st->total = NULL;
}

/* Reads DIR/total into st (nothing when absent; a warning when damaged). */
static void total_load(state *st, const char *file)
{
    char *buf;
    size_t len;
    if (slurp(file, &buf, &len) != 0)
        return;
    const char *body, *why = NULL;
    size_t body_len;
    json_t *hdr = open_stored(buf, len, TOTAL_MAGIC, &body, &body_len, &why);
    int ok = hdr != NULL;
    uint64_t n = 0, list_len = 0, sum_len = 0;
    if (ok) {
        n = get_u64(hdr, "entries", &ok);
        list_len = get_u64(hdr, "list", &ok);
        sum_len = get_u64(hdr, "summary", &ok);
        if (ok && list_len + sum_len != body_len)
            ok = 0;
        if (!ok)
            why = "its header is incomplete";
    }
    if (ok) {
        st->cov = calloc(n ? n : 1, sizeof *st->cov);
        const char *p = body, *end = body + list_len;
        for (uint64_t i = 0; ok && st->cov && i < n; i++) {
            /* HEX SIZE SEC NSEC DIGEST\n, the fields parsed in place (sscanf would measure the
             * whole rest of the buffer at every line) */
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *sp = nl ? memchr(p, ' ', (size_t)(nl - p)) : NULL;
            uint64_t num[3];
            const char *q = sp;
            for (int k = 0; q && k < 3; k++) {
                if (*q != ' ' || q[1] < '0' || q[1] > '9') {
                    q = NULL;
                    break;
                }
                uint64_t v = 0;
                for (q++; *q >= '0' && *q <= '9'; q++)
                    v = v * 10 + (uint64_t)(*q - '0');
                num[k] = v;
            }
            if (!q || *q != ' ' || nl - (q + 1) != 32 || sp == p) {
                ok = 0;
                why = "its list of inputs is unreadable";
                break;
            }
            covered *c = &st->cov[st->n_cov++];
            c->hex = strndup(p, (size_t)(sp - p));
            c->size = num[0];
            c->sec = (int64_t)num[1];
            c->nsec = (long)num[2];
            memcpy(c->digest, q + 1, 32);
            c->digest[32] = 0;
            if (!c->hex)
                ok = 0;
            p = nl + 1;
        }
        tally_error err;
        if (ok && tally_summary_read_buffer(end, (size_t)sum_len, &st->total, &err) != 0) {
            ok = 0;
            why = "its summary cannot be read";
        }
    }
    if (!ok) {
        warn(st, "cached total", file, why ? why : "unreadable", "adding up the parts instead");
        total_drop(st);
        st->damaged++;
    } else {
        qsort(st->cov, st->n_cov, sizeof *st->cov, cmp_cov);
    }
    json_decref(hdr);
    free(buf);
}

static covered *cov_find(const state *st, const char *hex)
{
    covered key = {0};
    key.hex = (char *)hex;
    return st->n_cov ? bsearch(&key, st->cov, st->n_cov, sizeof *st->cov, cmp_cov) : NULL;
}

/* ---- the folder ---------------------------------------------------------------------------- */

/* What the parts depend on beyond the dictionary and the fingerprint's settings. */
static char *settings_of(const tally_summary *empty, const tally_scan_options *o)
{
    json_t *j = json_object();
    json_object_set_new(j, "tally_state", json_integer(META_VERSION));
    json_object_set_new(j, "fingerprint", json_string(tally_summary_fingerprint(empty)));
    json_object_set_new(j, "format", json_integer(o->format));
    json_object_set_new(j, "id_field", json_string(o->id_field ? o->id_field : "id"));
    json_object_set_new(j, "max_line_bytes", json_integer((json_int_t)o->max_line_bytes));
    json_object_set_new(j, "zstd_window_log_max", json_integer(o->zstd_window_log_max));
    json_object_set_new(j, "binary", json_boolean(o->binary));
    json_object_set_new(j, "per_doc", json_boolean(o->per_doc != NULL));
    json_t *keep = json_array();
    for (size_t i = 0; i < o->n_keep_fields; i++)
        json_array_append_new(keep, json_string(o->keep_fields[i]));
    json_object_set_new(j, "keep_fields", keep);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

/* Removes every part and the total (--rebuild, or a folder made with other settings). */
static void clear_folder(const char *dir)
{
    char *parts = path_join(dir, "parts"), *total = path_join(dir, "total");
    if (total)
        unlink(total);
    DIR *d = parts ? opendir(parts) : NULL;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *sub = path_join(parts, de->d_name);
        DIR *sd = sub ? opendir(sub) : NULL;
        struct dirent *se;
        while (sd && (se = readdir(sd)) != NULL) {
            if (strcmp(se->d_name, ".") == 0 || strcmp(se->d_name, "..") == 0)
                continue;
            char *f = path_join(sub, se->d_name);
            if (f)
                unlink(f);
            free(f);
        }
        if (sd)
            closedir(sd);
        if (sub)
            rmdir(sub);
        free(sub);
    }
    if (d)
        closedir(d);
    free(parts);
    free(total);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes the parts of inputs no longer scanned (keys: the part files to keep, sorted) and the
 * temporaries a killed run left behind. */
static void prune(const char *dir, char **keys, size_t n_keys)
{
    char *parts = path_join(dir, "parts");
    DIR *d = parts ? opendir(parts) : NULL;
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *sub = path_join(parts, de->d_name);
        DIR *sd = sub ? opendir(sub) : NULL;
        struct dirent *se;
        while (sd && (se = readdir(sd)) != NULL) {
            if (strcmp(se->d_name, ".") == 0 || strcmp(se->d_name, "..") == 0)
                continue;
            char *f = path_join(sub, se->d_name);
            const char *name = f;
            if (f && !bsearch(&name, keys, n_keys, sizeof *keys, cmp_str))
                unlink(f);
            free(f);
        }
        if (sd)
            closedir(sd);
        free(sub);
    }
    if (d)
        closedir(d);
    free(parts);
    /* a temporary of the total or of state.json */
    d = opendir(dir);
    while (d && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, ".total.", 7) == 0 || strncmp(de->d_name, ".state.json.", 12) == 0) {
            char *f = path_join(dir, de->d_name);
            if (f)
                unlink(f);
            free(f);
        }
    }
    if (d)
        closedir(d);
}

/* Takes the folder's lock for the whole run (the descriptor stays open until the process ends).
 * Returns 0, or TALLY_EXIT_USAGE with a message. */
static int lock_folder(const char *dir)
{
    char *lp = path_join(dir, "lock");
    int fd = lp ? open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0644) : -1;
    if (fd < 0) {
        fprintf(stderr, "tally: cannot use the state folder '%s': %s\n", dir, strerror(errno));
        free(lp);
        return TALLY_EXIT_USAGE;
    }
    free(lp);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char pid[32] = "";
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = 0;
        pid[strcspn(pid, "\n")] = 0;
        fprintf(stderr, "tally: the state folder '%s' is in use by pid %s\n", dir, pid[0] ? pid : "(unknown)");
        close(fd);
        return TALLY_EXIT_USAGE;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        /* the lock holds; the pid is only for the message of a second run */
    }
    return 0;
}

/* Checks state.json against this run's settings, or writes it. Returns 0 or an exit status. */
static int check_meta(state *st)
{
    const char *dir = st->so->dir;
    char *mp = path_join(dir, "state.json");
    char *buf = NULL;
    size_t len;
    int rc = 0;
    if (!mp)
        return TALLY_EXIT_FATAL;
    if (slurp(mp, &buf, &len) == 0 && !st->so->rebuild) {
        size_t n = strlen(st->settings);
        if (!(len == n + 1 && memcmp(buf, st->settings, n) == 0 && buf[n] == '\n')) {
            fprintf(stderr,
                    "tally: the state folder '%s' was made with other counting settings or outputs\n"
                    "tally:   the folder's: %.*s\ntally:   this run's:   %s\n"
                    "tally: use --rebuild to start it afresh, or another --state folder\n",
                    dir, (int)strcspn(buf, "\n"), buf, st->settings);
            rc = TALLY_EXIT_USAGE;
        }
        goto out;
    }
    /* a new folder, or --rebuild: nothing of before may be used */
    clear_folder(dir);
    tally_outfile o = {NULL, NULL, NULL, -1};
    if (tally_outfile_open(&o, mp) != 0) {
        fprintf(stderr, "tally: cannot write '%s': %s\n", mp, strerror(errno));
        rc = TALLY_EXIT_FATAL;
        goto out;
    }
    fprintf(o.f, "%s\n", st->settings);
    int e = tally_outfile_commit(&o);
    if (e) {
        fprintf(stderr, "tally: cannot write '%s': %s\n", mp, strerror(e));
        rc = TALLY_EXIT_FATAL;
    }
out:
    free(buf);
    free(mp);
    return rc;
}

static int mkdirs(const char *dir)
{
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return -1;
    char *p = path_join(dir, "parts");
    int rc = p && (mkdir(p, 0755) == 0 || errno == EEXIST) ? 0 : -1;
    free(p);
    return rc;
}

/* Writes the total of the stored parts and the list it covers. */
static int total_store(const char *dir, const tally_summary *s, char **lines, size_t n_lines)
{
    size_t sum_len;
    char *sum = summary_text(s, &sum_len);
    char *list = NULL;
    size_t list_len = 0;
    FILE *m = open_memstream(&list, &list_len);
    if (!sum || !m) {
        free(sum);
        if (m)
            fclose(m);
        free(list);
        return ENOMEM;
    }
    for (size_t i = 0; i < n_lines; i++)
        fputs(lines[i], m);
    fclose(m);
    json_t *hdr = json_object();
    json_object_set_new(hdr, "entries", json_integer((json_int_t)n_lines));
    json_object_set_new(hdr, "list", json_integer((json_int_t)list_len));
    json_object_set_new(hdr, "summary", json_integer((json_int_t)sum_len));
    const char *pieces[2] = {list, sum};
    size_t lens[2] = {list_len, sum_len};
    char *file = path_join(dir, "total");
    int rc = file ? store(file, TOTAL_MAGIC, hdr, pieces, lens, 2, 1) : ENOMEM;
    free(file);
    json_decref(hdr);
    free(sum);
    free(list);
    return rc;
}

/* ---- the run ------------------------------------------------------------------------------- */

int tally_state_scan(const tally_state_options *so, const tally_dict *d, const char *const *inputs, size_t n_inputs,
                     const tally_scan_options *opt, tally_summary **out)
{
    state st;
    memset(&st, 0, sizeof st);
    st.so = so;
    st.d = d;
    st.opt = opt;
    tally_input_entry *e = NULL;
    size_t n = 0;
    int found_any = 0, rc = TALLY_EXIT_FATAL;
    tally_summary *acc = NULL, *empty = NULL;
    char **keep_keys = NULL, **lines = NULL;
    size_t n_keep_keys = 0, n_lines = 0;
    tally_error err;
    *out = NULL;

    for (size_t i = 0; i < n_inputs; i++)
        if (strcmp(inputs[i], "-") == 0) {
            fprintf(stderr, "tally: --state needs named inputs: standard input (-) cannot be kept as a part\n");
            return TALLY_EXIT_USAGE;
        }
    if (mkdirs(so->dir) != 0) {
        fprintf(stderr, "tally: cannot make the state folder '%s': %s\n", so->dir, strerror(errno));
        return TALLY_EXIT_USAGE;
    }
    if ((rc = lock_folder(so->dir)) != 0)
        return rc;
    rc = TALLY_EXIT_FATAL;

    /* the checks a scan makes before reading (globs, kept fields), and the fingerprint, from a
     * scan of the whole input list that reads nothing */
    tally_inputs_expand(inputs, n_inputs, opt, &e, &n, &found_any);
    tally_scan_options o0 = *opt;
    o0.entries = e;
    o0.n_entries = n;
    o0.setup_only = 1;
    o0.per_doc = NULL;
    o0.progress = NULL;
    int r = tally_scan_run(d, NULL, 0, &o0, &empty, &err);
    if (r != 0) {
        fprintf(stderr, "tally: %s\n", err.message);
        rc = r == TALLY_EINVAL ? TALLY_EXIT_USAGE : TALLY_EXIT_FATAL;
        goto out;
    }
    snprintf(st.fingerprint, sizeof st.fingerprint, "%s", tally_summary_fingerprint(empty));
    st.settings = settings_of(empty, opt);
    if (!st.settings || (rc = check_meta(&st)) != 0) {
        rc = rc ? rc : TALLY_EXIT_FATAL;
        goto out;
    }
    rc = TALLY_EXIT_FATAL;
    char *tf = path_join(so->dir, "total");
    if (tf)
        total_load(&st, tf);
    free(tf);

    /* which inputs the total covers unchanged; it is usable only if it covers nothing else */
    char **hexes = calloc(n ? n : 1, sizeof *hexes);
    char (*digests)[33] = calloc(n ? n : 1, sizeof *digests);
    unsigned char *is_cov = calloc(n ? n : 1, 1);
    keep_keys = calloc(n ? n : 1, sizeof *keep_keys);
    lines = calloc(n ? n : 1, sizeof *lines);
    if (!hexes || !digests || !is_cov || !keep_keys || !lines) {
        fprintf(stderr, "tally: out of memory\n");
        goto out2;
    }
    for (size_t i = 0; i < n; i++) {
        if (e[i].empty_folder || e[i].error || e[i].mtime_sec == 0)
            continue;
        hexes[i] = hex_of(e[i].path);
        if (so->verify && tally_file_digest(e[i].path, digests[i], &err) != 0)
            digests[i][0] = 0; /* unreadable now: scanned, and its error reported */
        covered *c = hexes[i] ? cov_find(&st, hexes[i]) : NULL;
        if (c && !c->seen && c->size == e[i].size && c->sec == e[i].mtime_sec && c->nsec == e[i].mtime_nsec &&
            (!so->verify || strcmp(c->digest, digests[i]) == 0)) {
            c->seen = 1;
            is_cov[i] = 1;
        }
    }
    int use_total = st.total != NULL;
    for (size_t i = 0; use_total && i < st.n_cov; i++)
        if (!st.cov[i].seen)
            use_total = 0;
    if (use_total) {
        acc = st.total;
        st.total = NULL;
    } else {
        acc = empty;
        empty = NULL;
    }

    /* every input in order: its part reused or made, added, and its records written */
    tally_summary *fresh = NULL; /* parts that are never stored, added after the total is written */
    for (size_t i = 0; i < n; i++) {
        if (opt->stop && *opt->stop) {
            rc = TALLY_EXIT_FATAL;
            fprintf(stderr, "tally: interrupted\n");
            goto out2;
        }
        part p = {0};
        char *file = hexes[i] ? part_path(so->dir, e[i].path) : NULL;
        int have = 0;
        if (is_cov[i] && use_total && !opt->per_doc) {
            have = 2; /* in the total already, nothing to read */
        } else if (file) {
            const char *why = NULL;
            have = part_load(&st, file, &e[i], so->verify ? digests[i] : NULL, &p, &why);
            if (have < 0) {
                warn(&st, "part of", e[i].path, why, "scanning the input again");
                st.damaged++;
                have = 0;
            }
        }
        int stored = have != 0;
        if (!have) {
            r = part_scan(&st, &e[i], &p);
            if (r) {
                rc = r == TALLY_EINTR ? TALLY_EXIT_FATAL : TALLY_EXIT_FATAL;
                free(file);
                goto out2;
            }
            st.scanned++;
            if (file && storable(&e[i], &p)) {
                int se = part_store(so->dir, file, &e[i], &p);
                if (se) {
                    fprintf(stderr, "tally: cannot write the state part '%s': %s\n", file, strerror(se));
                    part_free(&p);
                    free(file);
                    goto out2;
                }
                stored = 1;
            }
        } else {
            st.reused++;
        }
        if (stored && file) {
            keep_keys[n_keep_keys++] = file;
            file = NULL;
            char line[128];
            size_t hl = strlen(hexes[i]);
            char *l = malloc(hl + 128);
            if (l) {
                snprintf(line, sizeof line, " %llu %lld %ld %s\n", (unsigned long long)e[i].size,
                         (long long)e[i].mtime_sec, e[i].mtime_nsec, have == 2 ? cov_find(&st, hexes[i])->digest : p.digest);
                memcpy(l, hexes[i], hl);
                strcpy(l + hl, line);
                lines[n_lines++] = l;
            }
        }
        free(file);
        if (opt->per_doc && p.per_doc_len && fwrite(p.per_doc, 1, p.per_doc_len, opt->per_doc) != p.per_doc_len) {
            fprintf(stderr, "tally: cannot write the per-document output: %s\n", strerror(errno));
            part_free(&p);
            goto out2;
        }
        if (p.sum && !(is_cov[i] && use_total)) {
            tally_summary **into = stored ? &acc : &fresh;
            if (!*into) {
                *into = p.sum;
                p.sum = NULL;
            } else if (tally_summary_add(*into, p.sum, 0, &err) != 0) {
                fprintf(stderr, "tally: state: cannot add the part of '%s': %s\n", e[i].path, err.message);
                part_free(&p);
                goto out2;
            }
        }
        part_free(&p);
    }

    /* the total of the stored parts, for the next run; then the inputs that are never stored */
    qsort(lines, n_lines, sizeof *lines, cmp_str);
    int te = total_store(so->dir, acc, lines, n_lines);
    if (te) {
        fprintf(stderr, "tally: cannot write the state's total: %s\n", strerror(te));
        goto out2;
    }
    if (fresh && tally_summary_add(acc, fresh, 0, &err) != 0) {
        fprintf(stderr, "tally: state: cannot add the inputs scanned afresh: %s\n", err.message);
        tally_summary_free(fresh);
        goto out2;
    }
    tally_summary_free(fresh);
    if (!found_any && n_inputs > 0) {
        /* nothing at all was found: the plain scan's error, from a plain scan of nothing */
        tally_summary *none = NULL;
        tally_scan_options on = *opt;
        on.per_doc = NULL;
        on.progress = NULL;
        if (tally_scan_run(d, inputs, n_inputs, &on, &none, &err) == 0) {
            tally_summary_free(acc);
            acc = none;
        }
    }
    qsort(keep_keys, n_keep_keys, sizeof *keep_keys, cmp_str);
    prune(so->dir, keep_keys, n_keep_keys);
    if (so->report)
        fprintf(stderr, "tally: state: %llu inputs reused, %llu scanned, %llu damaged files replaced\n",
                (unsigned long long)st.reused, (unsigned long long)st.scanned, (unsigned long long)st.damaged);
    *out = acc;
    acc = NULL;
    rc = 0;
out2:
    for (size_t i = 0; hexes && i < n; i++)
        free(hexes[i]);
    free(hexes);
    free(digests);
    free(is_cov);
out:
    for (size_t i = 0; i < n_keep_keys; i++)
        free(keep_keys[i]);
    free(keep_keys);
    for (size_t i = 0; i < n_lines; i++)
        free(lines[i]);
    free(lines);
    tally_summary_free(acc);
    tally_summary_free(empty);
    total_drop(&st);
    free(st.settings);
    tally_inputs_free(e, n);
    return rc;
}
