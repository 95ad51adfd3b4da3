/* gzip with ISA-L (see compress_isal.h). Built only with ST_HAVE_ISAL. */
#include "compress_isal.h"

#ifdef ST_HAVE_ISAL
#include <isa-l.h>
#include <isa-l/igzip_lib.h>
#include <stdlib.h>
#include <string.h>

#define SAMPLE_EVERY 8      /* count the symbols of one body in this many */
#define SAMPLES_PER_CODE 16 /* build a new code after this many counted bodies */
#define SAMPLE_MAX 16384    /* count at most this many bytes of a body */
#define LEVEL0_MAX 65536    /* larger bodies: level 1 */

struct st_isal_gzip {
    /* 80 KiB: zeroed once (calloc), then only re-initialised per body (the stateless init
     * leaves fields the compressor reads, so it must not start from garbage) */
    struct isal_zstream s;
    struct isal_hufftables trained;
    struct isal_huff_histogram hist;
    bool have_trained;
    unsigned bodies, samples;
    uint8_t *level1_buf; /* level 1's working memory, allocated on the first large body */
};

st_isal_gzip *st_isal_gzip_new(void)
{
    return calloc(1, sizeof(st_isal_gzip));
}

void st_isal_gzip_free(st_isal_gzip *g)
{
    if (!g)
        return;
    free(g->level1_buf);
    free(g);
}

bool st_isal_gzip_trained(const st_isal_gzip *g)
{
    return g->have_trained;
}

const char *st_isal_gzip_library(void)
{
#define ST_STR2(x) #x
#define ST_STR(x) ST_STR2(x)
    return "isa-l " ST_STR(ISAL_MAJOR_VERSION) "." ST_STR(ISAL_MINOR_VERSION) "." ST_STR(
        ISAL_PATCH_VERSION) " (igzip)";
}

/* Count this body's symbols now and then; a new code once enough are counted. */
static void train(st_isal_gzip *g, const char *in, size_t n)
{
    if (g->bodies++ % SAMPLE_EVERY != 0 || n == 0)
        return;
    isal_update_histogram((uint8_t *)(uintptr_t)in, (int)(n < SAMPLE_MAX ? n : SAMPLE_MAX),
                          &g->hist);
    if (++g->samples < SAMPLES_PER_CODE)
        return;
    /* every literal, length and distance gets a code, counted or not */
    if (isal_create_hufftables(&g->trained, &g->hist) == 0)
        g->have_trained = true;
    memset(&g->hist, 0, sizeof g->hist);
    g->samples = 0;
}

char *st_isal_gzip_compress(st_isal_gzip *g, const char *in, size_t n, size_t *out_len)
{
    if (n > (size_t)UINT32_MAX / 2)
        return NULL; /* avail_in is 32 bits; zlib takes it */
    bool small = n <= LEVEL0_MAX;
    if (!small && !g->level1_buf && !(g->level1_buf = malloc(ISAL_DEF_LVL1_DEFAULT)))
        return NULL;
    /* room for stored blocks (what ISA-L writes when coding does not shrink the input):
     * 5 bytes per 64 KiB block, the gzip header and trailer, and slack */
    size_t cap = n + n / 1024 + 5 * (n / 65535 + 1) + 64;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    struct isal_zstream *s = &g->s;
    isal_deflate_stateless_init(s);
    s->gzip_flag = IGZIP_GZIP;
    s->end_of_stream = 1;
    s->flush = NO_FLUSH;
    if (small) {
        s->level = 0;
        s->level_buf = NULL;
        s->level_buf_size = 0;
        if (g->have_trained) /* else the init's generic code */
            s->hufftables = &g->trained;
    } else {
        s->level = 1;
        s->level_buf = g->level1_buf;
        s->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
    }
    s->next_in = (uint8_t *)(uintptr_t)in;
    s->avail_in = (uint32_t)n;
    s->next_out = (uint8_t *)out;
    s->avail_out = (uint32_t)(cap < UINT32_MAX ? cap : UINT32_MAX);
    if (isal_deflate_stateless(s) != COMP_OK || s->avail_in != 0) {
        free(out);
        return NULL;
    }
    if (small)
        train(g, in, n);
    *out_len = s->total_out;
    return out;
}

#else
typedef int st_compress_isal_unused; /* ISO C: a translation unit is not empty */
#endif
