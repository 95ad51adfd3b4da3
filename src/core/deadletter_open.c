/* Opening the dead-letter directory (deadletter.h): walked from "/" one component at a
 * time with openat, missing ones made 0700; the last ones must be private directories of
 * this user and not symbolic links. What is kept is the final descriptor, so a path swapped
 * after these checks cannot redirect a later write (deadletter.c). */
#include "deadletter_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int st_deadletter_default_path(char *out, size_t outlen)
{
    const char *tmp = getenv("TMPDIR");
    if (!tmp || tmp[0] != '/')
        tmp = "/tmp";
    size_t n = strlen(tmp);
    while (n > 1 && tmp[n - 1] == '/')
        n--;
    if (n == 1) /* TMPDIR=/ */
        n = 0;
    int w = snprintf(out, outlen, "%.*s/sentry_transport-%u/dead-letters", (int)n, tmp,
                     (unsigned)geteuid());
    return (w < 0 || (size_t)w >= outlen) ? -1 : 0;
}

/* The directory at `fd` (called `shown`) is ours alone: owned by the euid, no group/other
 * permissions. */
static int check_private_dir(int fd, const char *shown, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat dead-letter directory %s: %s", shown, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "refusing dead-letter directory %s: not a directory", shown);
        return -1;
    }
    if (st.st_uid != geteuid()) {
        snprintf(err, errlen,
                 "refusing dead-letter directory %s: owned by uid %u, not by this process's "
                 "effective uid %u",
                 shown, (unsigned)st.st_uid, (unsigned)geteuid());
        return -1;
    }
    if (st.st_mode & 077) {
        snprintf(err, errlen,
                 "refusing dead-letter directory %s: mode %04o gives group/other access "
                 "(chmod 700 it)",
                 shown, (unsigned)(st.st_mode & 07777));
        return -1;
    }
    return 0;
}

/* Walk `path` from "/", creating missing components 0700. The last `private_tail`
 * components are opened without following a symbolic link and must be private
 * directories. Returns the descriptor of the final directory, or -1 with err. */
static int open_path(const char *path, int private_tail, char *err, size_t errlen)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof buf) {
        snprintf(err, errlen, "dead-letter directory path is too long");
        return -1;
    }
    memcpy(buf, path, len + 1);

    /* Components, split in place ('/' → NUL); empty ones ("//") are skipped. */
    int ncomp = 0;
    for (size_t i = 0; i < len; i++) {
        if (buf[i] == '/')
            buf[i] = '\0';
        else if (i == 0 || buf[i - 1] == '\0')
            ncomp++;
    }
    char *cursor = buf;
    char *const end = buf + len;
    int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open /: %s", strerror(errno));
        return -1;
    }
    char shown[PATH_MAX] = "";
    size_t shown_len = 0;
    for (int i = 0; i < ncomp; i++) {
        while (cursor < end && !*cursor)
            cursor++;
        const char *c = cursor;
        cursor += strlen(cursor);
        int w = snprintf(shown + shown_len, sizeof shown - shown_len, "/%s", c);
        if (w > 0)
            shown_len += (size_t)w;
        bool private_dir = i >= ncomp - private_tail;
        bool created = mkdirat(fd, c, 0700) == 0;
        if (!created && errno != EEXIST) {
            int e = errno;
            struct stat st;
            if (fstatat(fd, c, &st, 0) != 0) { /* not there and cannot be made */
                snprintf(err, errlen, "cannot create dead-letter directory %s: %s", shown,
                         strerror(e));
                close(fd);
                return -1;
            }
        }
        if (private_dir) {
            struct stat st;
            if (fstatat(fd, c, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
                snprintf(err, errlen, "refusing dead-letter directory %s: it is a symbolic link",
                         shown);
                close(fd);
                return -1;
            }
        }
        int next =
            openat(fd, c, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (private_dir ? O_NOFOLLOW : 0));
        if (next < 0) {
            int e = errno;
            if (private_dir && e == ELOOP)
                snprintf(err, errlen, "refusing dead-letter directory %s: it is a symbolic link",
                         shown);
            else if (e == ENOTDIR)
                snprintf(err, errlen, "refusing dead-letter directory %s: not a directory", shown);
            else
                snprintf(err, errlen, "cannot open dead-letter directory %s: %s", shown,
                         strerror(e));
            close(fd);
            return -1;
        }
        close(fd);
        fd = next;
        if (created)
            (void)fchmod(fd, 0700); /* whatever the umask took away */
        if (private_dir && check_private_dir(fd, shown, err, errlen) != 0) {
            close(fd);
            return -1;
        }
    }
    if (ncomp == 0 && check_private_dir(fd, "/", err, errlen) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int st_deadletter_open(const char *path, uint32_t max_files, uint64_t max_bytes,
                       st_deadletter **out, char *err, size_t errlen)
{
    *out = NULL;
    st_deadletter *dl = calloc(1, sizeof *dl);
    if (!dl) {
        snprintf(err, errlen, "out of memory");
        return ST_ERR;
    }
    int private_tail = 1;
    if (!path || !path[0]) {
        if (st_deadletter_default_path(dl->path, sizeof dl->path) != 0) {
            snprintf(err, errlen, "default dead-letter directory path is too long (TMPDIR)");
            free(dl);
            return ST_ERR;
        }
        private_tail = 2; /* sentry_transport-<euid> sits in a shared /tmp: check it too */
    } else if (path[0] != '/') {
        snprintf(err, errlen, "dead-letter directory must be an absolute path");
        free(dl);
        return ST_ERR;
    } else if (st_strlcpy(dl->path, path, sizeof dl->path) >= sizeof dl->path) {
        snprintf(err, errlen, "dead-letter directory path is too long");
        free(dl);
        return ST_ERR;
    }
    size_t n = strlen(dl->path);
    while (n > 1 && dl->path[n - 1] == '/')
        dl->path[--n] = '\0';
    dl->dirfd = open_path(dl->path, private_tail, err, errlen);
    if (dl->dirfd < 0) {
        free(dl);
        return ST_ERR;
    }
    dl->max_files = max_files;
    dl->max_bytes = max_bytes;
    *out = dl;
    return ST_OK;
}

void st_deadletter_close(st_deadletter *dl)
{
    if (!dl)
        return;
    close(dl->dirfd);
    free(dl);
}

const char *st_deadletter_path(const st_deadletter *dl)
{
    return dl->path;
}
