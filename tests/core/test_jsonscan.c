/* Unit tests of the JSON object scanner (src/core/jsonscan.c). */
#include "check.h"
#include "jsonscan.h"

#include <stdint.h>
#include <stdlib.h>

/* Scan exactly n bytes copied into a buffer of exactly that size, so ASan catches any
 * read past the end (string literals would hide it behind their NUL). */
static int scan_n(const char *s, size_t n, int max_depth, const char *const *keys, size_t nkeys,
                  st_span *values, st_json_object_info *info, const char **err)
{
    char *copy = malloc(n ? n : 1);
    memcpy(copy, s, n);
    int rc = st_json_scan_object(copy, n, max_depth, keys, nkeys, values, info, err);
    free(copy);
    return rc;
}

static int scan(const char *s, const char **err)
{
    return scan_n(s, strlen(s), ST_MAX_JSON_DEPTH, NULL, 0, NULL, NULL, err);
}

/* Everything here must be accepted. */
static const char *const valid[] = {
    "{}", " {} ", "\t\r\n{\n}\r\n\t ", "{ }", "{\"a\":1}", "{\"\":\"\"}", "{\"a\":[]}",
    "{\"a\":[ ]}", "{\"a\":{}}", "{\"a\":{ }}", "{\"a\":[{}, [], [[]], {\"b\":[{}]}]}",
    " { \"a\" : 1 , \"b\" : [ 1 , 2 ] , \"c\" : { \"d\" : null } } ",
    "{\"t\":true,\"f\":false,\"n\":null}", "{\"a\":[true,false,null]}",
    /* numbers */
    "{\"n\":0}", "{\"n\":-0}", "{\"n\":7}", "{\"n\":-7}", "{\"n\":1.5}", "{\"n\":-0.0}",
    "{\"n\":0.001}", "{\"n\":1e5}", "{\"n\":1E5}", "{\"n\":1e+5}", "{\"n\":1e-5}",
    "{\"n\":-1.25E-07}", "{\"n\":0e0}", "{\"n\":123456789012345678901234567890}",
    "{\"n\":[0,1,-1,10,0.5,1e1]}",
    /* escapes */
    "{\"s\":\"\\\"\"}", "{\"s\":\"\\\\\"}", "{\"s\":\"\\/\"}", "{\"s\":\"\\b\\f\\n\\r\\t\"}",
    "{\"s\":\"\\u0041\\u00e9\\u20AC\\uFFFF\\u0000\"}", "{\"s\":\"\\uD83D\\uDE00\"}",
    "{\"s\":\"\\udbff\\udfff\"}", "{\"s\":\"a\\\"b\\\\c\"}", "{\"\\u0061\":1}",
    /* UTF-8 */
    "{\"s\":\"caf\xC3\xA9\"}", "{\"s\":\"\xE2\x82\xAC\"}", "{\"s\":\"\xF0\x9F\x98\x80\"}",
    "{\"s\":\"\xED\x9F\xBF\"}",     /* U+D7FF */
    "{\"s\":\"\xEE\x80\x80\"}",     /* U+E000 */
    "{\"s\":\"\xEF\xBF\xBF\"}",     /* U+FFFF */
    "{\"s\":\"\xF4\x8F\xBF\xBF\"}", /* U+10FFFF */
    "{\"s\":\"\xC2\x80\"}",         /* U+0080 */
    "{\"s\":\"\xE0\xA0\x80\"}",     /* U+0800 */
    "{\"s\":\"\xF0\x90\x80\x80\"}", /* U+10000 */
    "{\"\xC3\xA9\":\"\xC3\xA9\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80x\"}",
    "{\"s\":\"\x7F\"}", /* DEL is not a control character in JSON */
};

typedef struct bad_case {
    const char *json;
    const char *err; /* a substring of the message */
} bad_case;

