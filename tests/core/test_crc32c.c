/* CRC-32C: known values, and the SSE4.2 path equal to the table path for every length
 * and alignment (the hardware path is skipped, and said so, on a CPU without it). */
#include "check.h"
#include "crc32c.h"

#include <stdio.h>
#include <string.h>

TEST(test_known_values)
{
    /* the standard check value of CRC-32C, and RFC 3720 B.4's 32 zero bytes */
    CHECK(st_crc32c_portable(0, "123456789", 9) == 0xE3069283u);
    CHECK(st_crc32c(0, "123456789", 9) == 0xE3069283u);
    unsigned char zeros[32] = {0}, ones[32];
    memset(ones, 0xFF, sizeof ones);
    CHECK(st_crc32c_portable(0, zeros, 32) == 0x8A9136AAu);
    CHECK(st_crc32c_portable(0, ones, 32) == 0x62A8AB43u);
    CHECK(st_crc32c(0, zeros, 32) == 0x8A9136AAu);
    CHECK(st_crc32c(0, "", 0) == 0);
}

TEST(test_chaining)
{
    const char *s = "The quick brown fox jumps over the lazy dog, twice over.";
    size_t n = strlen(s);
    uint32_t whole = st_crc32c(0, s, n);
    for (size_t cut = 0; cut <= n; cut++) {
        CHECK(st_crc32c(st_crc32c(0, s, cut), s + cut, n - cut) == whole);
        CHECK(st_crc32c_portable(st_crc32c_portable(0, s, cut), s + cut, n - cut) == whole);
    }
}

TEST(test_hw_equals_portable)
{
    if (!st_crc32c_hw_available()) {
        printf("note: no SSE4.2 here; only the portable path was checked\n");
        return;
    }
    unsigned char buf[600];
    uint64_t x = 0x9E3779B97F4A7C15u;
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (unsigned char)x;
    }
    int bad = 0;
    for (size_t off = 0; off < 16; off++)
        for (size_t len = 0; len + off <= sizeof buf; len++)
            for (uint32_t seed = 0; seed < 2; seed++) {
                uint32_t init = seed ? 0xDEADBEEFu : 0;
                if (st_crc32c_hw(init, buf + off, len) != st_crc32c_portable(init, buf + off, len))
                    bad++;
            }
    CHECK(bad == 0);
}

int main(void)
{
    RUN(test_known_values);
    RUN(test_chaining);
    RUN(test_hw_equals_portable);
    CHECK_DONE();
}
