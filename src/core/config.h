/* The plain C configuration the core runs on. Filled on PHP's thread from php.ini,
 * then copied by value to the background thread: no pointers into PHP memory. */
#ifndef ST_CONFIG_H
#define ST_CONFIG_H

#include "common.h"

typedef enum st_log_level {
    ST_LOG_DEBUG = 0,
    ST_LOG_INFO = 1,
    ST_LOG_WARNING = 2,
    ST_LOG_ERROR = 3,
    ST_LOG_OFF = 4,
} st_log_level;

typedef struct st_config {
    bool enabled;
    char dsn[1024];
    char environment[256];
    char release[256];
    char server_name[256];
    double sample_rate;        /* errors kept, 0..1 */
    double traces_sample_rate; /* transactions kept, 0..1 */
    bool send_default_pii;
    bool send_client_reports;
    char scrub_fields[1024];      /* comma-separated; "none": no scrubbing */
    char ignore_exceptions[2048]; /* comma-separated class names or message substrings */
    uint32_t failure_threshold;   /* upstream.failure_threshold: failures that open the circuit */

    /* transport.* */
    int64_t timeout_ms;
    int64_t connect_timeout_ms;
    bool compression;
    bool ssl_verify;
    char proxy[1024];
    char proxy_auth[512]; /* "user:password" — a secret */
    char ca_info[1024];

    /* retry.* */
    int max_attempts;
    int64_t initial_backoff_ms;
    double backoff_multiplier;
    int64_t max_backoff_ms;
    bool dead_letter_queue;
    char dead_letter_path[1024];
    uint32_t dead_letter_max_files; /* dead letters kept; the oldest are pruned beyond */
    uint64_t dead_letter_max_bytes; /* bytes of dead letters kept; likewise */

    /* queue.* */
    int buffer_size; /* max records queued */
    int workers;     /* transfers in flight */
    int batch_size;  /* records taken per lock by the drainer */
    int64_t batch_timeout_ms;
    char queue_name[64];
    char queue_path[1024]; /* empty: shm_open name */
    uint64_t queue_memory; /* bytes of the shared mapping */
    /* queue.drainer_stale_after: a drainer silent this long (stopped, frozen, traced) is
     * replaced by another process's thread (issue 11.1). */
    int64_t drainer_stale_after_ms;

    int64_t shutdown_timeout_ms;

    /* logging.* */
    st_log_level log_level;
    char log_file[1024]; /* empty: stderr */

    /* captureException & co. (issue #9) */
    int max_breadcrumbs;       /* breadcrumbs kept in the scope, oldest dropped */
    char in_app_exclude[1024]; /* comma-separated path substrings: frames not in_app */
    int context_lines;         /* source lines around each frame's line; 0: none */
    bool capture_errors;       /* report uncaught exceptions and fatal errors */
    bool error_breadcrumbs;    /* warnings and notices become breadcrumbs */
} st_config;

/* Defaults of the seed plugin (000_…): timeout 30s, connect 10s, compression on, … */
void st_config_defaults(st_config *c);

/* Value parsers for php.ini strings. Each returns 0 and writes *out, or -1 for a bad
 * value (and leaves *out untouched). Surrounding spaces are ignored. */
/* "30s", "500ms", "2m", "1h", "1.5" (plain number = seconds); negatives are bad. */
int st_parse_duration_ms(const char *s, int64_t *out);
/* "16M", "512K", "1G", "1048576" (bytes); case-insensitive, optional trailing "B". */
int st_parse_size(const char *s, uint64_t *out);
/* "1"/"0", "on"/"off", "true"/"false", "yes"/"no", "" (= false); case-insensitive. */
int st_parse_bool(const char *s, bool *out);
/* "debug" "info" "warning"/"warn" "error" "off"/"none"; case-insensitive. */
int st_parse_log_level(const char *s, st_log_level *out);
/* Integer within [min, max]. */
int st_parse_int_range(const char *s, long min, long max, long *out);
/* Decimal number within [min, max]. */
int st_parse_double_range(const char *s, double min, double max, double *out);

#endif
