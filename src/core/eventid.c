/* Event ids: normalizing ids given by callers and generating random ones. */
#include "eventid.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static const char hexdig[] = "0123456789abcdef";

/* "000102…ff": one lookup per byte instead of one per nibble (generation is hot). */
static const char hex_pairs[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

static void hex64(uint64_t v, char *out)
{
    for (int i = 0; i < 8; i++) {
        unsigned b = (unsigned)(v >> (56 - 8 * i)) & 0xff;
        memcpy(out + 2 * i, hex_pairs + 2 * b, 2);
    }
}

static void hex128(uint64_t hi, uint64_t lo, char out[33])
{
    hex64(hi, out);
    hex64(lo, out + 16);
    out[32] = '\0';
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20; /* ASCII lowercase */
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* 64-bit finalizer: every input bit affects every output bit. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* Deterministic 128-bit hash of arbitrary bytes, for ids that are not ids ("abc",
 * "1234"): two independent 64-bit lanes — FNV-1a and a multiply-rotate hash —
 * cross-mixed with the length and finalized. Not cryptographic; it only has to be
 * stable across processes and versions and spread inputs evenly. */
static void hash128(const unsigned char *p, size_t len, uint64_t *hi, uint64_t *lo)
{
    uint64_t a = 0xcbf29ce484222325ull; /* FNV-1a offset basis */
    uint64_t b = 0x9e3779b97f4a7c15ull ^ (uint64_t)len;
    for (size_t i = 0; i < len; i++) {
        a = (a ^ p[i]) * 0x100000001b3ull; /* FNV-1a prime */
        b = rotl(b ^ (p[i] * 0x87c37b91114253d5ull), 31) * 0x4cf5ad432745937full;
    }
    *hi = mix64(a ^ rotl(b, 32) ^ (uint64_t)len);
    *lo = mix64(b + a * 0x9e3779b97f4a7c15ull);
}

bool st_event_id_normalize(const char *in, size_t len, char out[33])
{
    if (in && len == 32) { /* the usual form, already normalized: check and copy */
        unsigned bad = 0;
        for (size_t i = 0; i < 32; i++) {
            unsigned char c = (unsigned char)in[i];
            bad |= !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
        }
        if (!bad) {
            memcpy(out, in, 32);
            out[32] = '\0';
            return true;
        }
    }
    size_t n = 0;
    bool valid = in != NULL;
    for (size_t i = 0; valid && i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '-')
            continue;
        int v = hexval(c);
        if (v < 0 || n == 32) {
            valid = false;
            break;
        }
        out[n++] = hexdig[v];
    }
    if (valid && n == 32) {
        out[32] = '\0';
        return true;
    }
    uint64_t hi, lo;
    hash128((const unsigned char *)(in ? in : ""), in ? len : 0, &hi, &lo);
    hex128(hi, lo, out);
    return false;
}

/* --- generation ------------------------------------------------------------------
 * xoshiro256** per thread (thread-local: no lock, no shared cache line). Fork safety:
 * a child inherits the parent's state byte for byte and would repeat its ids, so a
 * pthread_atfork child handler bumps a generation counter and every thread reseeds when
 * it sees a new generation. This is cheaper than getpid(), which is a real system call
 * since glibc 2.25. */

static atomic_uint fork_generation = 1;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void on_fork_child(void)
{
    atomic_fetch_add_explicit(&fork_generation, 1, memory_order_relaxed);
}

static void register_atfork(void)
{
    pthread_atfork(NULL, NULL, on_fork_child);
}

typedef struct rng {
    uint64_t s[4];
    unsigned generation; /* 0: never seeded */
} rng;

static _Thread_local rng tl_rng;

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, unsigned generation)
{
    uint64_t seed[4] = {0, 0, 0, 0};
    ssize_t got = getrandom(seed, sizeof(seed), GRND_NONBLOCK);
    /* Fallback (entropy pool not ready at early boot, or seccomp): time, pid, thread
     * address. Weak, but ids only need to be unique, not secret. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    x ^= (uint64_t)getpid() << 32;
    x ^= (uint64_t)(uintptr_t)r;
    for (int i = 0; i < 4; i++) {
        uint64_t extra = splitmix64(&x);
        r->s[i] = (got == (ssize_t)sizeof(seed) ? seed[i] : 0) ^ extra;
    }
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1; /* xoshiro's only forbidden state */
    r->generation = generation;
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

void st_event_id_generate(char out[33])
{
    rng *r = &tl_rng;
    unsigned gen = atomic_load_explicit(&fork_generation, memory_order_relaxed);
    if (r->generation != gen) {
        pthread_once(&atfork_once, register_atfork);
        gen = atomic_load_explicit(&fork_generation, memory_order_relaxed);
        rng_seed(r, gen);
    }
    uint64_t hi = rng_next(r), lo = rng_next(r);
    /* UUIDv4 shape: version nibble 4 (hex digit 12), variant 10xx (hex digit 16). */
    hi = (hi & ~0x000000000000f000ull) | 0x0000000000004000ull;
    lo = (lo & ~0xc000000000000000ull) | 0x8000000000000000ull;
    hex128(hi, lo, out);
}
