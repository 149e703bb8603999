/* reader.c — the first stage of the pipeline: turns a file, a descriptor or a callback into
 * decompressed bytes. The codec is chosen from the first four bytes of the content (zstd frame or
 * skippable-frame magic, gzip magic, otherwise none); every codec is driven through one small
 * "produce" function, and a thin layer above them drops a leading UTF-8 BOM and makes errors
 * sticky.
 *
 * Input lives in one fixed buffer allocated at open; raw_read counts every byte taken from the
 * source, so the compressed offset of in[i] is raw_read - in_len + i. Plain input skips the
 * buffer and is read straight into the caller's buffer when that buffer is large. */
#include "reader.h"

#include <xxhash.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define IN_CAP (256u * 1024u)
/* Plain reads at least this large go straight into the caller's buffer. */
#define DIRECT_MIN (64u * 1024u)
/* Per-call output cap: keeps zlib's uInt and ssize_t happy. */
#define OUT_MAX ((size_t)1 << 30)
#define DEFAULT_WINDOW_LOG 27
/* Longest zstd frame header (RFC 8878: magic 4, descriptor 1, window 1, dictionary 4, size 8). */
#define FRAME_HEADER_MAX 18

enum gz_state { GZ_MEMBER, GZ_BETWEEN, GZ_ZEROS };

struct tally_reader {
    int fd;                 /* -1 for a callback source */
    int own_fd;             /* 0 for standard input: never closed */
    tally_source_cb cb;
    void *ctx;
    int window_log_max;

    uint8_t *in;            /* IN_CAP bytes; valid data is in[in_pos, in_len) */
    size_t in_pos, in_len;
    uint64_t raw_read;      /* bytes taken from the source so far */
    XXH3_state_t *digest;   /* XXH3-128 of every byte taken from the source */
    int src_eof;

    int detected;
    int comp;               /* enum tally_compression */

    ZSTD_DCtx *zd;
    int frame_open;         /* a zstd frame has begun and not yet ended */
    uint64_t frame_start;   /* compressed offset of the current zstd frame or gzip member */

    z_stream zs;
    int zs_live;
    int gz;                 /* enum gz_state */
    uint64_t zeros_start;   /* where trailing NUL padding after a gzip member began */

    int bom_done;
    int bom_dropped;        /* bytes of the BOM dropped at the start: 0 or 3 */
    uint8_t pend[3];        /* decompressed bytes held back while the BOM is undecided */
    size_t pend_pos, pend_len;

    tally_error err;        /* err.code != 0 once failed; replayed on every later call */
};

static const uint8_t bom[3] = {0xEF, 0xBB, 0xBF};

static uint64_t consumed(const tally_reader *r)
{
    return r->raw_read - (r->in_len - r->in_pos);
}

