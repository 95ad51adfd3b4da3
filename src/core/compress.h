/* Request-body compression: gzip (RFC 1952) or zstd (RFC 8878), one shot per body.
 *
 * gzip uses ISA-L when the build found it (ST_HAVE_ISAL, compress_isal.h), else libdeflate
 * (ST_HAVE_LIBDEFLATE), else zlib, which also takes any body the faster library refuses;
 * zstd is there only when the build found libzstd (ST_HAVE_ZSTD). Either way a compressor is made
 * once per drainer and reused for every body: its state and the scratch buffer that joins a body's
 * pieces are kept, so compressing an event allocates only the body buffer handed to curl (the
 * transfer owns it until it ends). */
#ifndef ST_COMPRESS_H
#define ST_COMPRESS_H

#include "common.h"

/* sentry_transport.transport.compression: the values of st_config.compression. */
typedef enum st_compression {
    ST_COMPRESS_NONE = 0,
    ST_COMPRESS_GZIP = 1,
    ST_COMPRESS_ZSTD = 2,
} st_compression;

/* Not thread-safe; the drainer thread owns one. */
typedef struct st_compressor st_compressor;

/* NULL for ST_COMPRESS_NONE, for a method not built in, or out of memory. */
st_compressor *st_compressor_new(int method);
void st_compressor_free(st_compressor *c);
/* Compress the concatenation of the pieces into a new malloc'd buffer. NULL on failure. */
char *st_compress(st_compressor *c, const st_iov *iov, int niov, size_t *out_len);
/* Join the pieces into a new malloc'd buffer (the uncompressed path). */
char *st_join(const st_iov *iov, int niov, size_t *out_len);

/* Parse sentry_transport.transport.compression: "gzip", "zstd" or "none" (ASCII case and
 * surrounding whitespace ignored), or a boolean (1/on/true/yes = gzip, 0/off/false/no or
 * empty = none). 0, or -1 for anything else (*out untouched). A method that is not built in
 * still parses: check st_compression_available. */
int st_parse_compression(const char *s, int *out);
/* Whether this build can compress with `method` (NONE and GZIP always). */
bool st_compression_available(int method);
/* "none", "gzip", "zstd". */
const char *st_compression_name(int method);
/* The request header for a compressed body ("Content-Encoding: gzip"), NULL for NONE. */
const char *st_compression_header(int method);
/* What implements each method in this build, for phpinfo: "isa-l 2.30.0 (igzip)",
 * "libdeflate 1.14", "zlib 1.2.13",
 * "zstd 1.5.4" or "not built in". */
const char *st_compression_gzip_library(void);
const char *st_compression_zstd_library(void);

#endif
