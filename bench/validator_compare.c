/* bench/validator_compare.sh helper: st_json_scan_object (the validating scan sendEvent runs,
 * without the policy walk) over one JSON file, ITERATIONS times. Under callgrind with
 * --toggle-collect=scan_once it gives instructions per scan; alone, ns per scan.
 *   validator_compare_ours FILE ITERATIONS */
#include "jsonscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* the keys st_envelope_build_event asks for */
static const char *const keys[] = {"event_id",    "timestamp", "platform",    "level", "sdk",
                                   "environment", "release",   "server_name", "type"};
enum { NKEYS = sizeof keys / sizeof keys[0] };

__attribute__((noinline)) int scan_once(const char *buf, size_t len)
{
    st_span values[NKEYS];
    st_json_object_info info;
    const char *err;
    return st_json_scan_object(buf, len, ST_MAX_JSON_DEPTH, keys, NKEYS, values, &info, &err) == 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    static char buf[1 << 20];
    FILE *f = fopen(argv[1], "rb");
    if (!f)
        return 1;
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    int n = atoi(argv[2]), ok = 0;
    double t[5];
    for (int r = 0; r < 5; r++) {
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (int i = 0; i < n; i++)
            ok += scan_once(buf, len);
        clock_gettime(CLOCK_MONOTONIC, &b);
        t[r] = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / n;
    }
    qsort(t, 5, sizeof t[0], cmp);
    printf("ours: %zu bytes, valid %d of %d, median %.0f ns/scan\n", len, ok, 5 * n, t[2]);
    return ok == 5 * n ? 0 : 1;
}
