/* The dead-letter directory (deadletter.h). Every operation goes through a descriptor of
 * the directory opened once (openat/linkat/unlinkat/fstatat), so a path swapped after the
 * checks cannot redirect a write; the files are the only state, so a writer in the drainer
 * thread and readers in other processes need no lock. */
#include "deadletter_private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define DL_EXT ".envelope"
#define DL_EXT_LEN (sizeof(DL_EXT) - 1)
#define DL_TMP_PREFIX ".tmp-"
#define DL_STALE_TMP_SECONDS 3600
#define DL_MAX_MS 9999999999999LL /* 13 digits: year 2286 */
#define DL_NAME_MAX (ST_DEADLETTER_ID_MAX + 32)

static atomic_uint tmp_seq;

/* ------------------------------------------------------------------ names */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static bool is_hex_lower(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f');
}
static bool is_reason_char(char c)
{
    return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_';
}

bool st_deadletter_parse_id(const char *id, st_deadletter_entry *e)
{
    if (!id)
        return false;
    size_t n = strnlen(id, ST_DEADLETTER_ID_MAX);
    if (n == 0 || n >= ST_DEADLETTER_ID_MAX)
        return false;
    const char *p = id;
    int64_t ms = 0;
    for (int i = 0; i < 13; i++, p++) {
        if (!is_digit(*p))
            return false;
        ms = ms * 10 + (*p - '0');
    }
    if (*p++ != '-')
        return false;
    const char *reason = p;
    while (is_reason_char(*p))
        p++;
    size_t rlen = (size_t)(p - reason);
    if (rlen == 0 || rlen > ST_DEADLETTER_REASON_MAX)
        return false;
    if (p[0] != '-' || p[1] != 'a')
        return false;
    p += 2;
    int attempts = 0, digits = 0;
    while (is_digit(*p)) {
        if (++digits > 5)
            return false;
        attempts = attempts * 10 + (*p - '0');
        p++;
    }
    if (digits == 0 || *p++ != '-')
        return false;
    const char *eid = p;
    bool none = strcmp(eid, "none") == 0;
    if (!none) {
        for (int i = 0; i < 32; i++)
            if (!is_hex_lower(eid[i]))
                return false;
        if (eid[32] != '\0')
            return false;
    }
    if (e) {
        memset(e, 0, sizeof *e);
        memcpy(e->id, id, n + 1);
        if (!none)
            memcpy(e->event_id, eid, 33);
        memcpy(e->reason, reason, rlen);
        e->reason[rlen] = '\0';
        e->attempts = attempts;
        e->failed_at_ms = ms;
    }
    return true;
}

bool st_deadletter_valid_id(const char *id)
{
    return st_deadletter_parse_id(id, NULL);
}

/* "<id>.envelope" for a valid id; false otherwise. */
static bool file_name(const char *id, char out[DL_NAME_MAX])
{
    if (!st_deadletter_valid_id(id))
        return false;
    snprintf(out, DL_NAME_MAX, "%s" DL_EXT, id);
    return true;
}

static void sanitize_reason(const char *reason, char out[ST_DEADLETTER_REASON_MAX + 1])
{
    size_t o = 0;
    for (const char *p = reason ? reason : ""; *p && o < ST_DEADLETTER_REASON_MAX; p++) {
        char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        out[o++] = is_reason_char(c) ? c : '_';
    }
    out[o] = '\0';
    if (o == 0)
        st_strlcpy(out, "unknown", ST_DEADLETTER_REASON_MAX + 1);
}

static void sanitize_event_id(const char *id, char out[33])
{
    if (id && strlen(id) == 32) {
        for (int i = 0; i < 32; i++) {
            char c = id[i];
            if (c >= 'A' && c <= 'F')
                c = (char)(c - 'A' + 'a');
            if (!is_hex_lower(c))
                goto none;
            out[i] = c;
        }
        out[32] = '\0';
        return;
    }
none:
    st_strlcpy(out, "none", 33);
}

/* ------------------------------------------------------------------ scanning */

typedef struct dl_file {
    char name[DL_NAME_MAX];
    uint64_t size;
} dl_file;

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const dl_file *)a)->name, ((const dl_file *)b)->name);
}

/* The dead letters in the directory, sorted oldest first (malloc'd; *files may be NULL
 * when *n is 0). clean_tmp: also remove temporary files abandoned over an hour ago. */
