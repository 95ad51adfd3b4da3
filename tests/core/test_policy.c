/* Unit tests of the event policy (src/core/policy.c): scrubbing, default-PII stripping,
 * ignore rules, sampling, list syntax. */
#include "check.h"
#include "jsonscan.h"
#include "policy.h"
#include "policy_walk.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/* defaults: scrub list, send_default_pii off, nothing ignored */
static st_policy P_DEF;
/* defaults with send_default_pii on */
static st_policy P_PII;
/* ignore list, no scrubbing, send_default_pii on (only ignore rules active) */
static st_policy P_IGN;

static bool valid_json(const char *s, size_t n)
{
    return st_json_scan_object(s, n, 0, NULL, 0, NULL, NULL, NULL) == 0;
}

/* Apply to an exact-size copy (so ASan sees any read past the end). Returns the output
 * as a NUL-terminated malloc'd string, or NULL when the policy returned *out == NULL. */
static char *apply(const st_policy *p, const char *in, st_policy_verdict *verdict)
{
    size_t n = strlen(in);
    char *copy = malloc(n ? n : 1);
    memcpy(copy, in, n);
    char *out = (char *)0x1;
    size_t out_len = 12345;
    st_policy_verdict v = st_policy_apply(p, copy, n, &out, &out_len);
    free(copy);
    if (verdict)
        *verdict = v;
    if (!out) {
        CHECK(out_len == 0);
        return NULL;
    }
    char *s = malloc(out_len + 1);
    memcpy(s, out, out_len);
    s[out_len] = '\0';
    CHECK(strlen(s) == out_len);
    free(out);
    return s;
}

/* Expect KEEP and exactly `want` (NULL: no rewrite), valid JSON, and that applying the
 * policy again to the output changes nothing. */
#define EXPECT(p, in, want) expect_(p, in, want, __LINE__)
static void expect_(const st_policy *p, const char *in, const char *want, int line)
{
    int before = check_failures_in_test;
    st_policy_verdict v;
    CHECK(valid_json(in, strlen(in))); /* the test input itself */
    char *got = apply(p, in, &v);
    CHECK(v == ST_POLICY_KEEP);
    if (!want) {
        CHECK(got == NULL);
    } else if (!got) {
        CHECK(got != NULL);
    } else {
        CHECK_STR(got, want);
        CHECK(valid_json(got, strlen(got)));
        char *again = apply(p, got, &v);
        CHECK(v == ST_POLICY_KEEP);
        CHECK(again == NULL);
        free(again);
    }
    free(got);
    if (check_failures_in_test != before)
        fprintf(stderr, "  (EXPECT at line %d)\n", line);
}

static st_policy_verdict verdict_of(const st_policy *p, const char *in)
{
    st_policy_verdict v;
    char *got = apply(p, in, &v);
    if (v != ST_POLICY_KEEP)
        CHECK(got == NULL);
    free(got);
    return v;
}

/* ---- scrubbing, per member ---- */

TEST(scrub_request)
{
    const char *in = "{\"request\":{\"url\":\"http://x/\",\"data\":{\"password\":\"hunter2\","
                     "\"name\":\"n\"},\"query_string\":[[\"token\",\"abc\"],[\"q\",\"1\"]]}}";
    const char *want =
        "{\"request\":{\"url\":\"http://x/\",\"data\":{\"password\":\"[Filtered]\","
        "\"name\":\"n\"},\"query_string\":[[\"token\",\"[Filtered]\"],[\"q\",\"1\"]]}}";
    EXPECT(&P_DEF, in, want);
    EXPECT(&P_PII, in, want);
}

TEST(scrub_extra_nested)
{
    EXPECT(&P_DEF,
           "{\"extra\":{\"db\":{\"Password\":123,\"list\":[{\"api_key\":[1,2]},{\"k\":{\"secret\":"
           "true}}]}}}",
           "{\"extra\":{\"db\":{\"Password\":\"[Filtered]\",\"list\":[{\"api_key\":\"[Filtered]\"},"
           "{\"k\":{\"secret\":\"[Filtered]\"}}]}}}");
    /* extra as a list */
    EXPECT(&P_DEF, "{\"extra\":[{\"token\":1}]}", "{\"extra\":[{\"token\":\"[Filtered]\"}]}");
}

TEST(scrub_contexts)
{
    EXPECT(&P_DEF,
           "{\"contexts\":{\"app\":{\"app_secret\":{\"a\":1},\"ok\":true},\"os\":{\"name\":"
           "\"Linux\"}}}",
           "{\"contexts\":{\"app\":{\"app_secret\":\"[Filtered]\",\"ok\":true},\"os\":{\"name\":"
           "\"Linux\"}}}");
    /* a context whose name matches is filtered whole */
    EXPECT(&P_DEF, "{\"contexts\":{\"token\":{\"a\":1}}}",
           "{\"contexts\":{\"token\":\"[Filtered]\"}}");
}

TEST(scrub_tags)
{
    EXPECT(&P_DEF, "{\"tags\":{\"auth_token\":\"abc\",\"env\":\"prod\"}}",
           "{\"tags\":{\"auth_token\":\"[Filtered]\",\"env\":\"prod\"}}");
    /* list of pairs */
    EXPECT(&P_DEF, "{\"tags\":[[\"auth_token\",\"abc\"],[\"env\",\"prod\"],[\"cvv\",123,\"x\"]]}",
           "{\"tags\":[[\"auth_token\",\"[Filtered]\"],[\"env\",\"prod\"],[\"cvv\",\"[Filtered]\","
           "\"x\"]]}");
}

