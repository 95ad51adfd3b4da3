/* gzip (RFC 1952) of a request body, with zlib. */
#ifndef ST_GZIP_H
#define ST_GZIP_H

#include "common.h"

/* Compress the concatenation of the pieces into a new malloc'd buffer. NULL on failure. */
char *st_gzip(const st_iov *iov, int niov, size_t *out_len);
/* Join the pieces into a new malloc'd buffer (the uncompressed path). */
char *st_join(const st_iov *iov, int niov, size_t *out_len);

#endif
