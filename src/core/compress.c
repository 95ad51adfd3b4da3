/* Request-body compression (see compress.h). Level 1 (ISA-L: 0 with a trained code, see
 * compress_isal.h): the drainer compresses every envelope, and small JSON gains little from
 * higher levels. */
#include "compress.h"
#include "compress_isal.h"
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#ifdef ST_HAVE_LIBDEFLATE
#include <libdeflate.h>
#endif
#ifdef ST_HAVE_ZSTD
#include <zstd.h>
#endif

#define LEVEL 1

struct st_compressor {
    int method;
#if defined(ST_HAVE_ISAL)
    st_isal_gzip *isal;
#elif defined(ST_HAVE_LIBDEFLATE)
    struct libdeflate_compressor *ld;
#endif
    z_stream z; /* zlib: gzip without a faster library, and ISA-L's fallback */
    bool z_ready;
#ifdef ST_HAVE_ZSTD
    ZSTD_CCtx *zc;
#endif
    char *scratch; /* the pieces of a body joined, reused */
    size_t scratch_cap;
};

bool st_compression_available(int method)
{
    switch (method) {
    case ST_COMPRESS_NONE:
    case ST_COMPRESS_GZIP:
        return true;
    case ST_COMPRESS_ZSTD:
#ifdef ST_HAVE_ZSTD
        return true;
#else
        return false;
#endif
    default:
        return false;
    }
}

int st_parse_compression(const char *s, int *out)
{
    if (!s)
        return -1;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    static const char *const names[] = {"none", "gzip", "zstd"};
    for (int m = 0; m < 3; m++)
        if (n == 4 && strncasecmp(s, names[m], 4) == 0) {
            *out = m;
            return 0;
        }
    bool b;
    if (st_parse_bool(s, &b) != 0)
        return -1;
    *out = b ? ST_COMPRESS_GZIP : ST_COMPRESS_NONE;
    return 0;
}

const char *st_compression_name(int method)
{
    return method == ST_COMPRESS_GZIP ? "gzip" : method == ST_COMPRESS_ZSTD ? "zstd" : "none";
}

const char *st_compression_header(int method)
{
    return method == ST_COMPRESS_GZIP   ? "Content-Encoding: gzip"
           : method == ST_COMPRESS_ZSTD ? "Content-Encoding: zstd"
                                        : NULL;
}

const char *st_compression_gzip_library(void)
{
#if defined(ST_HAVE_ISAL)
    return st_isal_gzip_library();
#elif defined(ST_HAVE_LIBDEFLATE)
    return "libdeflate " LIBDEFLATE_VERSION_STRING;
#else
    return "zlib " ZLIB_VERSION;
#endif
}

const char *st_compression_zstd_library(void)
{
#ifdef ST_HAVE_ZSTD
    return "zstd " ZSTD_VERSION_STRING;
#else
    return "not built in";
#endif
}

/* zlib's stream, made on first use: windowBits 31 selects the gzip wrapper; deflateInit
 * allocates ~256 KiB, once. */
static bool zlib_ready(st_compressor *c)
{
    if (!c->z_ready && deflateInit2(&c->z, LEVEL, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) == Z_OK)
        c->z_ready = true;
    return c->z_ready;
}

st_compressor *st_compressor_new(int method)
{
    if (method == ST_COMPRESS_NONE || !st_compression_available(method))
        return NULL;
    st_compressor *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->method = method;
    if (method == ST_COMPRESS_GZIP) {
#if defined(ST_HAVE_ISAL)
        c->isal = st_isal_gzip_new();
        if (!c->isal)
            goto fail;
#elif defined(ST_HAVE_LIBDEFLATE)
        c->ld = libdeflate_alloc_compressor(LEVEL);
        if (!c->ld)
            goto fail;
#else
        if (!zlib_ready(c))
            goto fail;
#endif
    }
#ifdef ST_HAVE_ZSTD
    if (method == ST_COMPRESS_ZSTD) {
        c->zc = ZSTD_createCCtx();
        if (!c->zc || ZSTD_isError(ZSTD_CCtx_setParameter(c->zc, ZSTD_c_compressionLevel, LEVEL)))
            goto fail;
        /* no content checksum (the default): TCP and the record CRC already cover it */
    }
#endif
    return c;
fail:
    st_compressor_free(c);
    return NULL;
}

