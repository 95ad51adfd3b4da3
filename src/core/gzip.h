/* gzip (RFC 1952) of request bodies, with zlib. */
#ifndef ST_GZIP_H
#define ST_GZIP_H

#include "common.h"

/* One compressor, reused for every body: deflateInit allocates ~256 KiB, too costly to
 * repeat per event. Not thread-safe; the drainer thread owns one. */
typedef struct st_gzip st_gzip;

st_gzip *st_gzip_new(void);
void st_gzip_free(st_gzip *g);
/* Compress the concatenation of the pieces into a new malloc'd buffer. NULL on failure. */
char *st_gzip_compress(st_gzip *g, const st_iov *iov, int niov, size_t *out_len);
/* Join the pieces into a new malloc'd buffer (the uncompressed path). */
char *st_join(const st_iov *iov, int niov, size_t *out_len);

#endif
