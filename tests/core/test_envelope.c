/* Unit tests of envelope building, inspection and sent_at handling (src/core/envelope.c). */
#include "check.h"
#include "envelope.h"
#include "eventid.h"
#include "jsonscan.h"

#include <ctype.h>
#include <stdlib.h>

#define SDK_JSON "{\"name\":\"sentry.php.sentry_transport\",\"version\":\"0.1.0\"}"
#define DSN "https://e12d836b15bb49d7bbf99e64295d995b@o1.ingest.sentry.io/42"
#define ID "fc6d8c0c43fc4630ad850ee518f1b9d0"

static st_envelope_parts parts; /* 4 KiB of scratch: not on the stack */

/* The pieces joined into one NUL-terminated string (the test's to free). */
static char *join(const st_iov *iov, int n, size_t *len)
{
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += iov[i].len;
    char *s = malloc(total + 1), *p = s;
    for (int i = 0; i < n; i++) {
        memcpy(p, iov[i].base, iov[i].len);
        p += iov[i].len;
    }
    *p = '\0';
    if (len)
        *len = total;
    return s;
}

static bool only_hex_differs(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i] && !(isxdigit((unsigned char)a[i]) && isxdigit((unsigned char)b[i])))
            return false;
    return true;
}

/* Builds with the defaults rendered per call and with them prepared once; both must give
 * the same bytes (generated ids and the timestamp aside). `parts` keeps the prepared one. */
static int build(const char *json, const char *item_type, const char *given_id,
                 const st_event_defaults *d, const char **err)
{
    int rc = st_envelope_build_event(json, strlen(json), item_type, given_id,
                                     given_id ? strlen(given_id) : 0, d, &parts, err);
    if (!d)
        return rc;
    size_t plain_len = 0;
    char *plain = rc == 0 ? join(parts.iov, parts.niov, &plain_len) : NULL;
    st_event_defaults prepared = *d;
    if (st_event_defaults_prepare(&prepared) != 0) {
        free(plain);
        return rc; /* too long to prepare: only the per-call path exists */
    }
    const char *err2 = NULL;
    int rc2 = st_envelope_build_event(json, strlen(json), item_type, given_id,
                                      given_id ? strlen(given_id) : 0, &prepared, &parts, &err2);
    CHECK(rc2 == rc);
    if (rc == 0 && rc2 == 0) {
        size_t prepared_len = 0;
        char *p = join(parts.iov, parts.niov, &prepared_len);
        CHECK(prepared_len == plain_len);
        CHECK(prepared_len == plain_len && only_hex_differs(plain, p, plain_len));
        free(p);
    }
    free(plain);
    return rc2;
}

/* Split an envelope built for one event into its three lines. */
typedef struct built {
    char *all;
    size_t len;
    char *header, *item_header, *payload; /* NUL-terminated copies */
    size_t payload_len;
} built;

static void split(built *b)
{
    b->all = join(parts.iov, parts.niov, &b->len);
    char *nl1 = strchr(b->all, '\n');
    char *nl2 = nl1 ? strchr(nl1 + 1, '\n') : NULL;
    if (!nl1 || !nl2) {
        b->header = strdup(b->all);
        b->item_header = strdup("");
        b->payload = strdup("");
        b->payload_len = 0;
        return;
    }
    b->header = strndup(b->all, (size_t)(nl1 - b->all));
    b->item_header = strndup(nl1 + 1, (size_t)(nl2 - nl1 - 1));
    b->payload_len = b->len - (size_t)(nl2 + 1 - b->all);
    b->payload = strndup(nl2 + 1, b->payload_len);
}

static void release(built *b)
{
    free(b->all);
    free(b->header);
    free(b->item_header);
    free(b->payload);
}

/* Replace the timestamp number in the payload by "T" after checking it is now-ish. */
static bool check_and_mask_timestamp(char *payload)
{
    char *t = strstr(payload, "\"timestamp\":");
    if (!t)
        return false;
    char *num = t + 12, *end;
    double v = strtod(num, &end);
    double now = (double)st_now_wall_ms() / 1000.0;
    /* seconds with exactly three decimals */
    char *dot = memchr(num, '.', (size_t)(end - num));
    if (!dot || end - dot != 4 || v < now - 60 || v > now + 1)
        return false;
    num[0] = 'T';
    memmove(num + 1, end, strlen(end) + 1);
    return true;
}

static bool is_json_object(const char *s, size_t n)
{
    const char *err = NULL;
    return st_json_scan_object(s, n, ST_MAX_JSON_DEPTH, NULL, 0, NULL, NULL, &err) == 0;
}

TEST(build_exact_bytes)
{
    const char *json = "{\"message\":\"hi\",\"event_id\":\"FC6D8C0C-43FC-4630-AD85-0EE518F1B9D0\"}";
    st_event_defaults d = {
        .environment = "prod", .release = "1.0 \"q\"", .server_name = "", .public_dsn = DSN};
    const char *err = NULL;
    CHECK(build(json, NULL, NULL, &d, &err) == 0);
    built b;
    split(&b);
    CHECK_STR(b.header, "{\"event_id\":\"" ID "\",\"dsn\":\"" DSN "\",\"sdk\":" SDK_JSON "}");
    char ih[64];
    snprintf(ih, sizeof ih, "{\"type\":\"event\",\"length\":%zu}", b.payload_len);
    CHECK_STR(b.item_header, ih);
    CHECK(check_and_mask_timestamp(b.payload));
    CHECK_STR(b.payload, "{\"message\":\"hi\",\"event_id\":\"" ID "\",\"timestamp\":T,"
                         "\"platform\":\"php\",\"level\":\"error\",\"sdk\":" SDK_JSON ","
                         "\"environment\":\"prod\",\"release\":\"1.0 \\\"q\\\"\"}");
    CHECK(parts.total == b.len);
    CHECK_STR(parts.event_id, ID);
    CHECK(parts.category == ST_CAT_ERROR);
    CHECK(parts.scratch_used > 0 && parts.scratch_used <= sizeof parts.scratch);
    /* the caller's bytes are referenced, not copied */
    bool points_into_json = false;
    for (int i = 0; i < parts.niov; i++)
        if ((const char *)parts.iov[i].base >= json &&
            (const char *)parts.iov[i].base < json + strlen(json))
            points_into_json = true;
    CHECK(points_into_json);
    release(&b);
}