TEST(scrub_user)
{
    EXPECT(&P_DEF, "{\"user\":{\"id\":1,\"password\":\"x\",\"data\":{\"ssn\":\"078-05-1120\"}}}",
           "{\"user\":{\"id\":1,\"password\":\"[Filtered]\",\"data\":{\"ssn\":\"[Filtered]\"}}}");
    EXPECT(&P_PII, "{\"user\":{\"id\":1,\"password\":\"x\"}}",
           "{\"user\":{\"id\":1,\"password\":\"[Filtered]\"}}");
}

TEST(scrub_breadcrumbs)
{
    /* values form; only data (and its nested objects/arrays) is scrubbed */
    EXPECT(&P_DEF,
           "{\"breadcrumbs\":{\"values\":[{\"message\":\"token refreshed\",\"token\":\"t\","
           "\"data\":{\"token\":\"x\",\"nested\":{\"cvv\":123},\"arr\":[{\"passwd\":\"p\"}]}},"
           "{\"data\":{\"ok\":1}}]}}",
           "{\"breadcrumbs\":{\"values\":[{\"message\":\"token refreshed\",\"token\":\"t\","
           "\"data\":{\"token\":\"[Filtered]\",\"nested\":{\"cvv\":\"[Filtered]\"},\"arr\":[{"
           "\"passwd\":\"[Filtered]\"}]}},"
           "{\"data\":{\"ok\":1}}]}}");
    /* list form */
    EXPECT(&P_DEF,
           "{\"breadcrumbs\":[{\"category\":\"password\",\"data\":{\"bank_account\":\"DE89\"}}]}",
           "{\"breadcrumbs\":[{\"category\":\"password\",\"data\":{\"bank_account\":\"[Filtered]\"}"
           "}]}");
    /* breadcrumb's own keys are not data */
    EXPECT(&P_DEF,
           "{\"breadcrumbs\":[{\"token\":\"x\",\"meta\":{\"token\":\"y\"},\"data\":{}}],\"x\":1}",
           NULL);
}

TEST(scrub_value_types)
{
    EXPECT(
        &P_DEF,
        "{\"extra\":{\"password\":\"s\",\"token\":-1.5e3,\"secret\":{\"a\":[1,{\"b\":2}]},"
        "\"cvv\":[1,[2]],\"ssn\":true,\"apikey\":false,\"passwd\":null,\"cookie\":\"\"}}",
        "{\"extra\":{\"password\":\"[Filtered]\",\"token\":\"[Filtered]\",\"secret\":\"[Filtered]"
        "\","
        "\"cvv\":\"[Filtered]\",\"ssn\":\"[Filtered]\",\"apikey\":\"[Filtered]\",\"passwd\":null,"
        "\"cookie\":\"[Filtered]\"}}");
}

TEST(scrub_case_insensitive_substring)
{
    EXPECT(&P_PII,
           "{\"request\":{\"headers\":{\"X-Auth-Token\":\"t\",\"Accept\":\"*/*\"}},"
           "\"extra\":{\"USER_PASSWORD\":\"p\",\"MyApiKeyX\":1,\"CreditCardNo\":2,\"Credit_Card_"
           "No\":3}}",
           "{\"request\":{\"headers\":{\"X-Auth-Token\":\"[Filtered]\",\"Accept\":\"*/*\"}},"
           "\"extra\":{\"USER_PASSWORD\":\"[Filtered]\",\"MyApiKeyX\":\"[Filtered]\","
           "\"CreditCardNo\":2,"
           "\"Credit_Card_No\":\"[Filtered]\"}}");
}

TEST(scrub_escaped_keys)
{
    EXPECT(
        &P_DEF,
        "{\"extra\":{\"pass\\u0077ord\":1,\"\\u0050ASSWORD\":2,\"to\\u006Ben\":3,"
        "\"\\ud83d\\ude00token\":4,\"pass\\\\word\":5,\"sec\\/ret\":6,\"a\\\"cvv\":7}}",
        "{\"extra\":{\"pass\\u0077ord\":\"[Filtered]\",\"\\u0050ASSWORD\":\"[Filtered]\","
        "\"to\\u006Ben\":\"[Filtered]\",\"\\ud83d\\ude00token\":\"[Filtered]\",\"pass\\\\word\":5,"
        "\"sec\\/ret\":6,\"a\\\"cvv\":\"[Filtered]\"}}");
    /* an escaped key longer than the inline scratch buffer */
    char in[4096], want[4096];
    char key[1600] = "";
    for (int i = 0; i < 200; i++)
        strcat(key, "\\u0041");
    strcat(key, "\\u0054oken"); /* "Token" */
    snprintf(in, sizeof in, "{\"extra\":{\"%s\":[1]}}", key);
    snprintf(want, sizeof want, "{\"extra\":{\"%s\":\"[Filtered]\"}}", key);
    EXPECT(&P_DEF, in, want);
}

TEST(scrub_strings_with_escapes)
{
    /* escaped quotes and backslashes inside long and short strings do not end them */
    EXPECT(&P_DEF,
           "{\"extra\":{\"a\":\"0123456789abcdef0123\\\"token\\\":1\",\"b\":{\"token\":2},"
           "\"c\":\"\\\\\",\"d\":[\"\\\\\\\"secret\\\\\\\":\",{\"secret\":3}]},"
           "\"tags\":{\"0123456789abcdef0123456789\\\"password\":4}}",
           "{\"extra\":{\"a\":\"0123456789abcdef0123\\\"token\\\":1\",\"b\":{\"token\":\"[Filtered]"
           "\"},"
           "\"c\":\"\\\\\",\"d\":[\"\\\\\\\"secret\\\\\\\":\",{\"secret\":\"[Filtered]\"}]},"
           "\"tags\":{\"0123456789abcdef0123456789\\\"password\":\"[Filtered]\"}}");
    /* a skipped member with the same tricks before a scrubbed one */
    EXPECT(&P_DEF,
           "{\"exception\":{\"values\":[{\"value\":\"}]}\\\\\\\"{[\\u0022\",\"n\":[1e5,-0.5,true,"
           "null]}]},"
           "\"user\":{\"email\":\"a\"}}",
           "{\"exception\":{\"values\":[{\"value\":\"}]}\\\\\\\"{[\\u0022\",\"n\":[1e5,-0.5,true,"
           "null]}]},"
           "\"user\":{}}");
}

