/* Creating and attaching the shared mapping: naming, ownership and permission checks,
 * space reservation, and one-time initialisation serialised by flock. */
#include "log.h"
#include "queue.h"
#include "queue_layout.h"
#include "queue_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define ST_QUEUE_MIN_DATA (64u * 1024u)

static bool valid_queue_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return false;
    }
    return true;
}

static void read_boot_id(char out[40])
{
    memset(out, 0, 40);
    FILE *f = fopen("/proc/sys/kernel/random/boot_id", "re");
    if (!f)
        return;
    if (fgets(out, 40, f)) {
        char *nl = strchr(out, '\n');
        if (nl)
            *nl = '\0';
    }
    fclose(f);
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

/* What a creator killed while initialising leaves behind: init_state not READY, and our
 * magic (the header was being written), or no magic and nothing but the init words. The
 * creator holds the flock from its first write to the header until READY, and so does
 * the caller: that creator is dead, and nobody attached (that needs READY). */
static bool left_by_killed_creator(const st_queue_header *h)
{
    if (atomic_load(&h->init_state) == ST_INIT_READY)
        return false;
    if (h->magic == ST_QUEUE_MAGIC)
        return h->layout_version == 0 || h->layout_version == ST_QUEUE_LAYOUT_VERSION;
    size_t words = offsetof(st_queue_header, init_pid) + sizeof h->init_pid;
    return h->magic == 0 && h->layout_version == 0 &&
           all_zero((const uint8_t *)h + words, sizeof *h - words);
}

/* Lock words from another boot describe threads that no longer exist: make new ones.
 * Records stay; whatever was in flight is reclaimed by the next elected drainer. */
static int adopt_after_reboot(st_queue_header *h, const char *boot_id)
{
    /* The lease's heartbeat is CLOCK_MONOTONIC of the old boot: reset with its tokens. */
    int rc = st_queue_robust_mutex_init(&h->lock);
    if (rc == 0)
        rc = st_queue_lease_init(h);
    atomic_store(&h->drainer_pid, 0);
    atomic_store(&h->drainer_sleeping, 0);
    memcpy(h->boot_id, boot_id, sizeof h->boot_id);
    return rc;
}

static int open_object(const st_queue_options *opts, char *location, size_t loclen, bool *created,
                       char *err, size_t errlen)
{
    bool use_file = opts->path && opts->path[0];
    int flags = O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
    int fd;
    if (use_file) {
        st_strlcpy(location, opts->path, loclen);
        fd = open(location, flags, 0600);
        *created = fd >= 0;
        if (fd < 0 && errno == EEXIST)
            fd = open(location, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    } else {
        if (!opts->name || !valid_queue_name(opts->name)) {
            snprintf(err, errlen, "invalid queue name (expected 1-32 of [A-Za-z0-9_.-])");
            return -1;
        }
        snprintf(location, loclen, "/sentry_transport.v%u.%u.%s", ST_QUEUE_LAYOUT_VERSION,
                 (unsigned)geteuid(), opts->name);
        fd = shm_open(location, flags, 0600);
        *created = fd >= 0;
        if (fd < 0 && errno == EEXIST)
            fd = shm_open(location, O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
    }
    if (fd >= 0 && *created)
        (void)fchmod(fd, 0600); /* whatever the umask took away: every process needs rw */
    if (fd < 0) {
        if (errno == ELOOP)
            snprintf(err, errlen, "queue %s is a symlink: refused", location);
        else
            snprintf(err, errlen, "cannot open queue %s: %s", location, strerror(errno));
    }
    return fd;
}

static int check_owner(int fd, const char *location, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat queue %s: %s", location, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "queue %s is not a regular file: refused", location);
        return -1;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, errlen, "queue %s is owned by uid %u, not %u: refused", location,
                 (unsigned)st.st_uid, (unsigned)geteuid());
        return -1;
    }
    if (st.st_mode & 077) {
        snprintf(err, errlen, "queue %s has permissions %03o, expected 0600: refused", location,
                 (unsigned)(st.st_mode & 0777));
        return -1;
    }
    return 0;
}

int st_queue_map_open(const st_queue_options *opts, st_queue_header **hdr_out, size_t *map_size,
                      char *location, size_t loclen, char *err, size_t errlen)
{
    bool created = false;
    int fd = open_object(opts, location, loclen, &created, err, errlen);
    if (fd < 0)
        return -1;
    if (check_owner(fd, location, err, errlen) != 0) {
        close(fd);
        return -1;
    }
    /* One process at a time sizes and initialises; the lock dies with the fd. */
    if (flock(fd, LOCK_EX) != 0) {
        snprintf(err, errlen, "cannot lock queue %s: %s", location, strerror(errno));
        close(fd);
        return -1;
    }
    struct stat st;
    fstat(fd, &st);
    uint64_t size = (uint64_t)st.st_size;
    size_t min_size = sizeof(st_queue_header) + ST_QUEUE_MIN_DATA;
    if (size == 0) {
        size = opts->memory;
        if (size < min_size) {
            snprintf(err, errlen, "queue memory %llu is below the minimum %zu bytes",
                     (unsigned long long)size, min_size);
            goto fail;
        }
        /* Reserve the pages now: a full /dev/shm must fail here, not SIGBUS later. */
        int rc = posix_fallocate(fd, 0, (off_t)size);
        if (rc != 0) {
            /* Name the filesystem: shm_open's name hides that it lives in /dev/shm. */
            bool shm = !(opts->path && opts->path[0]);
            snprintf(err, errlen, "cannot reserve %llu bytes for queue %s%s: %s%s",
                     (unsigned long long)size, shm ? "/dev/shm" : "", location, strerror(rc),
                     rc == ENOSPC ? " (free space there, lower sentry_transport.queue.memory"
                                    " or set sentry_transport.queue.path)"
                                  : "");
            if (ftruncate(fd, 0) != 0) { /* leave it empty so the next try starts over */
            }
            goto fail;
        }
    } else if (size < min_size) {
        snprintf(err, errlen, "queue %s is too small (%llu bytes): refused", location,
                 (unsigned long long)size);
        goto fail;
    }
    void *map = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        snprintf(err, errlen, "cannot map queue %s: %s", location, strerror(errno));
        goto fail;
    }
    st_queue_header *h = map;
    char boot_id[40];
    read_boot_id(boot_id);
    bool fresh = h->magic == 0 && all_zero(h, sizeof *h);
    if (fresh || left_by_killed_creator(h)) {
        /* Initialised again rather than refused until someone removes the file. */
        if (!fresh)
            st_log(ST_LOG_WARNING,
                   "queue left half-initialised by a killed process: initialising it", "queue",
                   location, NULL);
        atomic_store(&h->init_state, ST_INIT_BUSY);
        atomic_store(&h->init_pid, (int32_t)getpid());
        uint32_t max_records = opts->max_records ? opts->max_records : 1000;
        if (st_queue_init_header(h, size, max_records) != 0) {
            snprintf(err, errlen, "cannot initialise the queue lock");
            munmap(map, (size_t)size);
            goto fail;
        }
        memcpy(h->boot_id, boot_id, sizeof h->boot_id);
        atomic_store(&h->init_state, ST_INIT_READY);
    } else if (h->magic != ST_QUEUE_MAGIC || h->layout_version != ST_QUEUE_LAYOUT_VERSION ||
               h->total_size != size || atomic_load(&h->init_state) != ST_INIT_READY) {
        snprintf(err, errlen, "queue %s has an unknown layout: refused (remove it to start over)",
                 location);
        munmap(map, (size_t)size);
        goto fail;
    } else if (strncmp(h->boot_id, boot_id, sizeof h->boot_id) != 0) {
        if (adopt_after_reboot(h, boot_id) != 0) {
            snprintf(err, errlen, "cannot initialise the queue lock");
            munmap(map, (size_t)size);
            goto fail;
        }
    }
    (void)created;
    flock(fd, LOCK_UN);
    close(fd);
    *hdr_out = h;
    *map_size = (size_t)size;
    return 0;
fail:
    flock(fd, LOCK_UN);
    close(fd);
    return -1;
}

void st_queue_map_close(st_queue_header *hdr, size_t map_size)
{
    if (hdr)
        munmap(hdr, map_size);
}
