/* Automatic capture from php.ini (see autocapture.h). */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "php.h"
#include "zend_exceptions.h"

#include "autocapture.h"
#include "capture.h"
#include "process.h"
#include "scope.h"

#define FATAL_TYPES                                                                                \
    (E_ERROR | E_PARSE | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR | E_RECOVERABLE_ERROR)
#define CRUMB_TYPES                                                                                \
    (E_WARNING | E_NOTICE | E_CORE_WARNING | E_COMPILE_WARNING | E_USER_WARNING | E_USER_NOTICE |  \
     E_DEPRECATED | E_USER_DEPRECATED)

static void (*prev_error_cb)(int type, zend_string *file, const uint32_t line,
                             zend_string *message);
static void (*prev_throw_hook)(zend_object *ex);
static bool installed, capture_errors, error_breadcrumbs;

/* The exception thrown last: not referenced (its lifetime stays the application's), so
 * it is only used when it is still that same live object (see last_exception()). */
static zend_object *last_ex;
static uint32_t last_handle;
static bool reported; /* one fatal report per request */

static void throw_hook(zend_object *ex)
{
    if (ex) {
        last_ex = ex;
        last_handle = ex->handle;
    }
    if (prev_throw_hook)
        prev_throw_hook(ex);
}

/* The last thrown exception, if it is still alive and is the one PHP reports at
 * file:line (zend_exception_error reports an uncaught exception at its own file:line). */
static zend_object *last_exception(zend_string *file, uint32_t line)
{
    if (!last_ex || last_handle >= EG(objects_store).top ||
        EG(objects_store).object_buckets[last_handle] != last_ex || !IS_OBJ_VALID(last_ex) ||
        !instanceof_function(last_ex->ce, zend_ce_throwable))
        return NULL;
    zend_class_entry *base =
        instanceof_function(last_ex->ce, zend_ce_exception) ? zend_ce_exception : zend_ce_error;
    zval rv1, rv2;
    zval *f = zend_read_property_ex(base, last_ex, ZSTR_KNOWN(ZEND_STR_FILE), 1, &rv1);
    zval *l = zend_read_property_ex(base, last_ex, ZSTR_KNOWN(ZEND_STR_LINE), 1, &rv2);
    ZVAL_DEREF(f);
    ZVAL_DEREF(l);
    if (!file || Z_TYPE_P(f) != IS_STRING || !zend_string_equals(Z_STR_P(f), file) ||
        Z_TYPE_P(l) != IS_LONG || Z_LVAL_P(l) != (zend_long)line)
        return NULL;
    return last_ex;
}

static void report_fatal(int type, zend_string *file, uint32_t line, zend_string *message)
{
    if (reported || st_process_unavailable_reason())
        return;
    reported = true;
    zend_object *ex = NULL;
    /* zend_exception_error(): "Uncaught …" for a Throwable, the bare message for a
     * ParseError / CompileError. */
    if ((type & E_ALL) == E_ERROR || (type & E_ALL) == E_PARSE || (type & E_ALL) == E_COMPILE_ERROR)
        ex = last_exception(file, line);
    if (ex && (type & E_ALL) == E_ERROR &&
        !(ZSTR_LEN(message) >= 9 && memcmp(ZSTR_VAL(message), "Uncaught ", 9) == 0))
        ex = NULL;
    if (ex) {
        st_capture_exception(ex, NULL, ST_CAPTURE_UNCAUGHT,
                             (type & E_ALL) == E_ERROR ? "error" : "fatal", NULL);
        return;
    }
    st_capture_fatal(type, file ? ZSTR_VAL(file) : NULL, file ? ZSTR_LEN(file) : 0, line,
                     ZSTR_VAL(message), ZSTR_LEN(message));
}

static void add_crumb(int type, zend_string *file, uint32_t line, zend_string *message)
{
    int t = type & E_ALL;
    const char *level = (t & (E_WARNING | E_CORE_WARNING | E_COMPILE_WARNING | E_USER_WARNING))
                            ? "warning"
                            : "info";
    zval data;
    array_init_size(&data, 2);
    if (file)
        add_assoc_str(&data, "file", zend_string_copy(file));
    add_assoc_long(&data, "line", (zend_long)line);
    st_scope_add_breadcrumb("php.error", 9, ZSTR_VAL(message), ZSTR_LEN(message), level,
                            Z_ARRVAL(data));
    zval_ptr_dtor(&data);
}

static void error_cb(int type, zend_string *file, const uint32_t line, zend_string *message)
{
    int t = type & E_ALL;
    if (capture_errors && (t & FATAL_TYPES))
        report_fatal(type, file, line, message);
    else if (error_breadcrumbs && (t & CRUMB_TYPES) && (EG(error_reporting) & t))
        add_crumb(type, file, line, message);
    prev_error_cb(type, file, line, message);
}

void st_autocapture_minit(const st_config *cfg)
{
    capture_errors = cfg->capture_errors;
    error_breadcrumbs = cfg->error_breadcrumbs;
    if (!capture_errors && !error_breadcrumbs)
        return;
    prev_error_cb = zend_error_cb;
    zend_error_cb = error_cb;
    if (capture_errors) {
        prev_throw_hook = zend_throw_exception_hook;
        zend_throw_exception_hook = throw_hook;
    }
    installed = true;
}

void st_autocapture_mshutdown(void)
{
    if (!installed)
        return;
    if (zend_error_cb == error_cb)
        zend_error_cb = prev_error_cb;
    if (capture_errors && zend_throw_exception_hook == throw_hook)
        zend_throw_exception_hook = prev_throw_hook;
    installed = false;
}

void st_autocapture_rshutdown(void)
{
    last_ex = NULL;
    reported = false;
}
