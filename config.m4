dnl config.m4 for the sentry_transport extension.
dnl
dnl   phpize && ./configure && make
dnl
dnl Needs libcurl >= 7.62.0 (the URL API, curl_url()) and zlib, both found with pkg-config,
dnl and POSIX shared memory + process-shared robust mutexes (Linux, FreeBSD).

PHP_ARG_WITH([sentry-transport-isal], [for ISA-L igzip (fastest gzip of request bodies)],
  [AS_HELP_STRING([--without-sentry-transport-isal],
    [sentry_transport: do not gzip with ISA-L even when libisal is installed])], [auto], [no])
PHP_ARG_WITH([sentry-transport-libdeflate], [for libdeflate (faster gzip of request bodies)],
  [AS_HELP_STRING([--without-sentry-transport-libdeflate],
    [sentry_transport: gzip with zlib even when libdeflate is installed])], [auto], [no])
PHP_ARG_WITH([sentry-transport-zstd], [for libzstd (transport.compression=zstd)],
  [AS_HELP_STRING([--without-sentry-transport-zstd],
    [sentry_transport: build without zstd even when libzstd is installed])], [auto], [no])

PHP_ARG_ENABLE([sentry_transport],
  [whether to enable the sentry_transport extension],
  [AS_HELP_STRING([--enable-sentry_transport],
    [Enable sentry_transport, the asynchronous Sentry transport])],
  [no])