TEST(scrub_outside_members_untouched)
{
    EXPECT(
        &P_DEF,
        "{\"password\":\"x\",\"message\":{\"token\":\"y\"},\"exception\":{\"values\":[{\"type\":"
        "\"E\","
        "\"stacktrace\":{\"frames\":[{\"vars\":{\"password\":\"z\"}}]}}]},\"logentry\":{\"params\":"
        "{\"token\":1}},\"spans\":[{\"data\":{\"secret\":1}}],\"modules\":{\"token-lib\":\"1.0\"}}",
        NULL);
    /* the same with ignore rules active (exception, message, logentry are then read) */
    st_policy p;
    CHECK(st_policy_init(&p, NULL, "nothing matches this", false, 1, 1, NULL, 0) == 0);
    EXPECT(
        &p,
        "{\"password\":\"x\",\"message\":{\"token\":{\"a\":1}},\"exception\":{\"values\":[{"
        "\"type\":\"E\","
        "\"stacktrace\":{\"frames\":[{\"vars\":{\"password\":\"z\"}}]}}]},\"logentry\":{\"params\":"
        "{\"token\":[1]}},\"spans\":[{\"data\":{\"secret\":{}}}],\"modules\":{\"token-lib\":{}}}",
        NULL);
    st_policy_free(&p);
    /* top-level member names are not user keys */
    EXPECT(&P_DEF, "{\"tags\":\"password\",\"extra\":7,\"user\":null,\"request\":[]}", NULL);
}

TEST(scrub_no_match_no_allocation)
{
    EXPECT(&P_DEF, "{}", NULL);
    EXPECT(
        &P_DEF,
        "{\"event_id\":\"0123456789abcdef0123456789abcdef\",\"request\":{\"url\":\"u\",\"headers\":"
        "{\"Accept\":\"*/"
        "*\"}},\"user\":{\"id\":\"7\"},\"tags\":{\"a\":\"b\"},\"extra\":{\"n\":[1,2,{}]},"
        "\"contexts\":{},\"breadcrumbs\":{\"values\":[]}}",
        NULL);
    /* values already filtered are left as they are */
    EXPECT(&P_DEF, "{\"extra\":{\"password\":\"[Filtered]\"}}", NULL);
    /* a policy with nothing to do returns at once */
    st_policy none;
    CHECK(st_policy_init(&none, "", "", true, 1, 1, NULL, 0) == 0);
    EXPECT(&none, "{\"extra\":{\"password\":\"x\"},\"user\":{\"email\":\"a@b\"}}", NULL);
    st_policy_free(&none);
}

TEST(scrub_byte_exact_whitespace)
{
    EXPECT(&P_DEF, "{\n  \"extra\" : {\n    \"token\" : [ 1 , 2 ] ,\n    \"a\" : 1\n  }\n}\n",
           "{\n  \"extra\" : {\n    \"token\" : \"[Filtered]\" ,\n    \"a\" : 1\n  }\n}\n");
}

TEST(scrub_pairs_only_in_lists)
{
    /* a plain list of strings is not a pair */
    EXPECT(&P_DEF, "{\"extra\":{\"args\":[\"password\",\"hunter2\"]}}", NULL);
    /* pairs in a list; a non-string name is not a pair name; deeper lists too */
    EXPECT(&P_DEF, "{\"extra\":{\"l\":[[1,\"x\"],[\"ok\",[[\"secret\",\"s\"]]]]}}",
           "{\"extra\":{\"l\":[[1,\"x\"],[\"ok\",[[\"secret\",\"[Filtered]\"]]]]}}");
}

TEST(scrub_many_edits)
{
    /* more edits than the inline array holds */
    char in[8192] = "{\"extra\":{", want[8192] = "{\"extra\":{";
    for (int i = 0; i < 100; i++) {
        char m[64];
        snprintf(m, sizeof m, "%s\"token%d\":%d", i ? "," : "", i, i);
        strcat(in, m);
        snprintf(m, sizeof m, "%s\"token%d\":\"[Filtered]\"", i ? "," : "", i);
        strcat(want, m);
    }
    strcat(in, "}}");
    strcat(want, "}}");
    EXPECT(&P_DEF, in, want);
}

TEST(scrub_deep_nesting)
{
    /* 511 levels inside extra (512 with the event): the frame stack grows on the heap */
    size_t depth = 510;
    size_t cap = depth * 8 + 256;
    char *in = malloc(cap), *want = malloc(cap);
    strcpy(in, "{\"extra\":");
    for (size_t i = 0; i < depth; i++)
        strcat(in, i % 2 ? "[" : "{\"a\":");
    strcat(in, "{\"token\":1}");
    for (size_t i = depth; i-- > 0;)
        strcat(in, i % 2 ? "]" : "}");
    strcat(in, "}");
    strcpy(want, in);
    char *t = strstr(want, "{\"token\":1}");
    memcpy(t, "{\"token\":\"[Filtered]\"}", 22);
    strcpy(t + 22, strstr(in, "{\"token\":1}") + 11);
    CHECK(valid_json(in, strlen(in)));
    EXPECT(&P_DEF, in, want);
    free(in);
    free(want);
}