static const bad_case invalid[] = {
    {"", "empty input"},
    {"   \n", "whitespace"},
    {"[]", "not a JSON object"},
    {"[{}]", "not a JSON object"},
    {"\"str\"", "not a JSON object"},
    {"1", "not a JSON object"},
    {"null", "not a JSON object"},
    {"\xEF\xBB\xBF{}", "not a JSON object"}, /* BOM */
    {"{", "unexpected end"},
    {"{\"a\"", "unexpected end"},
    {"{\"a\":", "unexpected end"},
    {"{\"a\":1", "unexpected end"},
    {"{\"a\":1,", "unexpected end"},
    {"{\"a\":[1", "unexpected end"},
    {"{\"a\":{\"b\":1}", "unexpected end"},
    {"{\"a\":\"x", "unterminated string"},
    {"{\"a", "unterminated string"},
    {"{\"a\":\"x\\", "unterminated string"},
    {"{\"a\":1,}", "trailing comma in object"},
    {"{\"a\":1 , }", "trailing comma in object"},
    {"{\"a\":[1,]}", "trailing comma in array"},
    {"{\"a\":[1, ]}", "trailing comma in array"},
    {"{,}", "expected a string key"},
    {"{\"a\":[,1]}", "unexpected character"},
    {"{\"a\":1}x", "trailing data"},
    {"{\"a\":1}{}", "trailing data"},
    {"{} {}", "trailing data"},
    {"{}\xC3\xA9", "trailing data"},
    {"{}\0", "trailing data"}, /* length counts the NUL: see the table loop */
    {"{\"a\" 1}", "expected ':'"},
    {"{\"a\",1}", "expected ':'"},
    {"{a:1}", "expected a string key"},
    {"{'a':1}", "expected a string key"},
    {"{\"a\":1 \"b\":2}", "expected ',' or '}'"},
    {"{\"a\":1]", "expected ',' or '}'"},
    {"{\"a\":[1 2]}", "expected ',' or ']'"},
    {"{\"a\":[1}", "expected ',' or ']'"},
    {"{\"a\":}", "unexpected character"},
    {"{\"a\":'x'}", "unexpected character"},
    /* numbers */
    {"{\"n\":01}", "leading zero"},
    {"{\"n\":-01}", "leading zero"},
    {"{\"n\":00}", "leading zero"},
    {"{\"n\":+1}", "unexpected character"},
    {"{\"n\":1.}", "no digit after '.'"},
    {"{\"n\":1.e5}", "no digit after '.'"},
    {"{\"n\":.5}", "unexpected character"},
    {"{\"n\":1e}", "no digit in exponent"},
    {"{\"n\":1e+}", "no digit in exponent"},
    {"{\"n\":1E-}", "no digit in exponent"},
    {"{\"n\":-}", "invalid number"},
    {"{\"n\":--1}", "invalid number"},
    {"{\"n\":-a}", "invalid number"},
    {"{\"n\":0x10}", "expected ',' or '}'"},
    {"{\"n\":1.5.2}", "expected ',' or '}'"},
    {"{\"n\":NaN}", "unexpected character"},
    {"{\"n\":Infinity}", "unexpected character"},
    {"{\"n\":-Infinity}", "invalid number"},
    {"{\"n\":1", "unexpected end"},
    /* literals */
    {"{\"l\":tru}", "invalid literal"},
    {"{\"l\":nul}", "invalid literal"},
    {"{\"l\":fals}", "invalid literal"},
    {"{\"l\":True}", "unexpected character"},
    {"{\"l\":nulll}", "expected ',' or '}'"},
    {"{\"l\":truefalse}", "expected ',' or '}'"},
    {"{\"l\":t", "invalid literal"},
    /* escapes */
    {"{\"s\":\"\\a\"}", "invalid escape"},
    {"{\"s\":\"\\x41\"}", "invalid escape"},
    {"{\"s\":\"\\U0041\"}", "invalid escape"},
    {"{\"s\":\"\\'\"}", "invalid escape"},
    {"{\"s\":\"\\u12\"}", "invalid \\u escape"},
    {"{\"s\":\"\\u12G4\"}", "invalid \\u escape"},
    {"{\"s\":\"\\u12", "invalid \\u escape"},
    {"{\"s\":\"\\uD800\"}", "unpaired surrogate"},
    {"{\"s\":\"\\uD800x\"}", "unpaired surrogate"},
    {"{\"s\":\"\\uD800\\u0041\"}", "unpaired surrogate"},
    {"{\"s\":\"\\uD83D\\uD83D\"}", "unpaired surrogate"},
    {"{\"s\":\"\\uDC00\"}", "unpaired surrogate"},
    {"{\"s\":\"\\uDFFF\\uD800\"}", "unpaired surrogate"},
    {"{\"s\":\"\\uD800\\n\"}", "unpaired surrogate"},
    {"{\"s\":\"\\uD800\\uZZZZ\"}", "invalid \\u escape"},
    {"{\"\\uD800\":1}", "unpaired surrogate"},
    /* control characters */
    {"{\"s\":\"a\nb\"}", "control character"},
    {"{\"s\":\"\t\"}", "control character"},
    {"{\"s\":\"\x01\"}", "control character"},
    {"{\"s\":\"\x1F\"}", "control character"},
    {"{\"a\nb\":1}", "control character"},
    /* bad UTF-8 */
    {"{\"s\":\"\x80\"}", "invalid UTF-8"}, /* lone continuation */
    {"{\"s\":\"\xBF\"}", "invalid UTF-8"},
    {"{\"s\":\"a\xC3\"}", "invalid UTF-8"}, /* truncated, quote follows */
    {"{\"s\":\"\xE2\x82\"}", "invalid UTF-8"},
    {"{\"s\":\"\xF0\x9F\x98\"}", "invalid UTF-8"},
    {"{\"s\":\"\xC3", "invalid UTF-8"}, /* truncated at the end */
    {"{\"s\":\"\xF0\x9F", "invalid UTF-8"},
    {"{\"s\":\"\xC3\xC3\"}", "invalid UTF-8"},                 /* lead without continuation */
    {"{\"s\":\"\xC0\x80\"}", "invalid UTF-8"},                 /* overlong NUL */
    {"{\"s\":\"\xC1\xBF\"}", "invalid UTF-8"},                 /* overlong */
    {"{\"s\":\"\xE0\x80\x80\"}", "invalid UTF-8"},             /* overlong */
    {"{\"s\":\"\xE0\x9F\xBF\"}", "invalid UTF-8"},             /* overlong U+07FF */
    {"{\"s\":\"\xF0\x80\x80\x80\"}", "invalid UTF-8"},         /* overlong */
    {"{\"s\":\"\xF0\x8F\xBF\xBF\"}", "invalid UTF-8"},         /* overlong U+FFFF */
    {"{\"s\":\"\xED\xA0\x80\"}", "invalid UTF-8"},             /* U+D800 */
    {"{\"s\":\"\xED\xBF\xBF\"}", "invalid UTF-8"},             /* U+DFFF */
    {"{\"s\":\"\xED\xA0\xBD\xED\xB8\x80\"}", "invalid UTF-8"}, /* CESU-8 pair */
    {"{\"s\":\"\xF4\x90\x80\x80\"}", "invalid UTF-8"},         /* U+110000 */
    {"{\"s\":\"\xF5\x80\x80\x80\"}", "invalid UTF-8"},
    {"{\"s\":\"\xF8\x88\x80\x80\x80\"}", "invalid UTF-8"},
    {"{\"s\":\"\xFE\"}", "invalid UTF-8"},
    {"{\"s\":\"\xFF\"}", "invalid UTF-8"},
    {"{\"\xFF\":1}", "invalid UTF-8"},
    {"{\"s\":\"\xE2\x28\xA1\"}", "invalid UTF-8"},     /* bad second byte */
    {"{\"s\":\"\xE2\x82\x28\"}", "invalid UTF-8"},     /* bad third byte */
    {"{\"s\":\"\xF0\x9F\x98\x28\"}", "invalid UTF-8"}, /* bad fourth byte */
    {"{\"s\":\xC3\xA9}", "unexpected character"},      /* non-ASCII outside strings */
};