TEST(build_keeps_existing_fields)
{
    const char *json = "{\"event_id\":\"" ID "\",\"timestamp\":\"2024-01-01T00:00:00Z\","
                       "\"platform\":\"other\",\"level\":\"warning\",\"sdk\":{\"name\":\"x\"},"
                       "\"environment\":\"staging\",\"release\":\"r1\",\"server_name\":\"h\","
                       "\"extra\":{\"timestamp\":1,\"level\":2}}";
    st_event_defaults d = {
        .environment = "prod", .release = "r2", .server_name = "web-01", .public_dsn = NULL};
    const char *err = NULL;
    CHECK(build(json, NULL, NULL, &d, &err) == 0);
    built b;
    split(&b);
    CHECK_STR(b.payload, json); /* nothing to fill, id already equal: byte for byte */
    CHECK_STR(b.header, "{\"event_id\":\"" ID "\",\"sdk\":" SDK_JSON "}"); /* no dsn */
    char ih[64];
    snprintf(ih, sizeof ih, "{\"type\":\"event\",\"length\":%zu}", strlen(json));
    CHECK_STR(b.item_header, ih);
    release(&b);
}

TEST(build_event_id_replaced_or_inserted)
{
    const char *err = NULL;
    built b;
    /* a given id wins over the payload's and replaces it in place */
    const char *json = "{\"a\":1,\"event_id\":\"00000000000000000000000000000000\",\"z\":2}";
    CHECK(build(json, "event", "AAAAAAAA-bbbb-cccc-dddd-eeeeeeeeeeee", NULL, &err) == 0);
    split(&b);
    CHECK_STR(parts.event_id, "aaaaaaaabbbbccccddddeeeeeeeeeeee");
    CHECK(
        strstr(b.payload, "{\"a\":1,\"event_id\":\"aaaaaaaabbbbccccddddeeeeeeeeeeee\",\"z\":2,") ==
        b.payload);
    CHECK(strstr(b.header, "aaaaaaaabbbbccccddddeeeeeeeeeeee") != NULL);
    CHECK(strstr(b.payload, "0000000000") == NULL);
    release(&b);

    /* no id anywhere: a fresh one, inserted with the other fills */
    CHECK(build("{\"a\":1}", NULL, NULL, NULL, &err) == 0);
    split(&b);
    CHECK(strlen(parts.event_id) == 32 && strspn(parts.event_id, "0123456789abcdef") == 32);
    char want[128];
    snprintf(want, sizeof want, "{\"a\":1,\"event_id\":\"%s\",\"timestamp\":", parts.event_id);
    CHECK(strstr(b.payload, want) == b.payload);
    CHECK(strstr(b.header, parts.event_id) != NULL);
    CHECK(is_json_object(b.payload, b.payload_len));
    release(&b);

    /* null and "" get a fresh id; anything else maps deterministically */
    CHECK(build("{\"event_id\":null}", NULL, NULL, NULL, &err) == 0);
    split(&b);
    CHECK(strstr(b.payload, "\"event_id\":\"") == b.payload + 1);
    CHECK(strstr(b.payload, "null") == NULL);
    release(&b);
    char first[33];
    CHECK(build("{\"event_id\":\"\"}", NULL, NULL, NULL, &err) == 0);
    memcpy(first, parts.event_id, 33);
    CHECK(build("{\"event_id\":\"\"}", NULL, NULL, NULL, &err) == 0);
    CHECK(strcmp(first, parts.event_id) != 0); /* generated, not a hash of "" */
    CHECK(build("{\"event_id\":\"not-an-id\"}", NULL, NULL, NULL, &err) == 0);
    memcpy(first, parts.event_id, 33);
    CHECK(build("{\"event_id\":\"not-an-id\"}", NULL, NULL, NULL, &err) == 0);
    CHECK_STR(first, parts.event_id);
    CHECK(build("{\"event_id\":12345}", NULL, NULL, NULL, &err) == 0);
    split(&b);
    char expect_id[33];
    st_event_id_normalize("12345", 5, expect_id);
    CHECK_STR(parts.event_id, expect_id);
    CHECK(strstr(b.payload, "12345") == NULL);
    release(&b);
    /* an empty given id means "none given" */
    const char *with_id = "{\"event_id\":\"" ID "\"}";
    CHECK(st_envelope_build_event(with_id, strlen(with_id), NULL, "", 0, NULL, &parts, &err) == 0);
    CHECK_STR(parts.event_id, ID);
}

