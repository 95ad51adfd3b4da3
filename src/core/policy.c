/* Event policy: scrubbing, default-PII stripping, ignore rules, sampling (see policy.h).
 *
 * st_policy_apply walks the event once with an explicit stack of frames, one per open
 * container that matters (the top-level object, the scrubbed members and everything in
 * them, the paths to exception types/values and messages). Every other value is skipped
 * with a bracket counter that jumps over strings with memchr, nothing decoded. Keys are
 * only unescaped when they hold a backslash.
 *
 * Edits are recorded as (start, end, kind) spans in input order; they never overlap
 * because a value that is filtered or removed is skipped, not entered. Only when there is
 * at least one edit is the output allocated and assembled.
 *
 * Removing a member (or list element) M of a container, keeping the commas valid:
 *   - some earlier member of the container is kept: delete from the end of the previous
 *     member's value to the end of M's value (`,"email":"x"`);
 *   - none is: delete from M's start to the next member's start (`"email":"x",`), or to
 *     the end of M's value if M is the last one (the container may end up `{}`).
 * Consecutive removals then delete adjacent, non-overlapping spans. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ST_JSONSCAN_PORTABLE (as in jsonscan.c) forces the portable code. */
#if defined(__SSE2__) && !defined(ST_JSONSCAN_PORTABLE)
#define POL_SSE2 1
#include <emmintrin.h>
#endif

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
/* JSON helpers (lenient: bounds-checked, never past `end`)                              */

static const char *ws(const char *p, const char *end)
{
    while (p < end && (unsigned char)*p <= ' ' &&
           (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

/* The closing quote of a string whose body starts at p, or NULL; *escaped |= the body
 * holds a backslash. 16 bytes at a time with SSE2 (never loading past `end`). */
static const char *str_end(const char *p, const char *end, bool *escaped)
{
    for (;;) {
#if defined(POL_SSE2)
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
        while (end - p >= 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
            unsigned m = (unsigned)_mm_movemask_epi8(
                _mm_or_si128(_mm_cmpeq_epi8(x, quote), _mm_cmpeq_epi8(x, bslash)));
            if (m) {
                p += __builtin_ctz(m);
                break;
            }
            p += 16;
        }
#endif
        while (p < end && *p != '"' && *p != '\\')
            p++;
        if (p >= end)
            return NULL;
        if (*p == '"')
            return p;
        *escaped = true;
        if (end - p < 2)
            return NULL;
        p += 2; /* the escaped byte (\uXXXX's digits are plain) */
    }
}

/* Bytes that matter when skipping a container: 1 = opens, 2 = closes, 3 = string;
 * 4 = ends a number or literal (with 1, 2, 3). */
static const unsigned char skip_class[256] = {
    ['{'] = 1, ['['] = 1, ['}'] = 2,  [']'] = 2,  ['"'] = 3,  [','] = 4,
    [':'] = 4, [' '] = 4, ['\n'] = 4, ['\r'] = 4, ['\t'] = 4,
};

/* Just past the value starting at p, or NULL when there is none. */
static const char *skip_value(const char *p, const char *end)
{
    if (p >= end)
        return NULL;
    bool esc = false;
    if (*p == '"') {
        const char *q = str_end(p + 1, end, &esc);
        return q ? q + 1 : NULL;
    }
    if (*p == '{' || *p == '[') {
        size_t depth = 0;
        while (p < end) {
            unsigned k = skip_class[(unsigned char)*p];
            if (!k) {
                p++;
            } else if (k == 4) {
                p++;
            } else if (k == 3) {
                const char *q = str_end(p + 1, end, &esc);
                if (!q)
                    return NULL;
                p = q + 1;
            } else if (k == 1) {
                depth++;
                p++;
            } else {
                p++;
                if (--depth == 0)
                    return p;
            }
        }
        return NULL;
    }
    const char *s = p;
    while (p < end && !skip_class[(unsigned char)*p])
        p++;
    return p > s ? p : NULL;
}

static int hexv(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static long hex4(const char *s)
{
    long v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexv((unsigned char)s[i]);
        if (h < 0)
            return -1;
        v = (v << 4) | h;
    }
    return v;
}

/* Unescape a JSON string body into o (room for n bytes: the result is never longer).
 * Valid JSON decodes exactly; anything else decodes to something, within bounds. */
static size_t unescape(const char *s, size_t n, char *o)
{
    size_t i = 0, j = 0;
    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        if (c != '\\' || i + 1 >= n) {
            o[j++] = (char)c;
            i++;
            continue;
        }
        char e = s[i + 1];
        switch (e) {
        case 'b':
            o[j++] = '\b';
            i += 2;
            break;
        case 'f':
            o[j++] = '\f';
            i += 2;
            break;
        case 'n':
            o[j++] = '\n';
            i += 2;
            break;
        case 'r':
            o[j++] = '\r';
            i += 2;
            break;
        case 't':
            o[j++] = '\t';
            i += 2;
            break;
        case 'u': {
            long cp = i + 6 <= n ? hex4(s + i + 2) : -1;
            if (cp < 0) {
                o[j++] = e;
                i += 2;
                break;
            }
            i += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= n && s[i] == '\\' && s[i + 1] == 'u') {
                long lo = hex4(s + i + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    i += 6;
                }
            }
            if (cp < 0x80) {
                o[j++] = (char)cp;
            } else if (cp < 0x800) {
                o[j++] = (char)(0xC0 | (cp >> 6));
                o[j++] = (char)(0x80 | (cp & 0x3F));
            } else if (cp < 0x10000) {
                o[j++] = (char)(0xE0 | (cp >> 12));
                o[j++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                o[j++] = (char)(0x80 | (cp & 0x3F));
            } else {
                o[j++] = (char)(0xF0 | (cp >> 18));
                o[j++] = (char)(0x80 | ((cp >> 12) & 0x3F));
                o[j++] = (char)(0x80 | ((cp >> 6) & 0x3F));
                o[j++] = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default:
            o[j++] = e;
            i += 2;
            break; /* " \ / (and, leniently, anything) */
        }
    }
    return j;
}

/* ------------------------------------------------------------------------------------ */
/* matching                                                                              */

static bool eq(const char *k, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    return n == m && memcmp(k, lit, n) == 0;
}

/* ASCII case-insensitive equality with a lowercase literal. */
static bool ci_eq(const char *k, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n != m)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)k[i]) != (unsigned char)lit[i])
            return false;
    return true;
}