void st_compressor_free(st_compressor *c)
{
    if (!c)
        return;
#if defined(ST_HAVE_ISAL)
    st_isal_gzip_free(c->isal);
#elif defined(ST_HAVE_LIBDEFLATE)
    libdeflate_free_compressor(c->ld);
#endif
    if (c->z_ready)
        deflateEnd(&c->z);
#ifdef ST_HAVE_ZSTD
    ZSTD_freeCCtx(c->zc);
#endif
    free(c->scratch);
    free(c);
}

/* The pieces as one contiguous input: the piece itself when there is one, else joined
 * into the reused scratch buffer. NULL when out of memory. */
static const char *contiguous(st_compressor *c, const st_iov *iov, int niov, size_t *len)
{
    size_t n = 0;
    for (int i = 0; i < niov; i++)
        n += iov[i].len;
    *len = n;
    if (niov == 1)
        return iov[0].base;
    if (n > c->scratch_cap) {
        size_t cap = n < 4096 ? 4096 : n + n / 4;
        char *s = realloc(c->scratch, cap);
        if (!s)
            return NULL;
        c->scratch = s;
        c->scratch_cap = cap;
    }
    size_t off = 0;
    for (int i = 0; i < niov; i++) {
        if (iov[i].len)
            memcpy(c->scratch + off, iov[i].base, iov[i].len);
        off += iov[i].len;
    }
    return c->scratch ? c->scratch : "";
}

static char *gzip_zlib(st_compressor *c, const char *in, size_t n, size_t *out_len)
{
    z_stream *z = &c->z;
    if (!zlib_ready(c) || deflateReset(z) != Z_OK)
        return NULL;
    size_t cap = deflateBound(z, (uLong)n);
    char *out = malloc(cap);
    if (!out)
        return NULL;
    z->next_in = (Bytef *)(uintptr_t)in;
    z->avail_in = (uInt)n;
    z->next_out = (Bytef *)out;
    z->avail_out = (uInt)cap;
    if (deflate(z, Z_FINISH) != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    *out_len = z->total_out;
    return out;
}

static char *gzip_one(st_compressor *c, const char *in, size_t n, size_t *out_len)
{
#if defined(ST_HAVE_ISAL)
    char *out = st_isal_gzip_compress(c->isal, in, n, out_len);
    if (out)
        return out;
        /* ISA-L refused (it should not): zlib, rather than lose the event */
#elif defined(ST_HAVE_LIBDEFLATE)
    size_t cap = libdeflate_gzip_compress_bound(c->ld, n);
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t got = libdeflate_gzip_compress(c->ld, in, n, out, cap);
    if (got) {
        *out_len = got;
        return out;
    }
    free(out);
#endif
    return gzip_zlib(c, in, n, out_len);
}

#ifdef ST_HAVE_ZSTD
static char *zstd_one(st_compressor *c, const char *in, size_t n, size_t *out_len)
{
    size_t cap = ZSTD_compressBound(n);
    char *out = malloc(cap);
    if (!out)
        return NULL;
    size_t got = ZSTD_compress2(c->zc, out, cap, in, n);
    if (ZSTD_isError(got)) {
        free(out);
        return NULL;
    }
    *out_len = got;
    return out;
}
#endif

char *st_compress(st_compressor *c, const st_iov *iov, int niov, size_t *out_len)
{
    size_t n;
    const char *in = contiguous(c, iov, niov, &n);
    if (!in)
        return NULL;
#ifdef ST_HAVE_ZSTD
    if (c->method == ST_COMPRESS_ZSTD)
        return zstd_one(c, in, n, out_len);
#endif
    return gzip_one(c, in, n, out_len);
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
