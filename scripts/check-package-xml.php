<?php
/*
 * Keeps package.xml, config.m4, config.w32 and the version numbers honest.
 *
 *   php scripts/check-package-xml.php            check; exit 1 and list every problem
 *   php scripts/check-package-xml.php --update   rewrite package.xml's <contents> from the
 *                                                tree, then check
 *
 * Checks:
 *  - every file listed in package.xml exists, with the right role;
 *  - every file that belongs in the PECL package is listed: the build files, every
 *    src/ .c/.h, the stubs, every test file (git-ignored ones, e.g. run-tests artefacts and
 *    node_modules, excluded), README/LICENSE/CHANGELOG as docs;
 *  - config.m4 and config.w32 compile exactly the .c files under src/;
 *  - package.xml's release version == PHP_SENTRY_TRANSPORT_VERSION == ST_VERSION.
 */

declare(strict_types=1);

const PKG_NS = 'http://pear.php.net/dtd/package-2.0';

$root = dirname(__DIR__);
$update = in_array('--update', array_slice($argv, 1), true);
$problems = [];

/** Files of the tree, relative to $root, that git does not ignore. */
function tree_files(string $root, string $dir): array
{
    if (!is_dir("$root/$dir")) {
        return [];
    }
    $files = null;
    if (is_dir("$root/.git") || is_file("$root/.git")) {
        $cmd = 'git -C ' . escapeshellarg($root)
            . ' ls-files -z --cached --others --exclude-standard -- ' . escapeshellarg($dir)
            . ' 2>/dev/null';
        $out = shell_exec($cmd);
        if (is_string($out)) {
            $files = array_values(array_filter(explode("\0", $out), 'strlen'));
            // Files deleted from the work tree but still in the index are not shipped.
            $files = array_values(array_filter($files, fn ($f) => is_file("$root/$f")));
        }
    }
    if ($files === null) {
        // No git: walk the tree, skipping what .gitignore would.
        $files = [];
        $it = new RecursiveIteratorIterator(
            new RecursiveCallbackFilterIterator(
                new RecursiveDirectoryIterator("$root/$dir", FilesystemIterator::SKIP_DOTS),
                function (SplFileInfo $f) {
                    $name = $f->getFilename();
                    if ($f->isDir()) {
                        return !in_array($name, ['node_modules', '.libs', '__pycache__'], true)
                            && !preg_match('/^build/', $name);
                    }
                    return !preg_match('/\.(lo|la|o|a|so|dep|pyc)$/', $name);
                }
            )
        );
        foreach ($it as $f) {
            $rel = substr($f->getPathname(), strlen($root) + 1);
            // run-tests artefacts next to a .phpt of the same name.
            if (preg_match('/^(.*?)(\.skip|\.clean)?\.(diff|out|exp|log|mem|php|sh)$/', $rel, $m)
                && is_file("$root/{$m[1]}.phpt")) {
                continue;
            }
            $files[] = $rel;
        }
    }
    sort($files, SORT_STRING);
    return $files;
}

/** path => role of everything that belongs in the package. */
function expected_files(string $root): array
{
    $want = [];
    foreach (['config.m4', 'config.w32', 'php_sentry_transport.h'] as $f) {
        $want[$f] = 'src';
    }
    foreach (['README.md', 'LICENSE', 'CHANGELOG.md', 'NEWS'] as $f) {
        if (is_file("$root/$f")) {
            $want[$f] = 'doc';
        }
    }
    foreach (tree_files($root, 'stubs') as $f) {
        if (str_ends_with($f, '.stub.php')) {
            $want[$f] = 'src';
        }
    }
    foreach (tree_files($root, 'src') as $f) {
        if (preg_match('/\.[ch]$/', $f)) {
            $want[$f] = 'src';
        }
    }
    foreach (tree_files($root, 'tests') as $f) {
        if (basename($f) === '.gitignore') {
            continue;
        }
        $want[$f] = 'test';
    }
    ksort($want, SORT_STRING);
    return $want;
}

/** path => role listed in package.xml's <contents>. */
function listed_files(DOMDocument $doc): array
{
    $xp = new DOMXPath($doc);
    $xp->registerNamespace('p', PKG_NS);
    $listed = [];
    foreach ($xp->query('//p:contents//p:file') as $file) {
        $parts = [];
        for ($n = $file->parentNode; $n instanceof DOMElement && $n->localName === 'dir';
             $n = $n->parentNode) {
            $name = trim($n->getAttribute('name'), '/');
            if ($name !== '') {
                array_unshift($parts, $name);
            }
        }
        $parts[] = $file->getAttribute('name');
        $listed[implode('/', $parts)] = $file->getAttribute('role');
    }
    return $listed;
}

function write_contents(string $path, array $want): void
{
    $xml = file_get_contents($path);
    $lines = ["  <dir name=\"/\">"];
    foreach ($want as $f => $role) {
        $lines[] = sprintf('   <file name="%s" role="%s" />', htmlspecialchars($f, ENT_XML1), $role);
    }
    $lines[] = '  </dir>';
    $new = preg_replace(
        '#<contents>.*?</contents>#s',
        "<contents>\n" . implode("\n", $lines) . "\n </contents>",
        $xml,
        1,
        $count
    );
    if ($count !== 1) {
        fwrite(STDERR, "package.xml has no <contents> element\n");
        exit(1);
    }
    file_put_contents($path, $new);
}