static bool scrub_match(const st_policy *pol, const char *k, size_t n)
{
    if (!pol->n_scrub || n < pol->scrub_min_len)
        return false;
    const unsigned char *s = (const unsigned char *)k;
    const uint8_t *lc = pol->lower;
    for (size_t i = 0; i + pol->scrub_min_len <= n; i++) {
        unsigned c = lc[s[i]];
        if (pol->scrub_min_len >= 2) {
            unsigned bg = c << 8 | lc[s[i + 1]];
            if (!(pol->scrub_bigram[bg >> 3] & (1u << (bg & 7))))
                continue; /* no field starts with these two bytes */
        }
        for (uint32_t j = pol->scrub_first_off[c]; j < pol->scrub_first_off[c + 1]; j++) {
            uint32_t f = pol->scrub_by_first[j];
            size_t fl = pol->scrub_len[f];
            if (fl > n - i)
                continue;
            const unsigned char *fs = (const unsigned char *)pol->scrub_fields[f];
            size_t t = 1;
            while (t < fl && lc[s[i + t]] == fs[t])
                t++;
            if (t == fl)
                return true;
        }
    }
    return false;
}

static const char *const pii_headers[] = {
    "authorization",   "proxy-authorization", "cookie",    "set-cookie",
    "x-forwarded-for", "x-real-ip",           "forwarded",
};

static bool pii_header(const char *k, size_t n)
{
    for (size_t i = 0; i < sizeof pii_headers / sizeof *pii_headers; i++)
        if (ci_eq(k, n, pii_headers[i]))
            return true;
    return false;
}

static bool type_ignored(const st_policy *pol, const char *t, size_t n)
{
    for (size_t i = 0; i < pol->n_ignore; i++) {
        if (n == pol->ignore_len[i] && memcmp(t, pol->ignore[i], n) == 0)
            return true;
        if (pol->ignore_class[i] && n == pol->ignore_class_len[i] &&
            memcmp(t, pol->ignore_class[i], n) == 0)
            return true;
    }
    return false;
}

