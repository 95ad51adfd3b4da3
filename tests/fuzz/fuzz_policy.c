/* libFuzzer harness for the event policy (src/core/policy*.c).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I src/core \
 *     tests/fuzz/fuzz_policy.c src/core/policy*.c src/core/jsonscan.c src/core/common.c \
 *     -o /tmp/fzp && /tmp/fzp -max_total_time=60 tests/fuzz/corpus/policy
 *
 * Input: the first byte picks one of a few policies, the rest is the event. Only what
 * st_json_scan_object accepts goes to st_policy_apply (as on the request path). Checks:
 * the verdict is KEEP or IGNORED (never ERROR on valid input); a rewrite is valid JSON,
 * not identical to the input, and applying the policy to it again changes nothing and
 * gives the same verdict (edits are complete and idempotent); the verdict does not
 * depend on the rewrite (ignore rules see the same data). And on every input, valid or not,
 * the walk's own validating scan (st_policy_walk_scan, which hands the containers it does
 * not enter to a separate validator) agrees with st_json_scan_object_keys: the same
 * result, error message, key spans and object info, unless a rule stopped it. */
#include "jsonscan.h"
#include "policy.h"
#include "policy_walk.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static st_policy pols[4];

static void init_once(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    int rc = 0;
    /* defaults, PII off, typical ignores */
    rc |= st_policy_init(&pols[0], NULL, "App\\Ex,context canceled,a\\b", false, 1, 1, NULL, 0);
    /* defaults, PII on */
    rc |= st_policy_init(&pols[1], NULL, NULL, true, 1, 1, NULL, 0);
    /* short fields: many matches */
    rc |= st_policy_init(&pols[2], "a,e,x,\xc3\xa9", "e", false, 1, 1, NULL, 0);
    /* no scrubbing, PII off */
    rc |= st_policy_init(&pols[3], "", "\\T", false, 1, 1, NULL, 0);
    if (rc)
        abort();
}

static int valid(const char *s, size_t n)
{
    return st_json_scan_object(s, n, 0, NULL, 0, NULL, NULL, NULL) == 0;
}

static void same_scan(const st_policy *p, const char *json, size_t len)
{
    static const char *const keys[] = {"event_id", "type", "exception", "a", "", "user"};
    enum { NK = sizeof keys / sizeof *keys };
    st_span v1[NK], v2[NK];
    st_json_object_info i1, i2;
    const char *e1 = NULL, *e2 = NULL;
    int r1 = st_json_scan_object_keys(json, len, 0, keys, NK, v1, NULL, &i1, &e1);
    st_policy_walk w;
    st_policy_walk_begin(&w, p, json, len);
    int r2 = st_policy_walk_scan(&w, keys, NK, v2, &i2, &e2);
    st_policy_walk_end(&w);
    if (r2 == 1)
        return; /* a rule stopped the walk: the rest was not read */
    if (r1 != r2 || (r1 < 0 && strcmp(e1, e2) != 0)) {
        fprintf(stderr, "scan %d (%s) but walk %d (%s): %.*s\n", r1, r1 ? e1 : "", r2, r2 ? e2 : "",
                (int)len, json);
        abort();
    }
    if (r1 == 0 && (memcmp(v1, v2, sizeof v1) != 0 || i1.open_brace != i2.open_brace ||
                    i1.close_brace != i2.close_brace || i1.empty != i2.empty))
        abort();
}

/* Valid JSON walked as trusted (ext/json's output on the request path) gives what the
 * validating walk gives: result, key spans, info, verdict and rewrite. */
static void same_trusted(const st_policy *p, const char *json, size_t len)
{
    static const char *const keys[] = {"event_id", "type", "exception", "a", "", "user"};
    enum { NK = sizeof keys / sizeof *keys };
    st_span v[2][NK];
    st_json_object_info info[2];
    int rc[2];
    st_policy_verdict verdict[2];
    char *out[2];
    size_t out_len[2];
    for (int t = 0; t < 2; t++) {
        const char *e = NULL;
        st_policy_walk w;
        st_policy_walk_begin(&w, p, json, len);
        w.trusted = t == 1;
        rc[t] = st_policy_walk_scan(&w, keys, NK, v[t], &info[t], &e);
        verdict[t] = st_policy_walk_finish(&w, rc[t], &out[t], &out_len[t]);
        st_policy_walk_end(&w);
    }
    if (rc[0] != rc[1] || verdict[0] != verdict[1] || (!out[0]) != (!out[1]) ||
        (out[0] && (out_len[0] != out_len[1] || memcmp(out[0], out[1], out_len[0]) != 0))) {
        fprintf(stderr, "trusted walk differs: %.*s\n", (int)len, json);
        abort();
    }
    if (rc[0] == 0 &&
        (memcmp(v[0], v[1], sizeof v[0]) != 0 || info[0].open_brace != info[1].open_brace ||
         info[0].close_brace != info[1].close_brace || info[0].empty != info[1].empty))
        abort();
    free(out[0]);
    free(out[1]);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    init_once();
    if (size < 1)
        return 0;
    const st_policy *p = &pols[data[0] & 3];
    const char *json = (const char *)data + 1;
    size_t len = size - 1;
    same_scan(p, json, len);
    if (!valid(json, len))
        return 0;
    same_trusted(p, json, len);

    char *out = NULL;
    size_t out_len = 0;
    st_policy_verdict v = st_policy_apply(p, json, len, &out, &out_len);
    if (v != ST_POLICY_KEEP && v != ST_POLICY_IGNORED)
        abort();
    if (v == ST_POLICY_IGNORED && out)
        abort();
    if (!out)
        return 0;
    if (!valid(out, out_len)) {
        fprintf(stderr, "invalid output: %.*s\n", (int)out_len, out);
        abort();
    }
    if (out_len == len && memcmp(out, json, len) == 0)
        abort(); /* a rewrite that changes nothing should not have been allocated */

    char *again = NULL;
    size_t again_len = 0;
    st_policy_verdict v2 = st_policy_apply(p, out, out_len, &again, &again_len);
    if (v2 != v || again) {
        fprintf(stderr, "not idempotent:\n in: %.*s\nout: %.*s\n", (int)len, json, (int)out_len,
                out);
        if (again)
            fprintf(stderr, "2nd: %.*s\n", (int)again_len, again);
        abort();
    }
    free(out);
    return 0;
}
