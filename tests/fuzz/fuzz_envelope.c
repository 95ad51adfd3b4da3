/* libFuzzer harness for the envelope reader (src/core/envelope.c): what sendEnvelope()
 * does with a caller's bytes, what the drainer does with the queued copy, and what
 * sendEvent() does with an event's JSON. Built and run by tests/fuzz/Makefile, or:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -I src/core \
 *     tests/fuzz/fuzz_envelope.c src/core/{envelope,eventid,jsonscan,category,common}.c \
 *     -o /tmp/fze && /tmp/fze -max_total_time=60 tests/fuzz/corpus/envelope
 *
 * The whole input is the envelope (and, separately, the event JSON). For an envelope
 * st_envelope_inspect accepts, checks:
 * - the spans it reports lie inside the header line;
 * - the queued form (st_envelope_queued_form) is at most 64 bytes longer, inspects
 *   clean with the same items, categories and event id, and has no sent_at left (unless
 *   the caller repeated the key); its own queued form is itself (idempotent);
 * - stamping sent_at (drainer) gives an envelope that inspects clean, with sent_at;
 * - removing the items of some categories (rate limits) removes exactly those, and
 *   what is left inspects clean (or is empty of items).
 * For an event JSON st_envelope_build_event accepts: the envelope inspects clean with one
 * event item of the reported category and id, within the input plus the scratch. */
#include "envelope.h"
#include "eventid.h"

#include <stdlib.h>
#include <string.h>

static void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_hex_id(const char *id)
{
    if (strlen(id) != 32)
        return false;
    for (int i = 0; i < 32; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
            return false;
    return true;
}

/* Join pieces, checking each lies inside one of the two buffers it may point into. */
static char *join(const st_iov *iov, int n, const char *a, size_t alen, const char *b, size_t blen,
                  size_t *out_len)
{
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        const char *p = iov[i].base;
        bool in_a = p >= a && p + iov[i].len <= a + alen;
        bool in_b = b && p >= b && p + iov[i].len <= b + blen;
        check(iov[i].len == 0 || in_a || in_b);
        total += iov[i].len;
    }
    char *s = malloc(total ? total : 1);
    check(s != NULL);
    size_t off = 0;
    for (int i = 0; i < n; i++) {
        if (iov[i].len)
            memcpy(s + off, iov[i].base, iov[i].len);
        off += iov[i].len;
    }
    *out_len = total;
    return s;
}

static size_t count_key(const char *buf, size_t len, const char *quoted)
{
    size_t n = 0, k = strlen(quoted);
    for (size_t i = 0; i + k <= len; i++)
        n += memcmp(buf + i, quoted, k) == 0;
    return n;
}

static void check_without(const char *q, size_t qlen, const st_envelope_info *qi, uint32_t mask)
{
    st_iov iov[130];
    int dropped = -1;
    int k = st_envelope_without_categories(q, qlen, mask, iov, 130, &dropped);
    if (qi->items > 60) /* more pieces than iov could hold is allowed to fail */
        return;
    check(k >= 0);
    size_t rlen;
    char *r = join(iov, k, q, qlen, NULL, 0, &rlen);
    check(rlen <= qlen);
    check((dropped == 0) == ((qi->category_mask & mask) == 0));
    st_envelope_info ri;
    const char *err = NULL;
    if (dropped < qi->items) {
        check(st_envelope_inspect(r, rlen, &ri, &err) == 0);
        check(ri.items == qi->items - dropped);
        check(ri.category_mask == (qi->category_mask & ~mask));
        if (ri.events)
            check(strcmp(ri.event_id, qi->event_id) == 0);
    } else {
        check(st_envelope_inspect(r, rlen, &ri, &err) != 0); /* only the header is left */
    }
    free(r);
}

