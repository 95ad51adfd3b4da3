/* Automatic capture from php.ini alone (issue #9): sentry_transport.capture_errors reports
 * uncaught exceptions (mechanism handled=false) and fatal errors (level fatal);
 * sentry_transport.error_breadcrumbs turns warnings and notices into breadcrumbs. Both
 * chain to the zend_error_cb and zend_throw_exception_hook found at MINIT (PHP's, or
 * another extension's) and never replace an application's handlers: an error that an
 * error handler of the application handled never reaches zend_error_cb, and an exception
 * given to an exception handler (set_exception_handler) is the application's to report.
 * PHP's thread only. */
#ifndef ST_PHP_AUTOCAPTURE_H
#define ST_PHP_AUTOCAPTURE_H

#include "../core/config.h"

void st_autocapture_minit(const st_config *cfg);
void st_autocapture_mshutdown(void);
/* Request end: forget the request's last exception and fatal. */
void st_autocapture_rshutdown(void);

#endif
