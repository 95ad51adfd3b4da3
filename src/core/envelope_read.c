/* Reading an envelope the caller serialized (sendEnvelope, and the drainer dropping
 * rate-limited items), and sent_at handling (DESIGN.md §6). One item walker serves both
 * readers, so what inspection accepts is exactly what the drainer can walk. */
#include "envelope.h"

#include "eventid.h"
#include "jsonscan.h"

#include <stdio.h>
#include <string.h>

/* "length": a JSON number that is a non-negative integer → *out; false otherwise.
 * Values larger than the envelope saturate (they are rejected by the caller). */
static bool parse_length(const char *buf, st_span v, size_t limit, size_t *out)
{
    size_t n = 0;
    if (v.len == 0)
        return false;
    for (size_t i = 0; i < v.len; i++) {
        char c = buf[v.off + i];
        if (c < '0' || c > '9')
            return false;
        if (n <= limit)
            n = n * 10 + (size_t)(c - '0');
    }
    *out = n;
    return true;
}

/* One item of an envelope: where its header and payload are. */
typedef struct item {
    size_t start; /* the item header's first byte */
    const char *type;
    size_t tlen;
    size_t pstart, pend; /* the payload */
    size_t next;         /* the next item's first byte, or the envelope's length */
} item;

/* The item at *pos: returns 1 and moves *pos past it, 0 when only whitespace is left,
 * or -1 with *err. An item header is a JSON object with a plain string "type"; with a
 * "length", exactly that many payload bytes follow, then '\n' or the end; without one
 * (or "length": null) the payload runs to the next '\n' or the end. */
static int next_item(const char *buf, size_t len, size_t *pos, item *it, const char **err)
{
    static const char *const ikeys[] = {"type", "length"};
    st_span iv[2];
    const char *e;
    size_t at = *pos, t = at;
    while (t < len && st_json_is_ws(buf[t]))
        t++;
    if (t == len)
        return 0;
    const char *ie = memchr(buf + at, '\n', len - at);
    size_t ihlen = ie ? (size_t)(ie - (buf + at)) : len - at;
    if (st_json_scan_object(buf + at, ihlen, ST_MAX_JSON_DEPTH, ikeys, 2, iv, NULL, &e) != 0) {
        *err = "envelope item header is not a valid JSON object";
        return -1;
    }
    if (iv[0].len == 0) {
        *err = "envelope item header has no type";
        return -1;
    }
    if (buf[at + iv[0].off] != '"') {
        *err = "envelope item type is not a string";
        return -1;
    }
    /* Escapes would hide an "event" from the one-event rule and the categories. */
    if (!st_json_span_plain_string(buf + at, iv[0], &it->type, &it->tlen)) {
        *err = "envelope item type contains escapes";
        return -1;
    }
    it->start = at;
    it->pstart = ie ? at + ihlen + 1 : len;
    if (iv[1].len && !st_json_span_is(buf + at, iv[1], "null")) {
        size_t l;
        if (!parse_length(buf + at, iv[1], len, &l)) {
            *err = "envelope item length is not a non-negative integer";
            return -1;
        }
        if (l > len - it->pstart) {
            *err = "envelope item length exceeds the envelope";
            return -1;
        }
        it->pend = it->pstart + l;
        if (it->pend < len && buf[it->pend] != '\n') {
            *err = "envelope item length does not match its payload";
            return -1;
        }
        it->next = it->pend < len ? it->pend + 1 : len;
    } else {
        const char *pe = memchr(buf + it->pstart, '\n', len - it->pstart);
        it->pend = pe ? (size_t)(pe - buf) : len;
        it->next = pe ? it->pend + 1 : len;
    }
    *pos = it->next;
    return 1;
}

/* An event or transaction payload must be one JSON object, and an event_id in it the
 * header's: otherwise Sentry drops the event after sendEnvelope() reported success, or
 * shows another id than the one returned. Fills event_id from the payload if still "". */