static bool text_ignored(const st_policy *pol, const char *t, size_t n)
{
    for (size_t i = 0; i < pol->n_ignore; i++)
        if (pol->ignore_len[i] <= n && memmem(t, n, pol->ignore[i], pol->ignore_len[i]))
            return true;
    return false;
}

/* ------------------------------------------------------------------------------------ */
/* the walk                                                                              */

enum ctx {
    X_ROOT,    /* the event object */
    X_SCRUB,   /* object or array inside a scrubbed member: keys are checked */
    X_REQUEST, /* request object, send_default_pii off */
    X_HEADERS, /* request.headers (object or list of pairs), send_default_pii off */
    X_ENV,     /* request.env object, send_default_pii off */
    X_USER,    /* user object, send_default_pii off */
    X_CRUMBS,  /* breadcrumbs object: its "values" */
    X_CRUMB_LIST,
    X_CRUMB, /* one breadcrumb: its "data" */
    X_EXC,   /* exception object: its "values" */
    X_EXC_LIST,
    X_EXC_ITEM, /* one exception: its "type" and "value" */
    X_MSG,      /* message or logentry object: its "message" and "formatted" */
};

enum act { A_SKIP, A_FILTER, A_REMOVE, A_DESCEND, A_TYPE, A_TEXT, A_OOM };

typedef struct frame {
    uint8_t ctx;
    bool array;
    bool filter_second; /* a [name, value] pair whose name matched */
    bool has_prev, cur_removed, kept;
    uint32_t count;  /* members begun */
    long pending;    /* removal edit whose end moves to the next member's start, or -1 */
    size_t last_end; /* just past the latest member's value */
} frame;

typedef struct edit {
    size_t start, end;
    bool filter; /* replace by "[Filtered]"; else delete */
} edit;

#define FRAMES_INLINE 24
#define FRAMES_MAX (ST_MAX_JSON_DEPTH + 8)
#define EDITS_INLINE 16
#define SCRATCH_INLINE 512

typedef struct walker {
    const st_policy *pol;
    frame *fr;
    size_t nfr, capfr;
    edit *ed;
    size_t ned, caped;
    char *heap_scratch;
    size_t heap_scratch_cap;
    frame fr_inline[FRAMES_INLINE];
    edit ed_inline[EDITS_INLINE];
    char scratch[SCRATCH_INLINE];
} walker;

static const char FILTERED[] = "\"[Filtered]\"";
#define FILTERED_LEN (sizeof FILTERED - 1)

/* The unescaped text of the string body s[0..n): s itself when it has no escape, else a
 * decoded copy in scratch. NULL when out of memory. */
static const char *text(walker *w, const char *s, size_t n, bool escaped, size_t *outn)
{
    if (!escaped) {
        *outn = n;
        return s;
    }
    char *o = w->scratch;
    if (n > SCRATCH_INLINE) {
        if (n > w->heap_scratch_cap) {
            char *h = realloc(w->heap_scratch, n);
            if (!h)
                return NULL;
            w->heap_scratch = h;
            w->heap_scratch_cap = n;
        }
        o = w->heap_scratch;
    }
    *outn = unescape(s, n, o);
    return o;
}

static bool push(walker *w, uint8_t ctx, bool array, bool filter_second)
{
    if (w->nfr == w->capfr) {
        if (w->capfr >= FRAMES_MAX)
            return false;
        size_t cap = w->capfr * 2 < FRAMES_MAX ? w->capfr * 2 : FRAMES_MAX;
        frame *f;
        if (w->fr == w->fr_inline) {
            f = malloc(cap * sizeof *f);
            if (f)
                memcpy(f, w->fr, w->nfr * sizeof *f);
        } else {
            f = realloc(w->fr, cap * sizeof *f);
        }
        if (!f)
            return false;
        w->fr = f;
        w->capfr = cap;
    }
    frame *f = &w->fr[w->nfr++];
    memset(f, 0, sizeof *f);
    f->ctx = ctx;
    f->array = array;
    f->filter_second = filter_second;
    f->pending = -1;
    return true;
}

