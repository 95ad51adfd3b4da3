/* Unit tests of src/core/jsonw.c, event_build.c and event_source.c (issue #9). */
#include "check.h"

#include "event_build.h"
#include "event_source.h"
#include "jsonscan.h"
#include "jsonw.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S(lit) ((st_ev_str){(lit), sizeof(lit) - 1})

static bool valid_json_object(const char *s, size_t n)
{
    const char *err = NULL;
    return st_json_scan_object(s, n, 64, NULL, 0, NULL, NULL, &err) == 0;
}

static char *str_json(const char *s, size_t n, size_t max)
{
    st_jw w;
    st_jw_init(&w, NULL, 0);
    st_jw_str(&w, s, n, max);
    size_t len;
    return st_jw_take(&w, &len);
}

TEST(test_escape_controls_and_quotes)
{
    char *j = str_json("a\"b\\c\n\t\x01/\x7f", 10, 0);
    CHECK_STR(j, "\"a\\\"b\\\\c\\n\\t\\u0001/\x7f\"");
    free(j);
}

TEST(test_invalid_utf8_replaced)
{
    /* lone continuation, truncated 3-byte, overlong "/", a surrogate, 0xFF; then é kept */
    const char in[] = "\x80|\xE2\x82|\xC0\xAF|\xED\xA0\x80|\xFF|\xC3\xA9";
    char *j = str_json(in, sizeof in - 1, 0);
    CHECK_STR(j, "\"\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD|"
                 "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD|\xC3\xA9\"");
    char wrapped[128];
    snprintf(wrapped, sizeof wrapped, "{\"k\":%s}", j);
    CHECK(valid_json_object(wrapped, strlen(wrapped)));
    free(j);
}

TEST(test_truncation_on_char_boundary)
{
    /* "aé€" = 1 + 2 + 3 bytes; a cut at 4 must not split the euro sign */
    char *j = str_json("a\xC3\xA9\xE2\x82\xAC", 6, 4);
    CHECK_STR(j, "\"a\xC3\xA9...\"");
    free(j);
    j = str_json("abc", 3, 3);
    CHECK_STR(j, "\"abc\"");
    free(j);
}

TEST(test_fixed_buffer_overflow)
{
    char buf[8];
    st_jw w;
    st_jw_init(&w, buf, sizeof buf);
    st_jw_lit(&w, "123456");
    CHECK(!w.failed);
    st_jw_lit(&w, "789");
    CHECK(w.failed);
    size_t n;
    CHECK(st_jw_take(&w, &n) == NULL);
}

TEST(test_numbers)
{
    st_jw w;
    st_jw_init(&w, NULL, 0);
    st_jw_int(&w, -42);
    st_jw_raw(&w, ",", 1);
    st_jw_double(&w, 0.5);
    st_jw_raw(&w, ",", 1);
    st_jw_double(&w, 1.0 / 0.0);
    size_t n;
    char *s = st_jw_take(&w, &n);
    CHECK_STR(s, "-42,0.5,null");
    free(s);
}

static char *build(const st_ev_input *in, size_t *len)
{
    st_jw w;
    st_jw_init(&w, NULL, 0);
    if (st_event_build(in, &w) != 0) {
        st_jw_free(&w);
        return NULL;
    }
    return st_jw_take(&w, len);
}

