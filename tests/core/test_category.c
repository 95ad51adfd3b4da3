/* Item type → category mapping and category names (src/core/category.c). */
#include "category.h"
#include "check.h"

static st_category cat(const char *t)
{
    return st_category_from_item_type(t, strlen(t));
}

TEST(item_types_map_to_categories)
{
    CHECK(cat("event") == ST_CAT_ERROR);
    CHECK(cat("transaction") == ST_CAT_TRANSACTION);
    CHECK(cat("attachment") == ST_CAT_ATTACHMENT);
    CHECK(cat("session") == ST_CAT_SESSION);
    CHECK(cat("sessions") == ST_CAT_SESSION);
    CHECK(cat("check_in") == ST_CAT_MONITOR);
    CHECK(cat("log") == ST_CAT_LOG_ITEM);
    CHECK(cat("span") == ST_CAT_SPAN);
    CHECK(cat("profile") == ST_CAT_PROFILE);
    CHECK(cat("profile_chunk") == ST_CAT_PROFILE);
    CHECK(cat("replay_event") == ST_CAT_REPLAY);
    CHECK(cat("replay_recording") == ST_CAT_REPLAY);
    CHECK(cat("replay_video") == ST_CAT_REPLAY);
    CHECK(cat("feedback") == ST_CAT_FEEDBACK);
    CHECK(cat("user_report") == ST_CAT_FEEDBACK);
}

TEST(client_report_and_unknown_are_all)
{
    CHECK(cat("client_report") == ST_CAT_ALL);
    CHECK(cat("something_new") == ST_CAT_ALL);
    CHECK(cat("") == ST_CAT_ALL);
    /* Category names are not item types: "error" is not an item type. */
    CHECK(cat("error") == ST_CAT_ALL);
    CHECK(cat("Event") == ST_CAT_ALL);
    CHECK(st_category_from_item_type(NULL, 0) == ST_CAT_ALL);
}

TEST(item_type_uses_the_length_not_the_nul)
{
    CHECK(st_category_from_item_type("events", 5) == ST_CAT_ERROR);
    CHECK(st_category_from_item_type("sessionsX", 8) == ST_CAT_SESSION);
    CHECK(st_category_from_item_type("event", 4) == ST_CAT_ALL);
    CHECK(st_category_from_item_type("transaction\"}", 11) == ST_CAT_TRANSACTION);
}

TEST(names)
{
    CHECK_STR(st_category_name(ST_CAT_ALL), "all");
    CHECK_STR(st_category_name(ST_CAT_ERROR), "error");
    CHECK_STR(st_category_name(ST_CAT_TRANSACTION), "transaction");
    CHECK_STR(st_category_name(ST_CAT_ATTACHMENT), "attachment");
    CHECK_STR(st_category_name(ST_CAT_SESSION), "session");
    CHECK_STR(st_category_name(ST_CAT_MONITOR), "monitor");
    CHECK_STR(st_category_name(ST_CAT_LOG_ITEM), "log_item");
    CHECK_STR(st_category_name(ST_CAT_SPAN), "span");
    CHECK_STR(st_category_name(ST_CAT_PROFILE), "profile");
    CHECK_STR(st_category_name(ST_CAT_REPLAY), "replay");
    CHECK_STR(st_category_name(ST_CAT_FEEDBACK), "feedback");
    CHECK_STR(st_category_name(ST_CAT_COUNT), "unknown");
}

TEST(from_name_round_trips)
{
    for (int c = ST_CAT_ERROR; c < ST_CAT_COUNT; c++) {
        const char *n = st_category_name((st_category)c);
        CHECK(st_category_from_name(n, strlen(n)) == c);
    }
    CHECK(st_category_from_name("error;transaction", 5) == ST_CAT_ERROR);
    CHECK(st_category_from_name("all", 3) == -1);
    CHECK(st_category_from_name("default", 7) == -1);
    CHECK(st_category_from_name("event", 5) == -1);
    CHECK(st_category_from_name("", 0) == -1);
    CHECK(st_category_from_name("Error", 5) == -1);
    CHECK(st_category_from_name("errors", 6) == -1);
    CHECK(st_category_from_name(NULL, 0) == -1);
}

int main(void)
{
    RUN(item_types_map_to_categories);
    RUN(client_report_and_unknown_are_all);
    RUN(item_type_uses_the_length_not_the_nul);
    RUN(names);
    RUN(from_name_round_trips);
    CHECK_DONE();
}
