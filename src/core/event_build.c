/* The Sentry event JSON of captureException / captureMessage / automatic capture
 * (see event_build.h). */
#include "event_build.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

void st_event_frames_pick(size_t total, size_t max, size_t *inner, size_t *outer)
{
    if (max == 0) {
        *inner = *outer = 0;
        return;
    }
    if (total <= max) {
        *inner = total;
        *outer = 0;
        return;
    }
    /* The innermost frames say where it broke; a few outermost say how it got there. */
    *outer = max / 5;
    *inner = max - *outer;
}

bool st_event_chain_push(st_ev_exception *chain, size_t *n, size_t cap, const st_ev_exception *e)
{
    if (*n >= cap)
        return false;
    for (size_t i = 0; i < *n; i++)
        if (chain[i].id == e->id)
            return false;
    chain[(*n)++] = *e;
    return true;
}

/* How hard the event is squeezed: each level is tried when the previous was too big. */
typedef struct build_opts {
    size_t max_frames;  /* per exception */
    int context_lines;  /* capped by the input's */
    bool members;       /* scope/context members */
    size_t max_message; /* message and exception values */
} build_opts;

static const build_opts levels[] = {
    {ST_EVENT_MAX_FRAMES, ST_EVENT_MAX_CONTEXT_LINES, true, ST_EVENT_MAX_MESSAGE},
    {20, 0, true, ST_EVENT_MAX_MESSAGE},
    {20, 0, false, ST_EVENT_MAX_MESSAGE},
    {5, 0, false, 1024},
};

/* The in_app_exclude entries, split once per build. */
#define MAX_EXCLUDES 32
typedef struct excludes {
    st_ev_str e[MAX_EXCLUDES];
    size_t n;
} excludes;

static void split_excludes(const char *list, excludes *x)
{
    x->n = 0;
    const char *p = list ? list : "";
    while (*p && x->n < MAX_EXCLUDES) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        const char *e = p;
        while (*e && *e != ',')
            e++;
        const char *t = e;
        while (t > p && (t[-1] == ' ' || t[-1] == '\t'))
            t--;
        if (t > p)
            x->e[x->n++] = (st_ev_str){p, (size_t)(t - p)};
        p = e;
    }
}

/* in_app: false for internal functions and for paths containing an exclude entry. */
static bool in_app(const excludes *x, st_ev_str file)
{
    if (file.n == 0)
        return false;
    for (size_t i = 0; i < x->n; i++)
        if (memmem(file.p, file.n, x->e[i].p, x->e[i].n))
            return false;
    return true;
}

static void write_function(st_jw *w, const st_ev_frame *f)
{
    if (f->function.n == 0) {
        st_jw_lit(w, "\"{main}\"");
        return;
    }
    if (f->cls.n == 0) {
        (void)st_jw_str(w, f->function.p, f->function.n, ST_EVENT_MAX_NAME);
        return;
    }
    /* "Class::method": one string, escaped as a whole */
    char buf[2 * ST_EVENT_MAX_NAME + 2];
    size_t c = f->cls.n < ST_EVENT_MAX_NAME ? f->cls.n : ST_EVENT_MAX_NAME;
    size_t m = f->function.n < ST_EVENT_MAX_NAME ? f->function.n : ST_EVENT_MAX_NAME;
    c = st_utf8_cut(f->cls.p, f->cls.n, c);
    m = st_utf8_cut(f->function.p, f->function.n, m);
    memcpy(buf, f->cls.p, c);
    memcpy(buf + c, "::", 2);
    memcpy(buf + c + 2, f->function.p, m);
    (void)st_jw_str(w, buf, c + 2 + m, 0);
}

static void write_frame(st_jw *w, const excludes *x, const st_ev_frame *f, int ctx,
                        st_ev_source *src)
{
    st_jw_lit(w, "{\"filename\":");
    if (f->file.n) {
        size_t at = w->len;
        (void)st_jw_str(w, f->file.p, f->file.n, ST_EVENT_MAX_NAME);
        size_t n = w->len - at;
        st_jw_lit(w, ",\"abs_path\":");
        /* the same escaped text again (copied from the buffer, which may move) */
        if (!w->failed && n < w->cap - w->len) {
            memcpy(w->buf + w->len, w->buf + at, n);
            w->len += n;
        } else {
            (void)st_jw_str(w, f->file.p, f->file.n, ST_EVENT_MAX_NAME);
        }
    } else {
        st_jw_lit(w, "\"[internal]\"");
    }
    if (f->lineno > 0) {
        st_jw_lit(w, ",\"lineno\":");
        st_jw_int(w, f->lineno);
    }
    st_jw_lit(w, ",\"function\":");
    write_function(w, f);
    st_jw_lit(w, ",\"in_app\":");
    st_jw_bool(w, in_app(x, f->file));
    if (ctx > 0 && src && f->file.n)
        st_ev_source_write(src, w, f->file.p, f->file.n, f->lineno, ctx);
    st_jw_raw(w, "}", 1);
}

static void write_note(st_jw *w, size_t omitted, bool *first)
{
    char note[64];
    int n = snprintf(note, sizeof note, "[%zu frames omitted]", omitted);
    if (!*first)
        st_jw_raw(w, ",", 1);
    *first = false;
    st_jw_lit(w, "{\"filename\":\"[omitted]\",\"function\":");
    (void)st_jw_str(w, note, (size_t)n, 0);
    st_jw_lit(w, ",\"in_app\":false}");
}