TEST(test_chain_order_and_frames)
{
    st_ev_frame f_outer[] = {
        {S("/app/src/Job.php"), S("App\\Job"), S("run"), 12},
        {S("/app/vendor/lib/Runner.php"), S("Lib\\Runner"), S("{closure}"), 30},
        {S("/app/index.php"), {NULL, 0}, {NULL, 0}, 3},
    };
    st_ev_frame f_inner[] = {
        {{NULL, 0}, {NULL, 0}, S("strlen"), 0},
    };
    st_ev_exception ex[] = {
        {S("RuntimeException"), S("outer"), f_outer, 3, 3, 0, 1},
        {S("LogicException"), S("middle"), NULL, 0, 0, 0, 2},
        {S("InvalidArgumentException"), S("root"), f_inner, 1, 1, 0, 3},
    };
    st_ev_input in = {0};
    in.exceptions = ex;
    in.nexceptions = 3;
    in.handled = true;
    in.in_app_exclude = "/vendor/";
    size_t n;
    char *j = build(&in, &n);
    CHECK(j && valid_json_object(j, n));
    if (!j)
        return;
    const char *root = strstr(j, "InvalidArgumentException");
    const char *mid = strstr(j, "LogicException");
    const char *out = strstr(j, "RuntimeException");
    CHECK(root && mid && out && root < mid && mid < out); /* oldest cause first */
    /* caller first, thrown frame last */
    const char *main_f = strstr(j, "\"function\":\"{main}\"");
    const char *closure = strstr(j, "\"function\":\"Lib\\\\Runner::{closure}\"");
    const char *run = strstr(j, "\"function\":\"App\\\\Job::run\"");
    CHECK(main_f && closure && run && main_f < closure && closure < run);
    CHECK(strstr(j, "{\"filename\":\"/app/vendor/lib/Runner.php\",\"abs_path\":\"/app/vendor/"
                    "lib/Runner.php\",\"lineno\":30,\"function\":\"Lib\\\\Runner::{closure}\","
                    "\"in_app\":false}") != NULL);
    CHECK(strstr(j, "\"lineno\":12,\"function\":\"App\\\\Job::run\",\"in_app\":true") != NULL);
    CHECK(strstr(j, "{\"filename\":\"[internal]\",\"function\":\"strlen\",\"in_app\":false}") !=
          NULL);
    CHECK(strstr(j, "\"mechanism\":{\"type\":\"generic\",\"handled\":true}") != NULL);
    CHECK(strncmp(j, "{\"level\":\"error\"", 16) == 0);
    CHECK(strstr(j, "\"type\":\"LogicException\",\"value\":\"middle\",\"mechanism\":{\"type\":"
                    "\"generic\",\"handled\":true}}") != NULL); /* no stacktrace member */
    free(j);
}

TEST(test_message_members_level)
{
    st_ev_member m[] = {
        {"tags", "{\"a\":\"b\"}", 9},
        {"transaction", "\"/x\"", 4},
        {"extra", NULL, 0}, /* skipped */
    };
    st_ev_input in = {0};
    in.level = "warning";
    in.message = S("hello \xFF");
    in.members = m;
    in.nmembers = 3;
    size_t n;
    char *j = build(&in, &n);
    CHECK(j != NULL);
    if (!j)
        return;
    CHECK_STR(j, "{\"level\":\"warning\",\"message\":{\"formatted\":\"hello \xEF\xBF\xBD\"},"
                 "\"tags\":{\"a\":\"b\"},\"transaction\":\"/x\"}");
    free(j);
}

TEST(test_huge_message_truncated)
{
    size_t big = 100000;
    char *msg = malloc(big);
    memset(msg, 'x', big);
    st_ev_exception ex = {S("E"), {msg, big}, NULL, 0, 0, 0, 1};
    st_ev_input in = {0};
    in.message = (st_ev_str){msg, big};
    in.exceptions = &ex;
    in.nexceptions = 1;
    size_t n;
    char *j = build(&in, &n);
    CHECK(j && valid_json_object(j, n));
    CHECK(n < 2 * ST_EVENT_MAX_MESSAGE + 512);
    CHECK(j && strstr(j, "xxx...\"") != NULL);
    free(j);
    free(msg);
}

TEST(test_deep_stack_bounded)
{
    size_t total = 10000;
    st_ev_frame *f = calloc(total, sizeof *f);
    for (size_t i = 0; i < total; i++)
        f[i] = (st_ev_frame){S("/app/r.php"), {NULL, 0}, S("recurse"), (long)(i + 1)};
    st_ev_exception ex = {S("E"), S("deep"), f, total, total, 0, 1};
    st_ev_input in = {0};
    in.exceptions = &ex;
    in.nexceptions = 1;
    size_t n;
    char *j = build(&in, &n);
    CHECK(j && valid_json_object(j, n));
    if (j) {
        size_t frames = 0;
        for (const char *p = j; (p = strstr(p, "\"filename\"")); p++)
            frames++;
        CHECK(frames == ST_EVENT_MAX_FRAMES + 1); /* + the note */
        CHECK(strstr(j, "[9900 frames omitted]") != NULL);
        /* the thrown frame (line 1) comes last; the outermost (line 10000) first */
        const char *first = strstr(j, "\"lineno\":10000,");
        const char *note = strstr(j, "frames omitted");
        const char *last = strstr(j, "\"lineno\":1,");
        CHECK(first && note && last && first < note && note < last);
    }
    free(j);
    free(f);
}

