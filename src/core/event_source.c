/* Source context of stack frames (see event_source.h). */
#include "event_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void st_ev_source_init(st_ev_source *s)
{
    s->path[0] = '\0';
    s->missing = false;
    s->data = NULL;
    s->starts = NULL;
    s->len = s->nlines = 0;
}

void st_ev_source_free(st_ev_source *s)
{
    free(s->data);
    free(s->starts);
    st_ev_source_init(s);
}

static bool load(st_ev_source *s, const char *path, size_t path_len)
{
    if (path_len < sizeof s->path && s->path[0] && strlen(s->path) == path_len &&
        memcmp(s->path, path, path_len) == 0)
        return !s->missing;
    st_ev_source_free(s);
    if (path_len == 0 || path_len >= sizeof s->path)
        return false;
    memcpy(s->path, path, path_len);
    s->path[path_len] = '\0';
    s->missing = true;
    FILE *f = fopen(s->path, "rb");
    if (!f)
        return false;
    size_t cap = 64 * 1024, len = 0;
    char *data = malloc(cap);
    while (data) {
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
        if (len == cap) {
            if (cap >= ST_EVENT_SOURCE_MAX_FILE) {
                free(data);
                data = NULL;
                break;
            }
            char *more = realloc(data, cap * 2);
            if (!more) {
                free(data);
                data = NULL;
                break;
            }
            data = more;
            cap *= 2;
        }
    }
    fclose(f);
    if (!data)
        return false;
    size_t nlines = 1;
    for (size_t i = 0; i < len; i++)
        nlines += data[i] == '\n';
    size_t *starts = malloc(nlines * sizeof *starts);
    if (!starts) {
        free(data);
        return false;
    }
    size_t k = 0;
    starts[k++] = 0;
    for (size_t i = 0; i < len; i++)
        if (data[i] == '\n')
            starts[k++] = i + 1;
    s->data = data;
    s->len = len;
    s->starts = starts;
    s->nlines = nlines;
    s->missing = false;
    return true;
}

/* Line i (0-based) as a JSON string, without its line ending. */
static void line(const st_ev_source *s, st_jw *w, size_t i)
{
    size_t a = s->starts[i];
    size_t b = i + 1 < s->nlines ? s->starts[i + 1] - 1 : s->len;
    if (b > a && s->data[b - 1] == '\r')
        b--;
    (void)st_jw_str(w, s->data + a, b - a, ST_EVENT_SOURCE_MAX_LINE);
}

void st_ev_source_write(st_ev_source *s, st_jw *w, const char *path, size_t path_len, long lineno,
                        int n)
{
    if (n <= 0 || lineno <= 0 || !load(s, path, path_len))
        return;
    size_t at = (size_t)lineno - 1;
    /* A final line ending opens no line of its own. */
    size_t nlines = s->nlines;
    if (nlines > 1 && s->starts[nlines - 1] == s->len)
        nlines--;
    if (at >= nlines)
        return;
    size_t from = at > (size_t)n ? at - (size_t)n : 0;
    size_t to = at + (size_t)n + 1 < nlines ? at + (size_t)n + 1 : nlines;
    st_jw_lit(w, ",\"pre_context\":[");
    for (size_t i = from; i < at; i++) {
        if (i > from)
            st_jw_raw(w, ",", 1);
        line(s, w, i);
    }
    st_jw_lit(w, "],\"context_line\":");
    line(s, w, at);
    st_jw_lit(w, ",\"post_context\":[");
    for (size_t i = at + 1; i < to; i++) {
        if (i > at + 1)
            st_jw_raw(w, ",", 1);
        line(s, w, i);
    }
    st_jw_raw(w, "]", 1);
}