static void write_frames(st_jw *w, const st_ev_input *in, const excludes *x,
                         const st_ev_exception *e, const build_opts *o, st_ev_source *src)
{
    /* Innermost-first indices [gap_lo, gap_hi) are left out, and `omitted` frames (the
     * caller's gap and this level's) are noted there. */
    size_t total = e->nframes, keep_in, keep_out, gap_lo, gap_hi, omitted;
    st_event_frames_pick(total, o->max_frames, &keep_in, &keep_out);
    if (keep_in + keep_out >= total) {
        gap_lo = gap_hi = e->inner <= total ? e->inner : total;
        omitted = e->omitted;
    } else {
        gap_lo = keep_in;
        gap_hi = total - keep_out;
        omitted = e->omitted + (gap_hi - gap_lo);
    }
    int ctx = o->context_lines < in->context_lines ? o->context_lines : in->context_lines;
    /* Sentry's order: outermost (caller) first, the frame that threw last. */
    st_jw_lit(w, "{\"frames\":[");
    bool first = true;
    if (omitted > 0 && gap_hi == total)
        write_note(w, omitted, &first);
    for (size_t k = total; k-- > 0;) {
        if (k >= gap_lo && k < gap_hi)
            continue;
        if (!first)
            st_jw_raw(w, ",", 1);
        first = false;
        write_frame(w, x, &e->frames[k], ctx, src);
        if (omitted > 0 && k == gap_hi)
            write_note(w, omitted, &first);
    }
    st_jw_lit(w, "]}");
}

static void build(const st_ev_input *in, const build_opts *o, st_jw *w, st_ev_source *src)
{
    excludes x;
    split_excludes(in->in_app_exclude, &x);
    st_jw_lit(w, "{\"level\":");
    st_jw_cstr(w, in->level ? in->level : "error");
    if (in->message.p) {
        st_jw_lit(w, ",\"message\":{\"formatted\":");
        (void)st_jw_str(w, in->message.p, in->message.n, o->max_message);
        st_jw_raw(w, "}", 1);
    }
    size_t nex =
        in->nexceptions < ST_EVENT_MAX_EXCEPTIONS ? in->nexceptions : ST_EVENT_MAX_EXCEPTIONS;
    if (nex > 0) {
        st_jw_lit(w, ",\"exception\":{\"values\":[");
        for (size_t i = nex; i-- > 0;) { /* oldest cause first */
            const st_ev_exception *e = &in->exceptions[i];
            if (i != nex - 1)
                st_jw_raw(w, ",", 1);
            st_jw_lit(w, "{\"type\":");
            if (e->type.n)
                (void)st_jw_str(w, e->type.p, e->type.n, ST_EVENT_MAX_NAME);
            else
                st_jw_lit(w, "\"Error\"");
            st_jw_lit(w, ",\"value\":");
            (void)st_jw_str(w, e->value.p ? e->value.p : "", e->value.p ? e->value.n : 0,
                            o->max_message);
            st_jw_lit(w, ",\"mechanism\":{\"type\":");
            st_jw_cstr(w, in->mechanism ? in->mechanism : "generic");
            st_jw_lit(w, ",\"handled\":");
            st_jw_bool(w, in->handled);
            st_jw_raw(w, "}", 1);
            if (e->nframes > 0 || e->omitted > 0) {
                st_jw_lit(w, ",\"stacktrace\":");
                write_frames(w, in, &x, e, o, src);
            }
            st_jw_raw(w, "}", 1);
        }
        st_jw_lit(w, "]}");
    }
    if (o->members) {
        for (size_t i = 0; i < in->nmembers; i++) {
            const st_ev_member *m = &in->members[i];
            if (!m->key || !m->json || m->len == 0)
                continue;
            st_jw_raw(w, ",", 1);
            st_jw_cstr(w, m->key);
            st_jw_raw(w, ":", 1);
            st_jw_raw(w, m->json, m->len);
        }
    }
    st_jw_raw(w, "}", 1);
}

int st_event_build(const st_ev_input *in, st_jw *w)
{
    st_ev_source local, *src = in->source;
    /* no file reading when writing into a fixed buffer (the fatal-error path) */
    bool files = in->context_lines > 0 && !w->fixed;
    if (files && !src) {
        st_ev_source_init(&local);
        src = &local;
    }
    if (files)
        st_ev_source_begin(src);
    size_t start = w->len;
    int rc = -1;
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        w->len = start;
        w->failed = false;
        build(in, &levels[l], w, files ? src : NULL);
        if (!w->failed && w->len - start <= ST_EVENT_MAX_BYTES) {
            rc = 0;
            break;
        }
        if (w->failed && !w->fixed)
            break; /* out of memory: a smaller try would not help much; give up */
    }
    if (files && src == &local)
        st_ev_source_free(&local);
    if (rc != 0) {
        w->len = start;
        w->failed = true;
    }
    return rc;
}

const char *st_event_level(const char *s, size_t n, const char *dflt)
{
    static const char *const names[] = {"debug", "info", "warning", "error", "fatal"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (n == strlen(names[i]) && strncasecmp(s, names[i], n) == 0)
            return names[i];
    if (n == 4 && strncasecmp(s, "warn", 4) == 0)
        return "warning";
    return dflt;
}