TEST(valid_documents)
{
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        const char *err = NULL;
        int rc = scan(valid[i], &err);
        if (rc != 0)
            fprintf(stderr, "  valid[%zu] %s rejected: %s\n", i, valid[i], err);
        CHECK(rc == 0);
    }
}

TEST(invalid_documents)
{
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        const char *err = NULL;
        size_t n = strlen(invalid[i].json);
        if (strcmp(invalid[i].json, "{}") == 0)
            n = 3; /* the "{}\0" case: the NUL is part of the input */
        int rc = scan_n(invalid[i].json, n, ST_MAX_JSON_DEPTH, NULL, 0, NULL, NULL, &err);
        if (rc != -1 || !err || !strstr(err, invalid[i].err))
            fprintf(stderr, "  invalid[%zu] %s: rc %d, err \"%s\", want \"%s\"\n", i,
                    invalid[i].json, rc, err ? err : "(null)", invalid[i].err);
        CHECK(rc == -1);
        CHECK(err != NULL && strstr(err, invalid[i].err) != NULL);
    }
}

TEST(nul_bytes)
{
    const char *err = NULL;
    static const char in_string[] = "{\"s\":\"a\0b\"}";
    CHECK(scan_n(in_string, sizeof in_string - 1, 512, NULL, 0, NULL, NULL, &err) == -1);
    CHECK(err && strstr(err, "control character"));
    static const char escaped[] = "{\"s\":\"a\\u0000b\"}";
    CHECK(scan_n(escaped, sizeof escaped - 1, 512, NULL, 0, NULL, NULL, &err) == 0);
    /* a NULL err pointer is allowed */
    CHECK(st_json_scan_object("[", 1, 512, NULL, 0, NULL, NULL, NULL) == -1);
}

