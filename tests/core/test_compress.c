/* Request-body compression: transport.compression parsing, and gzip bodies that zlib's
 * inflate gives back byte for byte (whichever library compressed them). test_compress is
 * built without the optional libraries, so it checks the zlib path; test_compress_isal is
 * this file again built with ISA-L (when libisal is installed), which adds the tests of its
 * trained code. The extension's build with libdeflate/zstd is checked end to end by
 * tests/e2e/multi_process.php. */
#include "check.h"
#include "compress.h"
#include "compress_isal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

TEST(parse_values)
{
    int m = -1;
    CHECK(st_parse_compression("gzip", &m) == 0 && m == ST_COMPRESS_GZIP);
    CHECK(st_parse_compression(" GZip\t", &m) == 0 && m == ST_COMPRESS_GZIP);
    CHECK(st_parse_compression("zstd", &m) == 0 && m == ST_COMPRESS_ZSTD);
    CHECK(st_parse_compression("none", &m) == 0 && m == ST_COMPRESS_NONE);
    CHECK(st_parse_compression("1", &m) == 0 && m == ST_COMPRESS_GZIP);
    CHECK(st_parse_compression("on", &m) == 0 && m == ST_COMPRESS_GZIP);
    CHECK(st_parse_compression("0", &m) == 0 && m == ST_COMPRESS_NONE);
    CHECK(st_parse_compression("", &m) == 0 && m == ST_COMPRESS_NONE);
    m = 7;
    CHECK(st_parse_compression("brotli", &m) == -1 && m == 7);
    CHECK(st_parse_compression("2", &m) == -1 && m == 7);
    CHECK(st_parse_compression("gzipx", &m) == -1 && m == 7);
    CHECK(st_parse_compression(NULL, &m) == -1 && m == 7);
    CHECK(strcmp(st_compression_name(ST_COMPRESS_ZSTD), "zstd") == 0);
    CHECK(st_compression_header(ST_COMPRESS_NONE) == NULL);
    CHECK(strcmp(st_compression_header(ST_COMPRESS_GZIP), "Content-Encoding: gzip") == 0);
    CHECK(st_compression_available(ST_COMPRESS_GZIP));
    CHECK(st_compressor_new(ST_COMPRESS_NONE) == NULL);
    /* a method this build lacks gives no compressor */
    if (!st_compression_available(ST_COMPRESS_ZSTD))
        CHECK(st_compressor_new(ST_COMPRESS_ZSTD) == NULL);
}

static size_t gunzip(const char *in, size_t n, char *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, 31) != Z_OK)
        return (size_t)-1;
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    int rc = inflate(&z, Z_FINISH);
    size_t got = z.total_out;
    bool whole = rc == Z_STREAM_END && z.avail_in == 0;
    inflateEnd(&z);
    return whole ? got : (size_t)-1;
}

TEST(gzip_round_trips_pieces)
{
    st_compressor *c = st_compressor_new(ST_COMPRESS_GZIP);
    CHECK(c != NULL);
    if (!c)
        return;
    static char text[20000], back[20001];
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = "{\"event\":\"abcdefgh\",\"n\":1234}\n"[i % 30] ^ (char)((i / 997) & 1);
    /* one piece, several pieces, empty pieces, a body bigger than the reused scratch's
     * first size, and the same compressor again and again */
    size_t sizes[] = {0, 1, 100, 1281, 5000, 20000};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t n = sizes[k], a = n / 3, b = n / 2;
        st_iov one[1] = {{text, n}};
        st_iov four[4] = {{text, a}, {text + a, 0}, {text + a, b - a}, {text + b, n - b}};
        for (int variant = 0; variant < 2; variant++) {
            size_t len = 0;
            char *z = variant ? st_compress(c, four, 4, &len) : st_compress(c, one, 1, &len);
            CHECK(z != NULL);
            if (!z)
                continue;
            CHECK(len >= 18 && (unsigned char)z[0] == 0x1f && (unsigned char)z[1] == 0x8b);
            size_t got = gunzip(z, len, back, sizeof back);
            CHECK(got == n);
            CHECK(got == n && memcmp(back, text, n) == 0);
            free(z);
        }
    }
    st_compressor_free(c);
}

TEST(join)
{
    st_iov iov[3] = {{"ab", 2}, {"", 0}, {"cde", 3}};
    size_t n = 0;
    char *j = st_join(iov, 3, &n);
    CHECK(j && n == 5 && memcmp(j, "abcde", 5) == 0);
    free(j);
}

