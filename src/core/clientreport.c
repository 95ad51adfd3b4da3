/* Discard counters and the client_report item (DESIGN.md §6). See clientreport.h. */
#include "clientreport.h"

#include <stdio.h>
#include <string.h>

/* Indexed by st_discard_reason: the strings of develop.sentry.dev's client-report spec. */
static const char *const reason_names[ST_DISCARD_REASON_COUNT] = {
    [ST_DISCARD_QUEUE_OVERFLOW] = "queue_overflow",
    [ST_DISCARD_RATELIMIT_BACKOFF] = "ratelimit_backoff",
    [ST_DISCARD_NETWORK_ERROR] = "network_error",
    [ST_DISCARD_SEND_ERROR] = "send_error",
    [ST_DISCARD_SAMPLE_RATE] = "sample_rate",
    [ST_DISCARD_BEFORE_SEND] = "before_send",
    [ST_DISCARD_EVENT_PROCESSOR] = "event_processor",
    [ST_DISCARD_INTERNAL_SDK_ERROR] = "internal_sdk_error",
    [ST_DISCARD_IGNORED] = "ignored",
    [ST_DISCARD_INVALID] = "invalid",
    [ST_DISCARD_CACHE_OVERFLOW] = "cache_overflow",
    [ST_DISCARD_BUFFER_OVERFLOW] = "buffer_overflow",
    [ST_DISCARD_INSUFFICIENT_DATA] = "insufficient_data",
    [ST_DISCARD_BACKPRESSURE] = "backpressure",
};

const char *st_discard_reason_name(st_discard_reason r)
{
    if ((int)r < 0 || r >= ST_DISCARD_REASON_COUNT || !reason_names[r])
        return "unknown";
    return reason_names[r];
}

static bool countable(int r, int c)
{
    return r >= 0 && r < ST_DISCARD_REASON_COUNT && c > ST_CAT_ALL && c < ST_CAT_COUNT;
}

void st_discards_add(st_discards *d, st_discard_reason r, st_category c, uint64_t n)
{
    if (!d || n == 0 || !countable((int)r, (int)c))
        return;
    atomic_fetch_add_explicit(&d->n[r][c], n, memory_order_relaxed);
}

size_t st_discards_take(st_discards *d, st_discard_taken *out)
{
    size_t entries = 0;
    memset(out, 0, sizeof *out);
    if (!d)
        return 0;
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        for (int c = ST_CAT_ALL + 1; c < ST_CAT_COUNT; c++) {
            /* A load first so that idle counters are not written (no cache-line traffic
             * between processes); an add landing after the load is taken next time. */
            if (atomic_load_explicit(&d->n[r][c], memory_order_relaxed) == 0)
                continue;
            uint64_t v = atomic_exchange_explicit(&d->n[r][c], 0, memory_order_relaxed);
            out->n[r][c] = v;
            if (v)
                entries++;
        }
    return entries;
}

void st_discards_restore(st_discards *d, const st_discard_taken *t)
{
    if (!d || !t)
        return;
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        for (int c = ST_CAT_ALL + 1; c < ST_CAT_COUNT; c++)
            if (t->n[r][c])
                atomic_fetch_add_explicit(&d->n[r][c], t->n[r][c], memory_order_relaxed);
}

size_t st_discard_taken_entries(const st_discard_taken *t)
{
    size_t entries = 0;
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        for (int c = ST_CAT_ALL + 1; c < ST_CAT_COUNT; c++)
            entries += t->n[r][c] != 0;
    return entries;
}

uint64_t st_discard_taken_total(const st_discard_taken *t)
{
    uint64_t total = 0;
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        for (int c = ST_CAT_ALL + 1; c < ST_CAT_COUNT; c++)
            total += t->n[r][c];
    return total;
}

bool st_discards_pending(st_discards *d)
{
    if (!d)
        return false;
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        for (int c = ST_CAT_ALL + 1; c < ST_CAT_COUNT; c++)
            if (atomic_load_explicit(&d->n[r][c], memory_order_relaxed))
                return true;
    return false;
}

#define ITEM_HEADER_PREFIX "{\"type\":\"client_report\",\"length\":"
#define ITEM_HEADER_SUFFIX "}\n"
/* The header line with the longest length we ever write (4 digits: ≤ 4096). */
#define ITEM_HEADER_MAX (sizeof ITEM_HEADER_PREFIX - 1 + 4 + sizeof ITEM_HEADER_SUFFIX - 1)
#define PAYLOAD_TAIL "]}"

int st_discards_render_item(st_discard_taken *t, int64_t now_ms, char *out, size_t cap, size_t *len,
                            st_discard_taken *rest)
{
    memset(rest, 0, sizeof *rest);
    *len = 0;
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        t->n[r][ST_CAT_ALL] = 0; /* never counted; the item must not claim to carry it */
    if (st_discard_taken_entries(t) == 0)
        return 0;

    size_t limit = ST_CLIENT_REPORT_MAX_PAYLOAD;
    if (cap < ITEM_HEADER_MAX)
        limit = 0;
    else if (cap - ITEM_HEADER_MAX < limit)
        limit = cap - ITEM_HEADER_MAX;

    char payload[ST_CLIENT_REPORT_MAX_PAYLOAD];
    char ts[32];
    st_format_rfc3339(now_ms, ts);
    int w = snprintf(payload, sizeof payload, "{\"timestamp\":\"%s\",\"discarded_events\":[", ts);
    size_t pos = (size_t)w;
    int rendered = 0;
    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        for (int c = ST_CAT_ALL + 1; c < ST_CAT_COUNT; c++) {
            uint64_t q = t->n[r][c];
            if (!q)
                continue;
            char entry[160];
            int elen = snprintf(entry, sizeof entry,
                                "%s{\"reason\":\"%s\",\"category\":\"%s\",\"quantity\":%llu}",
                                rendered ? "," : "", reason_names[r],
                                st_category_name((st_category)c), (unsigned long long)q);
            if (pos + (size_t)elen + (sizeof PAYLOAD_TAIL - 1) <= limit) {
                memcpy(payload + pos, entry, (size_t)elen);
                pos += (size_t)elen;
                rendered++;
            } else {
                rest->n[r][c] = q; /* moved below, once we know the item is worth it */
            }
        }
    if (rendered == 0) {
        memset(rest, 0, sizeof *rest);
        return -1;
    }
    memcpy(payload + pos, PAYLOAD_TAIL, sizeof PAYLOAD_TAIL - 1);
    pos += sizeof PAYLOAD_TAIL - 1;

    int hlen = snprintf(out, cap, ITEM_HEADER_PREFIX "%zu" ITEM_HEADER_SUFFIX, pos);
    memcpy(out + hlen, payload, pos);
    *len = (size_t)hlen + pos;

    for (int r = 0; r < ST_DISCARD_REASON_COUNT; r++)
        for (int c = ST_CAT_ALL + 1; c < ST_CAT_COUNT; c++)
            if (rest->n[r][c])
                t->n[r][c] = 0;
    return rendered;
}

bool st_discards_due(st_discards *d, int64_t now_ms, int64_t interval_ms)
{
    if (!st_discards_pending(d))
        return false;
    int64_t last = atomic_load_explicit(&d->last_flush_ms, memory_order_relaxed);
    if (last == 0 || now_ms < last) /* never flushed, or the wall clock went back */
        return true;
    return now_ms - last >= interval_ms;
}

void st_discards_mark_flushed(st_discards *d, int64_t now_ms)
{
    if (d)
        atomic_store_explicit(&d->last_flush_ms, now_ms, memory_order_relaxed);
}