/* {"a": + n-1 nested containers + 1 + closers: depth n (the object is level 1) */
static char *nested(int depth, char open, char close)
{
    size_t cap = (size_t)depth * 8 + 16, len = 0;
    char *s = malloc(cap);
    len += (size_t)sprintf(s, "{\"a\":");
    for (int i = 1; i < depth; i++) {
        if (open == '{')
            len += (size_t)sprintf(s + len, "{\"a\":");
        else
            s[len++] = open;
    }
    s[len++] = '1';
    for (int i = 1; i < depth; i++)
        s[len++] = close;
    s[len++] = '}';
    s[len] = '\0';
    return s;
}

TEST(nesting_limit)
{
    const char *err = NULL;
    char *s = nested(512, '[', ']');
    CHECK(scan(s, &err) == 0);
    free(s);
    s = nested(513, '[', ']');
    err = NULL;
    CHECK(scan(s, &err) == -1);
    CHECK(err && strcmp(err, "nesting deeper than 512") == 0);
    free(s);
    s = nested(512, '{', '}');
    CHECK(scan(s, &err) == 0);
    free(s);
    s = nested(513, '{', '}');
    err = NULL;
    CHECK(scan(s, &err) == -1);
    CHECK(err && strcmp(err, "nesting deeper than 512") == 0);
    free(s);
    /* mixed, crossing the 64-level words of the depth stack both ways */
    {
        char buf[4096];
        size_t n = 0;
        n += (size_t)sprintf(buf, "{\"a\":");
        for (int i = 1; i < 300; i++)
            n += (size_t)sprintf(buf + n, i % 3 ? "[" : "{\"k\":");
        buf[n++] = '0';
        for (int i = 299; i >= 1; i--)
            buf[n++] = i % 3 ? ']' : '}';
        n += (size_t)sprintf(buf + n, ",\"b\":[1]}");
        CHECK(scan_n(buf, n, 512, NULL, 0, NULL, NULL, &err) == 0);
        /* swap one closer: must be caught */
        char *bad = malloc(n);
        memcpy(bad, buf, n);
        for (size_t i = 0; i < n; i++)
            if (bad[i] == ']') {
                bad[i] = '}';
                break;
            }
        CHECK(scan_n(bad, n, 512, NULL, 0, NULL, NULL, &err) == -1);
        free(bad);
    }
    /* a smaller limit given by the caller; out-of-range limits mean 512 */
    CHECK(st_json_scan_object("{\"a\":[[1]]}", 11, 3, NULL, 0, NULL, NULL, &err) == 0);
    CHECK(st_json_scan_object("{\"a\":[[[1]]]}", 13, 3, NULL, 0, NULL, NULL, &err) == -1);
    CHECK(err && strstr(err, "nesting too deep"));
    CHECK(st_json_scan_object("{}", 2, 1, NULL, 0, NULL, NULL, &err) == 0);
    CHECK(st_json_scan_object("{\"a\":{}}", 8, 1, NULL, 0, NULL, NULL, &err) == -1);
    s = nested(512, '[', ']');
    CHECK(scan_n(s, strlen(s), 0, NULL, 0, NULL, NULL, &err) == 0);
    CHECK(scan_n(s, strlen(s), 100000, NULL, 0, NULL, NULL, &err) == 0);
    free(s);
    s = nested(513, '[', ']');
    CHECK(scan_n(s, strlen(s), 100000, NULL, 0, NULL, NULL, &err) == -1);
    free(s);
}

static bool span_eq(const char *buf, st_span v, const char *want)
{
    size_t n = strlen(want);
    if (v.len != n || memcmp(buf + v.off, want, n) != 0) {
        fprintf(stderr, "  span {%zu,%zu} = \"%.*s\", want \"%s\"\n", v.off, v.len, (int)v.len,
                buf + v.off, want);
        return false;
    }
    return true;
}

