"""analyzers.lib.php: PHP calls, call chains, literal values and env reads read by tree-sitter-php, never run."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analyzers.lib import php, treesitter
from analyzers.lib.php import Const, EnvRef, Interp, PhpFile, Unknown

# A Laravel 5.5 console kernel, as `php artisan make:command` left it, with a few schedules added.
KERNEL = b"""<?php

namespace App\\Console;

use Illuminate\\Console\\Scheduling\\Schedule;
use Illuminate\\Foundation\\Console\\Kernel as ConsoleKernel;

class Kernel extends ConsoleKernel
{
    protected $commands = [
        \\App\\Console\\Commands\\SendEmails::class,
    ];

    protected function schedule(Schedule $schedule)
    {
        $schedule->command('emails:send --force')
                 ->dailyAt('02:00')
                 ->withoutOverlapping();
        $schedule->job(new \\App\\Jobs\\Heartbeat)->everyFiveMinutes();
        $schedule->command(SendEmails::class, ['--queue' => 'mail'])->weeklyOn(1, '8:00')->timezone('Europe/Paris');
    }
}
"""


def _file(src: bytes | str) -> PhpFile:
    parsed = PhpFile.parse(src)
    assert parsed is not None
    return parsed


def test_method_chains_keep_their_receiver_links_arguments_and_lines() -> None:
    f = _file(KERNEL)
    chains = list(f.chains_on("schedule"))
    assert [(c.receiver, c.methods, c.line) for c in chains] == [
        ("$schedule", ["command", "dailyAt", "withoutOverlapping"], 16),
        ("$schedule", ["job", "everyFiveMinutes"], 19),
        ("$schedule", ["command", "weeklyOn", "timezone"], 20),
    ]
    first, job, third = chains
    assert first.first.args == ("emails:send --force",)
    daily = first.link("dailyat")
    assert daily is not None and daily.args == ("02:00",)
    assert first.links[1].line == 16  # a link's line is where its call starts (the chain's first line)
    assert isinstance(job.first.args[0], Unknown) and job.first.args[0].text.startswith("new ")
    assert third.first.args == (Const("SendEmails::class"), {"--queue": "mail"})
    assert third.first.args[0].class_name == "SendEmails"
    weekly = third.link("weeklyOn")
    assert weekly is not None and weekly.args == (1, "8:00")
    assert not first.static


def test_static_calls_are_chains_with_the_class_as_receiver() -> None:
    f = _file(b"""<?php
use Illuminate\\Support\\Facades\\Schedule;
use Illuminate\\Support\\Facades\\Route;

Schedule::command('inspire')->hourly();
\\Illuminate\\Support\\Facades\\Route::get('/health', function () {
    return response()->json(['ok' => true]);
})->name('health');
$app->get('/healthz', [HealthController::class, 'show']);
""")
    schedule = next(f.chains_on("Schedule"))
    assert schedule.static and schedule.receiver == "Schedule" and schedule.methods == ["command", "hourly"]
    route = next(f.chains_on("route"))
    assert route.static and route.receiver_name == "Route" and route.first.args[0] == "/health"
    assert route.line == 6 and route.methods == ["get", "name"]
    slim = next(f.chains_on("app"))
    assert slim.first.args == ("/healthz", [Const("HealthController::class"), "show"])
    # the closure's own calls are walked too: response()->json() is a chain on a call
    assert any(c.methods == ["json"] for c in f.chains)
    assert [c.name for c in f.calls] == ["response"]


def test_env_reads_of_every_kind_with_defaults_and_lines() -> None:
    f = _file(b"""<?php
