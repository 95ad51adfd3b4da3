/* What deadletter.c (the files) and deadletter_open.c (the directory) share. */
#ifndef ST_DEADLETTER_PRIVATE_H
#define ST_DEADLETTER_PRIVATE_H

#include "deadletter.h"

#include <limits.h>
#include <stdint.h>

struct st_deadletter {
    int dirfd; /* every operation is relative to it (openat, linkat, unlinkat, fstatat) */
    uint32_t max_files;
    uint64_t max_bytes;
    char path[PATH_MAX];
};

#endif