TEST(top_level_key_spans)
{
    const char *j = " {\"event_id\":\"abc\",\"nested\":{\"event_id\":\"x\",\"level\":\"y\"},"
                    "\"level\" : \"warning\" ,\"arr\":[{\"level\":1},{\"missing\":2}],"
                    "\"n\": -12.5e3 ,\"o\":{\"x\":[1,{}]},\"t\":true,\"z\":null,"
                    "\"esc\":\"a\\\"b\"} ";
    const char *keys[] = {"event_id", "level", "missing", "n", "o", "t", "z", "esc", "arr"};
    st_span v[9];
    st_json_object_info info;
    const char *err = NULL;
    CHECK(scan_n(j, strlen(j), 512, keys, 9, v, &info, &err) == 0);
    CHECK(span_eq(j, v[0], "\"abc\""));
    CHECK(span_eq(j, v[1], "\"warning\""));
    CHECK(v[2].len == 0); /* only inside a nested object: not a top-level key */
    CHECK(span_eq(j, v[3], "-12.5e3"));
    CHECK(span_eq(j, v[4], "{\"x\":[1,{}]}"));
    CHECK(span_eq(j, v[5], "true"));
    CHECK(span_eq(j, v[6], "null"));
    CHECK(span_eq(j, v[7], "\"a\\\"b\""));
    CHECK(span_eq(j, v[8], "[{\"level\":1},{\"missing\":2}]"));
    CHECK(info.open_brace == 1);
    CHECK(info.close_brace == strlen(j) - 2);
    CHECK(j[info.close_brace] == '}');
    CHECK(!info.empty);
}

TEST(nested_keys_not_matched)
{
    const char *j = "{\"a\":{\"level\":\"inner\"},\"b\":[\"level\",{\"level\":2}]}";
    const char *keys[] = {"level"};
    st_span v[1];
    const char *err = NULL;
    CHECK(st_json_scan_object(j, strlen(j), 512, keys, 1, v, NULL, &err) == 0);
    CHECK(v[0].len == 0);
}

TEST(repeated_keys_last_wins)
{
    const char *j = "{\"a\":1,\"b\":2,\"a\":[2,3],\"c\":{\"a\":9}}";
    const char *keys[] = {"a", "b"};
    st_span v[2], k[2];
    const char *err = NULL;
    CHECK(st_json_scan_object_keys(j, strlen(j), 512, keys, 2, v, k, NULL, &err) == 0);
    CHECK(span_eq(j, v[0], "[2,3]"));
    CHECK(k[0].off == 13 && k[0].len == 3); /* the last occurrence's key */
    CHECK(span_eq(j, v[1], "2"));
}

TEST(key_matching_is_exact)
{
    const char *j = "{\"lev\":1,\"levels\":2,\"Level\":3,\"\":4,\"level \":5}";
    const char *keys[] = {"level", "", "le"};
    st_span v[3];
    const char *err = NULL;
    CHECK(st_json_scan_object(j, strlen(j), 512, keys, 3, v, NULL, &err) == 0);
    CHECK(v[0].len == 0);
    CHECK(span_eq(j, v[1], "4"));
    CHECK(v[2].len == 0);
}

TEST(escaped_keys_match_unescaped)
{
    const char *j = "{\"ev\\u0065nt_id\":\"x\",\"caf\\u00e9\":1,\"\\ud83d\\ude00\":2,"
                    "\"a\\\"b\":3,\"t\\tab\":4,\"s\\/l\":5,\"no\\u0000\":6}";
    const char *keys[] = {"event_id", "caf\xC3\xA9", "\xF0\x9F\x98\x80", "a\"b", "t\tab",
                          "s/l",      "no"};
    st_span v[7];
    const char *err = NULL;
    CHECK(st_json_scan_object(j, strlen(j), 512, keys, 7, v, NULL, &err) == 0);
    CHECK(span_eq(j, v[0], "\"x\""));
    CHECK(span_eq(j, v[1], "1"));
    CHECK(span_eq(j, v[2], "2"));
    CHECK(span_eq(j, v[3], "3"));
    CHECK(span_eq(j, v[4], "4"));
    CHECK(span_eq(j, v[5], "5"));
    CHECK(v[6].len == 0); /* "no\0" is not "no" */
}

