/* Cost of compressing one request body: the drainer's compressor (src/core/compress.c) on
 * the benchmark envelope, against zlib's streaming deflate with a fresh output buffer per
 * body (what src/core/gzip.c did before libdeflate). Not a test: it prints numbers.
 *
 *   cc -O2 -Wall -Wextra -D_GNU_SOURCE -Isrc/core -DST_HAVE_ISAL -DST_HAVE_ZSTD \
 *      bench/compress_bench.c src/core/compress.c src/core/compress_isal.c src/core/config.c \
 *      src/core/common.c src/core/policy*.c src/core/jsonscan.c -o /tmp/compress_bench \
 *      -lz -lisal -lzstd      # or -DST_HAVE_LIBDEFLATE … -ldeflate; neither: zlib
 *   php -n bench/event.php /tmp/envelope.raw /tmp/envelope.gz http://k@127.0.0.1:9/42
 *   /tmp/compress_bench /tmp/envelope.raw [ROUNDS=20000 [ONLY]]
 *   valgrind --tool=callgrind /tmp/compress_bench /tmp/envelope.raw 200 1   # instructions
 *
 * Prints, per method: output bytes, and ns per body (median of 5 batches of ROUNDS; wall
 * clock, so other load on the machine shows). ONLY (0 zlib, 1 gzip, 2 zstd) runs one
 * method: under callgrind, (total − total with ROUNDS 0) / (5 × ROUNDS) is its instructions
 * per body. */
#include "compress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The old way: streaming deflate of the pieces into malloc(deflateBound). */
static char *zlib_stream(z_stream *z, const st_iov *iov, int n, size_t *out_len)
{
    size_t in_len = 0;
    for (int i = 0; i < n; i++)
        in_len += iov[i].len;
    if (deflateReset(z) != Z_OK)
        return NULL;
    size_t cap = deflateBound(z, (uLong)in_len) + 32;
    char *out = malloc(cap);
    z->next_out = (Bytef *)out;
    z->avail_out = (uInt)cap;
    int rc = Z_OK;
    for (int i = 0; i < n && rc == Z_OK; i++) {
        z->next_in = (Bytef *)(uintptr_t)iov[i].base;
        z->avail_in = (uInt)iov[i].len;
        rc = deflate(z, i == n - 1 ? Z_FINISH : Z_NO_FLUSH);
        if (i < n - 1 && rc == Z_BUF_ERROR)
            rc = Z_OK;
    }
    *out_len = z->total_out;
    return out;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static z_stream zs;

static char *run(int method, st_compressor *c, const st_iov *iov, int n, size_t *len)
{
    return method < 0 ? zlib_stream(&zs, iov, n, len) : st_compress(c, iov, n, len);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s ENVELOPE [ROUNDS]\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 1;
    static char buf[1 << 20];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    int rounds = argc > 2 ? atoi(argv[2]) : 20000;
    int only = argc > 3 ? atoi(argv[3]) : -1;
    /* three pieces, as the drainer compresses them (envelope header, sent_at, the rest) */
    size_t a = len / 10, b = len / 5;
    st_iov iov[3] = {{buf, a}, {buf + a, b - a}, {buf + b, len - b}};
    deflateInit2(&zs, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
    struct {
        const char *name;
        int method;
    } m[] = {{"zlib streaming deflate, level 1 (before)", -1},
             {"st_compress gzip", ST_COMPRESS_GZIP},
             {"st_compress zstd", ST_COMPRESS_ZSTD}};
    char gzip_name[96];
    snprintf(gzip_name, sizeof gzip_name, "st_compress gzip (%s)", st_compression_gzip_library());
    m[1].name = gzip_name;
    printf("input %zu bytes; gzip implementation: %s\n", len, st_compression_gzip_library());
    for (size_t k = 0; k < sizeof m / sizeof m[0]; k++) {
        if (only >= 0 && (size_t)only != k)
            continue;
        st_compressor *c = m[k].method < 0 ? NULL : st_compressor_new(m[k].method);
        if (m[k].method >= 0 && !c) {
            printf("%-50s not built in\n", m[k].name);
            continue;
        }
        double t[5];
        size_t out_len = 0;
        for (int r = 0; r < 5; r++) {
            double t0 = now_ns();
            for (int i = 0; i < rounds; i++) {
                char *o = run(m[k].method, c, iov, 3, &out_len);
                free(o);
            }
            t[r] = (now_ns() - t0) / rounds;
        }
        qsort(t, 5, sizeof t[0], cmp);
        printf("%-50s %5zu bytes  %8.0f ns/body (median of 5 x %d)\n", m[k].name, out_len,
               rounds ? t[2] : 0.0, rounds);
        st_compressor_free(c);
    }
    deflateEnd(&zs);
    return 0;
}