static int fail(tally_reader *r, int code, uint64_t offset, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static int fail(tally_reader *r, int code, uint64_t offset, const char *fmt, ...)
{
    char msg[sizeof r->err.message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tally__seterr(&r->err, code, 0, offset, "%s", msg);
}

/* One read from the source, retried on EINTR. Returns bytes read, 0 at end, or TALLY_EIO. */
static ssize_t src_read(tally_reader *r, uint8_t *buf, size_t cap)
{
    ssize_t n;
    for (;;) {
        errno = 0;
        n = r->cb ? r->cb(r->ctx, buf, cap) : read(r->fd, buf, cap);
        if (n >= 0 || errno != EINTR)
            break;
    }
    if (n < 0) {
        int e = errno ? errno : EIO;
        return fail(r, TALLY_EIO, r->raw_read, "read failed: %s", strerror(e));
    }
    if ((size_t)n > cap)
        return fail(r, TALLY_EIO, r->raw_read, "read failed: source returned more than asked");
    if (n == 0)
        r->src_eof = 1;
    else
        XXH3_128bits_update(r->digest, buf, (size_t)n);
    r->raw_read += (uint64_t)n;
    return n;
}

/* Makes at least need (<= IN_CAP) contiguous bytes available at in_pos, or all that remain
 * before the end of the source. Returns 0 or TALLY_EIO. */
static int ensure(tally_reader *r, size_t need)
{
    while (r->in_len - r->in_pos < need && !r->src_eof) {
        if (r->in_pos == r->in_len) {
            r->in_pos = r->in_len = 0;
        } else if (IN_CAP - r->in_pos < need) {
            memmove(r->in, r->in + r->in_pos, r->in_len - r->in_pos);
            r->in_len -= r->in_pos;
            r->in_pos = 0;
        }
        ssize_t n = src_read(r, r->in + r->in_len, IN_CAP - r->in_len);
        if (n < 0)
            return (int)n;
        r->in_len += (size_t)n;
    }
    return 0;
}

static int is_zstd_magic(const uint8_t *p)
{
    uint32_t m = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    return m == ZSTD_MAGICNUMBER || (m & 0xFFFFFFF0u) == 0x184D2A50u;
}

static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    return tally_xcalloc(items, size);
}

static void z_free(voidpf opaque, voidpf p)
{
    (void)opaque;
    free(p);
}

static void start_zstd(tally_reader *r)
{
    r->zd = ZSTD_createDCtx();
    if (!r->zd) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
    int wlog = r->window_log_max ? r->window_log_max : DEFAULT_WINDOW_LOG;
    ZSTD_bounds b = ZSTD_dParam_getBounds(ZSTD_d_windowLogMax);
    if (wlog < b.lowerBound)
        wlog = b.lowerBound;
    if (wlog > b.upperBound)
        wlog = b.upperBound;
    r->window_log_max = wlog;
    ZSTD_DCtx_setParameter(r->zd, ZSTD_d_windowLogMax, wlog);
}

static void start_gzip(tally_reader *r)
{
    memset(&r->zs, 0, sizeof r->zs);
    r->zs.zalloc = z_alloc;
    r->zs.zfree = z_free;
    /* 15 + 16: gzip wrapper only, so a zlib or raw deflate stream is rejected. */
    if (inflateInit2(&r->zs, 15 + 16) != Z_OK) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
    r->zs_live = 1;
    r->gz = GZ_MEMBER;
}

static int detect(tally_reader *r)
{
    int rc = ensure(r, 4);
    if (rc < 0)
        return rc;
    const uint8_t *p = r->in + r->in_pos;
    r->comp = TALLY_COMP_NONE;
    if (r->in_len - r->in_pos >= 4) {
        if (is_zstd_magic(p))
            r->comp = TALLY_COMP_ZSTD;
        else if (p[0] == 0x1F && p[1] == 0x8B)
            r->comp = TALLY_COMP_GZIP;
    }
    if (r->comp == TALLY_COMP_ZSTD)
        start_zstd(r);
    else if (r->comp == TALLY_COMP_GZIP)
        start_gzip(r);
    r->detected = 1;
    return 0;
}

static ssize_t plain_produce(tally_reader *r, uint8_t *buf, size_t cap)
{
    if (r->in_pos == r->in_len) {
        if (r->src_eof)
            return 0;
        if (cap >= DIRECT_MIN)
            return src_read(r, buf, cap);
        r->in_pos = r->in_len = 0;
        ssize_t n = src_read(r, r->in, IN_CAP);
        if (n <= 0)
            return n;
        r->in_len = (size_t)n;
    }
    size_t n = r->in_len - r->in_pos;
    if (n > cap)
        n = cap;
    memcpy(buf, r->in + r->in_pos, n);
    r->in_pos += n;
    return (ssize_t)n;
}

/* The message states the fact only. Its start is stable (reader.h): a program recognises it to
 * add how its user raises the limit, as tally scan adds its option. */
#define ZSTD_WINDOW_MSG "zstd frame needs a window"

static int window_fail(tally_reader *r, uint64_t need)
{
    char size[64] = "";
    if (need)
        snprintf(size, sizeof size, " of %llu bytes", (unsigned long long)need);
    return fail(r, TALLY_ELIMIT, r->frame_start, ZSTD_WINDOW_MSG "%s, more than the limit of 2^%d bytes",
                size, r->window_log_max);
}

/* The window a zstd frame header at p asks for (RFC 8878 3.1.1.1), or 0 when the n bytes do not
 * hold the whole header. Without Single_Segment_flag, the Window_Descriptor byte holds an
 * exponent (high 5 bits) and eighths of the base (low 3); with it, the window is the content
 * size. */
static uint64_t frame_window(const uint8_t *p, size_t n)
{
    static const size_t did_size[4] = {0, 1, 2, 4};
    if (n < 6)
        return 0;
    uint8_t fhd = p[4];
    int single = (fhd >> 5) & 1;
    if (!single) {
        uint64_t base = (uint64_t)1 << (10 + (p[5] >> 3));
        return base + base / 8 * (p[5] & 7);
    }
    static const size_t fcs_size[4] = {1, 2, 4, 8};
    size_t at = 5 + did_size[fhd & 3], len = fcs_size[fhd >> 6];
    if (n < at + len)
        return 0;
    uint64_t fcs = 0;
    for (size_t i = len; i-- > 0;)
        fcs = fcs << 8 | p[at + i];
    if (len == 2)
        fcs += 256;
    return fcs < 1024 ? 1024 : fcs;
}

static int zstd_fail(tally_reader *r, size_t ret)
{
    if (ZSTD_getErrorCode(ret) == ZSTD_error_frameParameter_windowTooLarge)
        return window_fail(r, 0);
    return fail(r, TALLY_ECORRUPT, consumed(r), "corrupt zstd data: %s", ZSTD_getErrorName(ret));
}

static ssize_t zstd_produce(tally_reader *r, uint8_t *buf, size_t cap)
{
    for (;;) {
        if (!r->frame_open) {
            int rc = ensure(r, FRAME_HEADER_MAX);
            if (rc < 0)
                return rc;
            size_t avail = r->in_len - r->in_pos;
            const uint8_t *p = r->in + r->in_pos;
            if (avail == 0)
                return 0;
            if (avail < 4) {
                static const uint8_t zmagic[4] = {0x28, 0xB5, 0x2F, 0xFD};
                if (memcmp(p, zmagic, avail) == 0)
                    return fail(r, TALLY_ECORRUPT, r->raw_read,
                                "truncated zstd frame (the frame starts at offset %llu)",
                                (unsigned long long)consumed(r));
            }
            if (avail < 4 || !is_zstd_magic(p))
                return fail(r, TALLY_ECORRUPT, consumed(r),
                            "trailing garbage after the last zstd frame: no frame magic at "
                            "offset %llu", (unsigned long long)consumed(r));
            r->frame_open = 1;
            r->frame_start = consumed(r);
            /* libzstd checks the window only when it buffers output; when a whole frame fits
             * the caller's buffer it decodes in one pass without the check. Checking here makes
             * the outcome independent of buffer sizes. */
            uint64_t win = p[0] == 0x28 ? frame_window(p, avail) : 0;
            if (win > (uint64_t)1 << r->window_log_max)
                return window_fail(r, win);
        }
        if (r->in_pos == r->in_len && !r->src_eof) {
            r->in_pos = r->in_len = 0;
            ssize_t n = src_read(r, r->in, IN_CAP);
            if (n < 0)
                return n;
            r->in_len = (size_t)n;
        }
        ZSTD_inBuffer zin = {r->in, r->in_len, r->in_pos};
        ZSTD_outBuffer zout = {buf, cap, 0};
        size_t ret = ZSTD_decompressStream(r->zd, &zout, &zin);
        r->in_pos = zin.pos;
        if (ZSTD_isError(ret))
            return zstd_fail(r, ret);
        /* 0 means the frame (or skippable frame) is fully decoded and flushed. */
        if (ret == 0)
            r->frame_open = 0;
        if (zout.pos)
            return (ssize_t)zout.pos;
        /* Called with no input left and nothing came out: the frame cannot finish. */
        if (r->frame_open && r->in_pos == r->in_len && r->src_eof)
            return fail(r, TALLY_ECORRUPT, r->raw_read,
                        "truncated zstd frame (the frame starts at offset %llu)",
                        (unsigned long long)r->frame_start);
    }
}

/* After a gzip member, like gzip(1): another member may follow; NUL padding up to the end of
 * the input (tape blocks, preallocated files) is ignored silently; anything else, including
 * padding followed by more data, is trailing garbage reported at the offset where it begins. */
static ssize_t gzip_produce(tally_reader *r, uint8_t *buf, size_t cap)
{
    for (;;) {
        if (r->gz != GZ_MEMBER) {
            if (r->in_pos == r->in_len) {
                if (r->src_eof)
                    return 0;
                r->in_pos = r->in_len = 0;
                ssize_t n = src_read(r, r->in, IN_CAP);
                if (n < 0)
                    return n;
                r->in_len = (size_t)n;
                continue;
            }
            uint8_t b = r->in[r->in_pos];
            if (b == 0) {
                if (r->gz == GZ_BETWEEN) {
                    r->gz = GZ_ZEROS;
                    r->zeros_start = consumed(r);
                }
                while (r->in_pos < r->in_len && r->in[r->in_pos] == 0)
                    r->in_pos++;
                continue;
            }
            if (b != 0x1F || r->gz == GZ_ZEROS) {
                uint64_t at = r->gz == GZ_ZEROS ? r->zeros_start : consumed(r);
                return fail(r, TALLY_ECORRUPT, at,
                            "trailing garbage after the last gzip member at offset %llu",
                            (unsigned long long)at);
            }
            inflateReset(&r->zs);
            r->gz = GZ_MEMBER;
            r->frame_start = consumed(r);
        }
        if (r->in_pos == r->in_len && !r->src_eof) {
            r->in_pos = r->in_len = 0;
            ssize_t n = src_read(r, r->in, IN_CAP);
            if (n < 0)
                return n;
            r->in_len = (size_t)n;
        }
        r->zs.next_in = r->in + r->in_pos;
        r->zs.avail_in = (uInt)(r->in_len - r->in_pos);
        r->zs.next_out = buf;
        r->zs.avail_out = (uInt)cap;
        int ret = inflate(&r->zs, Z_NO_FLUSH);
        r->in_pos = r->in_len - r->zs.avail_in;
        size_t produced = cap - r->zs.avail_out;
        if (ret == Z_STREAM_END) {
            r->gz = GZ_BETWEEN;
        } else if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT) {
            return fail(r, TALLY_ECORRUPT, consumed(r), "corrupt gzip data: %s",
                        ret == Z_NEED_DICT ? "needs a preset dictionary"
                        : r->zs.msg        ? r->zs.msg
                                           : "invalid data");
        } else if (ret == Z_MEM_ERROR) {
            fputs("tally: out of memory\n", stderr);
            abort();
        }
        if (produced)
            return (ssize_t)produced;
        /* Z_BUF_ERROR with no input left at the end of the source: the member cannot finish. */
        if (r->gz == GZ_MEMBER && r->in_pos == r->in_len && r->src_eof)
            return fail(r, TALLY_ECORRUPT, r->raw_read,
                        "truncated gzip stream (the member starts at offset %llu)",
                        (unsigned long long)r->frame_start);
    }
}

