/* The scope of captureException / captureMessage (issue #9): tags, extra, user, contexts,
 * fingerprint, transaction and breadcrumbs, kept until the request ends (RSHUTDOWN) or
 * clearScope(). Breadcrumbs are kept as JSON in malloc'd memory, at most
 * sentry_transport.max_breadcrumbs, the oldest dropped. PHP's thread only. */
#ifndef ST_PHP_SCOPE_H
#define ST_PHP_SCOPE_H

#include "php.h"
#include "../core/jsonw.h"

/* configureScope(): merge the known keys; values of the wrong type are ignored. */
void st_scope_configure(HashTable *in);
/* clearScope() and RSHUTDOWN. */
void st_scope_clear(void);
/* addBreadcrumb(), and warnings/notices with error_breadcrumbs. data may be NULL. */
void st_scope_add_breadcrumb(const char *category, size_t category_len, const char *message,
                             size_t message_len, const char *level, HashTable *data);

#define ST_SCOPE_MAX_MEMBERS 8
typedef struct st_scope_members {
    const char *key[ST_SCOPE_MAX_MEMBERS];
    size_t off[ST_SCOPE_MAX_MEMBERS], len[ST_SCOPE_MAX_MEMBERS];
    size_t n;
} st_scope_members;

/* Write the event members of the scope merged with a capture's context (NULL: none;
 * context wins) into w, and where each one's JSON value lies. Uses no PHP allocation.
 * *level is set to the context's "level" when it names a Sentry level. */
void st_scope_write_members(st_jw *w, HashTable *context, st_scope_members *out,
                            const char **level);

#endif