TEST(many_keys_and_duplicates_in_key_list)
{
    /* more keys than the hashed lookup takes: the linear path must agree */
    char name[48][8];
    const char *keys[48];
    for (int i = 0; i < 48; i++) {
        sprintf(name[i], "k%d", i);
        keys[i] = name[i];
    }
    const char *j = "{\"k0\":0,\"k7\":7,\"k47\":47,\"k31\":31,\"k32\":32,\"x\":1}";
    st_span v[48];
    const char *err = NULL;
    CHECK(st_json_scan_object(j, strlen(j), 512, keys, 48, v, NULL, &err) == 0);
    CHECK(span_eq(j, v[0], "0"));
    CHECK(span_eq(j, v[7], "7"));
    CHECK(span_eq(j, v[31], "31"));
    CHECK(span_eq(j, v[32], "32"));
    CHECK(span_eq(j, v[47], "47"));
    CHECK(v[1].len == 0 && v[46].len == 0);
    CHECK(st_json_scan_object(j, strlen(j), 512, keys, 32, v, NULL, &err) == 0);
    CHECK(span_eq(j, v[0], "0"));
    CHECK(span_eq(j, v[31], "31"));
    /* the same key twice in the list: the first entry gets the value */
    const char *dup[] = {"x", "k7", "x"};
    CHECK(st_json_scan_object(j, strlen(j), 512, dup, 3, v, NULL, &err) == 0);
    CHECK(span_eq(j, v[0], "1"));
    CHECK(span_eq(j, v[1], "7"));
    CHECK(v[2].len == 0);
}

TEST(key_spans)
{
    const char *j = "{\"x\":1, \"sent_at\" : \"2020\",\"y\":{\"sent_at\":0}}";
    const char *keys[] = {"sent_at", "nope"};
    st_span v[2], k[2];
    const char *err = NULL;
    CHECK(st_json_scan_object_keys(j, strlen(j), 512, keys, 2, v, k, NULL, &err) == 0);
    CHECK(span_eq(j, k[0], "\"sent_at\""));
    CHECK(span_eq(j, v[0], "\"2020\""));
    CHECK(k[1].len == 0 && v[1].len == 0);
}

TEST(info_and_values_reset)
{
    st_json_object_info info;
    st_span v[1] = {{5, 5}};
    const char *keys[] = {"a"};
    const char *err = NULL;
    CHECK(st_json_scan_object("  { } ", 6, 512, keys, 1, v, &info, &err) == 0);
    CHECK(info.empty && info.open_brace == 2 && info.close_brace == 4);
    CHECK(v[0].len == 0);
    CHECK(st_json_scan_object("{\"a\":{}}", 8, 512, keys, 1, v, &info, &err) == 0);
    CHECK(!info.empty && info.open_brace == 0 && info.close_brace == 7);
    CHECK(v[0].off == 5 && v[0].len == 2);
}

TEST(plain_string_span)
{
    const char *j = "{\"a\":\"hello\",\"b\":\"x\\ny\",\"c\":12,\"d\":\"\"}";
    const char *keys[] = {"a", "b", "c", "d", "e"};
    st_span v[5];
    const char *err = NULL, *s = NULL;
    size_t n = 99;
    CHECK(st_json_scan_object(j, strlen(j), 512, keys, 5, v, NULL, &err) == 0);
    CHECK(st_json_span_plain_string(j, v[0], &s, &n) && n == 5 && memcmp(s, "hello", 5) == 0);
    CHECK(!st_json_span_plain_string(j, v[1], &s, &n));
    CHECK(!st_json_span_plain_string(j, v[2], &s, &n));
    CHECK(st_json_span_plain_string(j, v[3], &s, &n) && n == 0);
    CHECK(!st_json_span_plain_string(j, v[4], &s, &n));
}

/* Strings of every length around the 64-byte windows, with specials at every position,
 * each in a buffer of exactly its size (ASan: no read past the end). */
TEST(strings_across_windows)
{
    char buf[400];
    const char *err = NULL;
    const char *keys[] = {"k", "z"};
    st_span v[2];
    for (int len = 0; len < 200; len++) {
        for (int special = -1; special < len; special += (len > 70 ? 7 : 1)) {
            size_t n = 0;
            n += (size_t)sprintf(buf, "{\"k\":\"");
            for (int i = 0; i < len; i++) {
                if (i == special) {
                    memcpy(buf + n, "\\\"", 2); /* an escaped quote */
                    n += 2;
                } else if (i == special + 1 && (len % 3) == 0) {
                    memcpy(buf + n, "\xC3\xA9", 2);
                    n += 2;
                } else {
                    buf[n++] = (char)('a' + i % 26);
                }
            }
            buf[n++] = '"';
            buf[n++] = '}';
            size_t vlen = n - 6;
            if (scan_n(buf, n, 512, keys, 2, v, NULL, &err) != 0) {
                fprintf(stderr, "  len %d special %d: %s\n", len, special, err);
                CHECK(0);
                continue;
            }
            CHECK(v[0].off == 5 && v[0].len == vlen);
            /* every truncation is an error, never a read past the end */
            for (size_t cut = n - 3; cut < n; cut++)
                CHECK(scan_n(buf, cut, 512, keys, 2, v, NULL, &err) == -1);
        }
    }
    /* a control byte / invalid UTF-8 at every offset of a long string */
    for (int pos = 0; pos < 150; pos++) {
        for (int kind = 0; kind < 2; kind++) {
            size_t n = (size_t)sprintf(buf, "{\"k\":\"");
            for (int i = 0; i < 150; i++)
                buf[n++] = i == pos ? (kind ? '\x85' : '\x02') : 'x';
            buf[n++] = '"';
            buf[n++] = '}';
            err = NULL;
            CHECK(scan_n(buf, n, 512, NULL, 0, NULL, NULL, &err) == -1);
            CHECK(err && strstr(err, kind ? "invalid UTF-8" : "control character"));
        }
    }
}