TEST(build_empty_object_and_whitespace)
{
    const char *err = NULL;
    built b;
    st_event_defaults d = {
        .environment = "e", .release = "r", .server_name = "s", .public_dsn = ""};
    CHECK(build(" \n{ }\n ", NULL, NULL, &d, &err) == 0);
    split(&b);
    CHECK(b.payload[0] == '{' && b.payload[1] == ' ' && b.payload[2] == '"'); /* no comma */
    CHECK(b.payload[b.payload_len - 1] == '}');
    CHECK(is_json_object(b.payload, b.payload_len));
    CHECK(is_json_object(b.header, strlen(b.header)));
    CHECK(strstr(b.header, "dsn") == NULL); /* empty dsn: omitted */
    const char *keys[] = {"event_id", "timestamp",   "platform", "level",
                          "sdk",      "environment", "release",  "server_name"};
    st_span v[8];
    CHECK(st_json_scan_object(b.payload, b.payload_len, 512, keys, 8, v, NULL, &err) == 0);
    for (int i = 0; i < 8; i++)
        CHECK(v[i].len > 0);
    char ih[64];
    snprintf(ih, sizeof ih, "{\"type\":\"event\",\"length\":%zu}", b.payload_len);
    CHECK_STR(b.item_header, ih);
    release(&b);

    /* the caller's surrounding whitespace is not part of the payload */
    CHECK(build("\t{\"event_id\":\"" ID
                "\",\"timestamp\":1,\"platform\":\"php\",\"level\":\"info\","
                "\"sdk\":{}}  \n",
                NULL, NULL, NULL, &err) == 0);
    split(&b);
    CHECK_STR(b.payload, "{\"event_id\":\"" ID "\",\"timestamp\":1,\"platform\":\"php\","
                         "\"level\":\"info\",\"sdk\":{}}");
    release(&b);
}

TEST(build_defaults_are_escaped)
{
    const char *err = NULL;
    built b;
    st_event_defaults d = {.environment = "a\x01"
                                          "b\n",
                           .release = "caf\xC3\xA9 \xFF!",
                           .server_name = "back\\slash\t",
                           .public_dsn = "https://k@h/1\""};
    CHECK(build("{}", NULL, NULL, &d, &err) == 0);
    split(&b);
    CHECK(strstr(b.payload, "\"environment\":\"a\\u0001b\\n\"") != NULL);
    CHECK(strstr(b.payload, "\"release\":\"caf\xC3\xA9 \\ufffd!\"") != NULL);
    CHECK(strstr(b.payload, "\"server_name\":\"back\\\\slash\\t\"") != NULL);
    CHECK(strstr(b.header, "\"dsn\":\"https://k@h/1\\\"\"") != NULL);
    CHECK(is_json_object(b.payload, b.payload_len));
    CHECK(is_json_object(b.header, strlen(b.header)));
    release(&b);

    /* defaults that cannot fit the scratch space are an error, not a cut */
    char *huge = malloc(1201);
    memset(huge, '\x01', 1200);
    huge[1200] = '\0';
    st_event_defaults big = {
        .environment = huge, .release = huge, .server_name = huge, .public_dsn = NULL};
    err = NULL;
    CHECK(build("{}", NULL, NULL, &big, &err) == -1);
    CHECK(err && strstr(err, "too long"));
    free(huge);
}

TEST(build_item_types)
{
    const char *err = NULL;
    built b;
    CHECK(build("{\"type\":\"transaction\",\"spans\":[]}", NULL, NULL, NULL, &err) == 0);
    CHECK(parts.category == ST_CAT_TRANSACTION);
    split(&b);
    CHECK(strncmp(b.item_header, "{\"type\":\"transaction\",\"length\":", 31) == 0);
    release(&b);
    CHECK(build("{\"spans\":[]}", "transaction", NULL, NULL, &err) == 0);
    CHECK(parts.category == ST_CAT_TRANSACTION);
    /* the given item type wins over the payload's */
    CHECK(build("{\"type\":\"transaction\"}", "event", NULL, NULL, &err) == 0);
    CHECK(parts.category == ST_CAT_ERROR);
    split(&b);
    CHECK(strncmp(b.item_header, "{\"type\":\"event\",", 16) == 0);
    release(&b);
    CHECK(build("{\"type\":\"default\"}", NULL, NULL, NULL, &err) == 0);
    CHECK(parts.category == ST_CAT_ERROR);
    err = NULL;
    CHECK(build("{}", "attachment", NULL, NULL, &err) == -1);
    CHECK(err && strcmp(err, "unsupported event type") == 0);
    CHECK(build("{}", "", NULL, NULL, &err) == -1);
}

TEST(build_errors)
{
    const char *err = NULL;
    CHECK(build("[1]", NULL, NULL, NULL, &err) == -1);
    CHECK(err && strstr(err, "not a JSON object"));
    err = NULL;
    CHECK(build("{\"a\":\"\xC3\x28\"}", NULL, NULL, NULL, &err) == -1);
    CHECK(err && strstr(err, "invalid UTF-8"));
    err = NULL;
    CHECK(build("{\"a\":1,}", NULL, NULL, NULL, &err) == -1);
    CHECK(err && strstr(err, "trailing comma"));
    err = NULL;
    CHECK(st_envelope_build_event("", 0, NULL, NULL, 0, NULL, &parts, &err) == -1);
    CHECK(err != NULL);
    CHECK(st_envelope_build_event(NULL, 0, NULL, NULL, 0, NULL, &parts, &err) == -1);
}

/* {"event_id":…,"timestamp":1,"platform":"php","level":"error","sdk":{},"p":"xxx…"}
 * of exactly `size` bytes: nothing is filled, so the payload is the input. */
static char *sized_event(size_t size)
{
    const char *head = "{\"event_id\":\"" ID "\",\"timestamp\":1,\"platform\":\"php\","
                       "\"level\":\"error\",\"sdk\":{},\"p\":\"";
    size_t h = strlen(head);
    char *s = malloc(size + 1);
    memcpy(s, head, h);
    memset(s + h, 'x', size - h - 2);
    memcpy(s + size - 2, "\"}", 2);
    s[size] = '\0';
    return s;
}