if test "$PHP_SENTRY_TRANSPORT" != "no"; then
  dnl --- pkg-config ----------------------------------------------------------
  PKG_PROG_PKG_CONFIG
  if test -z "$PKG_CONFIG"; then
    AC_MSG_ERROR([pkg-config not found: install pkg-config (Debian/Ubuntu: apt-get install pkg-config, RHEL: dnf install pkgconf-pkg-config)])
  fi

  dnl --- libcurl >= 7.62.0 ---------------------------------------------------
  PKG_CHECK_EXISTS([libcurl], [], [
    AC_MSG_ERROR([libcurl development files not found: install libcurl4-openssl-dev (Debian/Ubuntu) or libcurl-devel (RHEL)])
  ])
  PKG_CHECK_MODULES([CURL], [libcurl >= 7.62.0], [], [
    st_curl_version=`$PKG_CONFIG --modversion libcurl 2>/dev/null`
    AC_MSG_ERROR([libcurl $st_curl_version is too old: sentry_transport needs libcurl >= 7.62.0 (the URL API); upgrade libcurl4-openssl-dev (Debian/Ubuntu) or libcurl-devel (RHEL)])
  ])
  PHP_EVAL_INCLINE([$CURL_CFLAGS])
  PHP_EVAL_LIBLINE([$CURL_LIBS], [SENTRY_TRANSPORT_SHARED_LIBADD])

  dnl --- zlib ----------------------------------------------------------------
  PKG_CHECK_MODULES([ZLIB], [zlib], [], [
    AC_MSG_ERROR([zlib development files not found: install zlib1g-dev (Debian/Ubuntu) or zlib-devel (RHEL)])
  ])
  PHP_EVAL_INCLINE([$ZLIB_CFLAGS])
  PHP_EVAL_LIBLINE([$ZLIB_LIBS], [SENTRY_TRANSPORT_SHARED_LIBADD])

  dnl --- optional compressors: ISA-L, else libdeflate (gzip, else zlib), libzstd (zstd)
  dnl Found with pkg-config, else by header and library; absent = the zlib-only build.
  dnl Defines reach src/core through CPPFLAGS (it never includes the generated config.h).
  if test "$PHP_SENTRY_TRANSPORT_ISAL" != "no"; then
    PKG_CHECK_MODULES([LIBISAL], [libisal >= 2.25], [st_have_isal=yes], [
      AC_CHECK_HEADER([isa-l/igzip_lib.h], [
        AC_CHECK_LIB([isal], [isal_deflate_stateless],
          [st_have_isal=yes; LIBISAL_CFLAGS=""; LIBISAL_LIBS="-lisal"])])])
    if test "$st_have_isal" = "yes"; then
      PHP_EVAL_INCLINE([$LIBISAL_CFLAGS])
      PHP_EVAL_LIBLINE([$LIBISAL_LIBS], [SENTRY_TRANSPORT_SHARED_LIBADD])
      CPPFLAGS="$CPPFLAGS -DST_HAVE_ISAL=1"
    else
      AC_MSG_NOTICE([libisal not found: gzip with libdeflate or zlib (Debian/Ubuntu: apt-get install libisal-dev for the fastest drainer)])
    fi
  fi
  if test "$PHP_SENTRY_TRANSPORT_LIBDEFLATE" != "no" && test "$st_have_isal" != "yes"; then
    PKG_CHECK_MODULES([LIBDEFLATE], [libdeflate], [st_have_libdeflate=yes], [
      AC_CHECK_HEADER([libdeflate.h], [
        AC_CHECK_LIB([deflate], [libdeflate_gzip_compress],
          [st_have_libdeflate=yes; LIBDEFLATE_CFLAGS=""; LIBDEFLATE_LIBS="-ldeflate"])])])
    if test "$st_have_libdeflate" = "yes"; then
      PHP_EVAL_INCLINE([$LIBDEFLATE_CFLAGS])
      PHP_EVAL_LIBLINE([$LIBDEFLATE_LIBS], [SENTRY_TRANSPORT_SHARED_LIBADD])
      CPPFLAGS="$CPPFLAGS -DST_HAVE_LIBDEFLATE=1"
    else
      AC_MSG_NOTICE([libdeflate not found: gzip with zlib (Debian/Ubuntu: apt-get install libdeflate-dev for a faster drainer)])
    fi
  fi
  if test "$PHP_SENTRY_TRANSPORT_ZSTD" != "no"; then
    PKG_CHECK_MODULES([LIBZSTD], [libzstd >= 1.4.0], [st_have_zstd=yes], [
      AC_CHECK_HEADER([zstd.h], [
        AC_CHECK_LIB([zstd], [ZSTD_compress2],
          [st_have_zstd=yes; LIBZSTD_CFLAGS=""; LIBZSTD_LIBS="-lzstd"])])])
    if test "$st_have_zstd" = "yes"; then
      PHP_EVAL_INCLINE([$LIBZSTD_CFLAGS])
      PHP_EVAL_LIBLINE([$LIBZSTD_LIBS], [SENTRY_TRANSPORT_SHARED_LIBADD])
      CPPFLAGS="$CPPFLAGS -DST_HAVE_ZSTD=1"
    else
      AC_MSG_NOTICE([libzstd not found: transport.compression=zstd unavailable (Debian/Ubuntu: apt-get install libzstd-dev)])
    fi
  fi

  dnl --- pthreads and POSIX shared memory -------------------------------------
  PHP_CHECK_LIBRARY([pthread], [pthread_create], [
    PHP_ADD_LIBRARY([pthread], [1], [SENTRY_TRANSPORT_SHARED_LIBADD])
  ], [
    AC_MSG_ERROR([POSIX threads (libpthread) not found: sentry_transport needs pthreads])
  ])
  PHP_CHECK_LIBRARY([pthread], [pthread_mutexattr_setrobust], [], [
    AC_MSG_ERROR([pthread_mutexattr_setrobust() not found: the shared queue needs process-shared robust mutexes (Linux with glibc >= 2.12 or musl, FreeBSD >= 11); this platform is not supported])
  ])
  dnl shm_open lives in librt before glibc 2.34 and in libc since; link librt when it exists.
  PHP_CHECK_LIBRARY([rt], [shm_open], [
    PHP_ADD_LIBRARY([rt], [1], [SENTRY_TRANSPORT_SHARED_LIBADD])
  ], [
    AC_CHECK_FUNC([shm_open], [], [
      AC_MSG_ERROR([shm_open() not found: sentry_transport needs POSIX shared memory])
    ])
  ])

  PHP_SUBST([SENTRY_TRANSPORT_SHARED_LIBADD])

  dnl --- sources -------------------------------------------------------------
  dnl Listed by hand: a shell glob here expands relative to the directory configure runs in,
  dnl which is not the source directory when pecl builds out of tree (issue #11).
  dnl scripts/check-package-xml.php fails when a .c file under src/ is missing here.
  PHP_NEW_EXTENSION([sentry_transport], [src/php/autocapture.c \
    src/php/capture.c \
    src/php/deadletter_api.c \
    src/php/info.c \
    src/php/ini.c \
    src/php/ini_read.c \
    src/php/process.c \
    src/php/status.c \
    src/php/prometheus.c \
    src/php/results.c \
    src/php/scope.c \
    src/php/sentry_transport.c \
    src/php/zjson.c \
    src/core/category.c \
    src/core/clientreport.c \
    src/core/common.c \
    src/core/compress.c \
    src/core/compress_isal.c \
    src/core/config.c \
    src/core/crc32c.c \
    src/core/deadletter.c \
    src/core/deadletter_open.c \
    src/core/drainer.c \
    src/core/dsn.c \
    src/core/envelope.c \
    src/core/envelope_read.c \
    src/core/event_build.c \
    src/core/event_source.c \
    src/core/eventid.c \
    src/core/health.c \
    src/core/jsonscan.c \
    src/core/jsonw.c \
    src/core/log.c \
    src/core/outcome.c \
    src/core/policy.c \
    src/core/policy_match.c \
    src/core/policy_walk.c \
    src/core/queue.c \
    src/core/queue_lease.c \
    src/core/queue_map.c \
    src/core/ratelimit.c \
    src/core/retry.c \
    src/core/sender.c],
    [$ext_shared], [],
    [-DZEND_ENABLE_STATIC_TSRMLS_CACHE=1 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter])

  PHP_ADD_BUILD_DIR([$ext_builddir/src/php], [1])
  PHP_ADD_BUILD_DIR([$ext_builddir/src/core], [1])
  PHP_ADD_INCLUDE([$ext_srcdir])
  PHP_ADD_INCLUDE([$ext_srcdir/src/core])
fi
