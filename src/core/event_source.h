/* Source context of stack frames (sentry_transport.context_lines, issue #9): the lines
 * around a frame's line, read from the file with stdio. Files are cached: a cache can live
 * for the whole process (the Zend side keeps one), and every cached file is checked with
 * one stat() per event build (size, mtime, inode), so an edited file is read again. At
 * most ST_EVENT_SOURCE_FILES files and ST_EVENT_SOURCE_MAX_BYTES bytes are kept, the least
 * recently used file goes first. Plain C11; malloc only; one thread at a time per cache. */
#ifndef ST_EVENT_SOURCE_H
#define ST_EVENT_SOURCE_H

#include "common.h"
#include "jsonw.h"

#include <sys/types.h>
#include <time.h>

#define ST_EVENT_SOURCE_MAX_FILE (1024u * 1024u)       /* larger files get no context */
#define ST_EVENT_SOURCE_MAX_BYTES (8u * 1024u * 1024u) /* all cached files together */
#define ST_EVENT_SOURCE_FILES 32
#define ST_EVENT_SOURCE_MAX_LINE 200 /* bytes kept of one line */

typedef struct st_ev_source_file {
    char *path; /* NULL: free slot */
    size_t path_len;
    bool missing;   /* could not be read (or too large): no context */
    char *data;     /* every line as a JSON string (escaped once, when read) */
    size_t len;     /* bytes of data */
    size_t *starts; /* line i is data[starts[i] .. starts[i + 1]) */
    size_t nlines;
    off_t size;
    ino_t ino;
    struct timespec mtime;
    uint64_t used;    /* LRU tick */
    uint64_t checked; /* build generation of the last stat() */
} st_ev_source_file;

typedef struct st_ev_source {
    st_ev_source_file files[ST_EVENT_SOURCE_FILES];
    size_t bytes;
    uint64_t tick, gen;
} st_ev_source;

void st_ev_source_init(st_ev_source *s);
void st_ev_source_free(st_ev_source *s);
/* A new event build begins: cached files are checked again (once each) before use. */
void st_ev_source_begin(st_ev_source *s);

/* Append `,"pre_context":[…],"context_line":"…","post_context":[…]` for line `lineno`
 * (1-based) of `path` with n lines either side; nothing when the file cannot be read, is
 * too large, or has no such line. Lines are written without their line ending. */
void st_ev_source_write(st_ev_source *s, st_jw *w, const char *path, size_t path_len, long lineno,
                        int n);

#endif