$a = getenv('DB_HOST') ?: 'localhost';
$b = $_ENV['APP_SECRET'] ?? 'change-me';
$c = env('CACHE_DRIVER', 'file');
$d = env("APP_DEBUG", false);
$e = $_SERVER['APP_ENV'] ?? $_ENV['APP_ENV'] ?? 'dev';
$f = \\getenv('REDIS_URL');
$g = (int) getenv('WEB_CONCURRENCY');
if (isset($_ENV['FEATURE_X'])) {}
$h = env('QUEUE_CONNECTION');
$i = '%env(resolve:DATABASE_URL)%';
$j = env('MAIL_PORT', null);
""")
    assert f.env_reads == [
        EnvRef("DB_HOST", "localhost", 2, "getenv", has_default=True),
        EnvRef("APP_SECRET", "change-me", 3, "$_ENV", has_default=True),
        EnvRef("CACHE_DRIVER", "file", 4, "env", has_default=True),
        EnvRef("APP_DEBUG", False, 5, "env", has_default=True),
        EnvRef("APP_ENV", "dev", 6, "$_SERVER", has_default=True),
        EnvRef("APP_ENV", "dev", 6, "$_ENV", has_default=True),
        EnvRef("REDIS_URL", None, 7, "getenv"),
        EnvRef("WEB_CONCURRENCY", None, 8, "getenv"),
        EnvRef("FEATURE_X", None, 9, "$_ENV", check=True),
        EnvRef("QUEUE_CONNECTION", None, 10, "env"),
        EnvRef("DATABASE_URL", None, 11, "%env%", processors=("resolve",)),
        EnvRef("MAIL_PORT", None, 12, "env", has_default=True),
    ]


def test_symfony_env_placeholders_in_yaml_text() -> None:
    text = ("doctrine:\n    dbal:\n        url: '%env(resolve:DATABASE_URL)%'\n"
            "        port: '%env(int:default:p:DB_PORT)%'\n")
    assert list(php.env_placeholders(text)) == [
        EnvRef("DATABASE_URL", None, 3, "%env%", processors=("resolve",)),
        EnvRef("DB_PORT", None, 4, "%env%", processors=("int", "default", "p")),
    ]


def test_values_literals_arrays_constants_and_interpolation() -> None:
    f = _file(b"""<?php