static int scan(st_deadletter *dl, dl_file **files, size_t *n, bool clean_tmp)
{
    *files = NULL;
    *n = 0;
    int fd = openat(dl->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return -1;
    }
    dl_file *v = NULL;
    size_t cap = 0, count = 0;
    time_t now = time(NULL);
    struct dirent *de;
    int rc = 0;
    for (;;) {
        errno = 0;
        de = readdir(d);
        if (!de) {
            if (errno != 0)
                rc = -1;
            break;
        }
        const char *name = de->d_name;
        size_t len = strlen(name);
        if (clean_tmp && strncmp(name, DL_TMP_PREFIX, sizeof(DL_TMP_PREFIX) - 1) == 0) {
            struct stat st;
            if (fstatat(dl->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
                st.st_mtime < now - DL_STALE_TMP_SECONDS)
                (void)unlinkat(dl->dirfd, name, 0);
            continue;
        }
        if (len <= DL_EXT_LEN || len >= DL_NAME_MAX ||
            memcmp(name + len - DL_EXT_LEN, DL_EXT, DL_EXT_LEN) != 0)
            continue;
        char id[ST_DEADLETTER_ID_MAX];
        memcpy(id, name, len - DL_EXT_LEN);
        id[len - DL_EXT_LEN] = '\0';
        if (!st_deadletter_valid_id(id))
            continue;
        struct stat st;
        if (fstatat(dl->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
            continue; /* vanished meanwhile, or not a file we wrote */
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            dl_file *nv = realloc(v, ncap * sizeof *nv);
            if (!nv) {
                rc = -1;
                break;
            }
            v = nv;
            cap = ncap;
        }
        memcpy(v[count].name, name, len + 1);
        v[count].size = (uint64_t)st.st_size;
        count++;
    }
    closedir(d);
    if (rc != 0) {
        free(v);
        return -1;
    }
    if (count > 1)
        qsort(v, count, sizeof *v, cmp_file);
    *files = v;
    *n = count;
    return 0;
}

static uint64_t prune(st_deadletter *dl)
{
    if (!dl->max_files && !dl->max_bytes)
        return 0;
    dl_file *f;
    size_t n;
    if (scan(dl, &f, &n, true) != 0)
        return 0;
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += f[i].size;
    uint64_t count = n, pruned = 0;
    for (size_t i = 0; i < n; i++) {
        bool over =
            (dl->max_files && count > dl->max_files) || (dl->max_bytes && bytes > dl->max_bytes);
        if (!over)
            break;
        if (unlinkat(dl->dirfd, f[i].name, 0) == 0)
            pruned++; /* ENOENT: purged or replayed by another process meanwhile */
        count--;
        bytes -= f[i].size;
    }
    free(f);
    return pruned;
}

/* ------------------------------------------------------------------ writing */

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len > (1u << 30) ? (1u << 30) : len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Give the temporary file its final name without ever replacing a dead letter: link()
 * fails with EEXIST where rename() would overwrite. Filesystems without hard links get a
 * checked rename(). On a clash the time moves on by 1 ms. */
static int publish(st_deadletter *dl, const char *tmp, int64_t ms, const char rest[80],
                   char final_name[DL_NAME_MAX])
{
    for (int tries = 0; tries < 1000; tries++, ms = ms < DL_MAX_MS ? ms + 1 : ms) {
        snprintf(final_name, DL_NAME_MAX, "%013lld-%s" DL_EXT, (long long)ms, rest);
        if (linkat(dl->dirfd, tmp, dl->dirfd, final_name, 0) == 0) {
            (void)unlinkat(dl->dirfd, tmp, 0);
            return 0;
        }
        if (errno == EEXIST)
            continue;
        if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS && errno != EMLINK &&
            errno != EXDEV)
            return -1;
        struct stat st;
        if (fstatat(dl->dirfd, final_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
            continue;
        return renameat(dl->dirfd, tmp, dl->dirfd, final_name);
    }
    errno = EEXIST;
    return -1;
}

int st_deadletter_write(st_deadletter *dl, const char *event_id, const char *reason, int attempts,
                        int64_t failed_at_ms, const void *envelope, size_t len,
                        uint64_t *pruned_out, char *err, size_t errlen)
{
    if (pruned_out)
        *pruned_out = 0;
    if (dl->max_bytes && len > dl->max_bytes) {
        snprintf(err, errlen,
                 "envelope of %zu bytes exceeds the dead-letter directory's bound of %llu bytes",
                 len, (unsigned long long)dl->max_bytes);
        return ST_TOO_LARGE;
    }
    char r[ST_DEADLETTER_REASON_MAX + 1], eid[33];
    sanitize_reason(reason, r);
    sanitize_event_id(event_id, eid);
    if (attempts < 0)
        attempts = 0;
    if (attempts > ST_DEADLETTER_MAX_ATTEMPTS)
        attempts = ST_DEADLETTER_MAX_ATTEMPTS;
    if (failed_at_ms < 0)
        failed_at_ms = 0;
    if (failed_at_ms > DL_MAX_MS)
        failed_at_ms = DL_MAX_MS;
    char rest[80]; /* "<reason ≤32>-a<attempts ≤5 digits>-<event id ≤32>" */
    snprintf(rest, sizeof rest, "%s-a%d-%s", r, attempts, eid);

    char tmp[64];
    int fd = -1;
    for (int tries = 0; tries < 100 && fd < 0; tries++) {
        snprintf(tmp, sizeof tmp, DL_TMP_PREFIX "%ld-%u", (long)getpid(),
                 atomic_fetch_add(&tmp_seq, 1));
        fd = openat(dl->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a file in dead-letter directory %s: %s", dl->path,
                 strerror(errno));
        return ST_ERR;
    }
    (void)fchmod(fd, 0600); /* whatever the umask took away */
    if (write_all(fd, envelope, len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlinkat(dl->dirfd, tmp, 0);
        snprintf(err, errlen, "cannot write to dead-letter directory %s: %s", dl->path,
                 strerror(e));
        return ST_ERR;
    }
    if (close(fd) != 0) {
        int e = errno;
        unlinkat(dl->dirfd, tmp, 0);
        snprintf(err, errlen, "cannot write to dead-letter directory %s: %s", dl->path,
                 strerror(e));
        return ST_ERR;
    }
    char final_name[DL_NAME_MAX];
    if (publish(dl, tmp, failed_at_ms, rest, final_name) != 0) {
        int e = errno;
        unlinkat(dl->dirfd, tmp, 0);
        snprintf(err, errlen, "cannot name a file in dead-letter directory %s: %s", dl->path,
                 strerror(e));
        return ST_ERR;
    }
    uint64_t pruned = prune(dl);
    if (pruned_out)
        *pruned_out = pruned;
    return ST_OK;
}

/* ------------------------------------------------------------------ reading */

int st_deadletter_list(st_deadletter *dl, int limit, st_deadletter_entry *out, int max)
{
    dl_file *f;
    size_t n;
    if (scan(dl, &f, &n, false) != 0)
        return -1;
    int want = limit < max ? limit : max;
    int k = 0;
    for (size_t i = 0; i < n && k < want; i++) {
        char id[ST_DEADLETTER_ID_MAX];
        size_t len = strlen(f[i].name) - DL_EXT_LEN;
        memcpy(id, f[i].name, len);
        id[len] = '\0';
        if (!st_deadletter_parse_id(id, &out[k]))
            continue;
        out[k].size = f[i].size;
        k++;
    }
    free(f);
    return k;
}

int st_deadletter_read(st_deadletter *dl, const char *id, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    char name[DL_NAME_MAX];
    if (!file_name(id, name)) {
        errno = EINVAL;
        return -1;
    }
    /* O_NONBLOCK: a FIFO planted under a dead letter's name must not hang the reader. */
    int fd = openat(dl->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ELOOP)
            errno = ENOENT; /* a symbolic link is not a dead letter */
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        errno = ENOENT;
        return -1;
    }
    if ((uint64_t)st.st_size >= (uint64_t)SIZE_MAX) {
        close(fd);
        errno = EFBIG;
        return -1;
    }
    size_t size = (size_t)st.st_size;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        errno = EFBIG;
        return -1;
    }
    size_t got = 0;
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    buf[got] = '\0';
    *data = buf;
    *len = got;
    return 0;
}

int st_deadletter_remove(st_deadletter *dl, const char *id)
{
    char name[DL_NAME_MAX];
    if (!file_name(id, name)) {
        errno = EINVAL;
        return -1;
    }
    struct stat st;
    if (fstatat(dl->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
        return -1;
    if (!S_ISREG(st.st_mode)) { /* only files are dead letters */
        errno = ENOENT;
        return -1;
    }
    return unlinkat(dl->dirfd, name, 0);
}

int st_deadletter_stats(st_deadletter *dl, uint64_t *count, uint64_t *bytes)
{
    dl_file *f;
    size_t n;
    if (scan(dl, &f, &n, false) != 0)
        return -1;
    uint64_t b = 0;
    for (size_t i = 0; i < n; i++)
        b += f[i].size;
    free(f);
    if (count)
        *count = n;
    if (bytes)
        *bytes = b;
    return 0;
}

/* ------------------------------------------------------------------ probing */

int st_deadletter_probe(st_deadletter *dl, char *err, size_t errlen)
{
    char tmp[64];
    snprintf(tmp, sizeof tmp, DL_TMP_PREFIX "probe-%ld-%u", (long)getpid(),
             atomic_fetch_add(&tmp_seq, 1));
    int fd = openat(dl->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create a file in dead-letter directory %s: %s", dl->path,
                 strerror(errno));
        return ST_ERR;
    }
    /* One byte: a full filesystem still lets an empty file be created. */
    int rc = write_all(fd, "\n", 1) == 0 && fsync(fd) == 0 ? 0 : -1;
    int e = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        e = errno;
    }
    (void)unlinkat(dl->dirfd, tmp, 0);
    if (rc != 0) {
        snprintf(err, errlen, "cannot write to dead-letter directory %s: %s", dl->path,
                 strerror(e));
        return ST_ERR;
    }
    return ST_OK;
}
