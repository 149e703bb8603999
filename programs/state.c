/* state.c — `tally scan --state DIR`: incremental, resumable scans (README "Nightly runs").
 *
 * The state folder keeps, for each input, what a scan of that input alone gives (its summary and
 * its per-document records): a part, made when the input is finished and keyed by the input's
 * path, size and modification time (and its content digest with --verify). A run reuses the parts
 * of unchanged inputs without reading the inputs, scans the others one at a time and adds all
 * the parts up. The sum of the summaries of disjoint inputs is, byte for byte, the summary of one
 * scan of their union (tally_summary_add), and per-document records are concatenated in input
 * order, so the outputs are those of a fresh full scan.
 *
 * Parts are appended to pack files, one pack per run that makes parts (a file per part would
 * cost a file creation per input, which dominates a first run over many small files). An index,
 * replaced atomically at the end of a run, lists where each kept input's part is and holds the
 * total of those parts: when every input on the list is still there unchanged, a run starts from
 * that total and reads no part at all (but for per-document records). Inputs that are not
 * regular files, that could not be opened or read to the end, and folders without files are
 * scanned on every run and never kept: their result may change without their modification time
 * changing.
 *
 * kill -9 at any moment leaves the index of the last finished run and packs whose records are
 * whole but perhaps the last one. The next run also reads the records of packs newer than its
 * index (the killed run's finished inputs) and goes on from there. Every record and the index
 * carry a digest of their content: a damaged part is reported and its input scanned again; a
 * damaged index is reported and rebuilt from the packs. Packs no longer needed are removed, and
 * one mostly made of stale parts is compacted into the run's pack. One run at a time holds the
 * folder (flock on DIR/lock, which a killed process cannot keep).
 *
 * Layout: DIR/lock (the holder's pid), DIR/state.json (what the parts were made with),
 * DIR/index, DIR/packs/NNNNNNNN.pack. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <signal.h>
#include <unistd.h>

#include <jansson.h>

#include "kwicmerge.h"
#include "outfile.h"
#include "state.h"
#include "tally.h"

#define PART_MAGIC "tally-state-part 1\n"
#define INDEX_MAGIC "tally-state-index 1\n"
#define META_VERSION 1
#define MAX_PACK 99999999u

/* The outputs of a part besides its summary, in the order a record holds them. */
enum { S_PER_DOC, S_VOCAB, S_KWIC, N_SECTIONS };
static const char *const section_name[N_SECTIONS] = {"per_doc", "vocab", "kwic"};

typedef struct part {
    tally_summary *sum;
    char *sec[N_SECTIONS];    /* per-document records, vocabulary (TSV), concordance lines */
    size_t sec_len[N_SECTIONS];
    char digest[33]; /* the input's content digest, as its summary says */
} part;

/* A stored part: where it is and what it was made from. */
typedef struct known {
    char *hex;       /* the input's path, its bytes in hex */
    uint64_t size;
    int64_t sec;
    long nsec;
    char digest[33];
    uint32_t pack;
    uint64_t off, len;
    int in_index;    /* listed by the index (and so in its total) */
    int in_total;    /* this run: its summary and sections are in the total it starts from */
    int seen;        /* an input of this run matches it unchanged */
} known;

typedef struct state {
    const tally_state_options *so;
    const tally_dict *d;
    const tally_scan_options *opt;
    char *settings;       /* what the parts depend on, as state.json records it */
    char fingerprint[33]; /* the run's */
    char *packs_dir;
    known *k;             /* sorted by hex, then pack (newest last) */
    size_t n_k, cap_k;
    size_t n_indexed;
    uint32_t index_packs; /* the highest pack the index knew of */
    tally_summary *total; /* the index's total */
    char *total_sec[N_SECTIONS]; /* its vocabulary and concordance lines (not per-document records) */
    size_t total_sec_len[N_SECTIONS];
    uint32_t max_pack;    /* the highest pack in the folder */
    /* this run's pack */
    uint32_t my_pack;
    int my_fd;
    uint64_t my_off;
    /* the last pack opened for reading */
    uint32_t rd_pack;
    int rd_fd;
    uint64_t reused, scanned, damaged;
} state;

/* For the tests: TALLY_STATE_KILL=EVENT:N makes the process kill itself (SIGKILL, as kill -9
 * would) at the Nth time it reaches EVENT: "part" (half of a part written to the pack), "index"
 * (the new index written, not yet in place), "add" (adding up the parts). Random kills cannot be
 * sure to land in those short moments. */
static void test_kill(const char *event)
{
    static int parsed;
    static char want[16];
    static long left = -1;
    if (!parsed) {
        parsed = 1;
        const char *v = getenv("TALLY_STATE_KILL");
        const char *colon = v ? strchr(v, ':') : NULL;
        if (colon && (size_t)(colon - v) < sizeof want) {
            memcpy(want, v, (size_t)(colon - v));
            left = strtol(colon + 1, NULL, 10);
        }
    }
    if (left > 0 && strcmp(event, want) == 0 && --left == 0)
        kill(getpid(), SIGKILL);
}

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

static char *pack_path(const state *st, uint32_t n)
{
    char name[32];
    snprintf(name, sizeof name, "%08u.pack", n);
    return path_join(st->packs_dir, name);
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
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return -1;
    }
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    char *b = malloc(cap);
    while (b) {
        ssize_t r = read(fd, b + n, cap - n - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(b);
            b = NULL;
            break;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n + 1 == cap) {
            char *nb = realloc(b, cap * 2);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
            cap *= 2;
        }
    }
    close(fd);
    if (!b)
        return -1;
    b[n] = 0;
    *buf = b;
    *len = n;
    return 0;
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

/* A stored file's header (the line after the magic one) and body: the header holds the body's
 * length ("body") and digest ("check"). Returns the header (new reference) with *body, *used
 * (bytes of the whole record) set, or NULL with *why set. */
