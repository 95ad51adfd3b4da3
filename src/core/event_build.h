/* The Sentry event of captureException / captureMessage / automatic capture (issue #9),
 * built in plain C: structs in, JSON bytes out. The Zend side (src/php/capture.c) only
 * walks the Throwable and the scope and fills these structs with pointers into PHP's
 * strings; nothing here knows PHP. Reentrant; allocates with malloc only (or writes into
 * a caller's fixed buffer), so the fatal-error path can use it when PHP's allocator is
 * exhausted.
 *
 * Bounds (an event is never a runaway): at most ST_EVENT_MAX_EXCEPTIONS exceptions (a
 * cycle in the chain ends it), ST_EVENT_MAX_FRAMES frames per exception (the innermost
 * and the outermost are kept, one note frame "[N frames omitted]" stands for the rest),
 * messages and exception values cut at ST_EVENT_MAX_MESSAGE bytes ("..." appended), file
 * and function names at 1024 bytes. If the whole event still exceeds ST_EVENT_MAX_BYTES
 * it is rebuilt with fewer frames, no source context, then without the scope members. */
#ifndef ST_EVENT_BUILD_H
#define ST_EVENT_BUILD_H

#include "common.h"
#include "event_source.h"
#include "jsonw.h"

#define ST_EVENT_MAX_EXCEPTIONS 16
#define ST_EVENT_MAX_FRAMES 100
#define ST_EVENT_MAX_MESSAGE 8192
#define ST_EVENT_MAX_NAME 1024
#define ST_EVENT_MAX_BYTES (ST_MAX_EVENT_ITEM_BYTES - 64u * 1024u)
#define ST_EVENT_MAX_CONTEXT_LINES 20
#define ST_EVENT_DEFAULT_IN_APP_EXCLUDE "/vendor/"

typedef struct st_ev_str {
    const char *p;
    size_t n;
} st_ev_str;

/* One frame as PHP knows it: a function running at file:line. */
typedef struct st_ev_frame {
    st_ev_str file;     /* absolute path; n 0: an internal function ("[internal]") */
    st_ev_str cls;      /* class of a method, or n 0 */
    st_ev_str function; /* n 0: top-level code of a file ("{main}") */
    long lineno;        /* 0: unknown */
} st_ev_frame;

typedef struct st_ev_exception {
    st_ev_str type;  /* the class */
    st_ev_str value; /* the message */
    /* The kept frames, INNERMOST FIRST (PHP's order; the frame that threw is frames[0]).
     * When frames were left out, they sat between frames[inner-1] and frames[inner]. */
    const st_ev_frame *frames;
    size_t nframes;
    size_t inner;   /* frames before the gap (== nframes when none omitted) */
    size_t omitted; /* frames left out */
    uintptr_t id;   /* identity for cycle detection (the object's address) */
} st_ev_exception;

/* A member whose value the caller already encoded as JSON (tags, extra, user, contexts,
 * fingerprint, transaction, breadcrumbs, …). */
typedef struct st_ev_member {
    const char *key;
    const char *json;
    size_t len;
} st_ev_member;

typedef struct st_ev_input {
    const char *level; /* NULL: "error" */
    st_ev_str message; /* p NULL: no message */
    /* OUTERMOST FIRST (the caught exception, then getPrevious(), …); written as Sentry
     * wants them, oldest cause first. */
    const st_ev_exception *exceptions;
    size_t nexceptions;
    const char *mechanism; /* NULL: "generic" */
    bool handled;
    const st_ev_member *members;
    size_t nmembers;
    const char *in_app_exclude; /* comma-separated path substrings; NULL/"": none */
    int context_lines;          /* source lines around each frame's line; 0: none */
    st_ev_source *source;       /* a file cache kept by the caller; NULL: one for this build */
} st_ev_input;

/* Of `total` frames, how many innermost (`*inner`) and outermost (`*outer`) to keep so that
 * at most `max` are kept. */
void st_event_frames_pick(size_t total, size_t max, size_t *inner, size_t *outer);

/* Append an exception to a chain being walked (outermost first). Returns false, adding
 * nothing, when its id is already in the chain (a cycle) or the chain holds `cap`. */
bool st_event_chain_push(st_ev_exception *chain, size_t *n, size_t cap, const st_ev_exception *e);

/* Write the event JSON object into w (which the caller initialized). Returns 0, or -1
 * when w failed (out of memory, or a fixed buffer too small even for the smallest form). */
int st_event_build(const st_ev_input *in, st_jw *w);

/* Sentry's level for a user's word: "debug", "info", "warning" (also "warn"), "error",
 * "fatal" (case-insensitive); anything else gives `dflt`. */
const char *st_event_level(const char *s, size_t n, const char *dflt);

#endif
