/* SentryTransport::getDeadLetters / replayDeadLetters / purgeDeadLetters (issue #3): the
 * PHP side of the dead-letter directory (src/core/deadletter.h). Runs on PHP's thread; it
 * shares nothing with the drainer but the files, so it works from any process of the user,
 * whether or not it drains. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "php.h"
#include "ext/spl/spl_exceptions.h"
#include "zend_exceptions.h"

#include "../../php_sentry_transport.h"
#include "process.h"

#include "../core/deadletter.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The configured directory's path; false when the default one is too long. */
static bool dl_path(char *path, size_t size)
{
    const st_config *cfg = st_process_config();
    if (cfg->dead_letter_path[0]) {
        st_strlcpy(path, cfg->dead_letter_path, size);
        return true;
    }
    return st_deadletter_default_path(path, size) == 0;
}

/* The configured directory, opened (and created 0700 if missing). NULL with a
 * RuntimeException pending when it is unsafe or unusable; NULL without one (*absent) when
 * dead letters are off and the directory does not exist: nothing to list, nothing created. */
static st_deadletter *dl_open(bool *absent)
{
    const st_config *cfg = st_process_config();
    char path[PATH_MAX];
    *absent = false;
    if (!dl_path(path, sizeof path)) {
        zend_throw_exception(spl_ce_RuntimeException,
                             "default dead-letter directory path is too long (TMPDIR)", 0);
        return NULL;
    }
    if (!cfg->dead_letter_queue) {
        struct stat st;
        if (lstat(path, &st) != 0 && errno == ENOENT) {
            *absent = true;
            return NULL;
        }
    }
    st_deadletter *dl = NULL;
    char err[PATH_MAX + 256];
    if (st_deadletter_open(path, cfg->dead_letter_max_files, cfg->dead_letter_max_bytes, &dl, err,
                           sizeof err) != ST_OK) {
        zend_throw_exception(spl_ce_RuntimeException, err, 0);
        return NULL;
    }
    return dl;
}

static void throw_unreadable(st_deadletter *dl)
{
    zend_throw_exception_ex(spl_ce_RuntimeException, 0, "cannot read dead-letter directory %s: %s",
                            st_deadletter_path(dl), strerror(errno));
}

/* Up to `limit` dead letters, oldest first, in an emalloc'd array (NULL when there are
 * none). false with a RuntimeException pending if the directory cannot be read. */
static bool dl_list(st_deadletter *dl, zend_long limit, st_deadletter_entry **out, int *n)
{
    *out = NULL;
    *n = 0;
    uint64_t count = 0;
    if (st_deadletter_stats(dl, &count, NULL) != 0) {
        throw_unreadable(dl);
        return false;
    }
    uint64_t max = count < (uint64_t)limit ? count : (uint64_t)limit;
    if (max > INT_MAX / 2)
        max = INT_MAX / 2;
    if (max == 0)
        return true;
    /* A few more than counted: files written meanwhile would otherwise push the newest
     * counted ones out of a "replay/purge everything" call. */
    int cap = (int)max + ((uint64_t)limit > max ? 16 : 0);
    st_deadletter_entry *e = safe_emalloc((size_t)cap, sizeof *e, 0);
    int got = st_deadletter_list(dl, limit < cap ? (int)limit : cap, e, cap);
    if (got < 0) {
        efree(e);
        throw_unreadable(dl);
        return false;
    }
    *out = e;
    *n = got;
    return true;
}

/* The ids of $ids as C strings are read in place; every entry must be a string. */
static bool check_ids(HashTable *ids)
{
    zval *v;
    ZEND_HASH_FOREACH_VAL(ids, v)
    {
        ZVAL_DEREF(v);
        if (Z_TYPE_P(v) != IS_STRING) {
            zend_argument_type_error(1, "must contain only strings, %s given",
                                     zend_zval_type_name(v));
            return false;
        }
    }
    ZEND_HASH_FOREACH_END();
    return true;
}