static int inspect_event_payload(const char *p, size_t n, char event_id[33], const char **err)
{
    static const char *const pkeys[] = {"event_id"};
    static _Thread_local char msg[112]; /* the caller copies *err before the next call */
    st_span pv;
    const char *e = NULL;
    if (st_json_scan_object(p, n, ST_MAX_JSON_DEPTH, pkeys, 1, &pv, NULL, &e) != 0) {
        if (e && strcmp(e, "not a JSON object") == 0) {
            *err = "envelope event item is not a JSON object";
        } else if (e && (strcmp(e, "empty input") == 0 ||
                         strcmp(e, "JSON text is only whitespace") == 0)) {
            *err = "envelope event item is empty";
        } else {
            snprintf(msg, sizeof msg, "envelope event item is not valid JSON (%s)",
                     e ? e : "syntax error");
            *err = msg;
        }
        return -1;
    }
    if (pv.len == 0 || st_json_span_is(p, pv, "null") || st_json_span_is(p, pv, "\"\""))
        return 0; /* absent: Relay takes the header's */
    if (p[pv.off] != '"') {
        *err = "envelope event item event_id is not a string";
        return -1;
    }
    char id[33];
    if (!st_event_id_normalize(p + pv.off + 1, pv.len - 2, id)) {
        *err = "envelope event item event_id is not a UUID (32 hex digits)";
        return -1;
    }
    if (!event_id[0]) {
        memcpy(event_id, id, sizeof id);
    } else if (memcmp(event_id, id, 32) != 0) {
        *err = "envelope event item event_id differs from the header event_id";
        return -1;
    }
    return 0;
}

int st_envelope_inspect(const char *buf, size_t len, st_envelope_info *info, const char **err)
{
    static const char *const hkeys[] = {"event_id", "sent_at", "type", "dsn"};
    st_span hv[4], hk[4];
    const char *e;

    memset(info, 0, sizeof *info);
    if (!buf || len == 0) {
        *err = "empty envelope";
        return -1;
    }
    const char *nl = memchr(buf, '\n', len);
    size_t hlen = nl ? (size_t)(nl - buf) : len;
    info->header_len = hlen;
    size_t ws = 0;
    while (ws < hlen && st_json_is_ws(buf[ws]))
        ws++;
    if (ws == hlen) {
        *err = "envelope header line is empty";
        return -1;
    }
    st_json_object_info hinfo;
    if (st_json_scan_object_keys(buf, hlen, ST_MAX_JSON_DEPTH, hkeys, 4, hv, hk, &hinfo, &e) != 0) {
        *err = "envelope header is not a valid JSON object";
        return -1;
    }
    if (hv[2].len) { /* no envelope header has a "type": the caller left the header line out */
        *err = "envelope has no header line (its first line is an item header)";
        return -1;
    }
    info->header_open = hinfo.open_brace;
    info->header_empty = hinfo.empty;
    info->header_event_id = hv[0];
    if (hv[0].len) {
        /* Relay reads the header id as an optional UUID: null means absent */
        if (buf[hv[0].off] == '"') {
            /* It goes out as the header: Relay and the SDK parsers take only a UUID. */
            if (hv[0].len > 2 &&
                !st_event_id_normalize(buf + hv[0].off + 1, hv[0].len - 2, info->event_id)) {
                *err = "envelope header event_id is not a UUID (32 hex digits)";
                return -1;
            }
        } else if (!st_json_span_is(buf, hv[0], "null")) {
            *err = "envelope header event_id is not a string";
            return -1;
        }
    }
    if (hv[3].len && buf[hv[3].off] == '"') {
        info->header_dsn = hv[3]; /* the SDK's DSN: it chooses where the envelope goes */
    } else if (hv[3].len && !st_json_span_is(buf, hv[3], "null")) {
        *err = "envelope header dsn is not a string";
        return -1;
    }
    if (hv[1].len) {
        info->sent_at.off = hk[1].off;
        info->sent_at.len = hv[1].off + hv[1].len - hk[1].off;
    }

    size_t pos = nl ? hlen + 1 : len;
    item it;
    int rc;
    while ((rc = next_item(buf, len, &pos, &it, err)) == 1) {
        info->category_mask |= 1u << st_category_from_item_type(it.type, it.tlen);
        info->items++;
        /* Open: the payload runs to the end. An item header without its '\n' needs two. */
        info->open_end = it.pend != len ? 0 : it.pstart == len && buf[len - 1] != '\n' ? 2 : 1;
        bool is_event = (it.tlen == 5 && memcmp(it.type, "event", 5) == 0) ||
                        (it.tlen == 11 && memcmp(it.type, "transaction", 11) == 0);
        if (!is_event)
            continue;
        if (++info->events > 1) {
            *err = "envelope carries more than one event";
            return -1;
        }
        if (it.pend - it.pstart > ST_MAX_EVENT_ITEM_BYTES) {
            *err = "event item exceeds 1 MiB";
            return -1;
        }
        if (inspect_event_payload(buf + it.pstart, it.pend - it.pstart, info->event_id, err) != 0)
            return -1;
    }
    if (rc < 0)
        return -1;
    if (info->items == 0) {
        *err = "envelope has no items";
        return -1;
    }
    return 0;
}

