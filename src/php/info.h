/* phpinfo() / `php --ri sentry_transport` output. Runs on PHP's thread only. */
#ifndef ST_PHP_INFO_H
#define ST_PHP_INFO_H

#include "../core/config.h"

/* Print the module's phpinfo() tables: version, library versions, status and every
 * setting as effectively configured, with secrets masked (the DSN without its secret,
 * proxy credentials and proxy_auth as "****"). `status_error` is the reason the transport
 * is unavailable, or NULL/"" when it is fine. Ends by calling st_php_info_live().
 * DISPLAY_INI_ENTRIES() is deliberately not used: it would print the raw DSN. */
void st_php_info_print(const st_config *cfg, const char *status_error);

/* Live state (queue, drainer, rate limits), implemented in src/php/sentry_transport.c.
 * Called after the settings table has been closed: it must open and close its own
 * table(s) with php_info_print_table_start()/..._end(). */
void st_php_info_live(void);

#endif
