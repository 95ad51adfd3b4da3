/* gzip with ISA-L's igzip (configure defines ST_HAVE_ISAL when it finds libisal): the
 * fastest gzip for the drainer's small bodies. compress.c prefers it to libdeflate and zlib.
 *
 * Why it is fast on a 1 KB event: level 0 matches with one hash probe and encodes with a
 * Huffman code given in advance, where the other levels (and libdeflate, zlib) count
 * symbols and build a code for every body (most of the time spent on a small body). The
 * code given is trained on the traffic itself: every 8th body's symbols are counted, and
 * after 16 such samples a new code is built from them (so it follows what the application
 * sends); until the first one, ISA-L's generic code is used. Every literal, length and
 * distance always has a code, so any input can be encoded; training only changes the ratio.
 * Bodies above 64 KiB (large events, attachments) use level 1 (a code built per body).
 * Not thread-safe: one per compressor, the drainer's. */
#ifndef ST_COMPRESS_ISAL_H
#define ST_COMPRESS_ISAL_H

#include "common.h"

typedef struct st_isal_gzip st_isal_gzip;

st_isal_gzip *st_isal_gzip_new(void); /* NULL when out of memory */
void st_isal_gzip_free(st_isal_gzip *g);
/* A gzip member of in[0..n) in a new malloc'd buffer, or NULL (out of memory, or ISA-L
 * refused: the caller falls back to zlib, so no body is lost to a compressor error). */
char *st_isal_gzip_compress(st_isal_gzip *g, const char *in, size_t n, size_t *out_len);
/* Whether the trained code is in use (tests). */
bool st_isal_gzip_trained(const st_isal_gzip *g);
/* "isa-l 2.30.0 (igzip)" */
const char *st_isal_gzip_library(void);

#endif
