/* Event policy: configuration and sampling (see policy.h). The walk that applies it is in
 * policy_walk.c, the matching rules in policy_match.c.
 */
#include "policy.h"
#include "policy_walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------ */
/* configuration                                                                         */

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        st_strlcpy(err, msg, errlen);
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Split a comma-separated list into trimmed, non-empty, malloc'd strings. */
static int split_list(const char *csv, bool lowercase, char ***items, size_t **lens, size_t *n)
{
    *items = NULL;
    *lens = NULL;
    *n = 0;
    if (!csv)
        return 0;
    size_t cap = 1;
    for (const char *s = csv; *s; s++)
        cap += *s == ',';
    char **v = calloc(cap, sizeof *v);
    size_t *l = calloc(cap, sizeof *l);
    if (!v || !l) {
        free(v);
        free(l);
        return -1;
    }
    size_t k = 0;
    const char *s = csv;
    for (;;) {
        const char *e = strchr(s, ',');
        if (!e)
            e = s + strlen(s);
        const char *a = s, *b = e;
        while (a < b && is_space((unsigned char)*a))
            a++;
        while (b > a && is_space((unsigned char)b[-1]))
            b--;
        if (b > a) {
            char *item = malloc((size_t)(b - a) + 1);
            if (!item) {
                for (size_t i = 0; i < k; i++)
                    free(v[i]);
                free(v);
                free(l);
                return -1;
            }
            for (size_t i = 0; i < (size_t)(b - a); i++)
                item[i] = lowercase ? (char)lower((unsigned char)a[i]) : a[i];
            item[b - a] = '\0';
            v[k] = item;
            l[k] = (size_t)(b - a);
            k++;
        }
        if (!*e)
            break;
        s = e + 1;
    }
    *items = v;
    *lens = l;
    *n = k;
    return 0;
}

static double clamp01(double r)
{
    return r < 0 ? 0 : r > 1 ? 1 : r;
}

void st_policy_free(st_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_scrub; i++)
        free(p->scrub_fields[i]);
    for (size_t i = 0; i < p->n_ignore; i++) {
        free(p->ignore[i]);
        if (p->ignore_class)
            free(p->ignore_class[i]);
    }
    free(p->scrub_fields);
    free(p->scrub_len);
    free(p->ignore);
    free(p->ignore_len);
    free(p->ignore_class);
    free(p->ignore_class_len);
    free(p->scrub_by_first);
    memset(p, 0, sizeof *p);
}

