/* Event id normalization and generation (src/core/eventid.c). */
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "eventid.h"

static bool is_id(const char *s)
{
    if (strlen(s) != 32)
        return false;
    for (int i = 0; i < 32; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static bool norm(const char *in, char out[33])
{
    return st_event_id_normalize(in, strlen(in), out);
}

TEST(valid_ids_are_lowercased)
{
    char out[33];
    CHECK(norm("FC6D8C0C43FC4630AD850EE518F1B9D0", out));
    CHECK_STR(out, "fc6d8c0c43fc4630ad850ee518f1b9d0");
    CHECK(norm("fc6d8c0c-43fc-4630-ad85-0ee518f1b9d0", out));
    CHECK_STR(out, "fc6d8c0c43fc4630ad850ee518f1b9d0");
    CHECK(norm("Fc6d8c0c-43Fc-4630-aD85-0ee518f1B9d0", out));
    CHECK_STR(out, "fc6d8c0c43fc4630ad850ee518f1b9d0");
    /* Counted input: bytes past len are not read. */
    CHECK(st_event_id_normalize("00000000000000000000000000000001ZZZ", 32, out));
    CHECK_STR(out, "00000000000000000000000000000001");
}

TEST(invalid_ids_are_hashed_deterministically)
{
    const char *bad[] = {"",
                         "abc",
                         "fc6d8c0c43fc4630ad850ee518f1b9d",   /* 31 */
                         "fc6d8c0c43fc4630ad850ee518f1b9d00", /* 33 */
                         "gc6d8c0c43fc4630ad850ee518f1b9d0",
                         "12345",
                         "my-event",
                         "fc6d8c0c 43fc4630ad850ee518f1b9d0"};
    char seen[sizeof(bad) / sizeof(bad[0])][33];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char a[33], b[33];
        CHECK(!norm(bad[i], a));
        CHECK(is_id(a));
        CHECK(!norm(bad[i], b));
        CHECK_STR(a, b);
        memcpy(seen[i], a, 33);
        for (size_t j = 0; j < i; j++)
            CHECK(strcmp(seen[i], seen[j]) != 0);
    }
    char out[33];
    CHECK(!st_event_id_normalize(NULL, 0, out));
    CHECK(is_id(out));
}

TEST(hash_is_stable_across_versions)
{
    /* Pinned: changing the hash would give a retried event a new id. */
    char out[33];
    CHECK(!norm("abc", out));
    CHECK_STR(out, "99145c3af4ff54ae47d438010c5cb98c");
    CHECK(!norm("", out));
    CHECK_STR(out, "0cb77e66eb993469a9700ab107d6fe28");
}

TEST(hash_depends_on_every_byte)
{
    char a[33], b[33];
    norm("event-1", a);
    norm("event-2", b);
    CHECK(strcmp(a, b) != 0);
    /* Dashes are significant for invalid input (the raw bytes are hashed). */
    norm("ab-c", b);
    norm("abc", a);
    CHECK(strcmp(a, b) != 0);
    /* Embedded NULs are input too. */
    CHECK(!st_event_id_normalize("a\0b", 3, a));
    CHECK(!st_event_id_normalize("a\0c", 3, b));
    CHECK(strcmp(a, b) != 0);
}

static int cmp_ids(const void *a, const void *b)
{
    return memcmp(a, b, 33);
}

TEST(generated_ids_are_uuid4_shaped_and_unique)
{
    enum { N = 20000 };
    char(*ids)[33] = malloc(sizeof(*ids) * N);
    CHECK(ids != NULL);
    if (!ids)
        return;
    for (int i = 0; i < N; i++) {
        st_event_id_generate(ids[i]);
        CHECK(is_id(ids[i]));
        CHECK(ids[i][12] == '4');
        CHECK(strchr("89ab", ids[i][16]) != NULL);
    }
    qsort(ids, N, 33, cmp_ids);
    int dups = 0;
    for (int i = 1; i < N; i++)
        dups += memcmp(ids[i - 1], ids[i], 33) == 0;
    CHECK(dups == 0);
    char again[33];
    CHECK(norm(ids[0], again));
    CHECK_STR(again, ids[0]);
    free(ids);
}

TEST(fork_child_gets_a_different_stream)
{
    char warm[33];
    st_event_id_generate(warm); /* parent state exists before the fork */
    int fds[2];
    CHECK(pipe(fds) == 0);
    pid_t pid = fork();
    if (pid == 0) {
        char id[33];
        st_event_id_generate(id);
        ssize_t w = write(fds[1], id, 33);
        _exit(w == 33 ? 0 : 1);
    }
    CHECK(pid > 0);
    char child[33] = "", mine[33];
    st_event_id_generate(mine);
    CHECK(read(fds[0], child, 33) == 33);
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(is_id(child));
    CHECK(strcmp(child, mine) != 0);
    close(fds[0]);
    close(fds[1]);
}

TEST(generation_is_cheap)
{
    enum { N = 1000000 };
    char id[33];
    struct timespec a, b;
    unsigned x = 0;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < N; i++) {
        st_event_id_generate(id);
        x += (unsigned char)id[0];
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / N;
    printf("     st_event_id_generate: %.1f ns/id (%u)\n", ns, x % 2);
    /* Under valgrind (make test VALGRIND=1, which preloads vgpreload_*.so) time is
     * meaningless: only correctness is checked there. */
    const char *preload = getenv("LD_PRELOAD");
    if (preload && strstr(preload, "vgpreload"))
        return;
#if defined(__has_feature)
#if __has_feature(thread_sanitizer) /* make test TSAN=1: every access is instrumented */
    return;
#endif
#endif
    /* ~20 ns on a quiet machine; the bounds leave room for a loaded CI box and for
     * sanitizers, yet a lock or an OS call per id would break them. */
#if defined(__SANITIZE_ADDRESS__)
    CHECK(ns < 1500.0);
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    CHECK(ns < 1500.0);
#else
    CHECK(ns < 250.0);
#endif
#else
    CHECK(ns < 250.0);
#endif
}

int main(void)
{
    RUN(valid_ids_are_lowercased);
    RUN(invalid_ids_are_hashed_deterministically);
    RUN(hash_is_stable_across_versions);
    RUN(hash_depends_on_every_byte);
    RUN(generated_ids_are_uuid4_shaped_and_unique);
    RUN(fork_child_gets_a_different_stream);
    RUN(generation_is_cheap);
    CHECK_DONE();
}