static json_t *open_record(const char *buf, size_t len, const char *magic, const char **body, uint64_t *body_len,
                           uint64_t *used, const char **why)
{
    size_t ml = strlen(magic);
    if (len < ml || memcmp(buf, magic, ml) != 0) {
        *why = "not a state record of this version";
        return NULL;
    }
    const char *h = buf + ml, *nl = memchr(h, '\n', len - ml);
    if (!nl) {
        *why = "cut short";
        return NULL;
    }
    json_error_t je;
    json_t *hdr = json_loadb(h, (size_t)(nl - h), 0, &je);
    int ok = json_is_object(hdr);
    uint64_t bl = ok ? get_u64(hdr, "body", &ok) : 0;
    const char *check = ok ? json_string_value(json_object_get(hdr, "check")) : NULL;
    if (!ok || !check) {
        json_decref(hdr);
        *why = "unreadable header";
        return NULL;
    }
    *body = nl + 1;
    if (bl > len - (size_t)(*body - buf)) {
        json_decref(hdr);
        *why = "cut short";
        return NULL;
    }
    char got[33];
    tally_digest_bytes(*body, (size_t)bl, got);
    if (strcmp(check, got) != 0) {
        json_decref(hdr);
        *why = "its content does not match its digest";
        return NULL;
    }
    *body_len = bl;
    *used = (uint64_t)(*body - buf) + bl;
    return hdr;
}

