/* The php.ini surface of sentry_transport: registration of the sentry_transport.* keys
 * and their translation into the plain C st_config the core runs on.
 * Runs on PHP's thread only (MINIT). */
#ifndef ST_PHP_INI_H
#define ST_PHP_INI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Included by relative path on purpose: "config.h" alone would find the autoconf
 * config.h of the phpize build first. */
#include "../core/config.h"

/* Register / unregister the sentry_transport.* entries. Call from PHP_MINIT /
 * PHP_MSHUTDOWN with their own `type` and `module_number` parameters. */
void st_php_ini_register(int type, int module_number);
void st_php_ini_unregister(int type, int module_number);

/* Build the effective configuration: st_config_defaults(), then every php.ini string
 * parsed and range-checked; empty dsn / environment / release / sample_rate are taken
 * from SENTRY_DSN / SENTRY_ENVIRONMENT / SENTRY_RELEASE / SENTRY_SAMPLE_RATE, an empty
 * server_name from gethostname(). A bad value keeps its default; when `warn` is true it
 * also raises one E_WARNING naming the key (secrets are never echoed). */
void st_php_config_load(st_config *out, bool warn);

/* Human formatting shared with phpinfo(): 30000 → "30s", 1500 → "1500ms";
 * 16777216 → "16M", 65536 → "64K", 1000 → "1000". */
void st_php_format_duration(int64_t ms, char *buf, size_t size);
void st_php_format_size(uint64_t bytes, char *buf, size_t size);

#endif