static void check_envelope(const char *buf, size_t len, uint32_t mask)
{
    st_envelope_info info;
    const char *err = NULL;
    if (st_envelope_inspect(buf, len, &info, &err) != 0) {
        check(err && *err);
        return;
    }
    check(info.header_len <= len && info.header_open < info.header_len);
    check(info.items >= 1 && info.events <= 1 && info.events <= info.items);
    check(info.event_id[0] == '\0' || is_hex_id(info.event_id));
    check(info.sent_at.off + info.sent_at.len <= info.header_len);
    check(info.header_event_id.off + info.header_event_id.len <= info.header_len);

    /* sendEnvelope: the queued form */
    st_iov iov[8];
    char scratch[64];
    int n = st_envelope_queued_form(buf, len, &info, iov, 8, scratch, sizeof scratch);
    check(n >= 1 && n <= 5);
    check(info.events == 0 || is_hex_id(info.event_id));
    size_t qlen;
    char *q = join(iov, n, buf, len, scratch, sizeof scratch, &qlen);
    check(qlen <= len + sizeof scratch);
    st_envelope_info qi;
    check(st_envelope_inspect(q, qlen, &qi, &err) == 0);
    check(qi.items == info.items && qi.events == info.events);
    check(qi.category_mask == info.category_mask);
    check(strcmp(qi.event_id, info.event_id) == 0);
    if (qi.sent_at.len)
        check(count_key(buf, info.header_len, "\"sent_at\"") > 1);
    if (!qi.sent_at.len) { /* idempotent */
        st_envelope_info again = qi;
        n = st_envelope_queued_form(q, qlen, &again, iov, 8, scratch, sizeof scratch);
        check(n == 1 && iov[0].base == q && iov[0].len == qlen);
    }

    /* the drainer: stamp sent_at */
    char stamp[64];
    st_iov siov[3];
    check(st_envelope_stamp_sent_at(q, qlen, 1700000000123LL, siov, stamp) == 3);
    size_t slen;
    char *s = join(siov, 3, q, qlen, stamp, sizeof stamp, &slen);
    check(slen == qlen + siov[1].len);
    st_envelope_info si;
    check(st_envelope_inspect(s, slen, &si, &err) == 0);
    check(si.sent_at.len > 0 && si.items == info.items);
    check(strcmp(si.event_id, info.event_id) == 0);
    free(s);

    /* the drainer: rate-limited categories removed */
    check_without(q, qlen, &qi, mask);
    check_without(q, qlen, &qi, qi.category_mask);
    free(q);
}

static void check_event(const char *json, size_t len, const char *item_type, const char *given,
                        size_t given_len, const st_event_defaults *d)
{
    static st_envelope_parts parts; /* 4.5 KB */
    const char *err = NULL;
    if (st_envelope_build_event(json, len, item_type, given, given_len, d, &parts, &err) != 0) {
        check(err && *err);
        return;
    }
    check(is_hex_id(parts.event_id));
    check(parts.category == ST_CAT_ERROR || parts.category == ST_CAT_TRANSACTION);
    check(parts.niov >= 1 && parts.niov <= ST_ENVELOPE_MAX_IOV);
    size_t elen;
    char *env = join(parts.iov, parts.niov, json, len, parts.scratch, parts.scratch_used, &elen);
    check(elen == parts.total && elen <= len + parts.scratch_used);
    st_envelope_info info;
    check(st_envelope_inspect(env, elen, &info, &err) == 0);
    check(info.items == 1 && info.events == 1);
    check(info.category_mask == 1u << parts.category);
    check(strcmp(info.event_id, parts.event_id) == 0);
    check(info.sent_at.len == 0);
    if (given && given_len) {
        char want[33];
        st_event_id_normalize(given, given_len, want);
        check(strcmp(want, parts.event_id) == 0);
    }
    free(env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1u << 20)
        return 0;
    /* An exact-size copy, so a read past the end is caught. */
    char *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    uint32_t mask = size ? 1u << (data[size - 1] % ST_CAT_COUNT) : 0;
    check_envelope(buf, size, mask);

    static st_event_defaults d = {.environment = "prod\n\"x\"",
                                  .release = "r\xff",
                                  .server_name = "web-1",
                                  .public_dsn = "https://k@h/1"};
    static bool prepared;
    if (!prepared) {
        prepared = true;
        check(st_event_defaults_prepare(&d) == 0);
    }
    check_event(buf, size, NULL, NULL, 0, NULL);
    check_event(buf, size, "transaction", "1234-ABCD", 9, &d);
    free(buf);
    return 0;
}
