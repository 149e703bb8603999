/* reader.h — a byte source that undoes compression. It reads a file, a file descriptor or a
 * caller's callback, detects zstd (any number of frames, skippable frames included), gzip (any
 * number of members) or no compression from the first bytes of the content, never from the name,
 * and hands out the decompressed bytes. A UTF-8 BOM at the start of the decompressed content is
 * dropped.
 *
 * A reader belongs to one thread at a time. Memory is bounded: fixed input buffer plus the
 * decoder's window (zstd's window is capped by window_log_max). */
#ifndef TALLY_READER_H
#define TALLY_READER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common.h"

enum tally_compression {
    TALLY_COMP_NONE = 0,
    TALLY_COMP_ZSTD = 1,
    TALLY_COMP_GZIP = 2,
};

/* Reads up to cap raw bytes into buf; returns the number read, 0 at end, or -1 with errno set. */
typedef ssize_t (*tally_source_cb)(void *ctx, uint8_t *buf, size_t cap);

typedef struct tally_reader tally_reader;

/* Opens path ("-" is standard input). Returns 0 and a new reader in *out, or TALLY_ENOENT /
 * TALLY_EIO with err filled (err->line 0, message says why: strerror text). window_log_max: 0 means
 * 27; a frame that needs a larger window fails with TALLY_ELIMIT and a message that starts with
 * "zstd frame needs a window" (a stable start, which programs recognise in the summary's errors
 * to say how to raise the limit; the engine names no option). */
int tally__reader_open(tally_reader **out, const char *path, int window_log_max, tally_error *err);

/* Returns a new reader over a callback source (tests feed bytes in pieces through this). */
tally_reader *tally__reader_new_cb(tally_source_cb cb, void *ctx, int window_log_max);

/* Reads up to cap decompressed bytes into buf. Returns the number of bytes (> 0), 0 at the clean
 * end of the content, or a negative code: TALLY_EIO (read error), TALLY_ECORRUPT (bad or truncated
 * stream, trailing garbage) or TALLY_ELIMIT (a zstd frame needs a window above window_log_max),
 * with err->offset = the offset in the compressed input where the fault was found (for
 * TALLY_ELIMIT, the frame's start) and err->message the reason (zstd's or zlib's own words
 * included). Bytes handed out before an error are valid decompressed content, except when the
 * damage is only caught by a checksum (zstd content checksum, gzip CRC-32): the bytes decoded
 * before the checksum are handed out first. NUL padding after the last gzip member is ignored.
 * After an error every call returns the same error. A cap of 0 returns 0 and does nothing. */
ssize_t tally__reader_read(tally_reader *r, uint8_t *buf, size_t cap, tally_error *err);

/* The compression detected (valid after the first read). */
int tally__reader_compression(const tally_reader *r);

/* The length of the byte order mark dropped at the start of the content (0 or 3): decompressed
 * bytes that tally__reader_read never hands out but that are part of the input's size. */
int tally__reader_bom_dropped(const tally_reader *r);

/* The content digest: XXH3-128 (README "The summary") of every byte taken from the source, as
 * 32 hex digits of its canonical form (what xxhsum -H2 prints). Returns 0 once the source has
 * been read to its end without an error; otherwise -1 and out is "". */
int tally__reader_digest(const tally_reader *r, char out[33]);

/* Compressed bytes consumed so far. */
uint64_t tally__reader_raw_offset(const tally_reader *r);

void tally__reader_free(tally_reader *r);

#endif