/* A string that can name a dead letter (no NUL byte inside, the strict id pattern). */
static bool usable_id(const zend_string *s)
{
    return strlen(ZSTR_VAL(s)) == ZSTR_LEN(s) && st_deadletter_valid_id(ZSTR_VAL(s));
}

/* Queue one dead letter again; removed only once queued. 1 if queued, else 0. */
static int replay_one(st_deadletter *dl, const char *id)
{
    char *data = NULL;
    size_t len = 0;
    if (st_deadletter_read(dl, id, &data, &len) != 0)
        return 0; /* unknown, or replayed/purged by another process meanwhile */
    st_deadletter_entry e;
    if (!st_deadletter_parse_id(id, &e))
        e.event_id[0] = '\0';
    bool queued = st_process_requeue_envelope(data, len);
    free(data);
    if (!queued)
        return 0;
    /* At-least-once: if another process replayed it at the same moment, Sentry drops the
     * second copy by its event_id. */
    (void)st_deadletter_remove(dl, id);
    return 1;
}

/* Purge one: 1 if it was removed. */
static int purge_one(st_deadletter *dl, const char *id)
{
    return st_deadletter_remove(dl, id) == 0 ? 1 : 0;
}

/* Apply `one` to the given ids (unusable ones skipped), or to every dead letter when ids
 * is NULL; the sum of its results (0 when there is no directory yet), or -1 with an
 * exception pending. */
static zend_long for_each_dead_letter(HashTable *ids, int (*one)(st_deadletter *, const char *))
{
    bool absent;
    st_deadletter *dl = dl_open(&absent);
    if (!dl)
        return absent ? 0 : -1;
    zend_long done = 0;
    if (ids) {
        zval *v;
        ZEND_HASH_FOREACH_VAL(ids, v)
        {
            ZVAL_DEREF(v);
            if (usable_id(Z_STR_P(v)))
                done += one(dl, Z_STRVAL_P(v));
        }
        ZEND_HASH_FOREACH_END();
    } else {
        st_deadletter_entry *e;
        int n;
        if (!dl_list(dl, ZEND_LONG_MAX, &e, &n)) {
            st_deadletter_close(dl);
            return -1;
        }
        for (int i = 0; i < n; i++)
            done += one(dl, e[i].id);
        if (e)
            efree(e);
    }
    st_deadletter_close(dl);
    return done;
}

ZEND_METHOD(SentryTransport, getDeadLetters)
{
    zend_long limit = 100;
    ZEND_PARSE_PARAMETERS_START(0, 1)
    Z_PARAM_OPTIONAL
    Z_PARAM_LONG(limit)
    ZEND_PARSE_PARAMETERS_END();
    if (limit < 1) {
        zend_argument_value_error(1, "must be greater than or equal to 1");
        RETURN_THROWS();
    }
    bool absent;
    st_deadletter *dl = dl_open(&absent);
    if (!dl) {
        if (absent)
            RETURN_EMPTY_ARRAY();
        RETURN_THROWS();
    }
    st_deadletter_entry *e;
    int n;
    if (!dl_list(dl, limit, &e, &n)) {
        st_deadletter_close(dl);
        RETURN_THROWS();
    }
    st_deadletter_close(dl);
    if (n > limit)
        n = (int)limit;
    array_init_size(return_value, (uint32_t)n);
    for (int i = 0; i < n; i++) {
        zval row;
        char when[32];
        array_init_size(&row, 6);
        add_assoc_string(&row, "id", e[i].id);
        add_assoc_string(&row, "event_id", e[i].event_id);
        add_assoc_string(&row, "reason", e[i].reason);
        add_assoc_long(&row, "attempts", e[i].attempts);
        st_format_rfc3339(e[i].failed_at_ms, when);
        add_assoc_string(&row, "failed_at", when);
        add_assoc_long(&row, "size", (zend_long)e[i].size);
        add_next_index_zval(return_value, &row);
    }
    if (e)
        efree(e);
}

