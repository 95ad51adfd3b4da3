--TEST--
php.ini: enabled, environment, release, server_name, sample_rate (and their SENTRY_* fallbacks)
--SKIPIF--
<?php require __DIR__ . '/skipif.inc'; ?>
--INI--
sentry_transport.queue.name=010_ini_general
--FILE--
<?php
require __DIR__ . '/st.inc';
$q = ['queue.name' => '010_ini_general'];
$host = gethostname();
$cases = [
    // enabled
    [['enabled' => '1'], 'enabled'],
    [['enabled' => 'off'], 'enabled'],
    [['enabled' => 'no'], 'enabled'],
    [['enabled' => 'TRUE'], 'enabled'],
    [['enabled' => 'maybe'], 'enabled'],
    // environment
    [['environment' => 'staging'], 'environment'],
    [['environment' => ''], 'environment'],
    [['environment' => 'has space'], 'environment'],
    [['environment' => 'None'], 'environment'], // php.ini reads an unquoted None as ""
    [['environment' => '"None"'], 'environment'],
    [[], 'environment', ['SENTRY_ENVIRONMENT' => 'None']],
    [['environment' => str_repeat('e', 65)], 'environment'],
    [['environment' => 'a/b'], 'environment'],
    [[], 'environment', ['SENTRY_ENVIRONMENT' => 'from-env']],
    [['environment' => 'from-ini'], 'environment', ['SENTRY_ENVIRONMENT' => 'from-env']],
    [[], 'environment', ['SENTRY_ENVIRONMENT' => 'bad env']],
    // release
    [['release' => 'my-app@1.2.3+build.7'], 'release'],
    [['release' => 'a/b'], 'release'],
    [['release' => '..'], 'release'],
    [['release' => str_repeat('r', 201)], 'release'],
    [[], 'release', ['SENTRY_RELEASE' => 'env-release-1']],
    [['release' => 'ini-release'], 'release', ['SENTRY_RELEASE' => 'env-release-1']],
    // server_name (default: the host name)
    [[], 'server_name'],
    [['server_name' => 'web-01.example'], 'server_name'],
    [['server_name' => "a\tb"], 'server_name'],
    // sample_rate
    [[], 'sample_rate'],
    [['sample_rate' => '0.25'], 'sample_rate'],
    [['sample_rate' => '0'], 'sample_rate'],
    [['sample_rate' => '1.5'], 'sample_rate'],
    [['sample_rate' => 'half'], 'sample_rate'],
    [['sample_rate' => 'nan'], 'sample_rate'],
    [[], 'sample_rate', ['SENTRY_SAMPLE_RATE' => '0.5']],
    [['sample_rate' => '0.75'], 'sample_rate', ['SENTRY_SAMPLE_RATE' => '0.5']],
    [[], 'sample_rate', ['SENTRY_SAMPLE_RATE' => '2']],
];
foreach ($cases as $c) {
    $line = st_ini_case($c[0], $c[1], $c[2] ?? [], $q);
    echo preg_replace('~-> ' . preg_quote($host, '~') . '$~m', '-> <hostname>', $line), "\n";
}
?>
--EXPECT--
enabled=1 -> On
enabled=off -> Off
enabled=no -> Off
enabled=TRUE -> On
enabled=maybe -> On
    ! sentry_transport.enabled: invalid value "maybe" (expected on/off, 1/0, true/false or yes/no), using default on
environment=staging -> staging
environment= -> (not set)
environment=has space -> (not set)
    ! sentry_transport.environment: invalid value "has space" (expected a Sentry environment name (no spaces, slashes or newlines, not "None", at most 64 characters)), using default (none)
environment=None -> (not set)
environment="None" -> (not set)
    ! sentry_transport.environment: invalid value "None" (expected a Sentry environment name (no spaces, slashes or newlines, not "None", at most 64 characters)), using default (none)
$SENTRY_ENVIRONMENT=None -> (not set)
    ! SENTRY_ENVIRONMENT: invalid value "None" (expected a Sentry environment name (no spaces, slashes or newlines, not "None", at most 64 characters)), using default (none)
environment=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee -> (not set)
    ! sentry_transport.environment: invalid value "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee..." (expected a Sentry environment name (no spaces, slashes or newlines, not "None", at most 64 characters)), using default (none)
environment=a/b -> (not set)
    ! sentry_transport.environment: invalid value "a/b" (expected a Sentry environment name (no spaces, slashes or newlines, not "None", at most 64 characters)), using default (none)
$SENTRY_ENVIRONMENT=from-env -> from-env
$SENTRY_ENVIRONMENT=from-env environment=from-ini -> from-ini
$SENTRY_ENVIRONMENT=bad env -> (not set)
    ! SENTRY_ENVIRONMENT: invalid value "bad env" (expected a Sentry environment name (no spaces, slashes or newlines, not "None", at most 64 characters)), using default (none)
release=my-app@1.2.3+build.7 -> my-app@1.2.3+build.7
release=a/b -> (not set)
    ! sentry_transport.release: invalid value "a/b" (expected a Sentry release name (no slashes, backslashes, tabs or newlines, not "." or "..", at most 200 characters)), using default (none)
release=.. -> (not set)
    ! sentry_transport.release: invalid value ".." (expected a Sentry release name (no slashes, backslashes, tabs or newlines, not "." or "..", at most 200 characters)), using default (none)
release=rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr -> (not set)
    ! sentry_transport.release: invalid value "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr..." (expected a Sentry release name (no slashes, backslashes, tabs or newlines, not "." or "..", at most 200 characters)), using default (none)
$SENTRY_RELEASE=env-release-1 -> env-release-1
$SENTRY_RELEASE=env-release-1 release=ini-release -> ini-release
(server_name not set) -> <hostname>
server_name=web-01.example -> web-01.example
server_name=a\tb -> <hostname>
    ! sentry_transport.server_name: invalid value "a?b" (expected printable text, at most 255 bytes), using default (none)
(sample_rate not set) -> 1
sample_rate=0.25 -> 0.25
sample_rate=0 -> 0
sample_rate=1.5 -> 1
    ! sentry_transport.sample_rate: invalid value "1.5" (expected a number from 0 to 1), using default 1
sample_rate=half -> 1
    ! sentry_transport.sample_rate: invalid value "half" (expected a number from 0 to 1), using default 1
sample_rate=nan -> 1
    ! sentry_transport.sample_rate: invalid value "nan" (expected a number from 0 to 1), using default 1
$SENTRY_SAMPLE_RATE=0.5 -> 0.5
$SENTRY_SAMPLE_RATE=0.5 sample_rate=0.75 -> 0.75
$SENTRY_SAMPLE_RATE=2 -> 1
    ! SENTRY_SAMPLE_RATE: invalid value "2" (expected a number from 0 to 1), using default 1
