/* Sentry data categories and the item types that map to them (DESIGN.md §6). */
#ifndef ST_CATEGORY_H
#define ST_CATEGORY_H

#include "common.h"

typedef enum st_category {
    ST_CAT_ALL = 0, /* the "all categories" rate limit; client_report items count only here */
    ST_CAT_ERROR,
    ST_CAT_TRANSACTION,
    ST_CAT_ATTACHMENT,
    ST_CAT_SESSION,
    ST_CAT_MONITOR,
    ST_CAT_LOG_ITEM,
    ST_CAT_SPAN,
    ST_CAT_PROFILE,
    ST_CAT_REPLAY,
    ST_CAT_FEEDBACK,
    ST_CAT_COUNT
} st_category;

/* Item type ("event", "transaction", "attachment", "session", "sessions", "check_in",
 * "log", "span", "profile", "replay_event", "replay_recording", "feedback",
 * "client_report", …) → category; unknown types and client_report → ST_CAT_ALL. */
st_category st_category_from_item_type(const char *type, size_t len);
/* Category → Sentry's name ("error", "transaction", …); ST_CAT_ALL → "all". */
const char *st_category_name(st_category c);
/* Sentry's category name → category; -1 if unknown. */
int st_category_from_name(const char *name, size_t len);

#endif
