/* captureException / captureMessage / addBreadcrumb / configureScope / clearScope, and
 * the event of a fatal error (see capture.h). The Zend side only walks: the Throwable
 * chain (getPrevious(), cycle-safe), each trace (the zend_throwable "trace" property,
 * read without calling user code; function arguments are never read), the executing
 * stack for a fatal error, and the scope. The JSON is built by src/core/event_build.c
 * with malloc, so the same code serves a fatal error after memory exhaustion. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "php.h"
#include "zend_exceptions.h"

#include "../../php_sentry_transport.h"
#include "capture.h"
#include "process.h"
#include "results.h"
#include "scope.h"

#include "../core/event_build.h"

#include <stdlib.h>

/* The frames of one capture: static, so a capture allocates nothing for them (and the
 * fatal-error path needs no allocator). A capture never runs user code, so it cannot be
 * re-entered, except from a fatal error inside one (then `busy` refuses). */
static st_ev_frame frames_buf[ST_EVENT_MAX_EXCEPTIONS][ST_EVENT_MAX_FRAMES + 1];
static bool busy;
/* Where a fatal error's event is written when malloc fails too. */
static char fatal_reserve[256 * 1024];
/* Source files for context_lines, kept for the process (bounded, checked per capture). */
static st_ev_source source_cache;
static bool source_cache_ready;

void st_capture_rshutdown(void)
{
    busy = false; /* a bailout in the middle of a capture must not block the next request */
}

void st_capture_shutdown(void)
{
    if (source_cache_ready)
        st_ev_source_free(&source_cache);
    source_cache_ready = false;
}

#define STR_OF(zs) ((st_ev_str){ZSTR_VAL(zs), ZSTR_LEN(zs)})
#define NO_STR ((st_ev_str){NULL, 0})

static zval *prop(zend_object *obj, int known, zval *rv)
{
    zend_class_entry *base =
        instanceof_function(obj->ce, zend_ce_exception) ? zend_ce_exception : zend_ce_error;
    zval *v = zend_read_property_ex(base, obj, ZSTR_KNOWN(known), 1, rv);
    ZVAL_DEREF(v);
    return v;
}

static st_ev_str entry_str(HashTable *entry, int known)
{
    zval *v = entry ? zend_hash_find(entry, ZSTR_KNOWN(known)) : NULL;
    if (v)
        ZVAL_DEREF(v);
    return v && Z_TYPE_P(v) == IS_STRING ? STR_OF(Z_STR_P(v)) : NO_STR;
}

static long entry_line(HashTable *entry)
{
    zval *v = entry ? zend_hash_find(entry, ZSTR_KNOWN(ZEND_STR_LINE)) : NULL;
    if (v)
        ZVAL_DEREF(v);
    return v && Z_TYPE_P(v) == IS_LONG ? (long)Z_LVAL_P(v) : 0;
}

static HashTable *trace_entry(HashTable *trace, size_t i)
{
    zval *v = zend_hash_index_find(trace, (zend_ulong)i);
    if (v)
        ZVAL_DEREF(v);
    return v && Z_TYPE_P(v) == IS_ARRAY ? Z_ARRVAL_P(v) : NULL;
}

/* PHP's trace entry k is a call of function k from file_k:line_k. The frame of function
 * k runs at the place it called function k-1 (entry k-1's file:line), or for k = 0 where
 * the exception was created; the last frame is the top-level code ({main}). */