/* A record: magic, header (hdr + "body" + "check"), body pieces; into a new buffer. */
static char *make_record(const char *magic, json_t *hdr, const char *const *pieces, const size_t *lens, size_t n_pieces,
                         size_t *out_len)
{
    size_t body_len = 0;
    for (size_t i = 0; i < n_pieces; i++)
        body_len += lens[i];
    char *body = malloc(body_len + 1);
    if (!body)
        return NULL;
    for (size_t i = 0, o = 0; i < n_pieces; o += lens[i], i++)
        memcpy(body + o, pieces[i], lens[i]);
    char check[33];
    tally_digest_bytes(body, body_len, check);
    json_object_set_new(hdr, "body", json_integer((json_int_t)body_len));
    json_object_set_new(hdr, "check", json_string(check));
    char *h = json_dumps(hdr, JSON_COMPACT | JSON_SORT_KEYS);
    char *rec = NULL;
    if (h) {
        size_t ml = strlen(magic), hl = strlen(h);
        rec = malloc(ml + hl + 1 + body_len);
        if (rec) {
            memcpy(rec, magic, ml);
            memcpy(rec + ml, h, hl);
            rec[ml + hl] = '\n';
            memcpy(rec + ml + hl + 1, body, body_len);
            *out_len = ml + hl + 1 + body_len;
        }
    }
    free(h);
    free(body);
    return rec;
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

/* ---- the known parts ----------------------------------------------------------------------- */

static int cmp_known(const void *a, const void *b)
{
    const known *x = a, *y = b;
    int c = strcmp(x->hex, y->hex);
    return c ? c : (x->pack > y->pack) - (x->pack < y->pack);
}

static known *known_push(state *st)
{
    if (st->n_k == st->cap_k) {
        size_t cap = st->cap_k ? 2 * st->cap_k : 256;
        known *k = realloc(st->k, cap * sizeof *k);
        if (!k)
            return NULL;
        st->k = k;
        st->cap_k = cap;
    }
    known *k = &st->k[st->n_k++];
    memset(k, 0, sizeof *k);
    return k;
}

/* The newest stored part of the path hex that was made from the input as it is now (size,
 * time, and digest when given), or NULL. */
static known *known_find(state *st, const char *hex, const tally_input_entry *e, const char *digest)
{
    size_t lo = 0, hi = st->n_k;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (strcmp(st->k[mid].hex, hex) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    known *best = NULL;
    for (size_t i = lo; i < st->n_k && strcmp(st->k[i].hex, hex) == 0; i++) {
        known *k = &st->k[i];
        if (k->size == e->size && k->sec == e->mtime_sec && k->nsec == e->mtime_nsec &&
            (!digest || strcmp(k->digest, digest) == 0))
            best = k;
    }
    return best;
}

static void known_free(state *st)
{
    for (size_t i = 0; i < st->n_k; i++)
        free(st->k[i].hex);
    free(st->k);
    st->k = NULL;
    st->n_k = st->cap_k = 0;
}

/* Reads the index (nothing when absent; a warning when damaged: then every pack is read). */
static void index_load(state *st)
{
    char *file = path_join(st->so->dir, "index"), *buf = NULL;
    size_t len;
    if (!file || slurp(file, &buf, &len) != 0) {
        free(file);
        return;
    }
    const char *body, *why = NULL;
    uint64_t body_len, used;
    json_t *hdr = open_record(buf, len, INDEX_MAGIC, &body, &body_len, &used, &why);
    int ok = hdr != NULL;
    uint64_t n = 0, list_len = 0, sum_len = 0, packs = 0, sec_len[N_SECTIONS] = {0}, all = 0;
    if (ok) {
        n = get_u64(hdr, "entries", &ok);
        list_len = get_u64(hdr, "list", &ok);
        sum_len = get_u64(hdr, "summary", &ok);
        packs = get_u64(hdr, "packs", &ok);
        all = list_len + sum_len;
        for (int i = S_VOCAB; i < N_SECTIONS; i++)
            all += sec_len[i] = get_u64(hdr, section_name[i], &ok);
        if (!ok || all != body_len || packs > MAX_PACK)
            ok = 0, why = "its header is incomplete";
    }
    const char *p = body, *end = ok ? body + list_len : body;
    for (uint64_t i = 0; ok && i < n; i++) {
        /* HEX SIZE SEC NSEC DIGEST PACK OFF LEN\n, parsed in place */
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *sp = nl ? memchr(p, ' ', (size_t)(nl - p)) : NULL;
        uint64_t num[6];
        const char *q = sp, *dg = NULL;
        for (int f = 0; q && f < 6; f++) {
            if (f == 3) { /* the digest, between NSEC and PACK */
                if (*q != ' ' || nl - q < 34 || q[33] != ' ') {
                    q = NULL;
                    break;
                }
                dg = q + 1;
                q += 33;
            }
            if (*q != ' ' || q[1] < '0' || q[1] > '9') {
                q = NULL;
                break;
            }
            uint64_t v = 0;
            for (q++; *q >= '0' && *q <= '9'; q++)
                v = v * 10 + (uint64_t)(*q - '0');
            num[f] = v;
        }
        known *k = q && q == nl && sp != p ? known_push(st) : NULL;
        if (!k) {
            ok = 0;
            why = "its list of inputs is unreadable";
            break;
        }
        k->hex = strndup(p, (size_t)(sp - p));
        k->size = num[0];
        k->sec = (int64_t)num[1];
        k->nsec = (long)num[2];
        memcpy(k->digest, dg, 32);
        k->digest[32] = 0;
        k->pack = (uint32_t)num[3];
        k->off = num[4];
        k->len = num[5];
        k->in_index = 1;
        if (!k->hex || k->pack > packs)
            ok = 0, why = "its list of inputs is unreadable";
        p = nl + 1;
    }
    tally_error err;
    if (ok && tally_summary_read_buffer(end, (size_t)sum_len, &st->total, &err) != 0)
        ok = 0, why = "its summary cannot be read";
    if (ok && strcmp(tally_summary_fingerprint(st->total), st->fingerprint) != 0)
        ok = 0, why = "its fingerprint is not the state's";
    const char *at = end + sum_len;
    for (int i = S_VOCAB; ok && i < N_SECTIONS; i++) {
        if (!(st->total_sec[i] = malloc((size_t)sec_len[i] + 1))) {
            ok = 0, why = "out of memory";
            break;
        }
        memcpy(st->total_sec[i], at, (size_t)sec_len[i]);
        st->total_sec_len[i] = (size_t)sec_len[i];
        at += sec_len[i];
    }
    if (!ok) {
        warn(st, "index", file, why ? why : "unreadable", "reading the packs instead");
        known_free(st);
        tally_summary_free(st->total);
        st->total = NULL;
        st->damaged++;
    } else {
        st->n_indexed = st->n_k;
        st->index_packs = (uint32_t)packs;
    }
    json_decref(hdr);
    free(buf);
    free(file);
}

/* Adds the whole records of pack n to the known parts; a record cut short or damaged ends the
 * pack's list (what follows it was written after it by the same run, or not at all). */
static void pack_scan(state *st, uint32_t n)
{
    char *file = pack_path(st, n), *buf = NULL;
    size_t len;
    if (!file || slurp(file, &buf, &len) != 0) {
        free(file);
        return;
    }
    uint64_t off = 0;
    while (off < len) {
        const char *body, *why;
        uint64_t body_len, used;
        json_t *hdr = open_record(buf + off, len - off, PART_MAGIC, &body, &body_len, &used, &why);
        if (!hdr) {
            /* a record cut short at the end of a pack the index does not know is what kill -9
             * leaves: no news; anything else is damage */
            if (!(strcmp(why, "cut short") == 0 && n > st->index_packs)) {
                char where[64];
                snprintf(where, sizeof where, "%s at byte %llu", why, (unsigned long long)off);
                warn(st, "pack", file, where, "the inputs of the parts after it are scanned again");
                st->damaged++;
            }
            break;
        }
        int ok = 1;
        const char *hex = json_string_value(json_object_get(hdr, "path"));
        const char *dg = json_string_value(json_object_get(hdr, "digest"));
        uint64_t size = get_u64(hdr, "size", &ok), sec = get_u64(hdr, "mtime_sec", &ok),
                 nsec = get_u64(hdr, "mtime_nsec", &ok);
        known *k = ok && hex && dg && strlen(dg) == 32 ? known_push(st) : NULL;
        if (k) {
            k->hex = strdup(hex);
            k->size = size;
            k->sec = (int64_t)sec;
            k->nsec = (long)nsec;
            memcpy(k->digest, dg, 33);
            k->pack = n;
            k->off = off;
            k->len = used;
            if (!k->hex)
                st->n_k--;
        }
        json_decref(hdr);
        off += used;
    }
    free(buf);
    free(file);
}

/* The packs in the folder: the highest number, and the records of those the index does not
 * cover (all of them without an index). */
static void packs_scan(state *st)
{
    DIR *d = opendir(st->packs_dir);
    struct dirent *de;
    uint32_t *nums = NULL;
    size_t n = 0, cap = 0;
    while (d && (de = readdir(d)) != NULL) {
        unsigned v;
        char tail[8];
        if (sscanf(de->d_name, "%8u.pac%1s", &v, tail) != 2 || strlen(de->d_name) != 13 || v > MAX_PACK)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 16;
            uint32_t *nn = realloc(nums, cap * sizeof *nn);
            if (!nn)
                break;
            nums = nn;
        }
        nums[n++] = v;
        if (v > st->max_pack)
            st->max_pack = v;
    }
    if (d)
        closedir(d);
    for (size_t i = 0; i < n; i++)
        if (nums[i] > st->index_packs || !st->total)
            pack_scan(st, nums[i]);
    free(nums);
    if (st->n_k > 1)
        qsort(st->k, st->n_k, sizeof *st->k, cmp_known);
}

/* ---- parts --------------------------------------------------------------------------------- */

static void part_free(part *p)
{
    tally_summary_free(p->sum);
    for (int i = 0; i < N_SECTIONS; i++)
        free(p->sec[i]);
    memset(p, 0, sizeof *p);
}

/* Makes st->rd_fd the descriptor of pack n, opened for reading (-1 when it cannot be); the
 * last one opened is kept, parts are mostly read pack by pack. */
static void pack_open_read(state *st, uint32_t n)
{
    if (st->rd_fd >= 0 && st->rd_pack == n)
        return;
    if (st->rd_fd >= 0)
        close(st->rd_fd);
    char *file = pack_path(st, n);
    st->rd_fd = file ? open(file, O_RDONLY | O_CLOEXEC) : -1;
    st->rd_pack = n;
    free(file);
}

/* Reads the part k into p: 0, or -1 when it is damaged (*why says how). */
static int part_load(state *st, const known *k, part *p, const char **why)
{
    memset(p, 0, sizeof *p);
    pack_open_read(st, k->pack);
    char *buf = k->len < ((uint64_t)1 << 40) ? malloc((size_t)k->len + 1) : NULL;
    if (st->rd_fd < 0 || !buf) {
        free(buf);
        *why = "its pack cannot be read";
        return -1;
    }
    size_t got = 0;
    while (got < k->len) {
        ssize_t r = pread(st->rd_fd, buf + got, (size_t)k->len - got, (off_t)(k->off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    const char *body;
    uint64_t body_len, used;
    json_t *hdr = got == k->len ? open_record(buf, got, PART_MAGIC, &body, &body_len, &used, why) : NULL;
    if (got != k->len)
        *why = "its pack is cut short";
    int rc = -1, ok = hdr != NULL;
    uint64_t sum_len = ok ? get_u64(hdr, "summary", &ok) : 0, total = sum_len, len[N_SECTIONS] = {0};
    for (int i = 0; ok && i < N_SECTIONS; i++)
        total += len[i] = get_u64(hdr, section_name[i], &ok);
    const char *hex = ok ? json_string_value(json_object_get(hdr, "path")) : NULL;
    tally_error err;
    if (!hdr) {
        /* *why is set */
    } else if (!ok || !hex || strcmp(hex, k->hex) != 0 || total != body_len) {
        *why = "its header does not match the index";
    } else if (tally_summary_read_buffer(body, (size_t)sum_len, &p->sum, &err) != 0) {
        *why = "its summary cannot be read";
    } else if (strcmp(tally_summary_fingerprint(p->sum), st->fingerprint) != 0) {
        *why = "its fingerprint is not the state's";
        part_free(p);
    } else {
        const char *at = body + sum_len;
        rc = 0;
        for (int i = 0; i < N_SECTIONS; i++) {
            if (!(p->sec[i] = malloc((size_t)len[i] + 1))) {
                *why = "out of memory";
                part_free(p);
                rc = -1;
                break;
            }
            memcpy(p->sec[i], at, (size_t)len[i]);
            p->sec_len[i] = (size_t)len[i];
            at += len[i];
        }
        if (rc == 0)
            memcpy(p->digest, k->digest, 33);
    }
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
    /* each output the run writes, into memory; a part's vocabulary holds every type (the
     * run's --vocab-min-count applies to the whole) */
    FILE *f[N_SECTIONS] = {NULL, NULL, NULL};
    int on[N_SECTIONS] = {st->opt->per_doc != NULL, st->opt->vocab != NULL, st->opt->kwic != NULL};
    for (int i = 0; i < N_SECTIONS; i++)
        if (on[i] && !(f[i] = open_memstream(&p->sec[i], &p->sec_len[i]))) {
            fprintf(stderr, "tally: out of memory\n");
            for (int j = 0; j < i; j++)
                if (f[j])
                    fclose(f[j]);
            part_free(p);
            return TALLY_EIO;
        }
    o.per_doc = f[S_PER_DOC];
    o.vocab = f[S_VOCAB];
    o.vocab_min_count = 0;
    o.kwic = f[S_KWIC];
    tally_error err;
    int rc = tally_scan_run(st->d, NULL, 0, &o, &p->sum, &err);
    for (int i = 0; i < N_SECTIONS; i++)
        if (f[i] && fclose(f[i]) != 0 && rc == 0)
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

/* Whether a scanned part may be kept: a regular file, read to its end without a failure. */
static int storable(const tally_input_entry *e, const part *p)
{
    if (e->empty_folder || e->error || e->mtime_sec == 0 || strlen(p->digest) != 32)
        return 0;
    tally_totals t;
    tally_summary_totals(p->sum, &t);
    return t.failed_inputs == 0 && t.inputs == 1;
}

/* Appends rec[0,len) to this run's pack (made on first use); its offset in *off. Returns 0 or an
 * errno value. */
static int pack_append(state *st, const char *rec, size_t len, uint64_t *off)
{
    if (st->my_fd < 0) {
        if (st->max_pack >= MAX_PACK)
            return EMLINK;
        st->my_pack = st->max_pack + 1;
        char *file = pack_path(st, st->my_pack);
        st->my_fd = file ? open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
        free(file);
        if (st->my_fd < 0)
            return errno ? errno : ENOMEM;
        st->max_pack = st->my_pack;
        st->my_off = 0;
    }
    size_t done = 0;
    if (getenv("TALLY_STATE_KILL") && len > 1) {
        /* the record's first half, then the kill point: a record cut short */
        size_t half = len / 2;
        if (write(st->my_fd, rec, half) == (ssize_t)half)
            done = half;
        test_kill("part");
    }
    while (done < len) {
        ssize_t w = write(st->my_fd, rec + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return errno;
        done += (size_t)w;
    }
    *off = st->my_off;
    st->my_off += len;
    return 0;
}

/* Keeps part p of e in this run's pack; its place in *k. */
static int part_store(state *st, const char *hex, const tally_input_entry *e, const part *p, known *k)
{
    size_t sum_len, rec_len = 0;
    char *sum = summary_text(p->sum, &sum_len);
    if (!sum)
        return ENOMEM;
    json_t *hdr = json_object();
    json_object_set_new(hdr, "path", json_string(hex));
    json_object_set_new(hdr, "size", json_integer((json_int_t)e->size));
    json_object_set_new(hdr, "mtime_sec", json_integer((json_int_t)e->mtime_sec));
    json_object_set_new(hdr, "mtime_nsec", json_integer((json_int_t)e->mtime_nsec));
    json_object_set_new(hdr, "digest", json_string(p->digest));
    json_object_set_new(hdr, "summary", json_integer((json_int_t)sum_len));
    const char *pieces[1 + N_SECTIONS] = {sum};
    size_t lens[1 + N_SECTIONS] = {sum_len};
    for (int i = 0; i < N_SECTIONS; i++) {
        json_object_set_new(hdr, section_name[i], json_integer((json_int_t)p->sec_len[i]));
        pieces[1 + i] = p->sec[i] ? p->sec[i] : "";
        lens[1 + i] = p->sec_len[i];
    }
    char *rec = make_record(PART_MAGIC, hdr, pieces, lens, 1 + N_SECTIONS, &rec_len);
    json_decref(hdr);
    free(sum);
    if (!rec)
        return ENOMEM;
    memset(k, 0, sizeof *k);
    int e2 = pack_append(st, rec, rec_len, &k->off);
    free(rec);
    if (e2)
        return e2;
    k->pack = st->my_pack;
    k->len = rec_len;
    k->size = e->size;
    k->sec = e->mtime_sec;
    k->nsec = e->mtime_nsec;
    memcpy(k->digest, p->digest, 33);
    return 0;
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
    json_object_set_new(j, "vocab", json_boolean(o->vocab != NULL));
    if (o->kwic) {
        json_t *k = json_array();
        json_array_append_new(k, json_integer((json_int_t)o->kwic_max));
        json_array_append_new(k, json_integer((json_int_t)o->kwic_window));
        json_object_set_new(j, "kwic", k);
    } else {
        json_object_set_new(j, "kwic", json_null());
    }
    json_t *keep = json_array();
    for (size_t i = 0; i < o->n_keep_fields; i++)
        json_array_append_new(keep, json_string(o->keep_fields[i]));
    json_object_set_new(j, "keep_fields", keep);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

/* Removes the index and every pack (--rebuild, or a new folder). */
static void clear_folder(const state *st)
{
    char *index = path_join(st->so->dir, "index");
    if (index)
        unlink(index);
    free(index);
    DIR *d = opendir(st->packs_dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.' && (de->d_name[1] == 0 || (de->d_name[1] == '.' && de->d_name[2] == 0)))
            continue;
        char *f = path_join(st->packs_dir, de->d_name);
        if (f)
            unlink(f);
        free(f);
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
    clear_folder(st);
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

static int cmp_hexp(const void *a, const void *b)
{
    return strcmp((*(const known *const *)a)->hex, (*(const known *const *)b)->hex);
}

/* Writes the index: the kept parts (kept[0,n), sorted by hex) and their total: its summary and
 * its sections (sec[S_VOCAB], sec[S_KWIC]). */
static int index_store(state *st, const tally_summary *total, known **kept, size_t n, char *const *sec,
                       const size_t *sec_len)
{
    size_t sum_len, list_len = 0, rec_len = 0;
    char *sum = summary_text(total, &sum_len), *list = NULL;
    FILE *m = open_memstream(&list, &list_len);
    if (!sum || !m) {
        free(sum);
        if (m)
            fclose(m);
        free(list);
        return ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(m, "%s %llu %lld %ld %s %u %llu %llu\n", kept[i]->hex, (unsigned long long)kept[i]->size,
                (long long)kept[i]->sec, kept[i]->nsec, kept[i]->digest, kept[i]->pack,
                (unsigned long long)kept[i]->off, (unsigned long long)kept[i]->len);
    fclose(m);
    json_t *hdr = json_object();
    json_object_set_new(hdr, "entries", json_integer((json_int_t)n));
    json_object_set_new(hdr, "list", json_integer((json_int_t)list_len));
    json_object_set_new(hdr, "summary", json_integer((json_int_t)sum_len));
    json_object_set_new(hdr, "packs", json_integer((json_int_t)st->max_pack));
    const char *pieces[2 + N_SECTIONS] = {list, sum};
    size_t lens[2 + N_SECTIONS] = {list_len, sum_len};
    size_t np = 2;
    for (int i = S_VOCAB; i < N_SECTIONS; i++) {
        json_object_set_new(hdr, section_name[i], json_integer((json_int_t)sec_len[i]));
        pieces[np] = sec[i] ? sec[i] : "";
        lens[np++] = sec_len[i];
    }
    char *rec = make_record(INDEX_MAGIC, hdr, pieces, lens, np, &rec_len);
    json_decref(hdr);
    free(sum);
    free(list);
    if (!rec)
        return ENOMEM;
    /* the pack's records reach the disk before an index that points at them */
    if (st->my_fd >= 0 && fsync(st->my_fd) != 0) {
        free(rec);
        return errno;
    }
    char *file = path_join(st->so->dir, "index");
    tally_outfile o = {NULL, NULL, NULL, -1};
    int e = 0;
    if (!file)
        e = ENOMEM;
    else if (tally_outfile_open(&o, file) != 0)
        e = errno ? errno : EIO;
    else if (fwrite(rec, 1, rec_len, o.f) != rec_len) {
        e = errno ? errno : EIO;
        tally_outfile_abort(&o);
    } else {
        if (fflush(o.f) == 0)
            test_kill("index");
        e = tally_outfile_commit(&o);
    }
    free(file);
    free(rec);
    return e;
}

/* After the index is written: removes the packs it does not point into, and the temporaries a
 * killed run left. */
static void packs_prune(state *st, known **kept, size_t n)
{
    size_t cap = (size_t)st->max_pack + 1;
    unsigned char *live = cap < (1u << 27) ? calloc(cap, 1) : NULL;
    if (!live)
        return;
    for (size_t i = 0; i < n; i++)
        live[kept[i]->pack] = 1;
    DIR *d = opendir(st->packs_dir);
    struct dirent *de;
    while (d && (de = readdir(d)) != NULL) {
        unsigned v;
        char tail[8];
        int pack = sscanf(de->d_name, "%8u.pac%1s", &v, tail) == 2 && strlen(de->d_name) == 13;
        if ((pack && v < cap && !live[v] && v != st->my_pack) || (!pack && de->d_name[0] == '.' && de->d_name[1] &&
                                                                   strcmp(de->d_name, "..") != 0)) {
            char *f = path_join(st->packs_dir, de->d_name);
            if (f)
                unlink(f);
            free(f);
        }
    }
    if (d)
        closedir(d);
    if (st->my_fd >= 0 && st->my_off && !live[st->my_pack]) {
        char *f = pack_path(st, st->my_pack);
        if (f)
            unlink(f);
        free(f);
    }
    free(live);
    d = opendir(st->so->dir);
    while (d && (de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, ".index.", 7) == 0 || strncmp(de->d_name, ".state.json.", 12) == 0) {
            char *f = path_join(st->so->dir, de->d_name);
            if (f)
                unlink(f);
            free(f);
        }
    }
    if (d)
        closedir(d);
}

/* Copies the kept parts that sit in packs mostly made of stale parts (more than half, and more
 * than 1 MiB of them) into this run's pack, so that those packs can go. */
static int packs_compact(state *st, known **kept, size_t n, int *dirty)
{
    size_t cap = (size_t)st->max_pack + 1;
    uint64_t *live = cap < (1u << 27) ? calloc(cap, sizeof *live) : NULL;
    unsigned char *sparse = live ? calloc(cap, 1) : NULL;
    if (!sparse) {
        free(live);
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        live[kept[i]->pack] += kept[i]->len;
    for (size_t v = 0; v < cap; v++) {
        if (!live[v] || (v == st->my_pack && st->my_fd >= 0))
            continue;
        char *f = pack_path(st, (uint32_t)v);
        struct stat sb;
        sparse[v] = f && stat(f, &sb) == 0 && (uint64_t)sb.st_size > 2 * live[v] + (1u << 20);
        free(f);
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        known *k = kept[i];
        if (!sparse[k->pack])
            continue;
        char *buf = malloc((size_t)k->len);
        if (!buf)
            break;
        pack_open_read(st, k->pack);
        uint64_t off;
        if (st->rd_fd >= 0 && pread(st->rd_fd, buf, (size_t)k->len, (off_t)k->off) == (ssize_t)k->len &&
            (rc = pack_append(st, buf, (size_t)k->len, &off)) == 0) {
            k->pack = st->my_pack;
            k->off = off;
            *dirty = 1;
        }
        free(buf);
    }
    free(live);
    free(sparse);
    return rc;
}

/* ---- vocabularies and concordance lines ------------------------------------------------------ */

/* What a merge of vocabularies or concordance lines reads: buffers, or kept parts in packs. */
typedef struct source {
    state *st;
    int sec;                 /* S_VOCAB or S_KWIC */
    const char *const *buf;  /* n_buf buffers first */
    const size_t *len;
    size_t n_buf;
    known **parts;           /* then the sections of these parts, read from their packs */
    part cur;                /* the part read last (its section is being read) */
    int failed;
} source;

static FILE *open_bytes(const char *p, size_t n)
{
    return n ? fmemopen((void *)p, n, "r") : fopen("/dev/null", "r");
}

static FILE *source_open(void *ctx, size_t i, const char **name, const char **digest)
{
    source *c = ctx;
    part_free(&c->cur);
    *digest = NULL;
    *name = "the state folder";
    if (i < c->n_buf)
        return open_bytes(c->buf[i], c->len[i]);
    known *k = c->parts[i - c->n_buf];
    const char *why = NULL;
    if (part_load(c->st, k, &c->cur, &why) != 0) {
        warn(c->st, "part in pack", c->st->packs_dir, why ? why : "unreadable", "stopping; the next run scans it again");
        c->failed = 1;
        return NULL;
    }
    return open_bytes(c->cur.sec[c->sec], c->cur.sec_len[c->sec]);
}

/* Whether every kept path is ASCII: then names sort as the paths' bytes do (hex keeps the order),
 * and concordance lines of parts taken in that order can be cut to the first N as they come. */
static int ascii_paths(known **kept, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (const char *h = kept[i]->hex; h[0] && h[1]; h += 2)
            if (h[0] >= '8')
                return 0;
    return 1;
}

/* The total vocabulary and concordance lines of the kept parts into tsec (and the vocabulary into
 * acc's summary): the index's total when the run starts from it, and the parts not in it. */
static int assemble(state *st, tally_summary *acc, int use_total, known **kept, size_t n_kept, char **tsec,
                    size_t *tsec_len)
{
    const tally_scan_options *opt = st->opt;
    known **todo = calloc(n_kept ? n_kept : 1, sizeof *todo);
    size_t n_todo = 0;
    if (!todo)
        return -1;
    for (size_t i = 0; i < n_kept; i++)
        if (!kept[i]->in_total)
            todo[n_todo++] = kept[i];
    int rc = 0;
    for (int sct = S_VOCAB; sct < N_SECTIONS && rc == 0; sct++) {
        if ((sct == S_VOCAB && !opt->vocab) || (sct == S_KWIC && !opt->kwic))
            continue;
        const char *tb[1] = {st->total_sec[sct]};
        size_t tl[1] = {st->total_sec_len[sct]};
        source src = {st, sct, tb, tl, use_total ? 1 : 0, todo, {0}, 0};
        FILE *m = open_memstream(&tsec[sct], &tsec_len[sct]);
        if (!m) {
            rc = -1;
            break;
        }
        if (sct == S_VOCAB) {
            tally_vocab_merge_options vo = {opt->vocab_memory, opt->vocab_temp_dir, opt->vocab_top, 1};
            tally_error err;
            if (tally_vocab_merge_parts(acc, src.n_buf + n_todo, source_open, &src, m, opt->vocab_name, &vo, &err) != 0) {
                if (!src.failed)
                    fprintf(stderr, "tally: state: %s\n", err.message);
                rc = -1;
            }
        } else {
            int in_order = !use_total && ascii_paths(todo, n_todo);
            if (tally_kwic_merge_parts(src.n_buf + n_todo, source_open, &src, opt->kwic_max, in_order, m) != 0)
                rc = -1;
        }
        part_free(&src.cur);
        if (fclose(m) != 0)
            rc = -1;
    }
    free(todo);
    return rc;
}

/* The run's vocabulary and concordance outputs: the kept parts' total and the parts never kept. */
static int finish_outputs(state *st, tally_summary *acc, char *const *tsec, const size_t *tsec_len,
                          char **const *fresh_sec, size_t *const *fresh_len, size_t n_fresh)
{
    const tally_scan_options *opt = st->opt;
    for (int sct = S_VOCAB; sct < N_SECTIONS; sct++) {
        if ((sct == S_VOCAB && !opt->vocab) || (sct == S_KWIC && !opt->kwic))
            continue;
        const char **b = calloc(n_fresh + 1, sizeof *b);
        size_t *l = calloc(n_fresh + 1, sizeof *l);
        if (!b || !l) {
            free(b);
            free(l);
            return -1;
        }
        b[0] = tsec[sct];
        l[0] = tsec_len[sct];
        for (size_t i = 0; i < n_fresh; i++) {
            b[1 + i] = fresh_sec[sct][i];
            l[1 + i] = fresh_len[sct][i];
        }
        source src = {st, sct, b, l, n_fresh + 1, NULL, {0}, 0};
        int rc = 0;
        if (sct == S_VOCAB) {
            tally_vocab_merge_options vo = {opt->vocab_memory, opt->vocab_temp_dir, opt->vocab_top,
                                            opt->vocab_min_count > 1 ? opt->vocab_min_count : 1};
            tally_error err;
            if (tally_vocab_merge_parts(acc, n_fresh + 1, source_open, &src, opt->vocab, opt->vocab_name, &vo, &err) != 0) {
                fprintf(stderr, "tally: %s\n", err.message);
                rc = -1;
            }
        } else if (tally_kwic_merge_parts(n_fresh + 1, source_open, &src, opt->kwic_max, 0, opt->kwic) != 0) {
            rc = -1;
        }
        free(b);
        free(l);
        if (rc)
            return rc;
    }
    return 0;
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
    st.my_fd = st.rd_fd = -1;
    tally_input_entry *e = NULL;
    size_t n = 0;
    int found_any = 0, rc = TALLY_EXIT_FATAL;
    tally_summary *acc = NULL, *empty = NULL, *fresh = NULL;
    char **hexes = NULL;
    char(*digests)[33] = NULL;
    known *mine = NULL;   /* the parts this run made, one slot per input */
    known **kept = NULL;  /* the parts the new index lists */
    size_t n_kept = 0;
    char **fresh_sec[N_SECTIONS] = {NULL}; /* the vocabularies and lines of parts never kept */
    size_t *fresh_len[N_SECTIONS] = {NULL};
    size_t n_fresh = 0;
    char *tsec[N_SECTIONS] = {NULL};       /* those of the total of the kept parts */
    size_t tsec_len[N_SECTIONS] = {0};
    tally_error err;
    *out = NULL;

    for (size_t i = 0; i < n_inputs; i++)
        if (strcmp(inputs[i], "-") == 0) {
            fprintf(stderr, "tally: --state needs named inputs: standard input (-) cannot be kept as a part\n");
            return TALLY_EXIT_USAGE;
        }
    tally_inputs_expand(inputs, n_inputs, opt, &e, &n, &found_any);
    if (!found_any) {
        /* nothing to keep: the plain scan says so */
        tally_inputs_free(e, n);
        if (tally_scan_run(d, inputs, n_inputs, opt, out, &err) != 0) {
            fprintf(stderr, "tally: %s\n", err.message);
            return TALLY_EXIT_FATAL;
        }
        return 0;
    }
    st.packs_dir = path_join(so->dir, "packs");
    if (!st.packs_dir || (mkdir(so->dir, 0755) != 0 && errno != EEXIST) ||
        (mkdir(st.packs_dir, 0755) != 0 && errno != EEXIST)) {
        fprintf(stderr, "tally: cannot make the state folder '%s': %s\n", so->dir, strerror(errno));
        free(st.packs_dir);
        tally_inputs_free(e, n);
        return TALLY_EXIT_USAGE;
    }
    if ((rc = lock_folder(so->dir)) != 0) {
        free(st.packs_dir);
        tally_inputs_free(e, n);
        return rc;
    }
    rc = TALLY_EXIT_FATAL;

    /* the checks a scan makes before reading (globs, kept fields), and the fingerprint, from a
     * scan of the whole input list that reads nothing */
    tally_scan_options o0 = *opt;
    o0.entries = e;
    o0.n_entries = n;
    o0.setup_only = 1;
    o0.per_doc = NULL;
    o0.progress = NULL;
    /* its accumulators' outputs (an empty vocabulary, no lines) are not the run's */
    char *junk[2] = {NULL, NULL};
    size_t junk_len[2];
    FILE *jv = opt->vocab ? open_memstream(&junk[0], &junk_len[0]) : NULL;
    FILE *jk = opt->kwic ? open_memstream(&junk[1], &junk_len[1]) : NULL;
    o0.vocab = jv;
    o0.vocab_min_count = 0; /* as the parts: every type; the run's bound applies to the whole */
    o0.kwic = jk;
    int r = (opt->vocab && !jv) || (opt->kwic && !jk) ? TALLY_EIO : tally_scan_run(d, NULL, 0, &o0, &empty, &err);
    if (jv)
        fclose(jv);
    if (jk)
        fclose(jk);
    free(junk[0]);
    free(junk[1]);
    if (r == TALLY_EIO && !empty && ((opt->vocab && !jv) || (opt->kwic && !jk)))
        snprintf(err.message, sizeof err.message, "out of memory");
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
    index_load(&st);
    packs_scan(&st);

    /* which inputs the index covers unchanged; its total is usable only if it covers nothing else */
    hexes = calloc(n ? n : 1, sizeof *hexes);
    digests = calloc(n ? n : 1, sizeof *digests);
    known **found = calloc(n ? n : 1, sizeof *found);
    mine = calloc(n ? n : 1, sizeof *mine);
    kept = calloc(n ? n : 1, sizeof *kept);
    int sec_oom = 0;
    for (int sct = 0; sct < N_SECTIONS; sct++) {
        fresh_sec[sct] = calloc(n ? n : 1, sizeof *fresh_sec[sct]);
        fresh_len[sct] = calloc(n ? n : 1, sizeof *fresh_len[sct]);
        sec_oom |= !fresh_sec[sct] || !fresh_len[sct];
    }
    if (!hexes || !digests || !found || !mine || !kept || sec_oom) {
        fprintf(stderr, "tally: out of memory\n");
        free(found);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (e[i].empty_folder || e[i].error || e[i].mtime_sec == 0)
            continue;
        hexes[i] = hex_of(e[i].path);
        if (so->verify && tally_file_digest(e[i].path, digests[i], &err) != 0)
            digests[i][0] = 0; /* unreadable now: scanned, and its error reported */
        found[i] = hexes[i] ? known_find(&st, hexes[i], &e[i], so->verify ? digests[i] : NULL) : NULL;
        /* the same input named twice is one part: only its first place may use the total */
        if (found[i] && found[i]->seen)
            found[i] = NULL;
        if (found[i])
            found[i]->seen = 1;
    }
    int use_total = st.total != NULL;
    for (size_t i = 0; use_total && i < st.n_k; i++)
        if (st.k[i].in_index && !st.k[i].seen)
            use_total = 0;
    int dirty = !use_total; /* the index must be written again */
    if (use_total) {
        acc = st.total;
        st.total = NULL;
    } else {
        acc = empty;
        empty = NULL;
    }

    /* every input in order: its part reused or made, added, and its records written */
    for (size_t i = 0; i < n; i++) {
        if (opt->stop && *opt->stop) {
            fprintf(stderr, "tally: interrupted\n");
            free(found);
            goto out;
        }
        part p = {0};
        known *k = found[i];
        /* in the total already: its summary is not added again */
        int in_total = k && k->in_index && use_total;
        int have = 0;
        known *keep = NULL;
        if (k && in_total && !opt->per_doc) {
            have = 1; /* nothing to read */
        } else if (k) {
            const char *why = NULL;
            if (part_load(&st, k, &p, &why) == 0) {
                have = 1;
            } else {
                warn(&st, "part of", e[i].path, why, "scanning the input again");
                st.damaged++;
            }
        }
        if (have) {
            st.reused++;
            keep = k;
        } else {
            r = part_scan(&st, &e[i], &p);
            if (r) {
                free(found);
                goto out;
            }
            st.scanned++;
            if (hexes[i] && storable(&e[i], &p)) {
                int se = part_store(&st, hexes[i], &e[i], &p, &mine[i]);
                if (se) {
                    fprintf(stderr, "tally: cannot write to the state folder '%s': %s\n", so->dir, strerror(se));
                    part_free(&p);
                    free(found);
                    goto out;
                }
                mine[i].hex = hexes[i];
                keep = &mine[i];
            } else if (in_total) {
                /* its damaged part is in the total, and the input reads differently now */
                fprintf(stderr, "tally: state: '%s' can no longer be read as its damaged part was; run again with "
                                "--rebuild\n", e[i].path);
                part_free(&p);
                free(found);
                goto out;
            }
            dirty = 1;
        }
        if (keep) {
            keep->in_total = in_total;
            kept[n_kept++] = keep;
        } else {
            /* never kept: its vocabulary and lines are added at the end */
            for (int sct = S_VOCAB; sct < N_SECTIONS; sct++) {
                if (!p.sec[sct])
                    continue;
                fresh_sec[sct][n_fresh] = p.sec[sct];
                fresh_len[sct][n_fresh] = p.sec_len[sct];
                p.sec[sct] = NULL;
            }
            n_fresh++;
        }
        if (opt->per_doc && p.sec_len[S_PER_DOC] &&
            fwrite(p.sec[S_PER_DOC], 1, p.sec_len[S_PER_DOC], opt->per_doc) != p.sec_len[S_PER_DOC]) {
            fprintf(stderr, "tally: cannot write the per-document output: %s\n", strerror(errno));
            part_free(&p);
            free(found);
            goto out;
        }
        if (p.sum && !in_total) {
            test_kill("add");
            tally_summary **into = keep ? &acc : &fresh;
            if (!*into) {
                *into = p.sum;
                p.sum = NULL;
            } else if (tally_summary_add(*into, p.sum, 0, &err) != 0) {
                fprintf(stderr, "tally: state: cannot add the part of '%s': %s\n", e[i].path, err.message);
                part_free(&p);
                free(found);
                goto out;
            }
        }
        part_free(&p);
    }
    free(found);
    if (n_kept > 1)
        qsort(kept, n_kept, sizeof *kept, cmp_hexp);

    /* the kept parts' total vocabulary and lines, from the index's and the parts not in it */
    if ((opt->vocab || opt->kwic) && assemble(&st, acc, use_total, kept, n_kept, tsec, tsec_len) != 0)
        goto out;
    /* the index of the kept parts and their total, for the next run; then what is never kept */
    int ce = packs_compact(&st, kept, n_kept, &dirty);
    int te = ce ? ce : dirty ? index_store(&st, acc, kept, n_kept, tsec, tsec_len) : 0;
    if (te) {
        fprintf(stderr, "tally: cannot write the state's index: %s\n", strerror(te));
        goto out;
    }
    if (dirty)
        packs_prune(&st, kept, n_kept);
    if (fresh && tally_summary_add(acc, fresh, 0, &err) != 0) {
        fprintf(stderr, "tally: state: cannot add the inputs scanned afresh: %s\n", err.message);
        goto out;
    }
    if ((opt->vocab || opt->kwic) && finish_outputs(&st, acc, tsec, tsec_len, fresh_sec, fresh_len, n_fresh) != 0)
        goto out;
    if (so->report)
        fprintf(stderr, "tally: state: %llu inputs reused, %llu scanned, %llu damaged files replaced\n",
                (unsigned long long)st.reused, (unsigned long long)st.scanned, (unsigned long long)st.damaged);
    *out = acc;
    acc = NULL;
    rc = 0;
out:
    if (st.my_fd >= 0)
        close(st.my_fd);
    if (st.rd_fd >= 0)
        close(st.rd_fd);
    for (size_t i = 0; hexes && i < n; i++)
        free(hexes[i]);
    free(hexes);
    free(digests);
    free(mine);
    free(kept);
    tally_summary_free(acc);
    tally_summary_free(fresh);
    tally_summary_free(empty);
    tally_summary_free(st.total);
    for (int sct = 0; sct < N_SECTIONS; sct++) {
        free(st.total_sec[sct]);
        free(tsec[sct]);
        for (size_t i = 0; fresh_sec[sct] && i < n_fresh; i++)
            free(fresh_sec[sct][i]);
        free(fresh_sec[sct]);
        free(fresh_len[sct]);
    }
    known_free(&st);
    free(st.settings);
    free(st.packs_dir);
    tally_inputs_free(e, n);
    return rc;
}
