/* Minimal unit-test harness for src/core: each test_*.c defines tests with TEST()
 * and lists them in main via RUN(); the binary prints "N passed, N failed". */
#ifndef ST_CHECK_H
#define ST_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures_in_test;
static int tests_passed, tests_failed;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);             \
            check_failures_in_test++;                                                              \
        }                                                                                          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *check_a_ = (a), *check_b_ = (b);                                               \
        if (strcmp(check_a_, check_b_) != 0) {                                                     \
            fprintf(stderr, "  %s:%d: \"%s\" != \"%s\"\n", __FILE__, __LINE__, check_a_,           \
                    check_b_);                                                                     \
            check_failures_in_test++;                                                              \
        }                                                                                          \
    } while (0)

#define TEST(name) static void name(void)

#define RUN(name)                                                                                  \
    do {                                                                                           \
        check_failures_in_test = 0;                                                                \
        name();                                                                                    \
        if (check_failures_in_test) {                                                              \
            tests_failed++;                                                                        \
            fprintf(stderr, "FAIL %s\n", #name);                                                   \
        } else {                                                                                   \
            tests_passed++;                                                                        \
            printf("ok   %s\n", #name);                                                            \
        }                                                                                          \
    } while (0)

#define CHECK_DONE()                                                                               \
    do {                                                                                           \
        printf("%d passed, %d failed\n", tests_passed, tests_failed);                              \
        return tests_failed ? 1 : 0;                                                               \
    } while (0)

#endif