static ssize_t produce(tally_reader *r, uint8_t *buf, size_t cap)
{
    switch (r->comp) {
    case TALLY_COMP_ZSTD:
        return zstd_produce(r, buf, cap);
    case TALLY_COMP_GZIP:
        return gzip_produce(r, buf, cap);
    default:
        return plain_produce(r, buf, cap);
    }
}

ssize_t tally__reader_read(tally_reader *r, uint8_t *buf, size_t cap, tally_error *err)
{
    ssize_t n = 0;
    if (r->err.code)
        goto out;
    if (cap == 0)
        return 0;
    if (cap > OUT_MAX)
        cap = OUT_MAX;
    if (!r->detected && (n = detect(r)) < 0)
        goto out;
    if (!r->bom_done) {
        /* Decode at most three bytes at a time until they can no longer be a BOM. */
        while (r->pend_len < 3) {
            n = produce(r, r->pend + r->pend_len, 3 - r->pend_len);
            if (n < 0)
                goto out;
            if (n == 0)
                break;
            r->pend_len += (size_t)n;
            if (memcmp(r->pend, bom, r->pend_len) != 0)
                break;
        }
        if (r->pend_len == 3 && memcmp(r->pend, bom, 3) == 0) {
            r->pend_len = 0;
            r->bom_dropped = 3;
        }
        r->bom_done = 1;
    }
    if (r->pend_pos < r->pend_len) {
        n = (ssize_t)(r->pend_len - r->pend_pos);
        if ((size_t)n > cap)
            n = (ssize_t)cap;
        memcpy(buf, r->pend + r->pend_pos, (size_t)n);
        r->pend_pos += (size_t)n;
        return n;
    }
    n = produce(r, buf, cap);
out:
    if (n < 0 || r->err.code) {
        if (err)
            *err = r->err;
        return r->err.code;
    }
    return n;
}