static long add_edit(walker *w, size_t start, size_t end, bool filter)
{
    if (w->ned == w->caped) {
        size_t cap = w->caped * 2;
        edit *e;
        if (w->ed == w->ed_inline) {
            e = malloc(cap * sizeof *e);
            if (e)
                memcpy(e, w->ed, w->ned * sizeof *e);
        } else {
            e = realloc(w->ed, cap * sizeof *e);
        }
        if (!e)
            return -1;
        w->ed = e;
        w->caped = cap;
    }
    w->ed[w->ned].start = start;
    w->ed[w->ned].end = end;
    w->ed[w->ned].filter = filter;
    return (long)w->ned++;
}

static bool is_container(char v)
{
    return v == '{' || v == '[';
}

/* A value in a scrubbed member that is not itself filtered. */
static enum act scrub_ctx(const st_policy *pol, char v, uint8_t *child)
{
    if (pol->n_scrub && is_container(v)) {
        *child = X_SCRUB;
        return A_DESCEND;
    }
    return A_SKIP;
}

/* A matching key's value: filtered, unless it is null. */
static enum act filter(char v)
{
    return v == 'n' ? A_SKIP : A_FILTER;
}

/* What to do with the value (first byte v) of key k in object frame f. */
static enum act decide_key(const st_policy *pol, const frame *f, const char *k, size_t n, char v,
                           uint8_t *child)
{
    switch (f->ctx) {
    case X_ROOT:
        if (eq(k, n, "request")) {
            if (!pol->send_default_pii && v == '{') {
                *child = X_REQUEST;
                return A_DESCEND;
            }
            return scrub_ctx(pol, v, child);
        }
        if (eq(k, n, "extra") || eq(k, n, "contexts") || eq(k, n, "tags"))
            return scrub_ctx(pol, v, child);
        if (eq(k, n, "user")) {
            if (!pol->send_default_pii && v == '{') {
                *child = X_USER;
                return A_DESCEND;
            }
            return scrub_ctx(pol, v, child);
        }
        if (eq(k, n, "breadcrumbs")) {
            if (!pol->n_scrub || !is_container(v))
                return A_SKIP;
            *child = v == '{' ? X_CRUMBS : X_CRUMB_LIST;
            return A_DESCEND;
        }
        if (!pol->n_ignore)
            return A_SKIP;
        if (eq(k, n, "exception")) {
            if (!is_container(v))
                return A_SKIP;
            *child = v == '{' ? X_EXC : X_EXC_LIST;
            return A_DESCEND;
        }
        if (eq(k, n, "message") || eq(k, n, "logentry")) {
            if (v == '"' && k[0] == 'm')
                return A_TEXT;
            if (v != '{')
                return A_SKIP;
            *child = X_MSG;
            return A_DESCEND;
        }
        return A_SKIP;
    case X_SCRUB:
        if (scrub_match(pol, k, n))
            return filter(v);
        return scrub_ctx(pol, v, child);
    case X_REQUEST:
        if (ci_eq(k, n, "cookies"))
            return A_REMOVE;
        if (scrub_match(pol, k, n))
            return filter(v);
        if (eq(k, n, "headers") && is_container(v)) {
            *child = X_HEADERS;
            return A_DESCEND;
        }
        if (eq(k, n, "env") && v == '{') {
            *child = X_ENV;
            return A_DESCEND;
        }
        return scrub_ctx(pol, v, child);
    case X_HEADERS:
        if (pii_header(k, n))
            return A_REMOVE;
        if (scrub_match(pol, k, n))
            return filter(v);
        return scrub_ctx(pol, v, child);
    case X_ENV:
        if (ci_eq(k, n, "remote_addr"))
            return A_REMOVE;
        if (scrub_match(pol, k, n))
            return filter(v);
        return scrub_ctx(pol, v, child);
    case X_USER:
        if (ci_eq(k, n, "ip_address") || ci_eq(k, n, "email"))
            return A_REMOVE;
        if (scrub_match(pol, k, n))
            return filter(v);
        return scrub_ctx(pol, v, child);
    case X_CRUMBS:
        if (eq(k, n, "values") && v == '[') {
            *child = X_CRUMB_LIST;
            return A_DESCEND;
        }
        return A_SKIP;
    case X_CRUMB:
        if (eq(k, n, "data") && pol->n_scrub && is_container(v)) {
            *child = X_SCRUB;
            return A_DESCEND;
        }
        return A_SKIP;
    case X_EXC:
        if (eq(k, n, "values") && v == '[') {
            *child = X_EXC_LIST;
            return A_DESCEND;
        }
        return A_SKIP;
    case X_EXC_ITEM:
        if (v == '"' && eq(k, n, "type"))
            return A_TYPE;
        if (v == '"' && eq(k, n, "value"))
            return A_TEXT;
        return A_SKIP;
    case X_MSG:
        if (v == '"' && (eq(k, n, "message") || eq(k, n, "formatted")))
            return A_TEXT;
        return A_SKIP;
    default:
        return A_SKIP;
    }
}

