/* Test-only shim for running the ASan-built extension inside Debian's (uninstrumented)
 * PHP: PHP dlopen()s extensions with RTLD_DEEPBIND, which the sanitizer runtime refuses.
 * Preloaded after the ASan runtime, this drops that one flag and defers to the real
 * dlopen. Never part of the extension. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>

void *dlopen(const char *file, int mode)
{
    static void *(*real_dlopen)(const char *, int);
    if (!real_dlopen)
        real_dlopen = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
    return real_dlopen(file, mode & ~RTLD_DEEPBIND);
}