TEST(build_size_limit)
{
    const char *err = NULL;
    char *s = sized_event(ST_MAX_EVENT_ITEM_BYTES);
    CHECK(st_envelope_build_event(s, ST_MAX_EVENT_ITEM_BYTES, NULL, NULL, 0, NULL, &parts, &err) ==
          0);
    free(s);
    s = sized_event(ST_MAX_EVENT_ITEM_BYTES + 1);
    err = NULL;
    CHECK(st_envelope_build_event(s, ST_MAX_EVENT_ITEM_BYTES + 1, NULL, NULL, 0, NULL, &parts,
                                  &err) == -1);
    CHECK(err && strcmp(err, "event item exceeds 1 MiB") == 0);
    free(s);
    /* under the limit before filling, over it after */
    s = sized_event(ST_MAX_EVENT_ITEM_BYTES - 10);
    st_event_defaults d = {.environment = "production-environment",
                           .release = NULL,
                           .server_name = NULL,
                           .public_dsn = NULL};
    err = NULL;
    CHECK(st_envelope_build_event(s, ST_MAX_EVENT_ITEM_BYTES - 10, NULL, NULL, 0, &d, &parts,
                                  &err) == -1);
    CHECK(err && strcmp(err, "event item exceeds 1 MiB") == 0);
    free(s);
}

TEST(built_envelope_inspects_clean)
{
    const char *err = NULL;
    st_event_defaults d = {
        .environment = "prod", .release = "1.0", .server_name = "web", .public_dsn = DSN};
    CHECK(build("{\"message\":\"x\\ny\",\"tags\":{\"a\":\"b\"}}", NULL, NULL, &d, &err) == 0);
    size_t n;
    char *env = join(parts.iov, parts.niov, &n);
    st_envelope_info info;
    CHECK(st_envelope_inspect(env, n, &info, &err) == 0);
    CHECK(info.items == 1 && info.events == 1);
    CHECK_STR(info.event_id, parts.event_id);
    CHECK(info.category_mask == (1u << ST_CAT_ERROR));
    CHECK(info.sent_at.len == 0);
    free(env);
}

/* ---- inspect ---- */

static int inspect(const char *env, st_envelope_info *info, const char **err)
{
    size_t n = strlen(env);
    char *copy = malloc(n ? n : 1); /* exact size: ASan sees any over-read */
    memcpy(copy, env, n);
    int rc = st_envelope_inspect(copy, n, info, err);
    free(copy);
    return rc;
}

#define ENV_HEADER                                                                                 \
    "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\",\"dsn\":\"https://"                        \
    "e12d836b15bb49d7bbf99e64295d995b:@sentry.io/42\","                                            \
    "\"sent_at\":\"2020-02-07T14:16:00.000Z\"}"

TEST(inspect_multi_item)
{
    const char *env = ENV_HEADER "\n"
                                 "{\"type\":\"attachment\",\"length\":10,\"content_type\":\"text/"
                                 "plain\",\"filename\":\"hello.txt\"}\n"
                                 "\xef\xbb\xbfHello\r\n\n"
                                 "{\"type\":\"event\",\"content_type\":\"application/"
                                 "json\",\"filename\":\"application.log\"}\n"
                                 "{\"message\":\"hello world\",\"level\":\"error\"}\n";
    st_envelope_info info;
    const char *err = NULL;
    CHECK(inspect(env, &info, &err) == 0);
    CHECK(info.items == 2);
    CHECK(info.events == 1);
    CHECK(info.category_mask == ((1u << ST_CAT_ATTACHMENT) | (1u << ST_CAT_ERROR)));
    CHECK_STR(info.event_id, "9ec79c33ec9942ab8353589fcb2e04dc");
    CHECK(info.header_len == strlen(ENV_HEADER));
    const char *sa = strstr(env, "\"sent_at\"");
    CHECK(info.sent_at.off == (size_t)(sa - env));
    CHECK(info.sent_at.len == strlen("\"sent_at\":\"2020-02-07T14:16:00.000Z\""));

    /* binary attachment with zero bytes and newlines, length-delimited, no final newline */
    static const char bin[] = "{}\n{\"type\":\"attachment\",\"length\":5}\n\n\0\n\0\n\n"
                              "{\"type\":\"session\"}\n{\"sid\":\"x\"}";
    CHECK(st_envelope_inspect(bin, sizeof bin - 1, &info, &err) == 0);
    CHECK(info.items == 2 && info.events == 0);
    CHECK(info.category_mask == ((1u << ST_CAT_ATTACHMENT) | (1u << ST_CAT_SESSION)));
    CHECK_STR(info.event_id, "");

    /* unknown types and client reports count under "all"; length 0 at the very end */
    CHECK(inspect("{}\n{\"type\":\"client_report\"}\n{}\n{\"type\":\"future\",\"length\":0}", &info,
                  &err) == 0);
    CHECK(info.items == 2 && info.category_mask == (1u << ST_CAT_ALL));
    /* an item header as the last line, without payload or newline */
    CHECK(inspect("{}\n{\"type\":\"session\"}", &info, &err) == 0);
    CHECK(info.items == 1);
    /* "length": null counts as absent */
    CHECK(inspect("{}\n{\"type\":\"event\",\"length\":null}\n{}", &info, &err) == 0);
    CHECK(info.events == 1);
}

TEST(inspect_trailing_lines)
{
    st_envelope_info info;
    const char *err = NULL;
    CHECK(inspect("{}\n{\"type\":\"event\"}\n{}\n", &info, &err) == 0);
    CHECK(info.items == 1);
    CHECK(inspect("{}\n{\"type\":\"event\"}\n{}\n\n", &info, &err) == 0);
    CHECK(info.items == 1);
    CHECK(inspect("{}\n{\"type\":\"event\",\"length\":2}\n{}\n", &info, &err) == 0);
    CHECK(info.items == 1);
    /* an empty line between items is not an item header */
    err = NULL;
    CHECK(inspect("{}\n{\"type\":\"event\"}\n{}\n\n{\"type\":\"session\"}\n{}", &info, &err) == -1);
    CHECK(err && strstr(err, "item header"));
}