/* What to do with the element at p in array frame f (its index is f->count - 1). An
 * element that is an array starting with a string is a [name, value] pair: the name is
 * peeked at here. */
static enum act decide_elem(walker *w, const frame *f, const char *p, const char *end,
                            uint8_t *child, bool *second)
{
    const st_policy *pol = w->pol;
    switch (f->ctx) {
    case X_SCRUB:
    case X_HEADERS:
        if (f->filter_second && f->count == 2)
            return filter(*p);
        if (*p == '[') {
            const char *q = ws(p + 1, end), *qe;
            bool esc = false;
            if (q < end && *q == '"' && (qe = str_end(q + 1, end, &esc)) != NULL) {
                size_t n;
                const char *name = text(w, q + 1, (size_t)(qe - q - 1), esc, &n);
                if (!name)
                    return A_OOM;
                if (f->ctx == X_HEADERS && pii_header(name, n))
                    return A_REMOVE;
                if (scrub_match(pol, name, n)) {
                    *child = X_SCRUB;
                    *second = true;
                    return A_DESCEND;
                }
            }
        }
        return scrub_ctx(pol, *p, child);
    case X_CRUMB_LIST:
        if (*p == '{') {
            *child = X_CRUMB;
            return A_DESCEND;
        }
        return A_SKIP;
    case X_EXC_LIST:
        if (*p == '{') {
            *child = X_EXC_ITEM;
            return A_DESCEND;
        }
        return A_SKIP;
    default:
        return A_SKIP;
    }
}

static void begin_member(walker *w, frame *f, size_t off)
{
    if (f->has_prev && !f->cur_removed)
        f->kept = true;
    if (f->pending >= 0) {
        w->ed[f->pending].end = off;
        f->pending = -1;
    }
    f->has_prev = true;
    f->cur_removed = false;
    f->count++;
}

