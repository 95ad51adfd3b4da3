/* JSON-line logging (log.h), shared by PHP's thread and the background thread.
 *
 * Collapsing: the first line of a message is written and opens a 1-second window; the
 * same level+message inside that window is only counted. The count is written as one
 * line with "repeated":N (the fields of the last repeat, its time) when another message
 * is logged, when the same message comes after the window, or at st_log_flush(). The
 * window is anchored at the written line, not slid by each repeat, so a steady storm
 * still yields about two lines a second instead of one line forever later.
 *
 * Fork: a pthread_atfork child handler re-initialises the mutex (another thread of the
 * parent may have held it at fork time and does not exist in the child) and drops the
 * parent's pending count (the parent reports it). st_log_configure also re-initialises
 * when getpid() changed, for children created without running atfork handlers. The
 * inherited descriptor stays usable (O_APPEND), and a reconfigure in the child closes
 * only the child's copy. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define LOG_LINE_MAX 8192
#define LOG_FIELDS_MAX 4096
#define LOG_MESSAGE_MAX 2048
#define LOG_COLLAPSE_MS 1000

static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_once_t log_once = PTHREAD_ONCE_INIT;
static atomic_int log_level = ST_LOG_WARNING;

/* Guarded by log_mu. */
static int log_fd = STDERR_FILENO;
static bool log_own_fd;
static pid_t log_pid;
static struct {
    bool active; /* a message is tracked */
    st_log_level level;
    char message[256];       /* longer messages are never collapsed */
    int64_t window_start_ms; /* monotonic time of the last written line */
    uint64_t repeated;       /* suppressed since then */
    int64_t last_wall_ms;    /* time of the last suppressed one */
    char last_fields[LOG_FIELDS_MAX];
} pend;

static void on_fork_child(void)
{
    pthread_mutex_init(&log_mu, NULL);
    pend.active = false;
    pend.repeated = 0;
    log_pid = getpid();
}

static void log_init_once(void)
{
    log_pid = getpid();
    pthread_atfork(NULL, NULL, on_fork_child);
}

const char *st_log_level_name(st_log_level level)
{
    switch (level) {
    case ST_LOG_DEBUG:
        return "debug";
    case ST_LOG_INFO:
        return "info";
    case ST_LOG_WARNING:
        return "warning";
    case ST_LOG_ERROR:
        return "error";
    case ST_LOG_OFF:
        return "off";
    }
    return "unknown";
}

bool st_log_enabled(st_log_level level)
{
    return level < ST_LOG_OFF &&
           (int)level >= atomic_load_explicit(&log_level, memory_order_relaxed);
}

/* --- line building ----------------------------------------------------------------- */

typedef struct lbuf {
    char *p;
    size_t len, cap;
} lbuf;