#ifdef ST_HAVE_ISAL
/* An event-like JSON body that differs from one call to the next. */
static size_t event_body(char *out, size_t cap, unsigned i)
{
    int n = snprintf(out, cap,
                     "{\"event_id\":\"%08x%08x%016x\",\"sent_at\":\"2026-12-05T10:%02u:%02uZ\"}\n"
                     "{\"type\":\"event\"}\n{\"level\":\"error\",\"platform\":\"php\","
                     "\"exception\":{\"values\":[{\"type\":\"App\\\\Error%u\",\"value\":"
                     "\"Undefined array key \\\"user%u\\\"\",\"stacktrace\":{\"frames\":["
                     "{\"filename\":\"src/Controller/Cart%u.php\",\"lineno\":%u,"
                     "\"in_app\":true},{\"filename\":\"public/index.php\",\"lineno\":55}]}}]},"
                     "\"tags\":{\"locale\":\"de_DE\",\"request\":\"%u\"}}",
                     i * 2654435761u, i, i * 40503u, i % 60, i % 47, i % 13, i, i % 7,
                     100 + i % 900, i * 7u);
    return (size_t)n;
}

/* The code trained on the traffic is used after 8 x 16 bodies, shrinks bodies like the ones
 * it was trained on, and every body, trained or not, inflates back exactly. */
TEST(isal_trains_on_traffic)
{
    st_isal_gzip *fresh = st_isal_gzip_new(), *g = st_isal_gzip_new();
    CHECK(fresh && g);
    if (!fresh || !g)
        return;
    char body[2048], back[2048];
    for (unsigned i = 0; i < 200; i++) {
        CHECK(st_isal_gzip_trained(g) == (i >= 8 * 16 - 7)); /* the 16th sample: body 121 */
        size_t n = event_body(body, sizeof body, i), len = 0;
        char *z = st_isal_gzip_compress(g, body, n, &len);
        CHECK(z && gunzip(z, len, back, sizeof back) == n && memcmp(back, body, n) == 0);
        free(z);
    }
    size_t n = event_body(body, sizeof body, 1000), generic = 0, trained = 0;
    char *a = st_isal_gzip_compress(fresh, body, n, &generic);
    char *b = st_isal_gzip_compress(g, body, n, &trained);
    CHECK(a && b && trained < generic);
    CHECK(b && gunzip(b, trained, back, sizeof back) == n && memcmp(back, body, n) == 0);
    free(a);
    free(b);
    st_isal_gzip_free(fresh);
    st_isal_gzip_free(g);
}

/* Random bytes (nothing to gain: stored blocks) and large bodies (level 1), with a code
 * trained on JSON: all inflate back exactly. */
TEST(isal_incompressible_and_large)
{
    st_isal_gzip *g = st_isal_gzip_new();
    CHECK(g != NULL);
    if (!g)
        return;
    char body[2048];
    for (unsigned i = 0; i < 130; i++) {
        size_t n = event_body(body, sizeof body, i), len = 0;
        free(st_isal_gzip_compress(g, body, n, &len));
    }
    CHECK(st_isal_gzip_trained(g));
    size_t sizes[] = {0, 1, 100, 65536, 65537, 300000};
    size_t max = 300000;
    char *in = malloc(max), *back = malloc(max + 1);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; in && i < max; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        in[i] = (char)x;
    }
    for (size_t k = 0; in && back && k < sizeof sizes / sizeof *sizes; k++) {
        for (int text = 0; text < 2; text++) {
            size_t n = sizes[k], len = 0;
            if (text) /* compressible: repeated event bodies */
                for (size_t off = 0; off < n;) {
                    size_t m = event_body(body, sizeof body, (unsigned)off);
                    memcpy(in + off, body, m < n - off ? m : n - off);
                    off += m;
                }
            char *z = st_isal_gzip_compress(g, in, n, &len);
            CHECK(z != NULL);
            CHECK(z && gunzip(z, len, back, max + 1) == n && memcmp(back, in, n) == 0);
            free(z);
        }
    }
    free(in);
    free(back);
    st_isal_gzip_free(g);
}
#endif

int main(void)
{
    RUN(parse_values);
    RUN(gzip_round_trips_pieces);
    RUN(join);
#ifdef ST_HAVE_ISAL
    RUN(isal_trains_on_traffic);
    RUN(isal_incompressible_and_large);
#endif
    CHECK_DONE();
}