static void walk_exception(zend_object *ex, st_ev_exception *out, st_ev_frame *buf)
{
    zval rv_file, rv_line, rv_trace, rv_msg;
    zval *file = prop(ex, ZEND_STR_FILE, &rv_file);
    zval *line = prop(ex, ZEND_STR_LINE, &rv_line);
    zval *trace = prop(ex, ZEND_STR_TRACE, &rv_trace);
    zval *msg = prop(ex, ZEND_STR_MESSAGE, &rv_msg);
    out->type = STR_OF(ex->ce->name);
    out->value = Z_TYPE_P(msg) == IS_STRING ? STR_OF(Z_STR_P(msg)) : NO_STR;
    out->id = (uintptr_t)ex;
    HashTable *t = Z_TYPE_P(trace) == IS_ARRAY ? Z_ARRVAL_P(trace) : NULL;
    size_t n = t ? zend_hash_num_elements(t) : 0;
    size_t total = n + 1, inner, outer, k = 0;
    st_event_frames_pick(total, ST_EVENT_MAX_FRAMES, &inner, &outer);
    for (size_t i = 0; i < total; i++) {
        if (i == inner && outer + inner < total)
            i = total - outer;
        st_ev_frame *f = &buf[k++];
        if (i == 0) {
            f->file = Z_TYPE_P(file) == IS_STRING ? STR_OF(Z_STR_P(file)) : NO_STR;
            f->lineno = Z_TYPE_P(line) == IS_LONG ? (long)Z_LVAL_P(line) : 0;
        } else {
            HashTable *prev = trace_entry(t, i - 1);
            f->file = entry_str(prev, ZEND_STR_FILE);
            f->lineno = entry_line(prev);
        }
        HashTable *cur = i < n ? trace_entry(t, i) : NULL;
        f->function = cur ? entry_str(cur, ZEND_STR_FUNCTION) : NO_STR;
        f->cls = cur ? entry_str(cur, ZEND_STR_CLASS) : NO_STR;
        if (cur && f->function.n == 0)
            f->function = (st_ev_str){"{unknown}", 9};
    }
    out->frames = buf;
    out->nframes = k;
    out->inner = inner < k ? inner : k;
    out->omitted = total - k;
}

/* Build and queue; result NULL: a throw-away one. */
static void finish(st_ev_input *in, HashTable *context, const char *level_dflt, zval *result,
                   bool fatal)
{
    const st_config *cfg = st_process_config();
    st_jw mw;
    st_jw_init(&mw, NULL, 0);
    st_scope_members sm;
    const char *level = level_dflt;
    /* a message's level is its argument; an exception's may come from the context */
    st_scope_write_members(&mw, context, &sm, in->message.p ? NULL : &level);
    st_ev_member members[ST_SCOPE_MAX_MEMBERS];
    size_t nm = 0;
    if (!mw.failed)
        for (size_t i = 0; i < sm.n; i++)
            members[nm++] = (st_ev_member){sm.key[i], mw.buf + sm.off[i], sm.len[i]};
    in->members = members;
    in->nmembers = nm;
    in->level = level;
    in->in_app_exclude = cfg->in_app_exclude;
    in->context_lines = cfg->context_lines;
    if (in->context_lines > 0) {
        if (!source_cache_ready) {
            st_ev_source_init(&source_cache);
            source_cache_ready = true;
        }
        in->source = &source_cache;
    }

    zval local;
    if (!result)
        result = &local;
    st_jw ew;
    st_jw_init(&ew, NULL, 0);
    int rc = st_event_build(in, &ew);
    if (rc != 0 && fatal) {
        st_jw_free(&ew);
        st_jw_init(&ew, fatal_reserve, sizeof fatal_reserve);
        in->nmembers = 0;
        rc = st_event_build(in, &ew);
    }
    /* The frames are written: another capture may run (a fatal error while queueing, e.g.
     * the memory limit hit by the result array, is then reported, not refused). */
    busy = false;
    if (rc == 0)
        st_php_send_event_json(ew.buf, ew.len, result);
    else
        st_result_fail(result, "", "event could not be built (out of memory)", false);
    st_jw_free(&ew);
    st_jw_free(&mw);
    if (result == &local)
        zval_ptr_dtor(&local);
}

