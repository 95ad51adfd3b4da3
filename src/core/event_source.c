/* Source context of stack frames (see event_source.h). */
#include "event_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void st_ev_source_init(st_ev_source *s)
{
    memset(s, 0, sizeof *s);
    s->gen = 1; /* a file's `checked` 0 means: never looked at */
}

static void drop(st_ev_source *s, st_ev_source_file *f)
{
    s->bytes -= f->len;
    free(f->path);
    free(f->data);
    free(f->starts);
    memset(f, 0, sizeof *f);
}

void st_ev_source_free(st_ev_source *s)
{
    for (size_t i = 0; i < ST_EVENT_SOURCE_FILES; i++)
        if (s->files[i].path)
            drop(s, &s->files[i]);
    st_ev_source_init(s);
}

void st_ev_source_begin(st_ev_source *s)
{
    s->gen++;
}

static bool same_file(const st_ev_source_file *f, const struct stat *st)
{
    return f->size == st->st_size && f->ino == st->st_ino &&
           f->mtime.tv_sec == st->st_mtim.tv_sec && f->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* Read the file into f (f->path set); false leaves it marked missing. */
static bool read_file(st_ev_source *s, st_ev_source_file *f, const struct stat *st)
{
    f->missing = true;
    f->size = st->st_size;
    f->ino = st->st_ino;
    f->mtime = st->st_mtim;
    if (!S_ISREG(st->st_mode) || st->st_size < 0 ||
        (unsigned long long)st->st_size > ST_EVENT_SOURCE_MAX_FILE)
        return false;
    FILE *fp = fopen(f->path, "rb");
    if (!fp)
        return false;
    size_t cap = (size_t)st->st_size + 1, len = 0;
    char *data = malloc(cap);
    while (data && len < cap) {
        size_t got = fread(data + len, 1, cap - len, fp);
        if (got == 0)
            break;
        len += got;
    }
    fclose(fp);
    if (!data || len != (size_t)st->st_size) { /* changed while read: no context this time */
        free(data);
        return false;
    }
    /* Each line escaped once, as a JSON string (cut at ST_EVENT_SOURCE_MAX_LINE bytes):
     * writing context is then a copy. starts[i]..starts[i+1] is line i's JSON. */
    size_t nlines = 1;
    for (size_t i = 0; i < len; i++)
        nlines += data[i] == '\n';
    if (len > 0 && data[len - 1] == '\n')
        nlines--; /* a final line ending opens no line of its own */
    size_t *starts = malloc((nlines + 1) * sizeof *starts);
    st_jw esc;
    st_jw_init(&esc, NULL, 0);
    size_t a = 0;
    for (size_t i = 0; starts && i < nlines; i++) {
        const char *nl = memchr(data + a, '\n', len - a);
        size_t b = nl ? (size_t)(nl - data) : len;
        size_t e = b > a && data[b - 1] == '\r' ? b - 1 : b;
        starts[i] = esc.len;
        (void)st_jw_str(&esc, data + a, e - a, ST_EVENT_SOURCE_MAX_LINE);
        a = b + 1;
    }
    free(data);
    size_t esc_len = 0;
    data = starts ? st_jw_take(&esc, &esc_len) : NULL;
    st_jw_free(&esc);
    if (!data) {
        free(starts);
        return false;
    }
    starts[nlines] = esc_len;
    len = esc_len;
    /* make room under the byte bound: least recently used first */
    while (s->bytes + len > ST_EVENT_SOURCE_MAX_BYTES) {
        st_ev_source_file *old = NULL;
        for (size_t i = 0; i < ST_EVENT_SOURCE_FILES; i++) {
            st_ev_source_file *c = &s->files[i];
            if (c->path && c != f && c->len > 0 && (!old || c->used < old->used))
                old = c;
        }
        if (!old)
            break;
        drop(s, old);
    }
    f->data = data;
    f->len = len;
    f->starts = starts;
    f->nlines = nlines;
    f->missing = false;
    s->bytes += len;
    return true;
}

/* Forget a cached file's text (it changed, or is gone). */
static void forget(st_ev_source *s, st_ev_source_file *f)
{
    s->bytes -= f->len;
    free(f->data);
    free(f->starts);
    f->data = NULL;
    f->starts = NULL;
    f->len = f->nlines = 0;
    f->missing = true;
}

/* The cached file for path, checked once per build; NULL when it has no source. */
static st_ev_source_file *lookup(st_ev_source *s, const char *path, size_t path_len)
{
    st_ev_source_file *f = NULL, *slot = NULL;
    for (size_t i = 0; i < ST_EVENT_SOURCE_FILES; i++) {
        st_ev_source_file *c = &s->files[i];
        if (c->path && c->path_len == path_len && memcmp(c->path, path, path_len) == 0) {
            f = c;
            break;
        }
        if (!slot || (slot->path && (!c->path || c->used < slot->used)))
            slot = c;
    }
    s->tick++;
    if (!f) {
        char *p = malloc(path_len + 1);
        if (!p)
            return NULL;
        memcpy(p, path, path_len);
        p[path_len] = '\0';
        if (slot->path)
            drop(s, slot);
        f = slot;
        f->path = p;
        f->path_len = path_len;
        f->missing = true;
        f->checked = 0; /* never looked at */
    }
    f->used = s->tick;
    if (f->checked == s->gen)
        return f->missing ? NULL : f;
    bool fresh = f->checked == 0;
    f->checked = s->gen;
    struct stat st;
    if (stat(f->path, &st) != 0) {
        forget(s, f);
        f->size = -1;
        return NULL;
    }
    if (!fresh && same_file(f, &st))
        return f->missing ? NULL : f;
    forget(s, f);
    return read_file(s, f, &st) ? f : NULL;
}

/* Line i (0-based) as a JSON string, without its line ending (escaped when read). */
static void line(const st_ev_source_file *f, st_jw *w, size_t i)
{
    st_jw_raw(w, f->data + f->starts[i], f->starts[i + 1] - f->starts[i]);
}

void st_ev_source_write(st_ev_source *s, st_jw *w, const char *path, size_t path_len, long lineno,
                        int n)
{
    if (n <= 0 || lineno <= 0 || path_len == 0)
        return;
    st_ev_source_file *f = lookup(s, path, path_len);
    if (!f)
        return;
    size_t at = (size_t)lineno - 1;
    size_t nlines = f->nlines;
    if (at >= nlines)
        return;
    size_t from = at > (size_t)n ? at - (size_t)n : 0;
    size_t to = at + (size_t)n + 1 < nlines ? at + (size_t)n + 1 : nlines;
    st_jw_lit(w, ",\"pre_context\":[");
    for (size_t i = from; i < at; i++) {
        if (i > from)
            st_jw_raw(w, ",", 1);
        line(f, w, i);
    }
    st_jw_lit(w, "],\"context_line\":");
    line(f, w, at);
    st_jw_lit(w, ",\"post_context\":[");
    for (size_t i = at + 1; i < to; i++) {
        if (i > at + 1)
            st_jw_raw(w, ",", 1);
        line(f, w, i);
    }
    st_jw_raw(w, "]", 1);
}
