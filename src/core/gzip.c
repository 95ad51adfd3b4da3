/* gzip with zlib: windowBits 31 selects the gzip wrapper; level 1 because the drainer
 * compresses every envelope and small JSON gains little from higher levels. */
#include "gzip.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct st_gzip {
    z_stream z;
};

st_gzip *st_gzip_new(void)
{
    st_gzip *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    if (deflateInit2(&g->z, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(g);
        return NULL;
    }
    return g;
}

void st_gzip_free(st_gzip *g)
{
    if (!g)
        return;
    deflateEnd(&g->z);
    free(g);
}

char *st_gzip_compress(st_gzip *g, const st_iov *iov, int niov, size_t *out_len)
{
    size_t in_len = 0;
    for (int i = 0; i < niov; i++)
        in_len += iov[i].len;
    z_stream *z = &g->z;
    if (deflateReset(z) != Z_OK)
        return NULL;
    size_t cap = deflateBound(z, (uLong)in_len) + 32;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    z->next_out = (Bytef *)out;
    z->avail_out = (uInt)cap;
    int rc = Z_OK;
    for (int i = 0; i < niov && rc == Z_OK; i++) {
        z->next_in = (Bytef *)(uintptr_t)iov[i].base;
        z->avail_in = (uInt)iov[i].len;
        rc = deflate(z, i == niov - 1 ? Z_FINISH : Z_NO_FLUSH);
        if (i < niov - 1 && rc == Z_BUF_ERROR)
            rc = Z_OK;
    }
    if (niov == 0)
        rc = deflate(z, Z_FINISH);
    if (rc != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    *out_len = z->total_out;
    return out;
}

char *st_join(const st_iov *iov, int niov, size_t *out_len)
{
    size_t n = 0;
    for (int i = 0; i < niov; i++)
        n += iov[i].len;
    char *out = malloc(n ? n : 1);
    if (!out)
        return NULL;
    size_t off = 0;
    for (int i = 0; i < niov; i++) {
        memcpy(out + off, iov[i].base, iov[i].len);
        off += iov[i].len;
    }
    *out_len = n;
    return out;
}