TEST(inspect_lengths)
{
    st_envelope_info info;
    const char *err = NULL;
    /* exact */
    CHECK(inspect("{}\n{\"type\":\"attachment\",\"length\":3}\nabc\n{\"type\":\"event\"}\n{}",
                  &info, &err) == 0);
    CHECK(info.items == 2);
    /* too short: the byte after the payload is not a newline */
    err = NULL;
    CHECK(inspect("{}\n{\"type\":\"attachment\",\"length\":2}\nabc\n", &info, &err) == -1);
    CHECK(err && strstr(err, "does not match"));
    /* too long: runs past the end */
    err = NULL;
    CHECK(inspect("{}\n{\"type\":\"attachment\",\"length\":5}\nabc", &info, &err) == -1);
    CHECK(err && strstr(err, "exceeds the envelope"));
    err = NULL;
    CHECK(inspect("{}\n{\"type\":\"attachment\",\"length\":99999999999999999999999}\nabc", &info,
                  &err) == -1);
    CHECK(err && strstr(err, "exceeds the envelope"));
    /* one too long, swallowing the newline: the next item header is then cut */
    err = NULL;
    CHECK(inspect("{}\n{\"type\":\"attachment\",\"length\":4}\nabc\n{\"type\":\"event\"}\n{}",
                  &info, &err) == -1);
    /* with a length but no newline after the item header */
    err = NULL;
    CHECK(inspect("{}\n{\"type\":\"attachment\",\"length\":1}", &info, &err) == -1);
    CHECK(err && strstr(err, "exceeds the envelope"));
    /* not a non-negative integer */
    static const char *const bad[] = {"-1", "1.0", "1e2", "\"3\"", "true", "[3]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char env[128];
        snprintf(env, sizeof env, "{}\n{\"type\":\"attachment\",\"length\":%s}\nabc", bad[i]);
        err = NULL;
        CHECK(inspect(env, &info, &err) == -1);
        CHECK(err && strstr(err, "non-negative integer"));
    }
}

TEST(inspect_event_count_and_size)
{
    st_envelope_info info;
    const char *err = NULL;
    CHECK(inspect("{}\n{\"type\":\"event\"}\n{}\n{\"type\":\"event\"}\n{}", &info, &err) == -1);
    CHECK(err && strcmp(err, "envelope carries more than one event") == 0);
    err = NULL;
    CHECK(inspect("{}\n{\"type\":\"event\"}\n{}\n{\"type\":\"transaction\"}\n{}", &info, &err) ==
          -1);
    CHECK(err && strcmp(err, "envelope carries more than one event") == 0);
    CHECK(inspect("{}\n{\"type\":\"transaction\"}\n{}\n{\"type\":\"attachment\"}\nx", &info,
                  &err) == 0);
    CHECK(info.category_mask == ((1u << ST_CAT_TRANSACTION) | (1u << ST_CAT_ATTACHMENT)));

    /* event item size limit: 1 MiB is fine, one byte more is not; attachments may be bigger */
    size_t big = ST_MAX_EVENT_ITEM_BYTES + 1;
    char *env = malloc(big + 64);
    for (int over = 0; over < 2; over++) {
        size_t plen = ST_MAX_EVENT_ITEM_BYTES + (size_t)over;
        size_t n = (size_t)sprintf(env, "{}\n{\"type\":\"event\",\"length\":%zu}\n", plen);
        memset(env + n, ' ', plen);
        env[n] = '{';
        env[n + plen - 1] = '}';
        err = NULL;
        int rc = st_envelope_inspect(env, n + plen, &info, &err);
        CHECK(rc == (over ? -1 : 0));
        if (over)
            CHECK(err && strcmp(err, "event item exceeds 1 MiB") == 0);
        n = (size_t)sprintf(env, "{}\n{\"type\":\"attachment\",\"length\":%zu}\n", plen);
        memset(env + n, 'a', plen);
        CHECK(st_envelope_inspect(env, n + plen, &info, &err) == 0);
    }
    free(env);
}

TEST(inspect_bad_headers)
{
    st_envelope_info info;
    const char *err = NULL;
    CHECK(inspect("{}", &info, &err) == -1);
    CHECK(err && strcmp(err, "envelope has no items") == 0);
    err = NULL;
    CHECK(inspect("{}\n", &info, &err) == -1);
    CHECK(err && strcmp(err, "envelope has no items") == 0);
    err = NULL;
    CHECK(inspect("{}\n\n", &info, &err) == -1);
    CHECK(err && strcmp(err, "envelope has no items") == 0);
    err = NULL;
    CHECK(inspect("", &info, &err) == -1);
    CHECK(err != NULL);
    err = NULL;
    CHECK(inspect("not json\n{\"type\":\"event\"}\n{}", &info, &err) == -1);
    CHECK(err && strstr(err, "envelope header"));
    err = NULL;
    CHECK(inspect("[]\n{\"type\":\"event\"}\n{}", &info, &err) == -1);
    CHECK(err && strstr(err, "envelope header"));
    err = NULL;
    CHECK(inspect("{\"a\":1,}\n{\"type\":\"event\"}\n{}", &info, &err) == -1);
    CHECK(err && strstr(err, "envelope header"));
    err = NULL;
    CHECK(inspect("{}\n{\"type\":\"event\"\n{}", &info, &err) == -1);
    CHECK(err && strstr(err, "item header"));
    err = NULL;
    CHECK(inspect("{}\nnope\n{}", &info, &err) == -1);
    CHECK(err && strstr(err, "item header"));
    err = NULL;
    CHECK(inspect("\n{\"type\":\"event\"}\n{}", &info, &err) == -1);
    CHECK_STR(err, "envelope header line is empty");
    err = NULL;
    CHECK(inspect(" \r\n", &info, &err) == -1);
    CHECK_STR(err, "envelope header line is empty");
    err = NULL;
    CHECK(inspect("{\"type\":\"event\"}\n{\"message\":\"m\"}\n", &info, &err) == -1);
    CHECK_STR(err, "envelope has no header line (its first line is an item header)");
    err = NULL;
    CHECK(inspect("{}\n{\"length\":2}\n{}", &info, &err) == -1);
    CHECK(err && strstr(err, "no type"));
    err = NULL;
    CHECK(inspect("{}\n{\"type\":5}\n{}", &info, &err) == -1);
    CHECK(err && strstr(err, "type is not a string"));
    err = NULL;
    CHECK(inspect("{\"event_id\":42}\n{\"type\":\"event\"}\n{}", &info, &err) == -1);
    CHECK(err && strstr(err, "event_id is not a string"));
    /* null means absent */
    CHECK(inspect("{\"event_id\":null}\n{\"type\":\"event\"}\n{}", &info, &err) == 0);
    CHECK_STR(info.event_id, "");
}