TEST(test_callers_gap_kept)
{
    st_ev_frame f[3] = {
        {S("/a.php"), {NULL, 0}, S("inner"), 1},
        {S("/a.php"), {NULL, 0}, S("mid"), 2},
        {S("/a.php"), {NULL, 0}, {NULL, 0}, 3},
    };
    /* frames 0,1 are innermost; 7 left out by the caller before the outermost one */
    st_ev_exception ex = {S("E"), S("v"), f, 3, 2, 7, 1};
    st_ev_input in = {0};
    in.exceptions = &ex;
    in.nexceptions = 1;
    size_t n;
    char *j = build(&in, &n);
    CHECK(j != NULL);
    if (!j)
        return;
    const char *m = strstr(j, "{main}");
    const char *note = strstr(j, "[7 frames omitted]");
    const char *mid = strstr(j, "\"mid\"");
    CHECK(m && note && mid && m < note && note < mid);
    free(j);
}

TEST(test_chain_cycle_and_cap)
{
    st_ev_exception chain[4];
    size_t n = 0;
    st_ev_exception a = {S("A"), S(""), NULL, 0, 0, 0, 100};
    st_ev_exception b = {S("B"), S(""), NULL, 0, 0, 0, 200};
    CHECK(st_event_chain_push(chain, &n, 4, &a));
    CHECK(st_event_chain_push(chain, &n, 4, &b));
    CHECK(!st_event_chain_push(chain, &n, 4, &a)); /* a cycle back to A */
    CHECK(n == 2);
    st_ev_exception c = {S("C"), S(""), NULL, 0, 0, 0, 300};
    st_ev_exception d = {S("D"), S(""), NULL, 0, 0, 0, 400};
    st_ev_exception e = {S("E"), S(""), NULL, 0, 0, 0, 500};
    CHECK(st_event_chain_push(chain, &n, 4, &c));
    CHECK(st_event_chain_push(chain, &n, 4, &d));
    CHECK(!st_event_chain_push(chain, &n, 4, &e)); /* full */
    CHECK(n == 4);
}

TEST(test_budget_drops_members)
{
    size_t big = 2 * 1024 * 1024;
    char *blob = malloc(big);
    memset(blob, 'a', big);
    blob[0] = '"';
    blob[big - 1] = '"';
    st_ev_member m = {"extra", blob, big};
    st_ev_input in = {0};
    in.message = S("m");
    in.members = &m;
    in.nmembers = 1;
    size_t n;
    char *j = build(&in, &n);
    CHECK(j != NULL);
    CHECK(n <= ST_EVENT_MAX_BYTES);
    CHECK(j && strstr(j, "extra") == NULL);
    free(j);
    free(blob);
}

TEST(test_fixed_buffer_event)
{
    char buf[512];
    st_jw w;
    st_jw_init(&w, buf, sizeof buf);
    st_ev_frame f = {S("/app/x.php"), {NULL, 0}, {NULL, 0}, 7};
    st_ev_exception ex = {S("E_ERROR"), S("Allowed memory size exhausted"), &f, 1, 1, 0, 0};
    st_ev_input in = {0};
    in.level = "fatal";
    in.exceptions = &ex;
    in.nexceptions = 1;
    in.mechanism = "php.fatal_error";
    in.context_lines = 5; /* ignored in a fixed buffer: no file reading */
    CHECK(st_event_build(&in, &w) == 0);
    CHECK(valid_json_object(buf, w.len));
    CHECK(memmem(buf, w.len, "\"handled\":false", 15) != NULL);
    char tiny[16];
    st_jw_init(&w, tiny, sizeof tiny);
    CHECK(st_event_build(&in, &w) == -1);
}

