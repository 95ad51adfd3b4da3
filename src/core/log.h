/* Structured JSON-line logging, safe from PHP's thread and the drainer thread.
 * {"time":"2026-11-22T13:24:55.123Z","level":"error","message":"…","pid":123,<fields>}
 * Repeats of the same message within a window are collapsed into one line with
 * "repeated":N, so a failing upstream does not write one line per event. */
#ifndef ST_LOG_H
#define ST_LOG_H

#include "config.h"

/* (Re)configure: level and destination; path "" or NULL → stderr. Opened O_APPEND,
 * created 0600. Safe to call again after fork. */
void st_log_configure(st_log_level level, const char *path);
bool st_log_enabled(st_log_level level);
/* Fields are key/value string pairs, terminated by a NULL key. Values are JSON-escaped.
 * Never pass a secret here. */
void st_log(st_log_level level, const char *message, ...) __attribute__((sentinel));
/* Flush a pending "repeated" summary (at shutdown). */
void st_log_flush(void);
const char *st_log_level_name(st_log_level level);

#endif