void st_capture_exception(zend_object *ex, HashTable *context, st_capture_kind kind,
                          const char *level, zval *result)
{
    if (busy) {
        if (result)
            st_result_fail(result, "", "a capture is already in progress", false);
        return;
    }
    busy = true;
    st_ev_exception chain[ST_EVENT_MAX_EXCEPTIONS];
    size_t n = 0;
    zend_object *cur = ex;
    while (cur) {
        st_ev_exception e = {0};
        e.id = (uintptr_t)cur;
        if (!st_event_chain_push(chain, &n, ST_EVENT_MAX_EXCEPTIONS, &e))
            break; /* a cycle, or the chain is long enough */
        walk_exception(cur, &chain[n - 1], frames_buf[n - 1]);
        zval rv;
        zval *prev = prop(cur, ZEND_STR_PREVIOUS, &rv);
        cur = Z_TYPE_P(prev) == IS_OBJECT && instanceof_function(Z_OBJCE_P(prev), zend_ce_throwable)
                  ? Z_OBJ_P(prev)
                  : NULL;
    }
    st_ev_input in = {0};
    in.exceptions = chain;
    in.nexceptions = n;
    in.handled = kind == ST_CAPTURE_HANDLED;
    in.mechanism = kind == ST_CAPTURE_HANDLED ? "generic" : "php.uncaught_exception";
    finish(&in, context, level ? level : "error", result, kind != ST_CAPTURE_HANDLED);
}

void st_capture_message(const char *msg, size_t len, const char *level, HashTable *context,
                        zval *result)
{
    if (busy) {
        st_result_fail(result, "", "a capture is already in progress", false);
        return;
    }
    busy = true;
    st_ev_input in = {0};
    in.message = (st_ev_str){msg, len};
    finish(&in, context, level, result, false);
}

static const char *error_type_name(int type)
{
    switch (type & E_ALL) {
    case E_ERROR:
        return "E_ERROR";
    case E_PARSE:
        return "E_PARSE";
    case E_CORE_ERROR:
        return "E_CORE_ERROR";
    case E_COMPILE_ERROR:
        return "E_COMPILE_ERROR";
    case E_USER_ERROR:
        return "E_USER_ERROR";
    case E_RECOVERABLE_ERROR:
        return "E_RECOVERABLE_ERROR";
    default:
        return "E_ERROR";
    }
}

/* The executing stack, innermost first, as frames (no allocation). */
static size_t walk_stack(st_ev_frame *buf, size_t *inner_out, size_t *omitted, st_ev_str efile,
                         uint32_t eline)
{
    size_t total = 0;
    for (zend_execute_data *ex = EG(current_execute_data); ex; ex = ex->prev_execute_data)
        if (ex->func)
            total++;
    /* A compile-time error is in a file no frame runs yet: it comes first. */
    bool lead = false;
    zend_execute_data *top = EG(current_execute_data);
    while (top && (!top->func || !ZEND_USER_CODE(top->func->type)))
        top = top->prev_execute_data;
    if (efile.n &&
        (!top || !zend_string_equals_cstr(top->func->op_array.filename, efile.p, efile.n)))
        lead = true;
    total += lead;
    size_t inner, outer, k = 0, i = 0;
    st_event_frames_pick(total, ST_EVENT_MAX_FRAMES, &inner, &outer);
    if (lead) {
        buf[k++] = (st_ev_frame){efile, NO_STR, NO_STR, (long)eline};
        i++;
    }
    for (zend_execute_data *ex = EG(current_execute_data); ex; ex = ex->prev_execute_data) {
        if (!ex->func)
            continue;
        size_t at = i++;
        if (at >= inner && at < total - outer)
            continue;
        zend_function *fn = ex->func;
        st_ev_frame *f = &buf[k++];
        *f = (st_ev_frame){NO_STR, NO_STR, NO_STR, 0};
        if (fn->common.function_name)
            f->function = STR_OF(fn->common.function_name);
        if (fn->common.scope)
            f->cls = STR_OF(fn->common.scope->name);
        if (ZEND_USER_CODE(fn->type)) {
            f->file = STR_OF(fn->op_array.filename);
            const zend_op *op = ex->opline;
            if (op && op->opcode == ZEND_HANDLE_EXCEPTION && EG(opline_before_exception))
                op = EG(opline_before_exception);
            f->lineno = op ? (long)op->lineno : 0;
            if (ex == top && !lead && eline)
                f->lineno = (long)eline;
        }
    }
    *inner_out = inner < k ? inner : k;
    *omitted = total - k;
    return k;
}