int st_policy_init(st_policy *p, const char *scrub_fields_csv, const char *ignore_csv,
                   bool send_default_pii, double sample_rate, double traces_sample_rate, char *err,
                   size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (sample_rate != sample_rate) {
        set_err(err, errlen, "sample_rate is not a number");
        return -1;
    }
    if (traces_sample_rate != traces_sample_rate) {
        set_err(err, errlen, "traces_sample_rate is not a number");
        return -1;
    }
    p->send_default_pii = send_default_pii;
    for (int c = 0; c < 256; c++)
        p->lower[c] = lower((unsigned char)c);
    p->sample_rate = clamp01(sample_rate);
    p->traces_sample_rate = clamp01(traces_sample_rate);

    if (split_list(scrub_fields_csv ? scrub_fields_csv : ST_POLICY_DEFAULT_SCRUB_FIELDS, true,
                   &p->scrub_fields, &p->scrub_len, &p->n_scrub) != 0 ||
        split_list(ignore_csv, false, &p->ignore, &p->ignore_len, &p->n_ignore) != 0)
        goto oom;

    /* scrub fields indexed by first byte (counting sort) */
    if (p->n_scrub) {
        p->scrub_by_first = malloc(p->n_scrub * sizeof *p->scrub_by_first);
        if (!p->scrub_by_first)
            goto oom;
        uint32_t count[256] = {0};
        p->scrub_min_len = (size_t)-1;
        for (size_t i = 0; i < p->n_scrub; i++) {
            count[(unsigned char)p->scrub_fields[i][0]]++;
            if (p->scrub_len[i] < p->scrub_min_len)
                p->scrub_min_len = p->scrub_len[i];
        }
        p->scrub_first_off[0] = 0;
        for (int c = 0; c < 256; c++)
            p->scrub_first_off[c + 1] = p->scrub_first_off[c] + count[c];
        uint32_t fill[256];
        memcpy(fill, p->scrub_first_off, sizeof fill);
        for (size_t i = 0; i < p->n_scrub; i++)
            p->scrub_by_first[fill[(unsigned char)p->scrub_fields[i][0]]++] = (uint32_t)i;
        for (size_t i = 0; i < p->n_scrub; i++) {
            if (p->scrub_len[i] < 2)
                continue; /* (the filter is only used when every field has 2 bytes) */
            unsigned bg =
                (unsigned char)p->scrub_fields[i][0] << 8 | (unsigned char)p->scrub_fields[i][1];
            p->scrub_bigram[bg >> 3] |= (uint8_t)(1u << (bg & 7));
        }
        /* raw bytes b0 b1 whose lowercase forms are a field's first two bytes */
        for (unsigned b0 = 0; b0 < 256; b0++) {
            for (unsigned b1 = 0; b1 < 256; b1++) {
                unsigned bg = (unsigned)p->lower[b0] << 8 | p->lower[b1];
                if (p->scrub_bigram[bg >> 3] & (1u << (bg & 7))) {
                    uint16_t raw; /* the two bytes as one 16-bit load reads them */
                    unsigned char two[2] = {(unsigned char)b0, (unsigned char)b1};
                    memcpy(&raw, two, 2);
                    p->scrub_bigram_raw[raw >> 3] |= (uint8_t)(1u << (raw & 7));
                }
            }
        }
    }

    /* class-name forms of the ignore entries */
    if (p->n_ignore) {
        p->ignore_class = calloc(p->n_ignore, sizeof *p->ignore_class);
        p->ignore_class_len = calloc(p->n_ignore, sizeof *p->ignore_class_len);
        if (!p->ignore_class || !p->ignore_class_len)
            goto oom;
        for (size_t i = 0; i < p->n_ignore; i++) {
            const char *s = p->ignore[i];
            size_t n = p->ignore_len[i];
            char *c = malloc(n + 1);
            if (!c)
                goto oom;
            size_t j = 0, k = 0;
            if (n > 1 && s[0] == '\\' && s[1] != '\\')
                k = 1; /* one leading namespace separator */
            while (k < n) {
                c[j++] = s[k];
                k += (s[k] == '\\' && k + 1 < n && s[k + 1] == '\\') ? 2 : 1;
            }
            c[j] = '\0';
            if (j == n || j == 0) {
                free(c);
            } else {
                p->ignore_class[i] = c;
                p->ignore_class_len[i] = j;
            }
        }
    }
    return 0;

oom:
    st_policy_free(p);
    set_err(err, errlen, "out of memory");
    return -1;
}

bool st_policy_sampled(double rate, uint64_t random64)
{
    if (!(rate > 0))
        return false; /* 0, negative, NaN */
    if (rate >= 1)
        return true;
    return (double)(random64 >> 11) * 0x1p-53 < rate;
}

bool st_policy_sample(const st_policy *p, bool is_transaction, uint64_t random64)
{
    return st_policy_sampled(is_transaction ? p->traces_sample_rate : p->sample_rate, random64);
}

/* ------------------------------------------------------------------------------------ */
/* applying it on its own (the request path runs the walk inside its one scan instead)   */

st_policy_verdict st_policy_apply(const st_policy *pol, const char *json, size_t len, char **out,
                                  size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!pol || !json)
        return ST_POLICY_ERROR;
    st_policy_walk w;
    st_policy_walk_begin(&w, pol, json, len);
    if (!w.active)
        return ST_POLICY_KEEP;
    int rc = st_policy_walk_scan(&w, NULL, 0, NULL, NULL, NULL);
    st_policy_verdict v = st_policy_walk_finish(&w, rc, out, out_len);
    st_policy_walk_end(&w);
    return v;
}