/** The .c files a build script compiles (paths relative to the root). */
function m4_sources(string $m4): array
{
    if (!preg_match('/PHP_NEW_EXTENSION\(\s*\[?sentry_transport\]?\s*,\s*\[(.*?)\]/s', $m4, $m)) {
        return [];
    }
    $list = preg_split('/[\s\\\\]+/', $m[1], -1, PREG_SPLIT_NO_EMPTY);
    sort($list, SORT_STRING);
    return $list;
}

function w32_sources(string $w32): array
{
    $list = [];
    if (preg_match_all('/ADD_SOURCES\(\s*configure_module_dirname\s*\+\s*"((?:\\\\\\\\[\w]+)+)"\s*,\s*((?:"[^"]*"\s*\+?\s*)+),/s',
        $w32, $all, PREG_SET_ORDER)) {
        foreach ($all as $m) {
            $dir = str_replace('\\\\', '/', $m[1]);
            preg_match_all('/"([^"]*)"/', $m[2], $strings);
            foreach (preg_split('/\s+/', implode(' ', $strings[1]), -1, PREG_SPLIT_NO_EMPTY) as $c) {
                $list[] = ltrim($dir, '/') . '/' . $c;
            }
        }
    }
    sort($list, SORT_STRING);
    return $list;
}

function define_value(string $file, string $name): ?string
{
    if (!is_file($file)) {
        return null;
    }
    if (preg_match('/#\s*define\s+' . preg_quote($name, '/') . '\s+"([^"]*)"/', file_get_contents($file), $m)) {
        return $m[1];
    }
    return null;
}

// ---------------------------------------------------------------------------------------

$pkgPath = "$root/package.xml";
$want = expected_files($root);
if ($update) {
    write_contents($pkgPath, $want);
    echo "package.xml: <contents> rewritten with " . count($want) . " files\n";
}

$doc = new DOMDocument();
if (!@$doc->load($pkgPath)) {
    fwrite(STDERR, "package.xml is not well-formed XML\n");
    exit(1);
}
$listed = listed_files($doc);

foreach ($listed as $f => $role) {
    if (!is_file("$root/$f")) {
        $problems[] = "listed in package.xml but missing: $f";
    } elseif (isset($want[$f]) && $want[$f] !== $role) {
        $problems[] = "wrong role for $f: \"$role\", expected \"{$want[$f]}\"";
    }
}
foreach ($want as $f => $role) {
    if (!isset($listed[$f])) {
        $problems[] = "not listed in package.xml: $f (role=\"$role\")";
    }
}

// Build scripts vs. the C sources on disk.
$cFiles = array_values(array_filter(array_keys($want), fn ($f) => preg_match('#^src/.*\.c$#', $f) === 1));
sort($cFiles, SORT_STRING);
$m4text = (string)@file_get_contents("$root/config.m4");
$m4 = m4_sources($m4text);
foreach (array_diff($cFiles, $m4) as $f) {
    $problems[] = "config.m4: PHP_NEW_EXTENSION does not compile $f: add it to the source list there";
}
foreach (array_diff($m4, $cFiles) as $f) {
    $problems[] = "config.m4: PHP_NEW_EXTENSION lists $f, which does not exist";
}
$w32text = (string)@file_get_contents("$root/config.w32");
// A config.w32 that refuses Windows outright builds nothing: its list is not checked.
$w32 = preg_match('/^\s*ERROR\(/m', $w32text) ? $cFiles : w32_sources($w32text);
foreach (array_diff($cFiles, $w32) as $f) {
    $problems[] = "config.w32: ADD_SOURCES does not list $f: add it there";
}
foreach (array_diff($w32, $cFiles) as $f) {
    $problems[] = "config.w32: ADD_SOURCES lists $f, which does not exist";
}

// One version everywhere.
$xp = new DOMXPath($doc);
$xp->registerNamespace('p', PKG_NS);
$versions = [
    'package.xml <version><release>' => trim((string)$xp->evaluate('string(/p:package/p:version/p:release)')),
    'PHP_SENTRY_TRANSPORT_VERSION (php_sentry_transport.h)' => define_value("$root/php_sentry_transport.h", 'PHP_SENTRY_TRANSPORT_VERSION'),
    'ST_VERSION (src/core/common.h)' => define_value("$root/src/core/common.h", 'ST_VERSION'),
];
if (count(array_unique(array_map('strval', $versions))) !== 1) {
    $desc = [];
    foreach ($versions as $where => $v) {
        $desc[] = "$where = " . var_export($v, true);
    }
    $problems[] = 'versions differ: ' . implode(', ', $desc);
}

if ($problems) {
    foreach ($problems as $p) {
        echo "FAIL $p\n";
    }
    echo count($problems) . " problem(s); run with --update to rewrite <contents> from the tree\n";
    exit(1);
}
echo "package.xml OK: " . count($listed) . " files, version {$versions['package.xml <version><release>']}\n";
