/* sentry_transport: module entry, version and module globals.
 *
 * This header belongs to the Zend binding (src/php). It must never be included from
 * src/core, which is plain C and knows nothing of PHP (DESIGN.md §2). */
#ifndef PHP_SENTRY_TRANSPORT_H
#define PHP_SENTRY_TRANSPORT_H

#include "php.h"

extern zend_module_entry sentry_transport_module_entry;
#define phpext_sentry_transport_ptr &sentry_transport_module_entry

/* Must equal ST_VERSION in src/core/common.h and the release version in package.xml
 * (scripts/check-package-xml.php checks all three). */
#define PHP_SENTRY_TRANSPORT_VERSION "0.1.0"

#if defined(ZTS) && defined(COMPILE_DL_SENTRY_TRANSPORT)
ZEND_TSRMLS_CACHE_EXTERN()
#endif

/* The raw php.ini strings, as PHP stores them (OnUpdateString). They are parsed and
 * validated into a plain st_config by st_php_config_load() (src/php/ini.c); nothing but
 * ini.c should read them. One field per key: "sentry_transport.a.b" → ini_a_b. */
ZEND_BEGIN_MODULE_GLOBALS(sentry_transport)
    char *ini_enabled;
    char *ini_dsn;
    char *ini_environment;
    char *ini_release;
    char *ini_server_name;
    char *ini_sample_rate;
    char *ini_traces_sample_rate;
    char *ini_send_default_pii;
    char *ini_send_client_reports;
    char *ini_scrub_fields;
    char *ini_ignore_exceptions;
    char *ini_upstream_failure_threshold;

    char *ini_transport_timeout;
    char *ini_transport_connect_timeout;
    char *ini_transport_compression;
    char *ini_transport_ssl_verify;
    char *ini_transport_proxy;
    char *ini_transport_proxy_auth;
    char *ini_transport_ca_info;

    char *ini_retry_max_attempts;
    char *ini_retry_initial_backoff;
    char *ini_retry_backoff_multiplier;
    char *ini_retry_max_backoff;
    char *ini_retry_dead_letter_queue;
    char *ini_retry_dead_letter_path;
    char *ini_retry_dead_letter_max_files;
    char *ini_retry_dead_letter_max_bytes;

    char *ini_queue_buffer_size;
    char *ini_queue_workers;
    char *ini_queue_batch_size;
    char *ini_queue_batch_timeout;
    char *ini_queue_name;
    char *ini_queue_path;
    char *ini_queue_memory;
    char *ini_queue_drainer_stale_after;

    char *ini_shutdown_timeout;

    char *ini_logging_level;
    char *ini_logging_file;

    char *ini_max_breadcrumbs;
    char *ini_in_app_exclude;
    char *ini_context_lines;
    char *ini_capture_errors;
    char *ini_error_breadcrumbs;
ZEND_END_MODULE_GLOBALS(sentry_transport)

/* Defined once, with ZEND_DECLARE_MODULE_GLOBALS(sentry_transport), in
 * src/php/sentry_transport.c. */
ZEND_EXTERN_MODULE_GLOBALS(sentry_transport)

#define STG(v) ZEND_MODULE_GLOBALS_ACCESSOR(sentry_transport, v)

#endif /* PHP_SENTRY_TRANSPORT_H */