TEST(scrub_custom_list)
{
    st_policy p;
    char err[64];
    CHECK(st_policy_init(&p, " My_Field ,, other,\t", NULL, true, 1, 1, err, sizeof err) == 0);
    CHECK(p.n_scrub == 2);
    CHECK_STR(p.scrub_fields[0], "my_field");
    CHECK_STR(p.scrub_fields[1], "other");
    EXPECT(
        &p, "{\"extra\":{\"password\":\"x\",\"xMY_FIELDx\":1,\"Other\":{\"a\":1}}}",
        "{\"extra\":{\"password\":\"x\",\"xMY_FIELDx\":\"[Filtered]\",\"Other\":\"[Filtered]\"}}");
    st_policy_free(&p);

    /* "" turns scrubbing off; NULL is the default list */
    CHECK(st_policy_init(&p, "", NULL, true, 1, 1, err, sizeof err) == 0);
    CHECK(p.n_scrub == 0);
    EXPECT(&p, "{\"extra\":{\"password\":\"x\"}}", NULL);
    st_policy_free(&p);
    CHECK(st_policy_init(&p, " , ,", NULL, true, 1, 1, err, sizeof err) == 0);
    CHECK(p.n_scrub == 0);
    st_policy_free(&p);
    CHECK(st_policy_init(&p, NULL, NULL, true, 1, 1, err, sizeof err) == 0);
    CHECK(p.n_scrub == 14);
    CHECK_STR(p.scrub_fields[13], "bank_account");
    st_policy_free(&p);
    st_policy_free(&p); /* twice is safe */

    /* non-ASCII fields; \u escapes (surrogate pairs too) decode to UTF-8 before matching */
    CHECK(st_policy_init(&p, "\xf0\x9f\x98\x80,m\xc3\xb6p", NULL, true, 1, 1, err, sizeof err) ==
          0);
    EXPECT(&p, "{\"extra\":{\"x\\ud83d\\ude00\":1,\"\\u00f6\":2,\"M\\u00f6P\":3,\"m\\u00d6p\":4}}",
           "{\"extra\":{\"x\\ud83d\\ude00\":\"[Filtered]\",\"\\u00f6\":2,\"M\\u00f6P\":\"[Filtered]"
           "\",\"m\\u00d6p\":4}}");
    st_policy_free(&p);

    /* a one-letter field: many matches, any depth */
    CHECK(st_policy_init(&p, "e", NULL, true, 1, 1, err, sizeof err) == 0);
    EXPECT(&p, "{\"tags\":{\"a\":1,\"E\":2,\"be\":{\"x\":1},\"c\":[{\"e\":3}]}}",
           "{\"tags\":{\"a\":1,\"E\":\"[Filtered]\",\"be\":\"[Filtered]\",\"c\":[{\"e\":\"["
           "Filtered]\"}]}}");
    st_policy_free(&p);
}

/* ---- default PII ---- */

TEST(pii_user_members)
{
    EXPECT(&P_DEF, "{\"user\":{\"ip_address\":\"1.2.3.4\",\"id\":1}}", "{\"user\":{\"id\":1}}");
    EXPECT(&P_DEF, "{\"user\":{\"id\":1,\"email\":\"a@b\",\"name\":\"n\"}}",
           "{\"user\":{\"id\":1,\"name\":\"n\"}}");
    EXPECT(&P_DEF, "{\"user\":{\"id\":1,\"email\":\"a@b\"}}", "{\"user\":{\"id\":1}}");
    EXPECT(&P_DEF, "{\"user\":{\"ip_address\":\"{{auto}}\",\"email\":\"a@b\"}}", "{\"user\":{}}");
    EXPECT(&P_DEF, "{\"user\":{\"email\":\"a@b\",\"ip_address\":\"1.2.3.4\",\"id\":1}}",
           "{\"user\":{\"id\":1}}");
    EXPECT(&P_DEF, "{\"user\":{\"id\":1,\"email\":\"a@b\",\"ip_address\":\"1.2.3.4\"}}",
           "{\"user\":{\"id\":1}}");
    EXPECT(&P_DEF, "{\"user\":{\"email\":\"a@b\",\"id\":1,\"ip_address\":\"1.2.3.4\"}}",
           "{\"user\":{\"id\":1}}");
    /* whitespace, escaped key, case, nested values */
    EXPECT(
        &P_DEF,
        "{ \"user\" : { \"Email\" : { \"x\" : [1] } , \"id\" : 1 , \"ip_\\u0061ddress\" : null } }",
        "{ \"user\" : { \"id\" : 1 } }");
    EXPECT(&P_DEF, "{\"user\":{\n  \"email\": \"a\",\n  \"ip_address\": \"b\"\n}}",
           "{\"user\":{\n  \n}}");
    /* only the user's own members */
    EXPECT(&P_DEF, "{\"user\":{\"data\":{\"email\":\"a@b\"}},\"extra\":{\"email\":\"a\"}}", NULL);
    /* send_default_pii on: kept */
    EXPECT(&P_PII, "{\"user\":{\"ip_address\":\"1.2.3.4\",\"email\":\"a@b\"}}", NULL);
}

