#!/usr/bin/env bash
# Builds the extension out of tree, so variants never share objects:
#   scripts/build.sh          → build/release/modules/sentry_transport.so (gcc, -O2)
#   scripts/build.sh san      → build/san/modules/sentry_transport.so (clang, ASan + UBSan)
#   scripts/build.sh libdeflate → as release, but gzip with libdeflate even when ISA-L is
#                               installed (bench/run.sh compares the two)
#   scripts/build.sh minimal  → as release, with php-dev, libcurl and zlib alone (none of the
#                               optional compressors, even when installed)
# Prints the path of the built module on its last line.
set -euo pipefail
variant=${1:-release}
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/build/$variant"
mkdir -p "$dir"
# Several test runners may build at once: one at a time per variant.
exec 9>"$dir.lock"
flock 9
rsync -a --delete --exclude /build --exclude /.git --exclude node_modules \
      --exclude /tests --exclude /bench "$root/" "$dir/src-tree/"
cd "$dir/src-tree"
log="$dir/build.log"
case "$variant" in
    release) cc=gcc; cflags="-O2 -g" ; ldflags="" ;;
    libdeflate) cc=gcc; cflags="-O2 -g" ; ldflags="" ; confargs="--without-sentry-transport-isal" ;;
    minimal) cc=gcc; cflags="-O2 -g" ; ldflags=""
             confargs="--without-sentry-transport-isal --without-sentry-transport-libdeflate --without-sentry-transport-zstd" ;;
    # The .so leaves the sanitizer runtime unresolved: run it under
    # LD_PRELOAD="build/san/no_deepbind.so $(clang -print-file-name=libclang_rt.asan-x86_64.so)"
    # (scripts/php-san.sh does that).
    san)     cc=clang; cflags="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
             ldflags="" ;;
    *) echo "unknown variant $variant" >&2; exit 2 ;;
esac
if [ ! -f Makefile ] || [ config.m4 -nt Makefile ]; then
    { phpize && CC=$cc CFLAGS="$cflags" LDFLAGS="$ldflags" ./configure --enable-sentry_transport ${confargs:-}; } >"$log" 2>&1 \
        || { tail -30 "$log"; echo "build: configure failed (log: $log)" >&2; exit 1; }
fi
make -j"$(nproc)" >>"$log" 2>&1 || { grep -E "error|Error" "$log" | head -30; echo "build: make failed (log: $log)" >&2; exit 1; }
# Compiler warnings only: phpize's own autoconf warnings (AC_PROG_LIBTOOL …) are not ours.
if grep -E "\.[ch]:[0-9]+(:[0-9]+)?: warning:" "$log" | grep -q .; then
    grep -E "\.[ch]:[0-9]+(:[0-9]+)?: warning:" "$log" | sort -u | head -20
    echo "build: compiler warnings (the build must stay -Wall -Wextra clean)" >&2
    exit 1
fi
# A shared extension links even with an unresolved symbol: prove it loads.
if [ "$variant" != san ] && ! php -n -d "extension=$dir/src-tree/modules/sentry_transport.so" \
        -r 'exit(extension_loaded("sentry_transport") ? 0 : 1);'; then
    echo "build: the module does not load" >&2
    exit 1
fi
if [ "$variant" = san ]; then
    clang -shared -fPIC -O1 -o "$dir/no_deepbind.so" "$root/tests/asan/no_deepbind.c" -ldl
fi
echo "$dir/src-tree/modules/sentry_transport.so"
