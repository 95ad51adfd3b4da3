/* Item type → rate-limit category, and Sentry's category names (DESIGN.md §6).
 * Limits are stored by category and looked up by item type through this one table:
 * the seed plugin mixed the two ("event" ≠ "error") and only global limits ever applied. */
#include "category.h"

#include <string.h>

typedef struct type_map {
    const char *type;
    st_category cat;
} type_map;

static const type_map item_types[] = {
    {"event", ST_CAT_ERROR},
    {"transaction", ST_CAT_TRANSACTION},
    {"attachment", ST_CAT_ATTACHMENT},
    {"session", ST_CAT_SESSION},
    {"sessions", ST_CAT_SESSION},
    {"check_in", ST_CAT_MONITOR},
    {"log", ST_CAT_LOG_ITEM},
    {"span", ST_CAT_SPAN},
    {"profile", ST_CAT_PROFILE},
    {"profile_chunk", ST_CAT_PROFILE},
    {"replay_event", ST_CAT_REPLAY},
    {"replay_recording", ST_CAT_REPLAY},
    {"replay_video", ST_CAT_REPLAY},
    {"feedback", ST_CAT_FEEDBACK},
    {"user_report", ST_CAT_FEEDBACK},
    /* client_report (and anything unknown) is only subject to the "all" limit. */
    {"client_report", ST_CAT_ALL},
};

/* Indexed by st_category. */
static const char *const cat_names[ST_CAT_COUNT] = {
    [ST_CAT_ALL] = "all",
    [ST_CAT_ERROR] = "error",
    [ST_CAT_TRANSACTION] = "transaction",
    [ST_CAT_ATTACHMENT] = "attachment",
    [ST_CAT_SESSION] = "session",
    [ST_CAT_MONITOR] = "monitor",
    [ST_CAT_LOG_ITEM] = "log_item",
    [ST_CAT_SPAN] = "span",
    [ST_CAT_PROFILE] = "profile",
    [ST_CAT_REPLAY] = "replay",
    [ST_CAT_FEEDBACK] = "feedback",
};

static bool counted_eq(const char *s, size_t len, const char *lit)
{
    return strlen(lit) == len && memcmp(s, lit, len) == 0;
}

st_category st_category_from_item_type(const char *type, size_t len)
{
    if (!type)
        return ST_CAT_ALL;
    for (size_t i = 0; i < sizeof(item_types) / sizeof(item_types[0]); i++)
        if (counted_eq(type, len, item_types[i].type))
            return item_types[i].cat;
    return ST_CAT_ALL;
}

const char *st_category_name(st_category c)
{
    if ((int)c < 0 || c >= ST_CAT_COUNT)
        return "unknown";
    return cat_names[c];
}

/* Only the concrete category names are accepted: "all" is not a name Sentry sends (an
 * empty category list means all), so callers handle the empty case themselves. */
int st_category_from_name(const char *name, size_t len)
{
    if (!name)
        return -1;
    for (int c = ST_CAT_ERROR; c < ST_CAT_COUNT; c++)
        if (counted_eq(name, len, cat_names[c]))
            return c;
    return -1;
}
