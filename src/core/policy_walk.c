/* The event policy's walk, run by the validating scanner's hooks (see policy_walk.h).
 *
 * The walker keeps a stack of frames, one per container the scanner entered for it: the
 * top-level object, the scrubbed members and everything in them, the paths to exception
 * types/values and messages. Everything else the scanner validates without reporting.
 * Keys are only unescaped when they hold a backslash.
 *
 * Edits are recorded as (start, end, kind) spans in input order; they never overlap
 * because a value that is filtered or removed is not entered. Only when there is at least
 * one edit is the output allocated and assembled.
 *
 * Removing a member (or list element) M of a container, keeping the commas valid:
 *   - some earlier member of the container is kept: delete from the end of the previous
 *     member's value to the end of M's value (`,"email":"x"`);
 *   - none is: delete from M's start to the next member's start (`"email":"x",`), or to
 *     the end of M's value if M is the last one (the container may end up `{}`).
 * Consecutive removals then delete adjacent, non-overlapping spans.
 *
 * One file, past the ~600-line guideline, on purpose: the hooks, the decisions they call and
 * the two scan instances they are compiled into (jsonscan_body.h) must share a translation
 * unit, so that every hook can be a direct, inlined call on the request path (which is why
 * the scan body is a template at all). */
#include "policy_walk.h"
#include "policy_internal.h"
#include "jsonscan_impl.h"

#include <stdlib.h>
#include <string.h>

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

#define FRAMES_MAX (ST_MAX_JSON_DEPTH + 8)

static const char FILTERED[] = "\"[Filtered]\"";
#define FILTERED_LEN (sizeof FILTERED - 1)

/* The unescaped text of the string body s[0..n): s itself when it has no escape, else a
 * decoded copy in scratch. NULL when out of memory. */
static const char *text(st_policy_walk *w, const char *s, size_t n, bool escaped, size_t *outn)
{
    if (!escaped) {
        *outn = n;
        return s;
    }
    char *o = w->scratch;
    if (n > ST_POLICY_SCRATCH_INLINE) {
        if (n > w->heap_scratch_cap) {
            char *h = realloc(w->heap_scratch, n);
            if (!h)
                return NULL;
            w->heap_scratch = h;
            w->heap_scratch_cap = n;
        }
        o = w->heap_scratch;
    }
    *outn = st_pol_unescape(s, n, o);
    return o;
}