TEST(pii_request_cookies_env)
{
    EXPECT(&P_DEF, "{\"request\":{\"cookies\":{\"session\":\"s\"},\"url\":\"u\"}}",
           "{\"request\":{\"url\":\"u\"}}");
    EXPECT(&P_DEF, "{\"request\":{\"url\":\"u\",\"cookies\":\"a=b; c=d\"}}",
           "{\"request\":{\"url\":\"u\"}}");
    EXPECT(&P_DEF, "{\"request\":{\"cookies\":[[\"a\",\"b\"]]}}", "{\"request\":{}}");
    EXPECT(&P_DEF, "{\"request\":{\"env\":{\"REMOTE_ADDR\":\"1.2.3.4\",\"SERVER_NAME\":\"h\"}}}",
           "{\"request\":{\"env\":{\"SERVER_NAME\":\"h\"}}}");
    /* send_default_pii on: cookies are scrubbed by the default list ("cookie"), not removed */
    EXPECT(&P_PII,
           "{\"request\":{\"cookies\":{\"session\":\"s\"},\"env\":{\"REMOTE_ADDR\":\"1.2.3.4\"}}}",
           "{\"request\":{\"cookies\":\"[Filtered]\",\"env\":{\"REMOTE_ADDR\":\"1.2.3.4\"}}}");
}

TEST(pii_headers_object)
{
    EXPECT(&P_DEF,
           "{\"request\":{\"headers\":{\"Authorization\":\"Bearer x\",\"Accept\":\"*/*\","
           "\"AUTHORIZATION\":\"y\",\"authorization\":\"z\",\"Cookie\":\"a=b\",\"X-Forwarded-For\":"
           "\"1.2.3.4\","
           "\"Host\":\"h\",\"X-Api-Token\":\"t\"}}}",
           "{\"request\":{\"headers\":{\"Accept\":\"*/"
           "*\",\"Host\":\"h\",\"X-Api-Token\":\"[Filtered]\"}}}");
    EXPECT(&P_DEF, "{\"request\":{\"headers\":{\"authorization\":\"x\"}}}",
           "{\"request\":{\"headers\":{}}}");
    /* send_default_pii on: Authorization is still scrubbed by the default list */
    EXPECT(&P_PII,
           "{\"request\":{\"headers\":{\"Authorization\":\"Bearer x\",\"Accept\":\"*/*\"}}}",
           "{\"request\":{\"headers\":{\"Authorization\":\"[Filtered]\",\"Accept\":\"*/*\"}}}");
    /* with scrubbing off, PII stripping still works */
    st_policy p;
    CHECK(st_policy_init(&p, "", NULL, false, 1, 1, NULL, 0) == 0);
    EXPECT(
        &p,
        "{\"request\":{\"headers\":{\"Accept\":\"a\",\"Authorization\":\"x\",\"X-Token\":\"t\"}},"
        "\"extra\":{\"password\":1}}",
        "{\"request\":{\"headers\":{\"Accept\":\"a\",\"X-Token\":\"t\"}},\"extra\":{\"password\":1}"
        "}");
    st_policy_free(&p);
}

TEST(pii_headers_list)
{
    /* first, middle, last, consecutive */
    EXPECT(&P_DEF,
           "{\"request\":{\"headers\":[[\"Authorization\",\"x\"],[\"Accept\",\"a\"],[\"cookie\","
           "\"c\"],"
           "[\"Host\",\"h\"],[\"X-Real-IP\",\"1\"],[\"SET-COOKIE\",\"s\"]]}}",
           "{\"request\":{\"headers\":[[\"Accept\",\"a\"],[\"Host\",\"h\"]]}}");
    EXPECT(&P_DEF, "{\"request\":{\"headers\":[ [ \"authorization\" , \"x\" ] ]}}",
           "{\"request\":{\"headers\":[  ]}}");
    EXPECT(&P_DEF,
           "{\"request\":{\"headers\":[[\"authorization\",\"x\"],[\"Authorization\",\"y\"],[\"A\","
           "\"b\"]]}}",
           "{\"request\":{\"headers\":[[\"A\",\"b\"]]}}");
    /* scrubbing of pairs in the list; not-a-pair elements left */
    EXPECT(&P_DEF, "{\"request\":{\"headers\":[[\"X-Auth-Token\",\"t\"],\"Authorization\",[]]}}",
           "{\"request\":{\"headers\":[[\"X-Auth-Token\",\"[Filtered]\"],\"Authorization\",[]]}}");
    EXPECT(&P_PII, "{\"request\":{\"headers\":[[\"Authorization\",\"x\"]]}}",
           "{\"request\":{\"headers\":[[\"Authorization\",\"[Filtered]\"]]}}");
}

/* ---- ignore rules ---- */

