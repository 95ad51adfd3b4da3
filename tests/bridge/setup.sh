#!/usr/bin/env bash
# Composer-installs what the bridge tests, bench and demo need, into build/bridge/<app> (not
# committed), from Packagist, with the bridge from bridge/ as a path repository (symlinked, so
# edits to bridge/src apply at once). Idempotent and fast on reruns: an app is only updated
# when its composer.json changed; downloads stay in Composer's cache (COMPOSER_CACHE_DIR).
#
#   tests/bridge/setup.sh sdk|laravel|symfony     → prints the app directory (last line)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
app=${1:?usage: setup.sh sdk|laravel|symfony}
export COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_NO_INTERACTION=1 CI=${CI:-true} COMPOSER_NO_AUDIT=1
command -v composer >/dev/null || { echo "setup: composer missing (scripts/deps.sh installs it)" >&2; exit 2; }
dir="$root/build/bridge/$app"
mkdir -p "$dir"
exec 9>"$dir.lock"
flock 9
repo="{\"type\":\"path\",\"url\":\"$root/bridge\",\"options\":{\"symlink\":true}}"
want=""
case "$app" in
sdk)
    want="{\"name\":\"local/bridge-sdk\",\"repositories\":[$repo],\"require\":{\"sentry/sentry\":\"^4.0\",\"sentry-transport/bridge\":\"*@dev\"}}"
    ;;
symfony)
    want="{\"name\":\"local/bridge-symfony\",\"repositories\":[$repo],\"require\":{\"sentry/sentry\":\"^4.0\",\"sentry-transport/bridge\":\"*@dev\",\"symfony/framework-bundle\":\"7.4.*\"},\"autoload\":{\"psr-4\":{\"App\\\\\":\"$root/tests/bridge/symfony_app/src/\"}}}"
    ;;
laravel)
    # The laravel/laravel skeleton; its dev requirements need PHP 8.3 here, so they go.
    if [ ! -f "$dir/artisan" ]; then
        rm -rf "$dir"
        composer create-project --no-progress --no-install --no-scripts 'laravel/laravel:^12' "$dir" >&2
        php -r '
            $f = $argv[1] . "/composer.json";
            $j = json_decode(file_get_contents($f));
            unset($j->{"require-dev"});
            $j->repositories = [json_decode($argv[2])];
            $j->require->{"sentry/sentry-laravel"} = "^4.30";
            $j->require->{"sentry-transport/bridge"} = "*@dev";
            file_put_contents($f, json_encode($j, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES) . "\n");
        ' "$dir" "$repo"
        rm -f "$dir/composer.lock"
    fi
    ;;
*) echo "setup: unknown app $app" >&2; exit 2 ;;
esac
if [ -n "$want" ] && [ "$(cat "$dir/composer.json" 2>/dev/null)" != "$want" ]; then
    printf '%s' "$want" >"$dir/composer.json"
    rm -f "$dir/vendor/autoload.php"
fi
if [ ! -f "$dir/vendor/autoload.php" ]; then
    (cd "$dir" && composer update --no-progress --no-dev --prefer-dist >&2)
fi
if [ "$app" = laravel ]; then
    if [ ! -f "$dir/.env" ]; then
        cp "$dir/.env.example" "$dir/.env"
        (cd "$dir" && php artisan key:generate --force >&2)
    fi
    # sentry-laravel's documented step for Laravel 11+: report exceptions to Sentry.
    grep -q 'Integration::handles' "$dir/bootstrap/app.php" ||
        sed -i 's|->withExceptions(function (Exceptions $exceptions): void {|&\n        \\Sentry\\Laravel\\Integration::handles($exceptions);|' "$dir/bootstrap/app.php"
    grep -q 'Integration::handles' "$dir/bootstrap/app.php" || { echo "setup: cannot patch bootstrap/app.php" >&2; exit 1; }
    # The route the tests and the bench request: it throws.
    grep -q 'bridge-throw' "$dir/routes/web.php" ||
        printf '\nRoute::get('"'"'/bridge-throw'"'"', function () {\n    throw new RuntimeException('"'"'laravel bridge '"'"' . request('"'"'m'"'"', '"'"''"'"'));\n});\n' >>"$dir/routes/web.php"
fi
echo "$dir"
