/* Request-body compression: transport.compression parsing, and gzip bodies that zlib's
 * inflate gives back byte for byte (whichever library compressed them: this test binary is
 * built without the optional libraries, so it checks the zlib path; the extension's build
 * with libdeflate/zstd is checked end to end by tests/e2e/multi_process.php). */
#include "check.h"
#include "compress.h"

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

int main(void)
{
    RUN(parse_values);
    RUN(gzip_round_trips_pieces);
    RUN(join);
    CHECK_DONE();
}