static tally_reader *reader_alloc(int window_log_max)
{
    tally_reader *r = tally_xcalloc(1, sizeof *r);
    r->fd = -1;
    r->window_log_max = window_log_max;
    r->in = tally_xmalloc(IN_CAP);
    r->err.offset = UINT64_MAX;
    r->digest = XXH3_createState();
    if (!r->digest || XXH3_128bits_reset(r->digest) != XXH_OK) {
        fputs("tally: out of memory\n", stderr);
        abort();
    }
    return r;
}

int tally__reader_open(tally_reader **out, const char *path, int window_log_max, tally_error *err)
{
    int fd = -1, own = 1, rc = 0;
    *out = NULL;
    if (strcmp(path, "-") == 0) {
        fd = STDIN_FILENO;
        own = 0;
    } else {
        do
            fd = open(path, O_RDONLY | O_CLOEXEC);
        while (fd < 0 && errno == EINTR);
        if (fd < 0) {
            int e = errno;
            rc = tally__seterr(err, e == ENOENT || e == ENOTDIR ? TALLY_ENOENT : TALLY_EIO, 0,
                               UINT64_MAX, "%s", strerror(e));
            goto out;
        }
    }
    struct stat st;
    if (fstat(fd, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            rc = tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "%s", strerror(EISDIR));
            goto out;
        }
        if (S_ISREG(st.st_mode))
            posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    }
    tally_reader *r = reader_alloc(window_log_max);
    r->fd = fd;
    r->own_fd = own;
    *out = r;