ZEND_METHOD(SentryTransport, replayDeadLetters)
{
    HashTable *ids = NULL;
    ZEND_PARSE_PARAMETERS_START(0, 1)
    Z_PARAM_OPTIONAL
    Z_PARAM_ARRAY_HT_OR_NULL(ids)
    ZEND_PARSE_PARAMETERS_END();
    if (ids && !check_ids(ids))
        RETURN_THROWS();
    st_process_ensure_running();
    const char *why = st_process_unavailable_reason();
    if (why) {
        zend_throw_exception_ex(spl_ce_RuntimeException, 0, "cannot replay dead letters: %s", why);
        RETURN_THROWS();
    }
    zend_long replayed = for_each_dead_letter(ids, replay_one);
    if (replayed < 0)
        RETURN_THROWS();
    RETURN_LONG(replayed);
}

ZEND_METHOD(SentryTransport, purgeDeadLetters)
{
    HashTable *ids = NULL;
    ZEND_PARSE_PARAMETERS_START(0, 1)
    Z_PARAM_OPTIONAL
    Z_PARAM_ARRAY_HT_OR_NULL(ids)
    ZEND_PARSE_PARAMETERS_END();
    if (ids && !check_ids(ids))
        RETURN_THROWS();
    zend_long purged = for_each_dead_letter(ids, purge_one);
    if (purged < 0)
        RETURN_THROWS();
    RETURN_LONG(purged);
}

/* getMetrics() counts the dead letters on every call, and a count is a scan with one
 * fstatat per file (55 µs with 36 files). Dead letters are only ever added (written under a
 * temporary name, then linked) or removed, and either changes the directory's mtime. So
 * the last count holds while the directory (same inode, owner and mode) keeps the mtime and
 * ctime it had before that count's scan. A count is remembered only when those times were
 * more than a second older than the scan: file times come from a coarse clock, and a change
 * made during the scan must not leave the old mtime in place. One per process (ZTS is
 * unsupported, README.md). */
static struct {
    bool valid;
    char path[PATH_MAX];
    struct stat dir;
    uint64_t count, bytes;
} stats_memo;

static bool same_time(struct timespec a, struct timespec b)
{
    return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static bool same_dir(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_mode == b->st_mode &&
           a->st_uid == b->st_uid && same_time(a->st_mtim, b->st_mtim) &&
           same_time(a->st_ctim, b->st_ctim);
}

/* t more than a second before now */
static bool settled(struct timespec t, struct timespec now)
{
    return t.tv_sec < now.tv_sec - 1 || (t.tv_sec == now.tv_sec - 1 && t.tv_nsec < now.tv_nsec);
}

/* For getMetrics(): how many dead letters wait now. Never throws (a metrics call must
 * not); false when there is no usable directory. */
bool st_php_dead_letter_stats(uint64_t *count, uint64_t *bytes)
{
    char path[PATH_MAX];
    struct stat before;
    struct timespec now;
    bool have_before = dl_path(path, sizeof path) && lstat(path, &before) == 0 &&
                       S_ISDIR(before.st_mode) && clock_gettime(CLOCK_REALTIME, &now) == 0;
    if (have_before && stats_memo.valid && strcmp(stats_memo.path, path) == 0 &&
        same_dir(&stats_memo.dir, &before)) {
        *count = stats_memo.count;
        *bytes = stats_memo.bytes;
        return true;
    }
    stats_memo.valid = false;
    bool absent = false;
    st_deadletter *dl = dl_open(&absent);
    if (!dl) {
        if (EG(exception))
            zend_clear_exception();
        return false;
    }
    bool ok = st_deadletter_stats(dl, count, bytes) == ST_OK;
    st_deadletter_close(dl);
    if (ok && have_before && settled(before.st_mtim, now) && settled(before.st_ctim, now)) {
        st_strlcpy(stats_memo.path, path, sizeof stats_memo.path);
        stats_memo.dir = before;
        stats_memo.count = *count;
        stats_memo.bytes = *bytes;
        stats_memo.valid = true;
    }
    return ok;
}
