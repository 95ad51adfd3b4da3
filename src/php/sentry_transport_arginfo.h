/* This is a generated file, edit the .stub.php file instead.
 * Stub hash: 61b7c18e7c33f7a7a7a761b7870f6a37534b103f */

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SentryTransport_sendEvent, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_TYPE_MASK(0, event, MAY_BE_ARRAY|MAY_BE_STRING, NULL)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SentryTransport_sendBatch, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, events, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SentryTransport_sendEnvelope, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, envelope, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, dsn, IS_STRING, 1, "null")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SentryTransport_getStatus, 0, 0, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

#define arginfo_class_SentryTransport_getMetrics arginfo_class_SentryTransport_getStatus

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SentryTransport_getPrometheusMetrics, 0, 0, IS_STRING, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SentryTransport_flush, 0, 0, _IS_BOOL, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, timeout, IS_DOUBLE, 0, "2.0")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SentryTransport_getDeadLetters, 0, 0, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, limit, IS_LONG, 0, "100")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SentryTransport_replayDeadLetters, 0, 0, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, ids, IS_ARRAY, 1, "null")
ZEND_END_ARG_INFO()

#define arginfo_class_SentryTransport_purgeDeadLetters arginfo_class_SentryTransport_replayDeadLetters

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SentryTransport_captureException, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_OBJ_INFO(0, exception, Throwable, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, context, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SentryTransport_captureMessage, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, message, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, level, IS_STRING, 0, "\'info\'")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, context, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SentryTransport_addBreadcrumb, 0, 2, IS_VOID, 0)
	ZEND_ARG_TYPE_INFO(0, category, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO(0, message, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, level, IS_STRING, 0, "\'info\'")
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, data, IS_ARRAY, 0, "[]")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SentryTransport_configureScope, 0, 1, IS_VOID, 0)
	ZEND_ARG_TYPE_INFO(0, scope, IS_ARRAY, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_class_SentryTransport_clearScope, 0, 0, IS_VOID, 0)
ZEND_END_ARG_INFO()


ZEND_METHOD(SentryTransport, sendEvent);
ZEND_METHOD(SentryTransport, sendBatch);
ZEND_METHOD(SentryTransport, sendEnvelope);
ZEND_METHOD(SentryTransport, getStatus);
ZEND_METHOD(SentryTransport, getMetrics);
ZEND_METHOD(SentryTransport, getPrometheusMetrics);
ZEND_METHOD(SentryTransport, flush);
ZEND_METHOD(SentryTransport, getDeadLetters);
ZEND_METHOD(SentryTransport, replayDeadLetters);
ZEND_METHOD(SentryTransport, purgeDeadLetters);
ZEND_METHOD(SentryTransport, captureException);
ZEND_METHOD(SentryTransport, captureMessage);
ZEND_METHOD(SentryTransport, addBreadcrumb);
ZEND_METHOD(SentryTransport, configureScope);
ZEND_METHOD(SentryTransport, clearScope);


static const zend_function_entry class_SentryTransport_methods[] = {
	ZEND_ME(SentryTransport, sendEvent, arginfo_class_SentryTransport_sendEvent, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(SentryTransport, sendBatch, arginfo_class_SentryTransport_sendBatch, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(SentryTransport, sendEnvelope, arginfo_class_SentryTransport_sendEnvelope, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(SentryTransport, getStatus, arginfo_class_SentryTransport_getStatus, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(SentryTransport, getMetrics, arginfo_class_SentryTransport_getMetrics, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(SentryTransport, getPrometheusMetrics, arginfo_class_SentryTransport_getPrometheusMetrics, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(SentryTransport, flush, arginfo_class_SentryTransport_flush, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(SentryTransport, getDeadLetters, arginfo_class_SentryTransport_getDeadLetters, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(SentryTransport, replayDeadLetters, arginfo_class_SentryTransport_replayDeadLetters, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(SentryTransport, purgeDeadLetters, arginfo_class_SentryTransport_purgeDeadLetters, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(SentryTransport, captureException, arginfo_class_SentryTransport_captureException, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(SentryTransport, captureMessage, arginfo_class_SentryTransport_captureMessage, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(SentryTransport, addBreadcrumb, arginfo_class_SentryTransport_addBreadcrumb, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(SentryTransport, configureScope, arginfo_class_SentryTransport_configureScope, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_ME(SentryTransport, clearScope, arginfo_class_SentryTransport_clearScope, ZEND_ACC_PUBLIC|ZEND_ACC_STATIC)
	ZEND_FE_END
};

static zend_class_entry *register_class_SentryTransport(void)
{
	zend_class_entry ce, *class_entry;

	INIT_CLASS_ENTRY(ce, "SentryTransport", class_SentryTransport_methods);
	class_entry = zend_register_internal_class_ex(&ce, NULL);
	class_entry->ce_flags |= ZEND_ACC_FINAL|ZEND_ACC_NOT_SERIALIZABLE;

	return class_entry;
}