void st_capture_fatal(int type, const char *file, size_t file_len, uint32_t line, const char *msg,
                      size_t msg_len)
{
    if (busy)
        return;
    busy = true;
    st_ev_exception e = {0};
    const char *name = error_type_name(type);
    e.type = (st_ev_str){name, strlen(name)};
    e.value = (st_ev_str){msg, msg_len};
    e.frames = frames_buf[0];
    e.nframes = walk_stack(frames_buf[0], &e.inner, &e.omitted, (st_ev_str){file, file_len}, line);
    st_ev_input in = {0};
    in.exceptions = &e;
    in.nexceptions = 1;
    in.handled = false;
    in.mechanism = "php.fatal_error";
    finish(&in, NULL, "fatal", NULL, true);
}

/* ---------------------------------------------------------------- the PHP API */

/* Starts the transport if needed; false (and the result says why) when it cannot send. */
static bool transport_ready(zval *return_value)
{
    st_process_ensure_running();
    const char *why = st_process_unavailable_reason();
    if (why)
        st_result_fail(return_value, "", why, false);
    return why == NULL;
}

ZEND_METHOD(SentryTransport, captureException)
{
    zend_object *ex;
    HashTable *context = NULL;
    ZEND_PARSE_PARAMETERS_START(1, 2)
    Z_PARAM_OBJ_OF_CLASS(ex, zend_ce_throwable)
    Z_PARAM_OPTIONAL
    Z_PARAM_ARRAY_HT(context)
    ZEND_PARSE_PARAMETERS_END();
    if (!transport_ready(return_value))
        return;
    st_capture_exception(ex, context, ST_CAPTURE_HANDLED, NULL, return_value);
}

ZEND_METHOD(SentryTransport, captureMessage)
{
    zend_string *message, *level = NULL;
    HashTable *context = NULL;
    ZEND_PARSE_PARAMETERS_START(1, 3)
    Z_PARAM_STR(message)
    Z_PARAM_OPTIONAL
    Z_PARAM_STR(level)
    Z_PARAM_ARRAY_HT(context)
    ZEND_PARSE_PARAMETERS_END();
    if (!transport_ready(return_value))
        return;
    const char *lvl = level ? st_event_level(ZSTR_VAL(level), ZSTR_LEN(level), "info") : "info";
    st_capture_message(ZSTR_VAL(message), ZSTR_LEN(message), lvl, context, return_value);
}

ZEND_METHOD(SentryTransport, addBreadcrumb)
{
    zend_string *category, *message, *level = NULL;
    HashTable *data = NULL;
    ZEND_PARSE_PARAMETERS_START(2, 4)
    Z_PARAM_STR(category)
    Z_PARAM_STR(message)
    Z_PARAM_OPTIONAL
    Z_PARAM_STR(level)
    Z_PARAM_ARRAY_HT(data)
    ZEND_PARSE_PARAMETERS_END();
    st_scope_add_breadcrumb(ZSTR_VAL(category), ZSTR_LEN(category), ZSTR_VAL(message),
                            ZSTR_LEN(message), level ? ZSTR_VAL(level) : "info", data);
}

ZEND_METHOD(SentryTransport, configureScope)
{
    HashTable *scope;
    ZEND_PARSE_PARAMETERS_START(1, 1)
    Z_PARAM_ARRAY_HT(scope)
    ZEND_PARSE_PARAMETERS_END();
    st_scope_configure(scope);
}

ZEND_METHOD(SentryTransport, clearScope)
{
    ZEND_PARSE_PARAMETERS_NONE();
    st_scope_clear();
}