TEST(ignore_by_type)
{
    const char *sym =
        "{\"exception\":{\"values\":[{\"type\":\"RuntimeException\",\"value\":\"v\"},"
        "{\"type\":\"Symfony\\\\Component\\\\HttpKernel\\\\Exception\\\\NotFoundHttpException\","
        "\"value\":\"No route\"}]}}";
    CHECK(verdict_of(&P_IGN, sym) == ST_POLICY_IGNORED);
    /* \/ escapes and \u005c for the backslash */
    CHECK(
        verdict_of(
            &P_IGN,
            "{\"exception\":{\"values\":[{\"type\":\"App\\u005cExceptions\\/..\\\\Ignored\"}]}}") ==
        ST_POLICY_KEEP);
    CHECK(verdict_of(
              &P_IGN,
              "{\"exception\":{\"values\":[{\"type\":\"App\\u005cExceptions\\u005CIgnored\"}]}}") ==
          ST_POLICY_IGNORED);
    CHECK(verdict_of(&P_IGN, "{\"exception\":{\"values\":[{\"type\":\"My\\/Type\"}]}}") ==
          ST_POLICY_IGNORED);
    /* exact: neither a prefix nor a longer name */
    CHECK(verdict_of(
              &P_IGN,
              "{\"exception\":{\"values\":[{\"type\":\"App\\\\Exceptions\\\\IgnoredToo\"}]}}") ==
          ST_POLICY_KEEP);
    CHECK(verdict_of(&P_IGN, "{\"exception\":{\"values\":[{\"type\":\"App\\\\Exceptions\"}]}}") ==
          ST_POLICY_KEEP);
    /* the list form of exception */
    CHECK(verdict_of(&P_IGN, "{\"exception\":[{\"type\":\"App\\\\Exceptions\\\\Ignored\"}]}") ==
          ST_POLICY_IGNORED);
    /* a type elsewhere does not count */
    CHECK(verdict_of(&P_IGN, "{\"extra\":{\"type\":\"App\\\\Exceptions\\\\Ignored\"},\"threads\":"
                             "{\"values\":[{\"type\":\"App\\\\Exceptions\\\\Ignored\"}]}}") ==
          ST_POLICY_KEEP);
    /* entries written with a leading '\' or doubled backslashes still match the class */
    st_policy p;
    CHECK(st_policy_init(&p, NULL, "\\App\\Ex,Lib\\\\Err", true, 1, 1, NULL, 0) == 0);
    CHECK(verdict_of(&p, "{\"exception\":{\"values\":[{\"type\":\"App\\\\Ex\"}]}}") ==
          ST_POLICY_IGNORED);
    CHECK(verdict_of(&p, "{\"exception\":{\"values\":[{\"type\":\"Lib\\\\Err\"}]}}") ==
          ST_POLICY_IGNORED);
    CHECK(verdict_of(&p, "{\"exception\":{\"values\":[{\"type\":\"Lib\\\\\\\\Err\"}]}}") ==
          ST_POLICY_IGNORED);
    CHECK(verdict_of(&p, "{\"exception\":{\"values\":[{\"type\":\"App\\\\Exx\"}]}}") ==
          ST_POLICY_KEEP);
    st_policy_free(&p);
}

TEST(ignore_by_value_substring)
{
    CHECK(verdict_of(&P_IGN, "{\"exception\":{\"values\":[{\"type\":\"E\",\"value\":\"rpc: context "
                             "canceled\"}]}}") == ST_POLICY_IGNORED);
    CHECK(verdict_of(
              &P_IGN,
              "{\"exception\":{\"values\":[{\"type\":\"E\",\"value\":\"context\\u0020cancel\\u0065d"
              "\\n\"}]}}") == ST_POLICY_IGNORED);
    CHECK(verdict_of(
              &P_IGN,
              "{\"exception\":{\"values\":[{\"type\":\"E\",\"value\":\"context  canceled\"}]}}") ==
          ST_POLICY_KEEP);
    CHECK(verdict_of(
              &P_IGN,
              "{\"exception\":{\"values\":[{\"value\":\"x: deadline\\u0020exceeded\\n\"}]}}") ==
          ST_POLICY_IGNORED);
    /* case-sensitive */
    CHECK(verdict_of(&P_IGN, "{\"exception\":{\"values\":[{\"value\":\"Context Canceled\"}]}}") ==
          ST_POLICY_KEEP);
    /* a long escaped value (heap scratch) */
    char in[8192] = "{\"exception\":{\"values\":[{\"value\":\"";
    for (int i = 0; i < 1000; i++)
        strcat(in, "\\t");
    strcat(in, "context canceled\"}]}}");
    CHECK(verdict_of(&P_IGN, in) == ST_POLICY_IGNORED);
    /* the type is not substring-matched */
    CHECK(verdict_of(&P_IGN, "{\"exception\":{\"values\":[{\"type\":\"context canceled!\"}]}}") ==
          ST_POLICY_KEEP);
}

TEST(ignore_by_message)
{
    CHECK(verdict_of(&P_IGN, "{\"message\":\"request: context canceled\"}") == ST_POLICY_IGNORED);
    CHECK(verdict_of(&P_IGN, "{\"message\":{\"formatted\":\"deadline exceeded after 5s\"}}") ==
          ST_POLICY_IGNORED);
    CHECK(verdict_of(&P_IGN, "{\"message\":{\"message\":\"deadline exceeded after %ds\"}}") ==
          ST_POLICY_IGNORED);
    CHECK(verdict_of(&P_IGN, "{\"message\":{\"params\":[\"deadline exceeded\"]}}") ==
          ST_POLICY_KEEP);
    CHECK(verdict_of(&P_IGN, "{\"message\":\"fine\",\"extra\":{\"m\":\"context canceled\"}}") ==
          ST_POLICY_KEEP);
}

TEST(ignore_by_logentry)
{
    CHECK(
        verdict_of(&P_IGN, "{\"logentry\":{\"message\":\"op: context canceled\",\"params\":[]}}") ==
        ST_POLICY_IGNORED);
    CHECK(verdict_of(&P_IGN, "{\"logentry\":{\"formatted\":\"op: context canceled\"}}") ==
          ST_POLICY_IGNORED);
    CHECK(verdict_of(&P_IGN, "{\"logentry\":{\"message\":\"op failed\"}}") == ST_POLICY_KEEP);
    CHECK(verdict_of(&P_IGN, "{\"logentry\":\"context canceled\"}") == ST_POLICY_KEEP);
}

TEST(ignore_wins_over_rewrite)
{
    st_policy p;
    CHECK(st_policy_init(&p, NULL, "context canceled", false, 1, 1, NULL, 0) == 0);
    st_policy_verdict v;
    char *out = apply(
        &p, "{\"user\":{\"email\":\"a\"},\"extra\":{\"token\":1},\"message\":\"context canceled\"}",
        &v);
    CHECK(v == ST_POLICY_IGNORED);
    CHECK(out == NULL);
    free(out);
    /* not ignored: rewritten */
    out = apply(&p, "{\"user\":{\"email\":\"a\"},\"message\":\"ok\"}", &v);
    CHECK(v == ST_POLICY_KEEP);
    CHECK(out && strcmp(out, "{\"user\":{},\"message\":\"ok\"}") == 0);
    free(out);
    st_policy_free(&p);
}