TEST(inspect_event_id_sources)
{
    st_envelope_info info;
    const char *err = NULL;
    /* header id normalized */
    CHECK(inspect("{\"event_id\":\"9EC79C33-EC99-42AB-8353-589FCB2E04DC\"}\n{\"type\":\"event\"}\n"
                  "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}",
                  &info, &err) == 0);
    CHECK_STR(info.event_id, "9ec79c33ec9942ab8353589fcb2e04dc");
    /* no header id: the event payload's */
    CHECK(inspect("{\"dsn\":\"x\"}\n{\"type\":\"attachment\",\"length\":1}\na\n{\"type\":"
                  "\"transaction\"}\n"
                  "{\"event_id\":\"" ID "\",\"nested\":{\"event_id\":\"no\"}}",
                  &info, &err) == 0);
    CHECK_STR(info.event_id, ID);
    /* an event payload that is not one JSON object is refused (Sentry would drop it) */
    err = NULL;
    CHECK(inspect("{}\n{\"type\":\"event\"}\nnot json", &info, &err) == -1);
    CHECK_STR(err, "envelope event item is not a JSON object");
    err = NULL;
    CHECK(inspect("{}\n{\"type\":\"transaction\"}\n[1]", &info, &err) == -1);
    CHECK_STR(err, "envelope event item is not a JSON object");
    err = NULL;
    CHECK(inspect("{}\n{\"type\":\"event\",\"length\":0}\n", &info, &err) == -1);
    CHECK_STR(err, "envelope event item is empty");
    err = NULL;
    CHECK(inspect("{}\n{\"type\":\"event\"}\n{\"m\":\"\xff\"}", &info, &err) == -1);
    CHECK_STR(err, "envelope event item is not valid JSON (invalid UTF-8 in string)");
    /* a payload id must be the header's (after normalization); null or "" is no id */
    err = NULL;
    CHECK(inspect("{\"event_id\":\"" ID "\"}\n{\"type\":\"event\"}\n{\"event_id\":\""
                  "ffffffffffffffffffffffffffffffff\"}",
                  &info, &err) == -1);
    CHECK_STR(err, "envelope event item event_id differs from the header event_id");
    CHECK(inspect("{\"event_id\":\"" ID "\"}\n{\"type\":\"event\"}\n{\"event_id\":null}", &info,
                  &err) == 0);
    CHECK(inspect("{}\n{\"type\":\"event\"}\n{\"event_id\":\"\"}", &info, &err) == 0);
    CHECK_STR(info.event_id, "");
    err = NULL;
    CHECK(inspect("{}\n{\"type\":\"event\"}\n{\"event_id\":7}", &info, &err) == -1);
    CHECK_STR(err, "envelope event item event_id is not a string");
    /* ids of other item types are not event ids */
    CHECK(inspect("{}\n{\"type\":\"feedback\"}\n{\"event_id\":\"" ID "\"}", &info, &err) == 0);
    CHECK_STR(info.event_id, "");
}

/* ---- sent_at ---- */

static char *strip(const char *env, st_envelope_info *info)
{
    const char *err = NULL;
    st_iov iov[4];
    char scratch[64];
    if (st_envelope_inspect(env, strlen(env), info, &err) != 0) {
        fprintf(stderr, "  inspect: %s\n", err);
        return strdup("(inspect failed)");
    }
    int n = st_envelope_strip_sent_at(env, strlen(env), info, iov, 4, scratch, sizeof scratch);
    if (n < 1)
        return strdup("(strip failed)");
    return join(iov, n, NULL);
}

TEST(strip_sent_at_positions)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"{\"sent_at\":\"2020-02-07T14:16:00Z\",\"event_id\":\"" ID "\"}\n{\"type\":\"event\"}\n{}",
         "{\"event_id\":\"" ID "\"}\n{\"type\":\"event\"}\n{}"},
        {"{\"event_id\":\"" ID
         "\",\"sent_at\":\"2020-02-07T14:16:00Z\",\"dsn\":\"d\"}\n{\"type\":\"event\"}\n{}",
         "{\"event_id\":\"" ID "\",\"dsn\":\"d\"}\n{\"type\":\"event\"}\n{}"},
        {"{\"event_id\":\"" ID "\",\"sent_at\":\"2020-02-07T14:16:00Z\"}\n{\"type\":\"event\"}\n{}",
         "{\"event_id\":\"" ID "\"}\n{\"type\":\"event\"}\n{}"},
        {"{\"sent_at\":\"2020-02-07T14:16:00Z\"}\n{\"type\":\"event\"}\n{}",
         "{}\n{\"type\":\"event\"}\n{}"},
        {"{ \"a\" : 1 , \"sent_at\" : null }\n{\"type\":\"event\"}\n{}",
         "{ \"a\" : 1  }\n{\"type\":\"event\"}\n{}"},
        {"{ \"sent_at\" : {\"x\":[1]} , \"a\" : 1 }\n{\"type\":\"event\"}\n{}",
         "{  \"a\" : 1 }\n{\"type\":\"event\"}\n{}"},
        /* sent_at inside the payload is none of our business */
        {"{\"a\":1}\n{\"type\":\"event\"}\n{\"sent_at\":1}",
         "{\"a\":1}\n{\"type\":\"event\"}\n{\"sent_at\":1}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        st_envelope_info info;
        char *got = strip(cases[i].in, &info);
        CHECK_STR(got, cases[i].out);
        free(got);
    }
    /* not enough room for the pieces */
    st_envelope_info info;
    const char *env = "{\"sent_at\":\"x\"}\n{\"type\":\"event\"}\n{}";
    const char *err = NULL;
    st_iov iov[2];
    CHECK(st_envelope_inspect(env, strlen(env), &info, &err) == 0);
    CHECK(st_envelope_strip_sent_at(env, strlen(env), &info, iov, 1, NULL, 0) == -1);
    CHECK(st_envelope_strip_sent_at(env, strlen(env), &info, iov, 2, NULL, 0) == 2);
}