static void put(lbuf *b, const char *s, size_t n)
{
    if (n > b->cap - b->len)
        n = b->cap - b->len; /* callers size buffers so this never cuts in practice */
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void puts_(lbuf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 if invalid (overlong, surrogate,
 * beyond U+10FFFF, truncated). s is NUL-terminated so lookahead stops at the end. */
static size_t utf8_len(const unsigned char *s)
{
    unsigned char c = s[0];
    if (c < 0x80)
        return 1;
    size_t n;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* Append s as a JSON string, its escaped content at most `limit` bytes; a cut value
 * ends in "...". Invalid UTF-8 bytes become U+FFFD. */
static void put_json_str(lbuf *b, const char *s, size_t limit)
{
    put(b, "\"", 1);
    size_t start = b->len;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        char tmp[8];
        const char *piece = tmp;
        size_t plen, adv;
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            tmp[0] = '\\';
            tmp[1] = (char)c;
            plen = 2;
            adv = 1;
        } else if (c < 0x20 || c == 0x7f) {
            switch (c) {
            case '\n':
                piece = "\\n";
                plen = 2;
                break;
            case '\r':
                piece = "\\r";
                plen = 2;
                break;
            case '\t':
                piece = "\\t";
                plen = 2;
                break;
            default:
                plen = (size_t)snprintf(tmp, sizeof(tmp), "\\u%04x", c);
                break;
            }
            adv = 1;
        } else if (c < 0x80) {
            tmp[0] = (char)c;
            plen = 1;
            adv = 1;
        } else if ((adv = utf8_len(p)) != 0) {
            piece = (const char *)p;
            plen = adv;
        } else {
            piece = "\xef\xbf\xbd"; /* U+FFFD */
            plen = 3;
            adv = 1;
        }
        /* Keep room for "..." and the closing quote. */
        if (b->len - start + plen > limit || b->len + plen + 4 > b->cap) {
            puts_(b, "...");
            break;
        }
        put(b, piece, plen);
        p += adv;
    }
    put(b, "\"", 1);
}

/* ,"k":"v" pairs from the NULL-terminated key/value list; a NULL value is JSON null. */
static size_t format_fields(char *out, size_t cap, va_list ap)
{
    lbuf b = {out, 0, cap};
    const char *key;
    while ((key = va_arg(ap, const char *)) != NULL) {
        const char *val = va_arg(ap, const char *);
        if (b.cap - b.len < 32)
            continue; /* full: drop the remaining fields, keep consuming varargs */
        size_t before = b.len;
        put(&b, ",", 1);
        put_json_str(&b, key, 64);
        put(&b, ":", 1);
        if (val) {
            size_t room = b.cap - b.len;
            put_json_str(&b, val, room > 16 ? room - 16 : 0);
        } else {
            puts_(&b, "null");
        }
        if (b.len >= b.cap - 1)
            b.len = before; /* did not fit whole: drop it rather than emit broken JSON */
    }
    return b.len;
}

/* One whole line in one write(): lines from two threads or processes never interleave. */
static void write_line(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(log_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return; /* nowhere to report a logging failure */
        p += w;
        n -= (size_t)w;
    }
}

static void emit(st_log_level level, const char *message, const char *fields, size_t fields_len,
                 int64_t wall_ms, uint64_t repeated)
{
    char line[LOG_LINE_MAX];
    lbuf b = {line, 0, sizeof(line)};
    char ts[32], num[48];
    st_format_rfc3339(wall_ms, ts);
    puts_(&b, "{\"time\":\"");
    puts_(&b, ts);
    puts_(&b, "\",\"level\":\"");
    puts_(&b, st_log_level_name(level));
    puts_(&b, "\",\"message\":");
    put_json_str(&b, message, LOG_MESSAGE_MAX);
    snprintf(num, sizeof(num), ",\"pid\":%ld", (long)getpid());
    puts_(&b, num);
    put(&b, fields, fields_len); /* bounded: LOG_FIELDS_MAX + the rest < LOG_LINE_MAX */
    if (repeated) {
        snprintf(num, sizeof(num), ",\"repeated\":%llu", (unsigned long long)repeated);
        puts_(&b, num);
    }
    put(&b, "}\n", 2);
    write_line(line, b.len);
}

/* Caller holds log_mu. */
static void emit_pending(void)
{
    if (pend.active && pend.repeated > 0)
        emit(pend.level, pend.message, pend.last_fields, strlen(pend.last_fields),
             pend.last_wall_ms, pend.repeated);
    pend.repeated = 0;
}

void st_log(st_log_level level, const char *message, ...)
{
    if (!st_log_enabled(level) || !message)
        return;
    pthread_once(&log_once, log_init_once);

    char fields[LOG_FIELDS_MAX];
    va_list ap;
    va_start(ap, message);
    size_t flen = format_fields(fields, sizeof(fields) - 1, ap);
    va_end(ap);
    fields[flen] = '\0';

    int64_t mono = st_now_mono_ms(), wall = st_now_wall_ms();
    pthread_mutex_lock(&log_mu);
    bool same = pend.active && pend.level == level && strcmp(pend.message, message) == 0;
    if (same && mono - pend.window_start_ms < LOG_COLLAPSE_MS) {
        pend.repeated++;
        pend.last_wall_ms = wall;
        memcpy(pend.last_fields, fields, flen + 1);
        pthread_mutex_unlock(&log_mu);
        return;
    }
    emit_pending();
    emit(level, message, fields, flen, wall, 0);
    if (strlen(message) < sizeof(pend.message)) {
        pend.active = true;
        pend.level = level;
        st_strlcpy(pend.message, message, sizeof(pend.message));
        pend.window_start_ms = mono;
    } else {
        pend.active = false;
    }
    pthread_mutex_unlock(&log_mu);
}

void st_log_flush(void)
{
    pthread_once(&log_once, log_init_once);
    pthread_mutex_lock(&log_mu);
    emit_pending();
    pthread_mutex_unlock(&log_mu);
}

void st_log_configure(st_log_level level, const char *path)
{
    pthread_once(&log_once, log_init_once);
    pid_t me = getpid();
    if (me != log_pid)
        on_fork_child(); /* forked without atfork handlers: the mutex may be stale */

    pthread_mutex_lock(&log_mu);
    emit_pending(); /* to the old destination */
    pend.active = false;
    if (log_own_fd)
        close(log_fd);
    log_fd = STDERR_FILENO;
    log_own_fd = false;
    int open_errno = 0;
    if (path && *path) {
        int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd >= 0) {
            log_fd = fd;
            log_own_fd = true;
        } else {
            open_errno = errno;
        }
    }
    atomic_store_explicit(&log_level, (int)level, memory_order_relaxed);
    pthread_mutex_unlock(&log_mu);

    if (open_errno && level < ST_LOG_OFF)
        st_log(ST_LOG_ERROR, "cannot open log file, logging to stderr", "path", path, "error",
               strerror(open_errno), NULL);
}