/* ---- an independent, deliberately simple reference validator (recursive descent) ---- */

typedef struct ref {
    const unsigned char *s;
    size_t n, i;
    int depth;
} ref;

static void ref_ws(ref *r)
{
    while (r->i < r->n &&
           (r->s[r->i] == ' ' || r->s[r->i] == '\t' || r->s[r->i] == '\n' || r->s[r->i] == '\r'))
        r->i++;
}

static int ref_hex(ref *r, unsigned *out)
{
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        if (r->i >= r->n)
            return 0;
        unsigned char c = r->s[r->i++];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= c - '0';
        else if (c >= 'a' && c <= 'f')
            v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v |= c - 'A' + 10;
        else
            return 0;
    }
    *out = v;
    return 1;
}

static int ref_string(ref *r)
{
    if (r->i >= r->n || r->s[r->i] != '"')
        return 0;
    r->i++;
    for (;;) {
        if (r->i >= r->n)
            return 0;
        unsigned c = r->s[r->i];
        if (c == '"') {
            r->i++;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            r->i++;
            if (r->i >= r->n)
                return 0;
            c = r->s[r->i++];
            if (c == 'u') {
                unsigned u, u2;
                if (!ref_hex(r, &u))
                    return 0;
                if (u >= 0xDC00 && u <= 0xDFFF)
                    return 0;
                if (u >= 0xD800 && u <= 0xDBFF) {
                    if (r->i + 1 >= r->n || r->s[r->i] != '\\' || r->s[r->i + 1] != 'u')
                        return 0;
                    r->i += 2;
                    if (!ref_hex(r, &u2) || u2 < 0xDC00 || u2 > 0xDFFF)
                        return 0;
                }
            } else if (!strchr("\"\\/bfnrt", (int)c) || c == 0) {
                return 0;
            }
            continue;
        }
        if (c < 0x80) {
            r->i++;
            continue;
        }
        /* decode and check the code point */
        int k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
        if (k == 0 || c >= 0xF8 || r->i + (size_t)k > r->n)
            return 0;
        unsigned cp = c & (0x7F >> k);
        for (int t = 1; t < k; t++) {
            unsigned cc = r->s[r->i + (size_t)t];
            if ((cc & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (cc & 0x3F);
        }
        unsigned min = k == 2 ? 0x80 : k == 3 ? 0x800 : 0x10000;
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        r->i += (size_t)k;
    }
}

static int ref_value(ref *r);

static int ref_number(ref *r)
{
    size_t i = r->i;
    const unsigned char *s = r->s;
    if (i < r->n && s[i] == '-')
        i++;
    if (i >= r->n || s[i] < '0' || s[i] > '9')
        return 0;
    if (s[i] == '0') {
        i++;
    } else {
        while (i < r->n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < r->n && s[i] == '.') {
        i++;
        if (i >= r->n || s[i] < '0' || s[i] > '9')
            return 0;
        while (i < r->n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    if (i < r->n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < r->n && (s[i] == '+' || s[i] == '-'))
            i++;
        if (i >= r->n || s[i] < '0' || s[i] > '9')
            return 0;
        while (i < r->n && s[i] >= '0' && s[i] <= '9')
            i++;
    }
    r->i = i;
    return 1;
}

static int ref_lit(ref *r, const char *w)
{
    size_t l = strlen(w);
    if (r->n - r->i < l || memcmp(r->s + r->i, w, l) != 0)
        return 0;
    r->i += l;
    return 1;
}

static int ref_container(ref *r, int obj)
{
    if (++r->depth > 512)
        return 0;
    r->i++;
    ref_ws(r);
    if (r->i < r->n && r->s[r->i] == (obj ? '}' : ']')) {
        r->i++;
        r->depth--;
        return 1;
    }
    for (;;) {
        ref_ws(r);
        if (obj) {
            if (!ref_string(r))
                return 0;
            ref_ws(r);
            if (r->i >= r->n || r->s[r->i] != ':')
                return 0;
            r->i++;
            ref_ws(r);
        }
        if (!ref_value(r))
            return 0;
        ref_ws(r);
        if (r->i >= r->n)
            return 0;
        if (r->s[r->i] == ',') {
            r->i++;
            continue;
        }
        if (r->s[r->i] == (obj ? '}' : ']')) {
            r->i++;
            r->depth--;
            return 1;
        }
        return 0;
    }
}

static int ref_value(ref *r)
{
    if (r->i >= r->n)
        return 0;
    switch (r->s[r->i]) {
    case '{':
        return ref_container(r, 1);
    case '[':
        return ref_container(r, 0);
    case '"':
        return ref_string(r);
    case 't':
        return ref_lit(r, "true");
    case 'f':
        return ref_lit(r, "false");
    case 'n':
        return ref_lit(r, "null");
    default:
        return ref_number(r);
    }
}

static int ref_valid(const unsigned char *s, size_t n)
{
    ref r = {s, n, 0, 0};
    ref_ws(&r);
    if (r.i >= n || s[r.i] != '{')
        return 0;
    if (!ref_container(&r, 1))
        return 0;
    ref_ws(&r);
    return r.i == n;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Random small edits of valid documents: the scanner and the reference must agree. */
TEST(agrees_with_reference_on_mutations)
{
    static const char *const seeds[] = {
        "{\"event_id\":\"fc6d8c0c43fc4630ad850ee518f1b9d0\",\"level\":\"error\",\"n\":-1.5e3,"
        "\"a\":[true,false,null,{\"b\":\"caf\xC3\xA9 \\u00e9 \\uD83D\\uDE00\"}],\"e\":{}}",
        "{ \"x\" : [ 0 , 1.0 , \"\\\"\\\\\\/\\b\\f\\n\\r\\t\" ] , \"y\" : { \"z\" : [ ] } }",
        "{\"long\":\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        "0123456789abcdef\xE2\x82\xAC\xF0\x9F\x98\x80\",\"k\":[[[[[[1]]]]]]}",
    };
    static const char alphabet[] =
        "{}[]:,\"\\ 0123456789-+.eEtrufalsn\x80\xC3\xA9\xED\xF4\x90\xBFu\n";
    unsigned char buf[512];
    int disagreements = 0, accepted = 0;
    for (int iter = 0; iter < 200000; iter++) {
        const char *seed = seeds[iter % 3];
        size_t n = strlen(seed);
        memcpy(buf, seed, n);
        int edits = 1 + (int)(rnd() % 3);
        for (int e = 0; e < edits; e++) {
            size_t at = n ? rnd() % n : 0;
            unsigned char c = (unsigned char)alphabet[rnd() % (sizeof alphabet - 1)];
            switch (rnd() % 4) {
            case 0: /* replace */
                if (n)
                    buf[at] = c;
                break;
            case 1: /* insert */
                if (n + 1 < sizeof buf) {
                    memmove(buf + at + 1, buf + at, n - at);
                    buf[at] = c;
                    n++;
                }
                break;
            case 2: /* delete */
                if (n) {
                    memmove(buf + at, buf + at + 1, n - at - 1);
                    n--;
                }
                break;
            default: /* truncate */
                n = at;
                break;
            }
        }
        const char *err = NULL;
        int got = scan_n((const char *)buf, n, 512, NULL, 0, NULL, NULL, &err) == 0;
        int want = ref_valid(buf, n);
        accepted += got;
        if (got != want && disagreements++ < 5)
            fprintf(stderr, "  mutation disagrees (scanner %d, reference %d, %s): %.*s\n", got,
                    want, err ? err : "", (int)n, buf);
    }
    CHECK(disagreements == 0);
    CHECK(accepted > 1000); /* the mutations do not only produce garbage */
}

int main(void)
{
    RUN(valid_documents);
    RUN(invalid_documents);
    RUN(nul_bytes);
    RUN(nesting_limit);
    RUN(top_level_key_spans);
    RUN(nested_keys_not_matched);
    RUN(repeated_keys_last_wins);
    RUN(key_matching_is_exact);
    RUN(escaped_keys_match_unescaped);
    RUN(many_keys_and_duplicates_in_key_list);
    RUN(key_spans);
    RUN(info_and_values_reset);
    RUN(plain_string_span);
    RUN(strings_across_windows);
    RUN(agrees_with_reference_on_mutations);
    CHECK_DONE();
}