TEST(test_source_context)
{
    char path[] = "/tmp/st_test_srcXXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    const char text[] = "l1\nl2\r\nl3\nl4\nl5\n";
    CHECK(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
    close(fd);
    st_ev_source s;
    st_ev_source_init(&s);
    st_ev_source_begin(&s);
    st_jw w;
    st_jw_init(&w, NULL, 0);
    st_ev_source_write(&s, &w, path, strlen(path), 3, 1);
    st_ev_source_write(&s, &w, path, strlen(path), 1, 2);
    st_ev_source_write(&s, &w, path, strlen(path), 6, 2); /* no such line: nothing */
    st_ev_source_write(&s, &w, "/nonexistent/x", 14, 1, 2);
    size_t n;
    char *j = st_jw_take(&w, &n);
    CHECK_STR(j, ",\"pre_context\":[\"l2\"],\"context_line\":\"l3\",\"post_context\":[\"l4\"]"
                 ",\"pre_context\":[],\"context_line\":\"l1\",\"post_context\":[\"l2\",\"l3\"]");
    free(j);
    /* The file changes: the next build reads it again (one stat per build finds out). */
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fputs("new first line\nsecond\n", f);
    fclose(f);
    st_jw_init(&w, NULL, 0);
    st_ev_source_write(&s, &w, path, strlen(path), 1, 0 + 1); /* same build: cached text */
    st_ev_source_begin(&s);
    st_ev_source_write(&s, &w, path, strlen(path), 1, 1); /* next build: the new text */
    j = st_jw_take(&w, &n);
    CHECK_STR(j, ",\"pre_context\":[],\"context_line\":\"l1\",\"post_context\":[\"l2\"]"
                 ",\"pre_context\":[],\"context_line\":\"new first line\",\"post_context\":["
                 "\"second\"]");
    free(j);
    st_ev_source_free(&s);
    unlink(path);
}

TEST(test_source_cache_bounded)
{
    /* More files than the cache holds: the least recently used go, nothing leaks (ASan,
     * valgrind), and every write still gives the right line. */
    st_ev_source s;
    st_ev_source_init(&s);
    char paths[ST_EVENT_SOURCE_FILES + 8][32];
    for (int i = 0; i < ST_EVENT_SOURCE_FILES + 8; i++) {
        snprintf(paths[i], sizeof paths[i], "/tmp/st_test_srcXXXXXX");
        int fd = mkstemp(paths[i]);
        char text[32];
        int len = snprintf(text, sizeof text, "file %d\n", i);
        CHECK(fd >= 0 && write(fd, text, (size_t)len) == len);
        close(fd);
    }
    for (int round = 0; round < 2; round++) {
        st_ev_source_begin(&s);
        for (int i = 0; i < ST_EVENT_SOURCE_FILES + 8; i++) {
            st_jw w;
            st_jw_init(&w, NULL, 0);
            st_ev_source_write(&s, &w, paths[i], strlen(paths[i]), 1, 0 + 1);
            size_t n;
            char *j = st_jw_take(&w, &n);
            char want[96];
            snprintf(want, sizeof want,
                     ",\"pre_context\":[],\"context_line\":\"file %d\",\"post_context\":[]", i);
            CHECK(j && strcmp(j, want) == 0);
            free(j);
        }
    }
    CHECK(s.bytes <= ST_EVENT_SOURCE_MAX_BYTES);
    st_ev_source_free(&s);
    for (int i = 0; i < ST_EVENT_SOURCE_FILES + 8; i++)
        unlink(paths[i]);
}

int main(void)
{
    RUN(test_escape_controls_and_quotes);
    RUN(test_invalid_utf8_replaced);
    RUN(test_truncation_on_char_boundary);
    RUN(test_fixed_buffer_overflow);
    RUN(test_numbers);
    RUN(test_chain_order_and_frames);
    RUN(test_message_members_level);
    RUN(test_huge_message_truncated);
    RUN(test_deep_stack_bounded);
    RUN(test_callers_gap_kept);
    RUN(test_chain_cycle_and_cap);
    RUN(test_budget_drops_members);
    RUN(test_fixed_buffer_event);
    RUN(test_source_context);
    RUN(test_source_cache_bounded);
    CHECK_DONE();
}