out:
    if (rc < 0 && own && fd >= 0)
        close(fd);
    return rc;
}

tally_reader *tally__reader_new_cb(tally_source_cb cb, void *ctx, int window_log_max)
{
    tally_reader *r = reader_alloc(window_log_max);
    r->cb = cb;
    r->ctx = ctx;
    return r;
}

int tally__reader_compression(const tally_reader *r)
{
    return r->comp;
}

int tally__reader_bom_dropped(const tally_reader *r)
{
    return r->bom_dropped;
}

uint64_t tally__reader_raw_offset(const tally_reader *r)
{
    return consumed(r);
}

void tally__reader_free(tally_reader *r)
{
    if (!r)
        return;
    if (r->own_fd && r->fd >= 0)
        close(r->fd);
    ZSTD_freeDCtx(r->zd);
    if (r->zs_live)
        inflateEnd(&r->zs);
    free(r->in);
    XXH3_freeState(r->digest);
    free(r);
}

int tally__reader_digest(const tally_reader *r, char out[33])
{
    out[0] = '\0';
    if (r->err.code || !r->src_eof)
        return -1;
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(r->digest));
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[c.digest[i] >> 4];
        out[2 * i + 1] = hex[c.digest[i] & 15];
    }
    out[32] = '\0';
    return 0;
}

int tally_file_digest(const char *path, char out[33], tally_error *err)
{
    out[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tally__seterr(err, errno == ENOENT ? TALLY_ENOENT : TALLY_EIO, 0, UINT64_MAX, "cannot open: %s",
                             strerror(errno));
    XXH3_state_t *st = XXH3_createState();
    if (!st || XXH3_128bits_reset(st) != XXH_OK) {
        close(fd);
        XXH3_freeState(st);
        return tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "cannot start the digest");
    }
    uint8_t buf[1 << 16];
    int rc = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = tally__seterr(err, TALLY_EIO, 0, UINT64_MAX, "cannot read: %s", strerror(errno));
            break;
        }
        if (n == 0)
            break;
        XXH3_128bits_update(st, buf, (size_t)n);
    }
    close(fd);
    if (rc == 0) {
        XXH128_canonical_t c;
        XXH128_canonicalFromHash(&c, XXH3_128bits_digest(st));
        static const char hex[] = "0123456789abcdef";
        for (int i = 0; i < 16; i++) {
            out[2 * i] = hex[c.digest[i] >> 4];
            out[2 * i + 1] = hex[c.digest[i] & 15];
        }
        out[32] = '\0';
    }
    XXH3_freeState(st);
    return rc;
}

void tally_digest_bytes(const void *p, size_t n, char out[33])
{
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits(p, n));
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[c.digest[i] >> 4];
        out[2 * i + 1] = hex[c.digest[i] & 15];
    }
    out[32] = '\0';
}
