/* captureException / captureMessage (issue #9): the Zend side walks the Throwable, its
 * trace and the scope, the event JSON is built in src/core (event_build.h) and queued
 * like sendEvent(). PHP's thread only. */
#ifndef ST_PHP_CAPTURE_H
#define ST_PHP_CAPTURE_H

#include "php.h"

/* Queue one event JSON object through sendEvent()'s path (policy, defaults, sampling,
 * rate limits); writes sendEvent's result into result. In sentry_transport.c. */
void st_php_send_event_json(const char *json, size_t len, zval *result);

/* What kind of capture: the mechanism of the exceptions and whether it was handled. */
typedef enum st_capture_kind {
    ST_CAPTURE_HANDLED = 0,  /* captureException: mechanism generic, handled */
    ST_CAPTURE_UNCAUGHT = 1, /* capture_errors: an uncaught exception */
} st_capture_kind;

/* Report a Throwable; result gets sendEvent's shape (NULL: not wanted). level NULL:
 * "error" unless the context names one. */
void st_capture_exception(zend_object *ex, HashTable *context, st_capture_kind kind,
                          const char *level, zval *result);
void st_capture_message(const char *msg, size_t len, const char *level, HashTable *context,
                        zval *result);
/* A fatal error (capture_errors): level fatal, the error as an exception value named after
 * its type (E_ERROR, …) with the stack PHP still has. Builds with malloc only. */
void st_capture_fatal(int type, const char *file, size_t file_len, uint32_t line, const char *msg,
                      size_t msg_len);

/* RSHUTDOWN: forget a capture a bailout interrupted. */
void st_capture_rshutdown(void);
/* MSHUTDOWN: free the source-file cache of context_lines. */
void st_capture_shutdown(void);

#endif