int st_envelope_strip_sent_at(const char *buf, size_t len, const st_envelope_info *info,
                              st_iov *iov, int max_iov, char *scratch, size_t scratch_len)
{
    (void)scratch;
    (void)scratch_len;
    if (info->sent_at.len == 0) {
        if (max_iov < 1)
            return -1;
        iov[0].base = buf;
        iov[0].len = len;
        return 1;
    }
    if (max_iov < 2)
        return -1;
    size_t a = info->sent_at.off, b = a + info->sent_at.len;
    size_t i = a;
    while (i > 0 && st_json_is_ws(buf[i - 1]))
        i--;
    if (i > 0 && buf[i - 1] == ',') {
        a = i - 1; /* not the first member: take the comma before it */
    } else {
        size_t j = b; /* the first member: take the comma after it, if any */
        while (j < info->header_len && st_json_is_ws(buf[j]))
            j++;
        if (j < info->header_len && buf[j] == ',')
            b = j + 1;
    }
    iov[0].base = buf;
    iov[0].len = a;
    iov[1].base = buf + b;
    iov[1].len = len - b;
    return 2;
}

int st_envelope_stamp_sent_at(const char *env, size_t len, int64_t wall_ms, st_iov iov[3],
                              char stamp[64])
{
    const char *nl = memchr(env, '\n', len);
    size_t i = nl ? (size_t)(nl - env) : len;
    while (i > 0 && st_json_is_ws(env[i - 1]))
        i--;
    if (i == 0 || env[i - 1] != '}')
        return -1;
    size_t brace = i - 1, j = brace;
    while (j > 0 && st_json_is_ws(env[j - 1]))
        j--;
    bool empty = j > 0 && env[j - 1] == '{';
    char ts[32];
    st_format_rfc3339(wall_ms, ts);
    int n = snprintf(stamp, 64, "%s\"sent_at\":\"%s\"", empty ? "" : ",", ts);
    iov[0].base = env;
    iov[0].len = brace;
    iov[1].base = stamp;
    iov[1].len = (size_t)n;
    iov[2].base = env + brace;
    iov[2].len = len - brace;
    return 3;
}

