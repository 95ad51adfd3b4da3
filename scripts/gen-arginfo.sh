#!/bin/sh
# Regenerates src/php/sentry_transport_arginfo.h from stubs/sentry_transport.stub.php with
# PHP's own gen_stub.php, without downloading anything.
#
#   scripts/gen-arginfo.sh           regenerate the committed header
#   scripts/gen-arginfo.sh --check   exit 1 if the committed header is out of date
#
# gen_stub.php wants PHP-Parser in a "PHP-Parser-<version>" directory next to itself and
# downloads it from GitHub when that directory is missing. We run a private copy of
# gen_stub.php in a temporary directory in which that directory is a symlink farm onto an
# installed PHP-Parser 4.x (Debian/Ubuntu: apt-get install php-parser).
#
# Environment overrides:
#   PHP             php binary to run gen_stub.php with    (default: php)
#   GEN_STUB        path of gen_stub.php                   (default: from php-config, phpize's build/)
#   PHP_PARSER_DIR  directory holding PhpParser/*.php      (default: /usr/share/php)
#
# The output depends on the gen_stub.php version; the committed header is generated with
# PHP 8.2's (the oldest PHP the extension supports, 8.1, compiles it unchanged).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STUB="$ROOT/stubs/sentry_transport.stub.php"
OUT="$ROOT/src/php/sentry_transport_arginfo.h"
PHP=${PHP:-php}
PHP_PARSER_DIR=${PHP_PARSER_DIR:-/usr/share/php}

CHECK=0
case "${1:-}" in
    --check) CHECK=1 ;;
    "") ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

if [ -z "${GEN_STUB:-}" ]; then
    for candidate in \
        "$(php-config --extension-dir 2>/dev/null)/build/gen_stub.php" \
        "$(php-config --prefix 2>/dev/null)/lib/php/build/gen_stub.php" \
        "$ROOT/build/gen_stub.php"; do
        if [ -f "$candidate" ]; then
            GEN_STUB=$candidate
            break
        fi
    done
fi
if [ -z "${GEN_STUB:-}" ] || [ ! -f "$GEN_STUB" ]; then
    echo "gen_stub.php not found: install php-dev (php8.2-dev) or set GEN_STUB" >&2
    exit 1
fi
if [ ! -f "$PHP_PARSER_DIR/PhpParser/Parser/Php7.php" ]; then
    echo "PHP-Parser 4.x not found in $PHP_PARSER_DIR/PhpParser:" \
         "apt-get install php-parser, or set PHP_PARSER_DIR" >&2
    exit 1
fi

# The directory name gen_stub.php looks for, e.g. PHP-Parser-4.15.1.
PARSER_VERSION=$(sed -n 's/^[[:space:]]*\$version = "\([0-9.]*\)";.*/\1/p' "$GEN_STUB" | head -n 1)
if [ -z "$PARSER_VERSION" ]; then
    echo "cannot find the PHP-Parser version gen_stub.php expects in $GEN_STUB" >&2
    exit 1
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/st-gen-arginfo.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM

cp "$GEN_STUB" "$TMP/gen_stub.php"
mkdir -p "$TMP/PHP-Parser-$PARSER_VERSION/lib"
ln -s "$PHP_PARSER_DIR/PhpParser" "$TMP/PHP-Parser-$PARSER_VERSION/lib/PhpParser"
cp "$STUB" "$TMP/sentry_transport.stub.php"

"$PHP" -n -d extension=tokenizer.so -d error_reporting=E_ALL "$TMP/gen_stub.php" \
    --force-regeneration "$TMP/sentry_transport.stub.php" >/dev/null 2>"$TMP/stderr" || {
    # -n drops the ini files; retry with them when tokenizer is built in or not a .so.
    "$PHP" "$TMP/gen_stub.php" --force-regeneration "$TMP/sentry_transport.stub.php" \
        >/dev/null 2>"$TMP/stderr" || { cat "$TMP/stderr" >&2; exit 1; }
}
if [ ! -s "$TMP/sentry_transport_arginfo.h" ]; then
    cat "$TMP/stderr" >&2
    echo "gen_stub.php produced no arginfo header" >&2
    exit 1
fi

if [ "$CHECK" = 1 ]; then
    if cmp -s "$TMP/sentry_transport_arginfo.h" "$OUT"; then
        echo "src/php/sentry_transport_arginfo.h is up to date"
        exit 0
    fi
    echo "src/php/sentry_transport_arginfo.h is out of date: run scripts/gen-arginfo.sh" >&2
    diff -u "$OUT" "$TMP/sentry_transport_arginfo.h" >&2 || true
    exit 1
fi

cp "$TMP/sentry_transport_arginfo.h" "$OUT"
echo "wrote src/php/sentry_transport_arginfo.h (gen_stub: $GEN_STUB, PHP-Parser: $PHP_PARSER_DIR/PhpParser)"