TEST(ignore_empty_lists)
{
    st_policy p;
    CHECK(st_policy_init(&p, NULL, "", true, 1, 1, NULL, 0) == 0);
    CHECK(p.n_ignore == 0);
    CHECK(verdict_of(&p, "{\"message\":\"context canceled\"}") == ST_POLICY_KEEP);
    st_policy_free(&p);
    CHECK(st_policy_init(&p, NULL, " ,\t, ", true, 1, 1, NULL, 0) == 0);
    CHECK(p.n_ignore == 0);
    CHECK(verdict_of(&p, "{\"message\":\"anything\"}") == ST_POLICY_KEEP);
    st_policy_free(&p);
    CHECK(st_policy_init(&p, NULL, " a b ,c", true, 1, 1, NULL, 0) == 0);
    CHECK(p.n_ignore == 2);
    CHECK_STR(p.ignore[0], "a b");
    CHECK_STR(p.ignore[1], "c");
    CHECK(verdict_of(&p, "{\"message\":\"xa by\"}") == ST_POLICY_IGNORED);
    CHECK(verdict_of(&p, "{\"message\":\"ab\"}") == ST_POLICY_KEEP);
    st_policy_free(&p);
}

/* ---- sampling and init ---- */

TEST(sampling)
{
    uint64_t x = 0x9E3779B97F4A7C15ull;
    int kept = 0, n = 100000;
    for (int i = 0; i < n; i++) {
        x ^= x << 13; /* xorshift64 */
        x ^= x >> 7;
        x ^= x << 17;
        CHECK(st_policy_sampled(1.0, x));
        CHECK(!st_policy_sampled(0.0, x));
        kept += st_policy_sampled(0.5, x);
    }
    CHECK(kept > n * 48 / 100 && kept < n * 52 / 100);
    CHECK(st_policy_sampled(1.0, UINT64_MAX));
    CHECK(!st_policy_sampled(0.0, 0));
    CHECK(!st_policy_sampled(NAN, 0));
    CHECK(!st_policy_sampled(-1, 0));
    CHECK(st_policy_sampled(5, UINT64_MAX));
    CHECK(st_policy_sampled(0.5, 0));
    CHECK(!st_policy_sampled(0.5, UINT64_MAX));
    CHECK(st_policy_sampled(0.5, (1ull << 63) - 1));
    CHECK(!st_policy_sampled(0.5, 1ull << 63));
    CHECK(st_policy_sampled(1e-300, 0));

    st_policy p;
    CHECK(st_policy_init(&p, NULL, NULL, false, 2.5, -1, NULL, 0) == 0);
    CHECK(p.sample_rate == 1.0);
    CHECK(p.traces_sample_rate == 0.0);
    CHECK(st_policy_sample(&p, false, UINT64_MAX));
    CHECK(!st_policy_sample(&p, true, 0));
    st_policy_free(&p);
    CHECK(st_policy_init(&p, NULL, NULL, false, 0.25, 0.75, NULL, 0) == 0);
    CHECK(p.sample_rate == 0.25 && p.traces_sample_rate == 0.75);
    CHECK(st_policy_sample(&p, true, 1ull << 63));   /* 0.5 < 0.75 */
    CHECK(!st_policy_sample(&p, false, 1ull << 63)); /* 0.5 >= 0.25 */
    st_policy_free(&p);
}

TEST(init_errors)
{
    st_policy p;
    char err[64] = "";
    CHECK(st_policy_init(&p, NULL, NULL, false, NAN, 1, err, sizeof err) == -1);
    CHECK_STR(err, "sample_rate is not a number");
    st_policy_free(&p);
    CHECK(st_policy_init(&p, NULL, NULL, false, 1, NAN, err, sizeof err) == -1);
    CHECK_STR(err, "traces_sample_rate is not a number");
    st_policy_free(&p);
    CHECK(st_policy_init(&p, NULL, NULL, false, 1, NAN, NULL, 0) == -1);
}

/* ---- robustness ---- */

TEST(not_an_object)
{
    const char *bad[] = {"",
                         "   ",
                         "[]",
                         "\"x\"",
                         "{",
                         "{\"extra\":",
                         "{\"extra\":{\"token\":",
                         "{\"user\":{\"email\":\"a\"",
                         "{\"a\" 1}",
                         "{\"extra\":{\"a\":\"\\\"}}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        st_policy_verdict v;
        char *out = apply(&P_DEF, bad[i], &v);
        CHECK(v == ST_POLICY_ERROR);
        CHECK(out == NULL);
        free(out);
    }
    char *out = (char *)0x1;
    size_t n = 1;
    CHECK(st_policy_apply(&P_DEF, NULL, 0, &out, &n) == ST_POLICY_ERROR && out == NULL);
}

TEST(transaction_scrubbed)
{
    EXPECT(&P_DEF,
           "{\"type\":\"transaction\",\"spans\":[],\"request\":{\"headers\":{\"Cookie\":\"c\"}},"
           "\"contexts\":{\"trace\":{\"trace_id\":\"t\",\"span_id\":\"s\",\"data\":{\"db."
           "password\":\"p\"}}}}",
           "{\"type\":\"transaction\",\"spans\":[],\"request\":{\"headers\":{}},"
           "\"contexts\":{\"trace\":{\"trace_id\":\"t\",\"span_id\":\"s\",\"data\":{\"db."
           "password\":\"[Filtered]\"}}}}");
}

/* ---- trusted JSON (ext/json's output on the request path): same results ---- */