int st_envelope_queued_form(const char *buf, size_t len, st_envelope_info *info, st_iov *iov,
                            int max_iov, char *scratch, size_t scratch_len)
{
    if (max_iov < 5 || scratch_len < 64)
        return -1;
    if (!info->event_id[0] && info->events > 0)
        st_event_id_generate(info->event_id);
    /* One edit for the id: replace the header's value, or insert a member after '{'. */
    size_t id_at = 0, id_end = 0, n = 0;
    bool id_edit = false;
    if (info->event_id[0]) {
        st_span v = info->header_event_id;
        bool same =
            v.len == 34 && buf[v.off] == '"' && memcmp(buf + v.off + 1, info->event_id, 32) == 0;
        if (v.len && !same) {
            id_at = v.off;
            id_end = v.off + v.len;
            n = (size_t)snprintf(scratch, scratch_len, "\"%s\"", info->event_id);
            id_edit = true;
        } else if (!v.len) {
            id_at = id_end = info->header_open + 1;
            id_edit = true;
        }
    }
    /* The sent_at removal, as st_envelope_strip_sent_at computes it. */
    st_iov strip[2];
    int ns = st_envelope_strip_sent_at(buf, len, info, strip, 2, NULL, 0);
    size_t cut_at = len, cut_end = len;
    if (ns == 2) {
        cut_at = strip[0].len;
        cut_end = (size_t)((const char *)strip[1].base - buf);
    }
    if (id_edit && id_at == id_end) { /* an inserted member needs a comma if others remain */
        bool others = false;
        for (size_t i = info->header_open + 1; i < info->header_len && !others; i++) {
            if (i >= cut_at && i < cut_end)
                continue;
            others = !st_json_is_ws(buf[i]) && buf[i] != '}';
        }
        n = (size_t)snprintf(scratch, scratch_len, "\"event_id\":\"%s\"%s", info->event_id,
                             others ? "," : "");
    }
    int k = 0;
    size_t pos = 0;
    /* The two edits never overlap: the id value/insertion point is outside sent_at's member. */
    if (id_edit && id_at <= cut_at) {
        iov[k++] = (st_iov){buf + pos, id_at - pos};
        iov[k++] = (st_iov){scratch, n};
        pos = id_end;
    }
    if (ns == 2) {
        iov[k++] = (st_iov){buf + pos, cut_at - pos};
        pos = cut_end;
    }
    if (id_edit && id_at > cut_at) {
        iov[k++] = (st_iov){buf + pos, id_at - pos};
        iov[k++] = (st_iov){scratch, n};
        pos = id_end;
    }
    iov[k++] = (st_iov){buf + pos, len - pos};
    /* Close the last item: an item appended later (a client report) must not be read as
     * part of a payload that happens to end in '\n' (sentry-php writes none after an
     * attachment's bytes). */
    if (info->open_end) { /* from scratch, after the id's bytes: every piece is buf or scratch */
        size_t at = id_edit ? n : 0;
        memset(scratch + at, '\n', info->open_end);
        iov[k++] = (st_iov){scratch + at, info->open_end};
    }
    return k;
}

int st_envelope_without_categories(const char *buf, size_t len, uint32_t drop_mask, st_iov *iov,
                                   int max_iov, int *dropped)
{
    const char *nl = memchr(buf, '\n', len);
    size_t pos = nl ? (size_t)(nl - buf) + 1 : len;
    size_t keep_from = 0; /* start of the run of bytes being kept */
    int k = 0, rc;
    const char *err;
    item it;
    *dropped = 0;
    while ((rc = next_item(buf, len, &pos, &it, &err)) == 1) {
        if (!(drop_mask & (1u << st_category_from_item_type(it.type, it.tlen))))
            continue;
        if (it.start > keep_from) {
            if (k == max_iov)
                return -1;
            iov[k++] = (st_iov){buf + keep_from, it.start - keep_from};
        }
        keep_from = it.next;
        (*dropped)++;
    }
    if (rc < 0)
        return -1;
    if (len > keep_from) {
        if (k == max_iov)
            return -1;
        iov[k++] = (st_iov){buf + keep_from, len - keep_from};
    }
    return k;
}

int st_envelope_header_dsn(const char *buf, const st_envelope_info *info, char *out, size_t outlen)
{
    if (info->header_dsn.len < 2 || outlen == 0)
        return 0;
    const char *s = buf + info->header_dsn.off + 1;
    size_t n = info->header_dsn.len - 2, o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\') {
            /* json_encode writes "\/" unless told not to; a DSN needs no other escape. */
            if (i + 1 >= n || (s[i + 1] != '/' && s[i + 1] != '\\'))
                return -1;
            c = s[++i];
        }
        if (o + 1 >= outlen)
            return -1;
        out[o++] = c;
    }
    out[o] = '\0';
    return o > 0 ? 1 : 0;
}
