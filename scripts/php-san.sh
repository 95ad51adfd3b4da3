#!/usr/bin/env bash
# Runs Debian's php with the ASan+UBSan runtime preloaded, for the `san` build of the
# extension (scripts/build.sh san). Used as TEST_PHP_EXECUTABLE by the sanitizer phpt run.
root=$(cd "$(dirname "$0")/.." && pwd)
rt=$(clang -print-file-name=libclang_rt.asan-x86_64.so)
# The shim first, so PHP's dlopen reaches it before the sanitizer's interceptor.
export LD_PRELOAD="$root/build/san/no_deepbind.so $rt${LD_PRELOAD:+ $LD_PRELOAD}"
export ASAN_OPTIONS="verify_asan_link_order=0:detect_leaks=1:halt_on_error=1:exitcode=86${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export USE_ZEND_ALLOC=0
# Keep extensions mapped until exit, so leak reports name their modules (lsan.supp).
export ZEND_DONT_UNLOAD_MODULES=1
exec /usr/bin/php "$@"