/* Walk `in` validating and as trusted: the same result, error, spans, verdict and rewrite. */
static void same_trusted_(const st_policy *p, const char *in, int line)
{
    static const char *const keys[] = {"event_id", "sdk", "exception", "extra"};
    enum { NK = sizeof keys / sizeof *keys };
    size_t n = strlen(in);
    char *copy = malloc(n ? n : 1);
    memcpy(copy, in, n);
    int rc[2];
    const char *err[2];
    st_span v[2][NK];
    st_json_object_info info[2];
    st_policy_verdict verdict[2];
    char *out[2];
    size_t out_len[2];
    for (int t = 0; t < 2; t++) {
        st_policy_walk w;
        st_policy_walk_begin(&w, p, copy, n);
        w.trusted = t == 1;
        err[t] = NULL;
        rc[t] = st_policy_walk_scan(&w, keys, NK, v[t], &info[t], &err[t]);
        verdict[t] = st_policy_walk_finish(&w, rc[t], &out[t], &out_len[t]);
        st_policy_walk_end(&w);
    }
    int before = check_failures_in_test;
    CHECK(rc[0] == rc[1]);
    CHECK(verdict[0] == verdict[1]);
    if (rc[0] < 0 && rc[1] < 0)
        CHECK_STR(err[0], err[1]);
    if (rc[0] == 0 && rc[1] == 0) {
        CHECK(memcmp(v[0], v[1], sizeof v[0]) == 0);
        CHECK(info[0].open_brace == info[1].open_brace);
        CHECK(info[0].close_brace == info[1].close_brace);
    }
    CHECK((out[0] == NULL) == (out[1] == NULL));
    if (out[0] && out[1])
        CHECK(out_len[0] == out_len[1] && memcmp(out[0], out[1], out_len[0]) == 0);
    free(out[0]);
    free(out[1]);
    free(copy);
    if (check_failures_in_test != before)
        fprintf(stderr, "  (SAME_TRUSTED at line %d: %s)\n", line, in);
}
#define SAME_TRUSTED(p, in) same_trusted_(p, in, __LINE__)

TEST(trusted_same_results)
{
    /* escapes, quotes and brackets inside strings, at every offset around a 64-byte block */
    for (int pad = 0; pad < 140; pad++) {
        char dots[160], bslashes[80], in[512];
        memset(dots, '.', (size_t)pad);
        dots[pad] = '\0';
        int nb = (pad % 35) * 2; /* an even run: it escapes nothing after it */
        memset(bslashes, '\\', (size_t)nb);
        bslashes[nb] = '\0';
        snprintf(in, sizeof in,
                 "{\"event_id\":\"x\",\"sdk\":{\"a\":\"%s\\\"]}\\\\\",\"b\":[1,{\"c\":\"\\\\\"},"
                 "\"[{\\\"\"],\"d\":{}},\"exception\":[[[\"%s\\\\\"]]],"
                 "\"extra\":{\"password\":\"x\",\"k\":{\"e\":[\"]\"]}}}",
                 dots, bslashes);
        CHECK(valid_json(in, strlen(in)));
        SAME_TRUSTED(&P_DEF, in);
        SAME_TRUSTED(&P_IGN, in);
    }
    /* nesting: at the limit, and past it (ext/json never writes that; the result is the
     * validating scan's error all the same) */
    for (int depth = 510; depth <= 514; depth++) {
        size_t cap = (size_t)depth * 2 + 64;
        char *in = malloc(cap), *o = in;
        o += sprintf(o, "{\"sdk\":");
        for (int i = 1; i < depth; i++)
            *o++ = '[';
        for (int i = 1; i < depth; i++)
            *o++ = ']';
        sprintf(o, ",\"extra\":{\"token\":1}}");
        SAME_TRUSTED(&P_DEF, in);
        free(in);
    }
}

int main(void)
{
    if (st_policy_init(&P_DEF, NULL, NULL, false, 1, 1, NULL, 0) != 0 ||
        st_policy_init(&P_PII, NULL, NULL, true, 1, 1, NULL, 0) != 0 ||
        st_policy_init(&P_IGN, "",
                       "App\\Exceptions\\Ignored, "
                       "Symfony\\Component\\HttpKernel\\Exception\\NotFoundHttpException,"
                       "context canceled,deadline exceeded,My/Type",
                       true, 1, 1, NULL, 0) != 0) {
        fprintf(stderr, "policy init failed\n");
        return 1;
    }
    RUN(scrub_request);
    RUN(scrub_extra_nested);
    RUN(scrub_contexts);
    RUN(scrub_tags);
    RUN(scrub_user);
    RUN(scrub_breadcrumbs);
    RUN(scrub_value_types);
    RUN(scrub_case_insensitive_substring);
    RUN(scrub_escaped_keys);
    RUN(scrub_strings_with_escapes);
    RUN(scrub_outside_members_untouched);
    RUN(scrub_no_match_no_allocation);
    RUN(scrub_byte_exact_whitespace);
    RUN(scrub_pairs_only_in_lists);
    RUN(scrub_many_edits);
    RUN(scrub_deep_nesting);
    RUN(scrub_custom_list);
    RUN(pii_user_members);
    RUN(pii_request_cookies_env);
    RUN(pii_headers_object);
    RUN(pii_headers_list);
    RUN(ignore_by_type);
    RUN(ignore_by_value_substring);
    RUN(ignore_by_message);
    RUN(ignore_by_logentry);
    RUN(ignore_wins_over_rewrite);
    RUN(ignore_empty_lists);
    RUN(sampling);
    RUN(init_errors);
    RUN(not_an_object);
    RUN(transaction_scrubbed);
    RUN(trusted_same_results);
    st_policy_free(&P_DEF);
    st_policy_free(&P_PII);
    st_policy_free(&P_IGN);
    CHECK_DONE();
}