static char *stamp(const char *env, int64_t ms, int *rc)
{
    st_iov iov[3];
    char buf[64];
    *rc = st_envelope_stamp_sent_at(env, strlen(env), ms, iov, buf);
    if (*rc != 3)
        return strdup("(stamp failed)");
    return join(iov, 3, NULL);
}

TEST(stamp_sent_at)
{
    const int64_t ms = 1732281895123; /* 2024-11-22T13:24:55.123Z */
    int rc;
    char *got = stamp("{\"event_id\":\"" ID "\"}\n{\"type\":\"event\",\"length\":2}\n{}", ms, &rc);
    CHECK(rc == 3);
    CHECK_STR(got, "{\"event_id\":\"" ID "\",\"sent_at\":\"2024-11-22T13:24:55.123Z\"}\n"
                   "{\"type\":\"event\",\"length\":2}\n{}");
    free(got);
    got = stamp("{}\n{\"type\":\"event\"}\n{}", ms, &rc);
    CHECK_STR(got, "{\"sent_at\":\"2024-11-22T13:24:55.123Z\"}\n{\"type\":\"event\"}\n{}");
    free(got);
    got = stamp("{ }\n{\"type\":\"event\"}\n{}", ms, &rc);
    CHECK_STR(got, "{ \"sent_at\":\"2024-11-22T13:24:55.123Z\"}\n{\"type\":\"event\"}\n{}");
    free(got);
    got = stamp("{\"a\":{}} \r\n{\"type\":\"event\"}\n{}", ms, &rc);
    CHECK_STR(got,
              "{\"a\":{},\"sent_at\":\"2024-11-22T13:24:55.123Z\"} \r\n{\"type\":\"event\"}\n{}");
    free(got);
    got = stamp("{\"a\":1}", ms, &rc); /* no newline at all */
    CHECK_STR(got, "{\"a\":1,\"sent_at\":\"2024-11-22T13:24:55.123Z\"}");
    free(got);
    got = stamp("not an envelope\n{}", ms, &rc);
    CHECK(rc == -1);
    free(got);
    got = stamp("", ms, &rc);
    CHECK(rc == -1);
    free(got);

    /* strip then stamp: the header is valid JSON with exactly one sent_at */
    st_envelope_info info;
    char *stripped =
        strip("{\"sent_at\":\"old\",\"event_id\":\"" ID "\"}\n{\"type\":\"event\"}\n{}", &info);
    got = stamp(stripped, ms, &rc);
    CHECK_STR(got, "{\"event_id\":\"" ID "\",\"sent_at\":\"2024-11-22T13:24:55.123Z\"}\n"
                   "{\"type\":\"event\"}\n{}");
    const char *err = NULL;
    CHECK(st_envelope_inspect(got, strlen(got), &info, &err) == 0);
    CHECK(info.sent_at.len > 0);
    free(stripped);
    free(got);
}

/* The queued form of a caller's envelope: joined pieces, for exact comparison. */
static char *queued(const char *env, char *id_out)
{
    st_envelope_info info;
    const char *err = NULL;
    if (st_envelope_inspect(env, strlen(env), &info, &err) != 0)
        return strdup(err);
    st_iov iov[5];
    char scratch[64];
    int n = st_envelope_queued_form(env, strlen(env), &info, iov, 5, scratch, sizeof scratch);
    if (n < 0)
        return strdup("(failed)");
    if (id_out)
        memcpy(id_out, info.event_id, 33);
    return join(iov, n, NULL);
}