/* Walk the event; on KEEP, w->ed holds the edits. */
static st_policy_verdict walk(walker *w, const char *buf, size_t len)
{
    const st_policy *pol = w->pol;
    const char *const end = buf + len;
    const char *p = ws(buf, end), *q;
    frame *f;

    if (p >= end || *p != '{')
        return ST_POLICY_ERROR;
    if (!push(w, X_ROOT, false, false))
        return ST_POLICY_ERROR;
    p++;

open: /* just after the '{' or '[' of the top frame */
    p = ws(p, end);
    if (p >= end)
        return ST_POLICY_ERROR;
    f = &w->fr[w->nfr - 1];
    if (*p == (f->array ? ']' : '}')) {
        p++;
        goto close;
    }

member : {
    p = ws(p, end);
    if (p >= end)
        return ST_POLICY_ERROR;
    f = &w->fr[w->nfr - 1];
    size_t mstart = (size_t)(p - buf);
    begin_member(w, f, mstart);
    uint8_t child = X_SCRUB;
    bool second = false;
    enum act a;
    if (!f->array) {
        bool esc = false;
        if (*p != '"' || !(q = str_end(p + 1, end, &esc)))
            return ST_POLICY_ERROR;
        size_t kn;
        const char *k = text(w, p + 1, (size_t)(q - p - 1), esc, &kn);
        if (!k)
            return ST_POLICY_ERROR;
        p = ws(q + 1, end);
        if (p >= end || *p != ':')
            return ST_POLICY_ERROR;
        p = ws(p + 1, end);
        if (p >= end)
            return ST_POLICY_ERROR;
        a = decide_key(pol, f, k, kn, *p, &child);
    } else {
        a = decide_elem(w, f, p, end, &child, &second);
    }
    switch (a) {
    case A_SKIP:
        if (!(p = skip_value(p, end)))
            return ST_POLICY_ERROR;
        goto after;
    case A_FILTER: {
        const char *v = p;
        if (!(p = skip_value(p, end)))
            return ST_POLICY_ERROR;
        if (!((size_t)(p - v) == FILTERED_LEN && memcmp(v, FILTERED, FILTERED_LEN) == 0) &&
            add_edit(w, (size_t)(v - buf), (size_t)(p - buf), true) < 0)
            return ST_POLICY_ERROR;
        goto after;
    }
    case A_REMOVE: {
        if (!(p = skip_value(p, end)))
            return ST_POLICY_ERROR;
        long e = add_edit(w, f->kept ? f->last_end : mstart, (size_t)(p - buf), false);
        if (e < 0)
            return ST_POLICY_ERROR;
        if (!f->kept)
            f->pending = e;
        f->cur_removed = true;
        goto after;
    }
    case A_DESCEND:
        if (!push(w, child, *p == '[', second))
            return ST_POLICY_ERROR;
        p++;
        goto open;
    case A_TYPE:
    case A_TEXT: {
        bool esc = false;
        if (*p != '"' || !(q = str_end(p + 1, end, &esc)))
            return ST_POLICY_ERROR;
        size_t tn;
        const char *t = text(w, p + 1, (size_t)(q - p - 1), esc, &tn);
        if (!t)
            return ST_POLICY_ERROR;
        if (a == A_TYPE ? type_ignored(pol, t, tn) : text_ignored(pol, t, tn))
            return ST_POLICY_IGNORED;
        p = q + 1;
        goto after;
    }
    case A_OOM:
    default:
        return ST_POLICY_ERROR;
    }
}

after: /* just past a value of the top frame */
    f = &w->fr[w->nfr - 1];
    f->last_end = (size_t)(p - buf);
    p = ws(p, end);
    if (p >= end)
        return ST_POLICY_ERROR;
    if (*p == ',') {
        p++;
        goto member;
    }
    if (*p != (f->array ? ']' : '}'))
        return ST_POLICY_ERROR;
    p++;

close:
    w->nfr--;
    if (w->nfr > 0)
        goto after;
    return ST_POLICY_KEEP;
}

static bool policy_is_noop(const st_policy *p)
{
    return !p->n_scrub && !p->n_ignore && p->send_default_pii;
}

st_policy_verdict st_policy_apply(const st_policy *pol, const char *json, size_t len, char **out,
                                  size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!pol || !json)
        return ST_POLICY_ERROR;
    if (policy_is_noop(pol))
        return ST_POLICY_KEEP;

    walker w;
    w.pol = pol;
    w.fr = w.fr_inline;
    w.nfr = 0;
    w.capfr = FRAMES_INLINE;
    w.ed = w.ed_inline;
    w.ned = 0;
    w.caped = EDITS_INLINE;
    w.heap_scratch = NULL;
    w.heap_scratch_cap = 0;

    st_policy_verdict v = walk(&w, json, len);
    if (v == ST_POLICY_KEEP && w.ned) {
        size_t total = len, pos = 0;
        for (size_t i = 0; i < w.ned; i++) {
            const edit *e = &w.ed[i];
            if (e->start < pos || e->end < e->start || e->end > len) {
                v = ST_POLICY_ERROR; /* cannot happen: edits are ordered and disjoint */
                goto done;
            }
            total -= e->end - e->start;
            if (e->filter)
                total += FILTERED_LEN;
            pos = e->end;
        }
        char *o = malloc(total ? total : 1);
        if (!o) {
            v = ST_POLICY_ERROR;
            goto done;
        }
        size_t j = 0;
        pos = 0;
        for (size_t i = 0; i < w.ned; i++) {
            const edit *e = &w.ed[i];
            memcpy(o + j, json + pos, e->start - pos);
            j += e->start - pos;
            if (e->filter) {
                memcpy(o + j, FILTERED, FILTERED_LEN);
                j += FILTERED_LEN;
            }
            pos = e->end;
        }
        memcpy(o + j, json + pos, len - pos);
        j += len - pos;
        *out = o;
        *out_len = j;
    }
done:
    if (w.fr != w.fr_inline)
        free(w.fr);
    if (w.ed != w.ed_inline)
        free(w.ed);
    free(w.heap_scratch);
    return v;
}