f('it\\'s', "tab\\there", 0755, 0x1F, 1_000, -5, 2.5, true, FALSE, null, NULL);
f(array('a', 'b'), ['k' => 1, 2, 'n' => ['x' => 'y']], [5 => 'a', 'b']);
f(PHP_EOL, __DIR__ . '/../storage', 'a' . 'b', "{$base}/logs", "v$x", storage_path('logs'));
f(<<<EOT
hello $name
EOT, <<<'EOT'
raw $x
EOT);
f(getenv('HOME') . '/.cache', ...$rest, name: 'health');
""")
    fs = list(f.function_calls("f"))
    first, second, third, heredocs, last = (c.args for c in fs)
    assert [c.name for c in f.calls].count("storage_path") == 1  # nested calls are calls too
    assert first == ("it's", "tab\there", 0o755, 31, 1000, -5, 2.5, True, False, None, None)
    assert second == (["a", "b"], {"k": 1, 0: 2, "n": {"x": "y"}}, {5: "a", 6: "b"})
    assert third[0] == Const("PHP_EOL")
    assert third[1] == Interp((Const("__DIR__"), "/../storage")) and third[1].text == "{__DIR__}/../storage"
    assert third[2] == "ab"
    assert isinstance(third[3], Interp) and third[3].text == "{$base}/logs"
    assert isinstance(third[4], Interp) and third[4].literal_prefix == "v"
    assert isinstance(third[5], Unknown) and third[5].text == "storage_path('logs')"
    assert isinstance(heredocs[0], Interp) and heredocs[0].literal_prefix == "hello "
    assert heredocs[1] == "raw $x"
    assert last[0] == Interp((EnvRef("HOME", None, 10, "getenv"), "/.cache"))
    assert isinstance(last[1], Unknown) and fs[4].named == {"name": "health"}
    assert php.is_literal(second[1]) and not php.is_literal(third[1])
    assert php.text_of(third[0]) == "PHP_EOL" and php.text_of(third[3]) is None


def test_defines_and_the_returned_config_array() -> None:
    f = _file(b"""<?php
define('DB_NAME', 'wordpress');
define( 'WP_DEBUG', false );
define('ABSPATH', dirname(__FILE__) . '/');
""")
    assert [(d.name, d.value, d.line) for d in f.defines[:2]] == [("DB_NAME", "wordpress", 2), ("WP_DEBUG", False, 3)]
    assert isinstance(f.defines[2].value, Interp)
    # a define's value read from the environment, with the default ?: or ?? gives
    env = _file(b"<?php\ndefine('DB_HOST', getenv('WORDPRESS_DB_HOST') ?: 'db:3306');\n"
                b"define('DB_USER', $_ENV['WORDPRESS_DB_USER'] ?? 'wp');\n")
    assert [d.value for d in env.defines] == [
        EnvRef("WORDPRESS_DB_HOST", "db:3306", 2, "getenv", has_default=True),
        EnvRef("WORDPRESS_DB_USER", "wp", 3, "$_ENV", has_default=True)]
    config = _file(b"""<?php
return [
    'default' => env('DB_CONNECTION', 'mysql'),
    'connections' => ['sqlite' => ['driver' => 'sqlite']],
];
""").returned()
    assert isinstance(config, dict)
    assert config["default"] == EnvRef("DB_CONNECTION", "mysql", 3, "env", has_default=True)
    assert config["connections"] == {"sqlite": {"driver": "sqlite"}}


def test_attributes_and_docblock_annotations() -> None:
    f = _file(b"""<?php
class HealthController
{
    #[Route('/health', name: 'health', methods: ['GET'])]
    public function health(): Response {}

    /**
     * @Route("/ping", name="ping")
     */
    public function ping() {}
}
#[AsCronTask('0 3 * * *')]
class Cleanup {}
""")
    assert [(a.name, a.args, a.line) for a in f.attributes] == [
        ("Route", ("/health",), 4), ("AsCronTask", ("0 3 * * *",), 12)]
    assert f.attributes[0].named == {"name": "health", "methods": ["GET"]}
    assert [(a.name, a.first, a.line) for a in f.annotations] == [("Route", "/ping", 8)]
    method, cron = f.attributes
    assert method.target.type == "method_declaration" and method.scope.type == "class_declaration"
    assert cron.target.type == "class_declaration" and cron.scope == cron.target


def test_chains_know_the_chain_they_are_written_in() -> None:
    f = _file(b"""<?php
Route::prefix('ops')->middleware('auth')->group(function () {
    Route::get('/ping', fn () => 'pong');
    Route::group(['prefix' => 'v1'], function () {
        Route::get('/health', 'HealthController@show');
    });
});
Route::get('/top', 'TopController@show');
""")
    by_path = {c.first.args[0]: c for c in f.chains if c.first.name == "get"}
    assert by_path["/ping"].outer is not None and by_path["/ping"].outer.methods == ["prefix", "middleware", "group"]
    inner = by_path["/health"].outer
    assert inner is not None and inner.first.args == ({"prefix": "v1"}, Unknown(inner.first.args[1].text, 4))
    assert inner.outer is by_path["/ping"].outer
    assert by_path["/top"].outer is None


def test_templates_broken_files_and_php5_code_are_read() -> None:
    template = _file(b"""<html><body>
<h1><?php echo htmlspecialchars($title); ?></h1>
<?php $key = getenv('MAPS_KEY'); ?>
<script>var x = "<?= $key ?>";</script>
</body></html>
""")
    assert [r.name for r in template.env_reads] == ["MAPS_KEY"]
    assert [c.name for c in template.calls] == ["htmlspecialchars", "getenv"]
    broken = _file(b"""<?php
if ($x { broken
$z = getenv("AFTER_THE_ERROR");
function ( {
""")
    assert broken.has_errors
    assert [r.name for r in broken.env_reads] == ["AFTER_THE_ERROR"]
    legacy = _file(b"""<?php
mysql_connect(DB_HOST, DB_USER, DB_PASSWORD);
$conf = array('cache' => dirname(__FILE__) . '/cache', 'debug' => (bool) getenv('DEBUG'));
""")
    assert legacy.calls[0].args == (Const("DB_HOST"), Const("DB_USER"), Const("DB_PASSWORD"))
    assert [r.name for r in legacy.env_reads] == ["DEBUG"]


def test_bounds_large_deep_and_long_files() -> None:
    assert PhpFile.parse(b"<?php\n" + b"$a = 1;\n" * (treesitter.MAX_BYTES // 8 + 1)) is None
    deep = _file(b"<?php f(" + b"[" * 3000 + b"]" * 3000 + b");")
    value = deep.calls[0].args[0]
    for _ in range(php.MAX_DEPTH):
        assert isinstance(value, list)
        value = value[0]
    assert isinstance(value, (list, Unknown))
    # a long chain is read once, from its outermost call: linear, not quadratic in its length
    chain = b"<?php $q" + b"->where('a', 1)" * 8000 + b";"
    start = time.monotonic()
    long = _file(chain)
    assert time.monotonic() - start < 5
    assert len(long.chains) == 1 and len(long.chains[0].links) == 8000
    nested = b"<?php " + b"f(" * 4000 + b")" * 4000 + b";"
    start = time.monotonic()
    deep_calls = _file(nested)
    assert time.monotonic() - start < 5 and len(deep_calls.calls) == 4000


def test_items_are_bounded_per_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(php, "MAX_ITEMS", 10)
    f = _file(b"<?php\n" + b"getenv('X');\n" * 50)
    assert f.truncated and len(f.env_reads) <= 10 and len(f.calls) <= 10


def test_grammar_registered_for_php_files() -> None:
    assert treesitter.grammar_for("app/Console/Kernel.php") == "php"
    with pytest.raises(php.Unavailable):
        monkeypatched = dict(treesitter._GRAMMARS)
        try:
            treesitter._GRAMMARS["php"] = ("no_such_module_php", "language_php")
            treesitter.language.cache_clear()
            php.parse(b"<?php")
        finally:
            treesitter._GRAMMARS.clear()
            treesitter._GRAMMARS.update(monkeypatched)
            treesitter.language.cache_clear()


def test_creations_comparisons_and_use_imports() -> None:
    f = _file(b"""<?php
namespace App;

use Predis\\Client as Redis;
use Monolog\\Handler\\StreamHandler;
use function Foo\\helper;

$r = new Redis(['host' => getenv('REDIS_HOST')]);
$h = new \\Monolog\\Handler\\RotatingFileHandler(__DIR__ . '/logs/app.log');
$anon = new class { };
switch ($path) { case '/healthz': break; case 7: break; }
if ($path === '/ready' || 'x' == $y || $a != '/no') {}
""")
    assert [(c.name, c.line) for c in f.creations] == [("Redis", 8), ("Monolog\\Handler\\RotatingFileHandler", 9)]
    assert f.creations[0].args == ({"host": EnvRef("REDIS_HOST", None, 8, "getenv")},)
    assert f.uses == {"Redis": "Predis\\Client", "StreamHandler": "Monolog\\Handler\\StreamHandler"}
    assert f.resolve("Redis") == "Predis\\Client" and f.resolve("\\Redis") == "Redis"
    assert f.resolve("StreamHandler") == "Monolog\\Handler\\StreamHandler" and f.resolve("PDO") == "PDO"
    assert f.compared == [("/healthz", 11), ("/ready", 12), ("x", 12)]


_PHP_BITS = st.sampled_from([
    "<?php ", "?>", "<html>", "$schedule->command('x')", "->daily()", "Route::get('/health', ", "getenv('A')",
    "env('B', ", "$_ENV['C']", " ?? ", " ?: ", "define('D', ", "'%env(E)%'", "[", "]", "(", ")", "{", "}", ";",
    ",", "'", '"', "#[Route('/x')]", "/** @Route(\"/y\") */", "new Foo(", "use A\\B as C;", "case '/z':",
    "<<<EOT\n", "\nEOT;\n", "function f() ", "class K ", "\n", "\\", "$a", "1", "0x1F", "true", "null",
])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PHP_BITS, max_size=60), st.binary(max_size=40))
def test_any_input_reads_without_raising(bits: list[str], noise: bytes) -> None:
    f = PhpFile.parse("".join(bits).encode() + noise)
    assert f is not None
    f.returned()
    for chain in f.chains:
        assert chain.links and chain.line >= 1
    assert all(r.line >= 1 and r.name for r in f.env_reads)