TEST(queued_form_normalizes_and_inserts_ids)
{
    char id[33];
    char *q = queued("{\"event_id\":\"9EC79C33-EC99-42AB-8353-589FCB2E04DC\",\"sent_at\":\"x\"}\n"
                     "{\"type\":\"event\"}\n{}\n",
                     id);
    CHECK_STR(q, "{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n{}\n");
    CHECK_STR(id, "9ec79c33ec9942ab8353589fcb2e04dc");
    free(q);
    /* id only in the event payload: inserted into the header */
    q = queued("{\"dsn\":\"d\"}\n{\"type\":\"event\"}\n{\"event_id\":\""
               "0123456789abcdef0123456789abcdef\"}",
               NULL);
    CHECK_STR(
        q,
        "{\"event_id\":\"0123456789abcdef0123456789abcdef\",\"dsn\":\"d\"}\n{\"type\":\"event\"}\n"
        "{\"event_id\":\"0123456789abcdef0123456789abcdef\"}\n");
    free(q);
    /* the only header member is sent_at: no dangling comma */
    q = queued("{\"sent_at\":\"s\"}\n{\"type\":\"event\"}\n{\"event_id\":"
               "\"0123456789abcdef0123456789abcdef\"}",
               NULL);
    CHECK_STR(q, "{\"event_id\":\"0123456789abcdef0123456789abcdef\"}\n{\"type\":\"event\"}\n"
                 "{\"event_id\":\"0123456789abcdef0123456789abcdef\"}\n");
    free(q);
    /* a header id that is not a UUID is refused: it could not go out as it is */
    q = queued("{\"dsn\":\"d\",\"event_id\":\"not-a-uuid\"}\n{\"type\":\"session\"}\n{}", id);
    CHECK_STR(q, "envelope header event_id is not a UUID (32 hex digits)");
    free(q);
    q = queued("{}\n{\"type\":\"event\"}\n{\"event_id\":\"nope\"}", id);
    CHECK_STR(q, "envelope event item event_id is not a UUID (32 hex digits)");
    free(q);
    char want[200];
    /* an event with no id anywhere gets a generated one in the header */
    q = queued("{}\n{\"type\":\"event\"}\n{\"message\":\"m\"}", id);
    snprintf(want, sizeof want,
             "{\"event_id\":\"%s\"}\n{\"type\":\"event\"}\n{\"message\":\"m\"}\n", id);
    CHECK_STR(q, want);
    free(q);
    /* no id and no event: unchanged but for sent_at */
    q = queued("{\"sent_at\":\"s\",\"dsn\":\"d\"}\n{\"type\":\"session\"}\n{}", NULL);
    CHECK_STR(q, "{\"dsn\":\"d\"}\n{\"type\":\"session\"}\n{}\n");
    free(q);
    /* sentry-php ends an envelope right after an attachment's bytes, which may end in '\n'
     * themselves: the queued form closes the item, so an item appended later stays apart */
    q = queued("{}\n{\"type\":\"attachment\",\"length\":4}\nabc\n", NULL);
    CHECK_STR(q, "{}\n{\"type\":\"attachment\",\"length\":4}\nabc\n\n");
    free(q);
    /* an item header that ends the envelope (empty payload): closed, with or without its '\n' */
    q = queued("{}\n{\"type\":\"session\"}", NULL);
    CHECK_STR(q, "{}\n{\"type\":\"session\"}\n\n");
    free(q);
    q = queued("{}\n{\"type\":\"session\"}\n", NULL);
    CHECK_STR(q, "{}\n{\"type\":\"session\"}\n\n");
    free(q);
    /* already closed: unchanged */
    q = queued("{}\n{\"type\":\"attachment\",\"length\":4}\nabc\n\n", NULL);
    CHECK_STR(q, "{}\n{\"type\":\"attachment\",\"length\":4}\nabc\n\n");
    free(q);
}

TEST(transaction_gets_no_level)
{
    const char *err = NULL;
    CHECK(build("{\"type\":\"transaction\",\"transaction\":\"/x\"}", NULL, NULL, NULL, &err) == 0);
    char *all = join(parts.iov, parts.niov, NULL);
    CHECK(strstr(all, "\"level\"") == NULL);
    CHECK(strstr(all, "{\"type\":\"transaction\",\"length\":") != NULL);
    free(all);
    CHECK(build("{\"message\":\"m\"}", NULL, NULL, NULL, &err) == 0);
    all = join(parts.iov, parts.niov, NULL);
    CHECK(strstr(all, "\"level\":\"error\"") != NULL);
    free(all);
}

TEST(items_of_limited_categories_removed)
{
    const char *env = "{\"event_id\":\"0123456789abcdef0123456789abcdef\"}\n"
                      "{\"type\":\"event\",\"length\":2}\n{}\n"
                      "{\"type\":\"attachment\",\"length\":3}\nabc\n"
                      "{\"type\":\"session\"}\n{\"s\":1}\n";
    st_iov iov[8];
    int dropped = 0;
    int n = st_envelope_without_categories(env, strlen(env), 1u << ST_CAT_ERROR, iov, 8, &dropped);
    CHECK(n > 0 && dropped == 1);
    char *out = join(iov, n > 0 ? n : 0, NULL);
    CHECK_STR(out,
              "{\"event_id\":\"0123456789abcdef0123456789abcdef\"}\n"
              "{\"type\":\"attachment\",\"length\":3}\nabc\n{\"type\":\"session\"}\n{\"s\":1}\n");
    free(out);
    n = st_envelope_without_categories(
        env, strlen(env), (1u << ST_CAT_SESSION) | (1u << ST_CAT_ATTACHMENT), iov, 8, &dropped);
    CHECK(dropped == 2);
    out = join(iov, n > 0 ? n : 0, NULL);
    CHECK_STR(out, "{\"event_id\":\"0123456789abcdef0123456789abcdef\"}\n{\"type\":\"event\","
                   "\"length\":2}\n{}\n");
    free(out);
    n = st_envelope_without_categories(env, strlen(env), 0, iov, 8, &dropped);
    CHECK(n == 1 && dropped == 0 && iov[0].len == strlen(env));
}

int main(void)
{
    RUN(items_of_limited_categories_removed);
    RUN(transaction_gets_no_level);
    RUN(queued_form_normalizes_and_inserts_ids);
    RUN(build_exact_bytes);
    RUN(build_keeps_existing_fields);
    RUN(build_event_id_replaced_or_inserted);
    RUN(build_empty_object_and_whitespace);
    RUN(build_defaults_are_escaped);
    RUN(build_item_types);
    RUN(build_errors);
    RUN(build_size_limit);
    RUN(built_envelope_inspects_clean);
    RUN(inspect_multi_item);
    RUN(inspect_trailing_lines);
    RUN(inspect_lengths);
    RUN(inspect_event_count_and_size);
    RUN(inspect_bad_headers);
    RUN(inspect_event_id_sources);
    RUN(strip_sent_at_positions);
    RUN(stamp_sent_at);
    CHECK_DONE();
}
