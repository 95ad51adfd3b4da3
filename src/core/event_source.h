/* Source context of stack frames (sentry_transport.context_lines, issue #9): the lines
 * around a frame's line, read from the file with stdio. One file is cached per event
 * build (a deep recursion reads its file once). Plain C11; malloc only. */
#ifndef ST_EVENT_SOURCE_H
#define ST_EVENT_SOURCE_H

#include "common.h"
#include "jsonw.h"

#define ST_EVENT_SOURCE_MAX_FILE (4u * 1024u * 1024u) /* larger files get no context */
#define ST_EVENT_SOURCE_MAX_LINE 200                  /* bytes kept of one line */

typedef struct st_ev_source {
    char path[1024]; /* the cached file; "" none */
    bool missing;    /* it could not be read */
    char *data;
    size_t len;
    size_t *starts; /* offset of each line's first byte */
    size_t nlines;
} st_ev_source;

void st_ev_source_init(st_ev_source *s);
void st_ev_source_free(st_ev_source *s);

/* Append `,"pre_context":[…],"context_line":"…","post_context":[…]` for line `lineno`
 * (1-based) of `path` with n lines either side; nothing when the file cannot be read, is
 * too large, or has no such line. Lines are written without their line ending. */
void st_ev_source_write(st_ev_source *s, st_jw *w, const char *path, size_t path_len, long lineno,
                        int n);

#endif