static bool push(st_policy_walk *w, uint8_t ctx, bool array, bool filter_second)
{
    if (w->nfr == w->capfr) {
        if (w->capfr >= FRAMES_MAX)
            return false;
        size_t cap = w->capfr * 2 < FRAMES_MAX ? w->capfr * 2 : FRAMES_MAX;
        st_policy_frame *f;
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
    st_policy_frame *f = &w->fr[w->nfr++];
    memset(f, 0, sizeof *f);
    f->ctx = ctx;
    f->array = array;
    f->filter_second = filter_second;
    f->pending = -1;
    return true;
}

static long add_edit(st_policy_walk *w, size_t start, size_t end, bool filter)
{
    if (w->ned == w->caped) {
        size_t cap = w->caped * 2;
        st_policy_edit *e;
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
static enum act decide_key(const st_policy *pol, const st_policy_frame *f, const char *k, size_t n,
                           char v, uint8_t *child)
{
    switch (f->ctx) {
    case X_ROOT:
        if (st_pol_eq(k, n, "request")) {
            if (!pol->send_default_pii && v == '{') {
                *child = X_REQUEST;
                return A_DESCEND;
            }
            return scrub_ctx(pol, v, child);
        }
        if (st_pol_eq(k, n, "extra") || st_pol_eq(k, n, "contexts") || st_pol_eq(k, n, "tags"))
            return scrub_ctx(pol, v, child);
        if (st_pol_eq(k, n, "user")) {
            if (!pol->send_default_pii && v == '{') {
                *child = X_USER;
                return A_DESCEND;
            }
            return scrub_ctx(pol, v, child);
        }
        if (st_pol_eq(k, n, "breadcrumbs")) {
            if (!pol->n_scrub || !is_container(v))
                return A_SKIP;
            *child = v == '{' ? X_CRUMBS : X_CRUMB_LIST;
            return A_DESCEND;
        }
        if (!pol->n_ignore)
            return A_SKIP;
        if (st_pol_eq(k, n, "exception")) {
            if (!is_container(v))
                return A_SKIP;
            *child = v == '{' ? X_EXC : X_EXC_LIST;
            return A_DESCEND;
        }
        if (st_pol_eq(k, n, "message") || st_pol_eq(k, n, "logentry")) {
            if (v == '"' && k[0] == 'm')
                return A_TEXT;
            if (v != '{')
                return A_SKIP;
            *child = X_MSG;
            return A_DESCEND;
        }
        return A_SKIP;
    case X_SCRUB:
        if (st_pol_scrub_match(pol, k, n))
            return filter(v);
        return scrub_ctx(pol, v, child);
    case X_REQUEST:
        if (st_pol_ci_eq(k, n, "cookies"))
            return A_REMOVE;
        if (st_pol_scrub_match(pol, k, n))
            return filter(v);
        if (st_pol_eq(k, n, "headers") && is_container(v)) {
            *child = X_HEADERS;
            return A_DESCEND;
        }
        if (st_pol_eq(k, n, "env") && v == '{') {
            *child = X_ENV;
            return A_DESCEND;
        }
        return scrub_ctx(pol, v, child);
    case X_HEADERS:
        if (st_pol_pii_header(k, n))
            return A_REMOVE;
        if (st_pol_scrub_match(pol, k, n))
            return filter(v);
        return scrub_ctx(pol, v, child);
    case X_ENV:
        if (st_pol_ci_eq(k, n, "remote_addr"))
            return A_REMOVE;
        if (st_pol_scrub_match(pol, k, n))
            return filter(v);
        return scrub_ctx(pol, v, child);
    case X_USER:
        if (st_pol_ci_eq(k, n, "ip_address") || st_pol_ci_eq(k, n, "email"))
            return A_REMOVE;
        if (st_pol_scrub_match(pol, k, n))
            return filter(v);
        return scrub_ctx(pol, v, child);
    case X_CRUMBS:
        if (st_pol_eq(k, n, "values") && v == '[') {
            *child = X_CRUMB_LIST;
            return A_DESCEND;
        }
        return A_SKIP;
    case X_CRUMB:
        if (st_pol_eq(k, n, "data") && pol->n_scrub && is_container(v)) {
            *child = X_SCRUB;
            return A_DESCEND;
        }
        return A_SKIP;
    case X_EXC:
        if (st_pol_eq(k, n, "values") && v == '[') {
            *child = X_EXC_LIST;
            return A_DESCEND;
        }
        return A_SKIP;
    case X_EXC_ITEM:
        if (v == '"' && st_pol_eq(k, n, "type"))
            return A_TYPE;
        if (v == '"' && st_pol_eq(k, n, "value"))
            return A_TEXT;
        return A_SKIP;
    case X_MSG:
        if (v == '"' && (st_pol_eq(k, n, "message") || st_pol_eq(k, n, "formatted")))
            return A_TEXT;
        return A_SKIP;
    default:
        return A_SKIP;
    }
}

/* What to do with the element at p in array frame f (its index is f->count - 1). An
 * element that is an array starting with a string is a [name, value] pair: the name is
 * peeked at here. */
static enum act decide_elem(st_policy_walk *w, const st_policy_frame *f, const char *p,
                            const char *end, uint8_t *child, bool *second)
{
    const st_policy *pol = w->pol;
    switch (f->ctx) {
    case X_SCRUB:
    case X_HEADERS:
        if (f->filter_second && f->count == 2)
            return filter(*p);
        if (*p == '[') {
            const char *q = st_pol_ws(p + 1, end), *qe;
            bool esc = false;
            if (q < end && *q == '"' && (qe = st_pol_str_end(q + 1, end, &esc)) != NULL) {
                size_t n;
                const char *name = text(w, q + 1, (size_t)(qe - q - 1), esc, &n);
                if (!name)
                    return A_OOM;
                if (f->ctx == X_HEADERS && st_pol_pii_header(name, n))
                    return A_REMOVE;
                if (st_pol_scrub_match(pol, name, n)) {
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

static void begin_member(st_policy_walk *w, st_policy_frame *f, size_t off)
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

static int stop(st_policy_walk *w, st_policy_verdict v)
{
    w->verdict = v;
    return ST_JSON_HOOK_STOP;
}

/* Act on the decision about the value at voff of the member that began at mstart. */
static inline int act(st_policy_walk *w, st_policy_frame *f, enum act a, size_t mstart, size_t voff,
                      char v, uint8_t child, bool second)
{
    w->todo = A_SKIP;
    switch (a) {
    case A_SKIP:
        return ST_JSON_HOOK_SKIP;
    case A_FILTER:
    case A_TYPE:
    case A_TEXT:
        w->todo = (uint8_t)a;
        w->todo_start = voff;
        return ST_JSON_HOOK_SKIP;
    case A_REMOVE:
        w->todo = A_REMOVE;
        w->todo_start = f->kept ? f->last_end : mstart;
        w->todo_sets_pending = !f->kept;
        f->cur_removed = true;
        return ST_JSON_HOOK_SKIP;
    case A_DESCEND:
        if (!push(w, child, v == '[', second))
            return stop(w, ST_POLICY_ERROR);
        return ST_JSON_HOOK_ENTER;
    case A_OOM:
    default:
        return stop(w, ST_POLICY_ERROR);
    }
}

/* Whether an unescaped top-level key is one decide_key looks at (X_ROOT). Most top-level
 * members are not: they leave at once, and the top-level object needs no bookkeeping
 * (nothing is ever removed from it). */
__attribute__((always_inline)) static inline bool root_member_of_interest(const char *k, size_t n)
{
    switch (n) {
    case 4:
        return memcmp(k, "tags", 4) == 0 || memcmp(k, "user", 4) == 0;
    case 5:
        return memcmp(k, "extra", 5) == 0;
    case 7:
        return memcmp(k, "request", 7) == 0 || memcmp(k, "message", 7) == 0;
    case 8:
        return memcmp(k, "contexts", 8) == 0 || memcmp(k, "logentry", 8) == 0;
    case 9:
        return memcmp(k, "exception", 9) == 0;
    case 11:
        return memcmp(k, "breadcrumbs", 11) == 0;
    default:
        return false;
    }
}

static int on_key_decide(st_policy_walk *w, size_t moff, const char *k, size_t n, bool escaped,
                         size_t voff, char v);

static inline int on_key(st_policy_walk *w, size_t moff, const char *k, size_t n, bool escaped,
                         size_t voff, char v)
{
    if (w->nfr == 1 && !escaped && !root_member_of_interest(k, n))
        return ST_JSON_HOOK_SKIP; /* (todo is A_SKIP between members) */
    return on_key_decide(w, moff, k, n, escaped, voff, v);
}

__attribute__((noinline)) static int on_key_decide(st_policy_walk *w, size_t moff, const char *k,
                                                   size_t n, bool escaped, size_t voff, char v)
{
    st_policy_frame *f = &w->fr[w->nfr - 1];
    begin_member(w, f, moff);
    size_t kn;
    const char *kt = text(w, k, n, escaped, &kn);
    if (!kt)
        return stop(w, ST_POLICY_ERROR);
    uint8_t child = X_SCRUB;
    enum act a = decide_key(w->pol, f, kt, kn, v, &child);
    return act(w, f, a, moff, voff, v, child, false);
}

static inline int on_elem(st_policy_walk *w, size_t off, char v)
{
    st_policy_frame *f = &w->fr[w->nfr - 1];
    begin_member(w, f, off);
    uint8_t child = X_SCRUB;
    bool second = false;
    enum act a = decide_elem(w, f, w->buf + off, w->buf + w->len, &child, &second);
    return act(w, f, a, off, off, v, child, second);
}

static inline int on_value_end(st_policy_walk *w, size_t off)
{
    if (w->todo == A_SKIP && w->nfr == 1)
        return ST_JSON_HOOK_SKIP; /* a top-level member: no bookkeeping (see on_key) */
    st_policy_frame *f = &w->fr[w->nfr - 1];
    size_t s = w->todo_start;
    switch (w->todo) {
    case A_FILTER:
        if (!(off - s == FILTERED_LEN && memcmp(w->buf + s, FILTERED, FILTERED_LEN) == 0) &&
            add_edit(w, s, off, true) < 0)
            return stop(w, ST_POLICY_ERROR);
        break;
    case A_REMOVE: {
        long e = add_edit(w, s, off, false);
        if (e < 0)
            return stop(w, ST_POLICY_ERROR);
        if (w->todo_sets_pending)
            f->pending = e;
        break;
    }
    case A_TYPE:
    case A_TEXT: { /* a string from s to off, quotes included */
        const char *b = w->buf + s + 1;
        size_t bn = off - s - 2, tn;
        const char *t = text(w, b, bn, memchr(b, '\\', bn) != NULL, &tn);
        if (!t)
            return stop(w, ST_POLICY_ERROR);
        if (w->todo == A_TYPE ? st_pol_type_ignored(w->pol, t, tn)
                              : st_pol_text_ignored(w->pol, t, tn))
            return stop(w, ST_POLICY_IGNORED);
        break;
    }
    default:
        break;
    }
    w->todo = A_SKIP;
    f->last_end = off;
    return ST_JSON_HOOK_SKIP;
}

static inline void on_close(st_policy_walk *w)
{
    if (w->nfr > 0)
        w->nfr--;
}

static bool policy_is_noop(const st_policy *p)
{
    return !p->n_scrub && !p->n_ignore && p->send_default_pii;
}

void st_policy_walk_begin(st_policy_walk *w, const st_policy *pol, const char *json, size_t len)
{
    w->pol = pol;
    w->buf = json;
    w->len = len;
    w->verdict = ST_POLICY_KEEP;
    w->todo = A_SKIP;
    w->todo_sets_pending = false;
    w->todo_start = 0;
    w->fr = w->fr_inline;
    w->nfr = 0;
    w->capfr = ST_POLICY_FRAMES_INLINE;
    w->ed = w->ed_inline;
    w->ned = 0;
    w->caped = ST_POLICY_EDITS_INLINE;
    w->heap_scratch = NULL;
    w->heap_scratch_cap = 0;
    w->trusted = false;
    w->active = pol && !policy_is_noop(pol);
    if (w->active)
        push(w, X_ROOT, false, false); /* (inline room: cannot fail) */
}

/* the validator of the containers the walk does not enter (no hooks, nothing reported) */
#define JS_FN skip_container
#define JS_EXTRA_PARAMS
#define JS_HOOKED 0
#define JS_SUBTREE 1
#define JS_KEY(moff, k, n, escaped, voff, v)                                                       \
    ((void)(moff), (void)(k), (void)(n), (void)(escaped), (void)(voff), (void)(v), 0)
#define JS_ELEM(off, v) ((void)(off), (void)(v), 0)
#define JS_VALUE_END(off) ((void)(off), 0)
#define JS_CLOSE() ((void)0)
#include "jsonscan_body.h"

/* A container of trusted JSON (the walk's `trusted`: ext/json's own output, which is valid
 * JSON and valid UTF-8) that the walk does not enter: only its end is needed, so only
 * quotes, backslashes and brackets are looked at, 64 bytes at a time. Nesting deeper than
 * max_depth, or anything unexpected, goes to the validating skip_container from the start,
 * so the result (and any error) is always the one skip_container gives. */
#if defined(JS_SSE2)
typedef struct trusted_masks {
    uint64_t quote, bslash, open, close; /* bit i: p[i] is '"', '\\', '{' or '[', '}' or ']' */
} trusted_masks;

static inline void trusted_masks_at(const unsigned char *p, const unsigned char *end,
                                    trusted_masks *m)
{
    unsigned char tmp[64];
    if (JS_EXPECT(end - p < 64, 0)) {
        memset(tmp, 0, sizeof tmp); /* 0x00 is none of them */
        memcpy(tmp, p, (size_t)(end - p));
        p = tmp;
    }
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i fold = _mm_set1_epi8(0x20); /* '[' | 0x20 == '{', ']' | 0x20 == '}' */
    const __m128i open = _mm_set1_epi8('{'), close = _mm_set1_epi8('}');
    m->quote = m->bslash = m->open = m->close = 0;
    for (int i = 0; i < 4; i++) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
        __m128i f = _mm_or_si128(x, fold);
        m->quote |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, quote)) << (16 * i);
        m->bslash |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, bslash)) << (16 * i);
        m->open |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(f, open)) << (16 * i);
        m->close |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(f, close)) << (16 * i);
    }
}
#endif

static const unsigned char *skip_trusted(const unsigned char *const start,
                                         const unsigned char *const end, const unsigned char *p0,
                                         int depth, int max_depth, size_t *boff, uint64_t *bmask,
                                         const char **err)
{
#if defined(JS_SSE2)
    /* Per 64-byte block: the quotes that are not escaped, the bytes inside strings (a
     * prefix XOR of those quotes), and the brackets outside strings, walked in order. */
    const unsigned char *base = p0;
    uint64_t in_str_carry = 0; /* all ones: the block starts inside a string */
    bool esc_carry = false;    /* the block's first byte is escaped */
    int d = 0;                 /* containers open, relative to p0's */
    while (base < end) {
        trusted_masks m;
        trusted_masks_at(base, end, &m);
        uint64_t escaped = esc_carry ? 1 : 0;
        esc_carry = false;
        if (JS_EXPECT(m.bslash != 0, 0)) {
            uint64_t b = m.bslash & ~escaped;
            while (b) {
                int i = __builtin_ctzll(b);
                if (i == 63) {
                    esc_carry = true;
                    break;
                }
                escaped |= 2ull << i;
                b &= ~(3ull << i); /* (an escaped backslash escapes nothing) */
            }
        }
        uint64_t q = m.quote & ~escaped;
        q ^= q << 1;
        q ^= q << 2;
        q ^= q << 4;
        q ^= q << 8;
        q ^= q << 16;
        q ^= q << 32;
        uint64_t in_str = q ^ in_str_carry;
        in_str_carry = (uint64_t)0 - (in_str >> 63);
        uint64_t br = (m.open | m.close) & ~in_str;
        while (br) {
            int i = __builtin_ctzll(br);
            br &= br - 1;
            if (m.open >> i & 1) {
                if (depth + d >= max_depth)
                    goto validate; /* let the validating scan say so */
                d++;
            } else if (--d == 0) {
                return base + i + 1;
            }
        }
        base += 64;
    }
validate:
#endif
    return skip_container(start, end, p0, depth, max_depth, boff, bmask, err);
}

/* the scan with the walk's hooks compiled in */
#define JS_SKIP(start, end, p, depth, max_depth, boff, bmask, err)                                 \
    (w->trusted ? skip_trusted(start, end, p, depth, max_depth, boff, bmask, err)                  \
                : skip_container(start, end, p, depth, max_depth, boff, bmask, err))
#define JS_FN scan_walk
#define JS_EXTRA_PARAMS , st_policy_walk *w
#define JS_HOOKED 1
#define JS_KEY(moff, k, n, escaped, voff, v) on_key(w, moff, k, n, escaped, voff, v)
#define JS_ELEM(off, v) on_elem(w, off, v)
#define JS_VALUE_END(off) on_value_end(w, off)
#define JS_CLOSE() on_close(w)
#include "jsonscan_body.h"

int st_policy_walk_scan(st_policy_walk *w, const char *const *keys, size_t nkeys, st_span *values,
                        st_json_object_info *info, const char **err)
{
    const char *dummy_err;
    if (!err)
        err = &dummy_err;
    if (!w->active)
        return st_json_scan_object_keys(w->buf, w->len, ST_MAX_JSON_DEPTH, keys, nkeys, values,
                                        NULL, info, err);
    return scan_walk(w->buf, w->len, ST_MAX_JSON_DEPTH, keys, nkeys, values, NULL, info, err, w);
}

st_policy_verdict st_policy_walk_finish(st_policy_walk *w, int rc, char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (rc > 0)
        return w->verdict;
    if (rc < 0)
        return ST_POLICY_ERROR;
    if (!w->ned)
        return ST_POLICY_KEEP;
    size_t len = w->len, total = len, pos = 0;
    for (size_t i = 0; i < w->ned; i++) {
        const st_policy_edit *e = &w->ed[i];
        if (e->start < pos || e->end < e->start || e->end > len)
            return ST_POLICY_ERROR; /* cannot happen: edits are ordered and disjoint */
        total -= e->end - e->start;
        if (e->filter)
            total += FILTERED_LEN;
        pos = e->end;
    }
    char *o = malloc(total ? total : 1);
    if (!o)
        return ST_POLICY_ERROR;
    size_t j = 0;
    pos = 0;
    for (size_t i = 0; i < w->ned; i++) {
        const st_policy_edit *e = &w->ed[i];
        memcpy(o + j, w->buf + pos, e->start - pos);
        j += e->start - pos;
        if (e->filter) {
            memcpy(o + j, FILTERED, FILTERED_LEN);
            j += FILTERED_LEN;
        }
        pos = e->end;
    }
    memcpy(o + j, w->buf + pos, len - pos);
    j += len - pos;
    *out = o;
    *out_len = j;
    return ST_POLICY_KEEP;
}

size_t st_policy_walk_map(const st_policy_walk *w, size_t off)
{
    size_t r = off;
    for (size_t i = 0; i < w->ned && w->ed[i].end <= off; i++) {
        r -= w->ed[i].end - w->ed[i].start;
        if (w->ed[i].filter)
            r += FILTERED_LEN;
    }
    return r;
}

void st_policy_walk_end(st_policy_walk *w)
{
    if (w->fr != w->fr_inline)
        free(w->fr);
    if (w->ed != w->ed_inline)
        free(w->ed);
    free(w->heap_scratch);
    w->fr = w->fr_inline;
    w->ed = w->ed_inline;
    w->heap_scratch = NULL;
    w->nfr = w->ned = 0;
}
