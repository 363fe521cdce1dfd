"""Tests for analyzers/providers/php/app_code.py (php_code): env vars, secrets, WordPress settings, services,
health routes and writable directories of Laravel, Symfony, WordPress and plain PHP apps."""

from __future__ import annotations

from analyzers.providers.php import app_code, wp_config
from migrator.model import Confidence, Kind

E, V, SV, HC = Kind.ENV, Kind.VOLUME, Kind.SERVICE, Kind.HEALTH_CHECK
D, I, H = Confidence.DECLARED, Confidence.INFERRED, Confidence.HEURISTIC  # noqa: E741

# A Laravel 5.5 app as `composer create-project laravel/laravel:5.5.*` left it, trimmed, with its own code.
LARAVEL = {
    "artisan": "#!/usr/bin/env php\n<?php\nrequire __DIR__.'/bootstrap/autoload.php';\n",
    "bootstrap/app.php": "<?php\n$app = new Illuminate\\Foundation\\Application(realpath(__DIR__.'/../'));\n"
                         "return $app;\n",
    "composer.json": '{\n  "require": {\n    "php": ">=7.0.0",\n    "laravel/framework": "5.5.*",\n'
                     '    "predis/predis": "^1.1"\n  }\n}\n',
    "public/index.php": "<?php\nrequire __DIR__.'/../bootstrap/autoload.php';\n",
    ".env.example": """\
        APP_NAME=Laravel
        APP_ENV=local
        APP_KEY=
        APP_DEBUG=true
        DB_CONNECTION=mysql
        DB_HOST=127.0.0.1
        DB_PASSWORD=secret
        BROADCAST_DRIVER=log
        CACHE_DRIVER=redis
        QUEUE_DRIVER=sync
        REDIS_HOST=127.0.0.1
        """,
    "config/app.php": """\
        <?php

        return [
            'name' => env('APP_NAME', 'Laravel'),
            'env' => env('APP_ENV', 'production'),
            'debug' => env('APP_DEBUG', false),
            'url' => env('APP_URL', 'http://localhost'),
            'key' => env('APP_KEY'),
            'cipher' => 'AES-256-CBC',
        ];
        """,
    "config/database.php": """\
        <?php

        return [
            'default' => env('DB_CONNECTION', 'mysql'),
            'connections' => [
                'sqlite' => [
                    'driver' => 'sqlite',
                    'database' => env('DB_DATABASE', database_path('database.sqlite')),
                ],
                'mysql' => [
                    'driver' => 'mysql',
                    'host' => env('DB_HOST', '127.0.0.1'),
                    'port' => env('DB_PORT', '3306'),
                    'password' => env('DB_PASSWORD', 'Xk9#mQ2$vL7pR4wZ'),
                ],
            ],
            'redis' => [
                'client' => 'predis',
                'default' => ['host' => env('REDIS_HOST', '127.0.0.1'), 'password' => env('REDIS_PASSWORD', null)],
            ],
        ];
        """,
    "app/Http/Controllers/ReportController.php": """\
        <?php

        namespace App\\Http\\Controllers;

        class ReportController extends Controller
        {
            public function export()
            {
                $token = env('REPORTS_API_TOKEN');
                file_put_contents(storage_path('app/reports/latest.csv'), $this->csv());
                file_put_contents(public_path('exports/' . date('Y-m-d') . '.csv'), $this->csv());
                return response()->download(storage_path('app/reports/latest.csv'));
            }
        }
        """,
    "routes/web.php": """\
        <?php

        Route::get('/', function () {
            return view('welcome');
        });
        Route::get('/healthz', 'HealthController@show');
        Route::prefix('ops')->group(function () {
            Route::get('/ping', function () { return 'pong'; });
        });
        """,
    "routes/api.php": """\
        <?php

        Route::middleware('auth:api')->get('/user', function (Request $request) {
            return $request->user();
        });
        Route::get('/health', function () { return ['ok' => true]; });
        Route::middleware('throttle:60,1')->get('/status', 'StatusController@show');
        """,
    "vendor/laravel/framework/src/Illuminate/Foundation/helpers.php": "<?php\ngetenv('VENDORED_ONLY');\n",
    "tests/TestCase.php": "<?php\nputenv('TESTING_ONLY=1'); getenv('TESTING_ONLY');\n",
}


def test_laravel_env_reads_defaults_and_a_secret_fallback(run_analyzer):
    r = run_analyzer(app_code, LARAVEL)
    keys = r.keys(E)
    assert "VENDORED_ONLY" not in keys and "TESTING_ONLY" not in keys  # vendor/ and tests/ are not the app
    host = r.of(E, "DB_HOST")
    assert [(f.source.file, f.source.line, f.source.confidence, f.fields.get("default")) for f in host] == [
        ("config/database.php", 12, D, None), ("config/database.php", 12, H, "127.0.0.1")]
    assert [(f.source.confidence, f.fields.get("default")) for f in r.of(E, "APP_DEBUG")] == [(D, None), (H, "false")]
    # a real password as env()'s fallback: reported by place, never copied
    [password] = [s for s in r.secrets if s.name == "DB_PASSWORD"]
    assert (password.file, password.line, password.fallback) == ("config/database.php", 14, True)
    assert "Xk9#mQ2$vL7pR4wZ" not in repr(r.items)
    assert r.field(E, "DB_PASSWORD", "secret") is True and r.field(E, "REDIS_PASSWORD", "secret") is True
    assert all("default" not in f.fields for f in r.of(E, "REDIS_PASSWORD"))
    app_key = [f for f in r.of(E, "APP_KEY") if f.fields.get("required")]
    assert [(f.source.file, f.source.line, f.fields["secret"]) for f in app_key] == [("config/app.php", 8, True)]


def test_laravel_env_outside_config_is_a_warning(run_analyzer):
    r = run_analyzer(app_code, LARAVEL)
    outside = [w for w in r.warnings if "outside config/" in w.message]
    assert [(w.file, w.line) for w in outside] == [("app/Http/Controllers/ReportController.php", 9)]
    assert "config:cache" in outside[0].message and "REPORTS_API_TOKEN" in outside[0].message
    assert r.field(E, "REPORTS_API_TOKEN", "secret") is True


def test_laravel_services_from_the_template_and_the_config(run_analyzer):
    r = run_analyzer(app_code, LARAVEL)
    assert r.keys(SV) == ["mysql", "redis"]
    mysql = r.one(SV, "mysql")
    assert (mysql.source.file, mysql.source.line, mysql.fields["note"]) == (".env.example", 5, "DB_CONNECTION=mysql")
    redis = r.one(SV, "redis")
    assert (redis.source.file, redis.source.line) == (".env.example", 9)
    assert redis.fields["client"] == "predis"  # config/database.php 'redis' => ['client' => 'predis']


def test_laravel_redis_host_of_its_own_is_redis_and_the_stock_one_is_not(run_analyzer):
    files = {k: v for k, v in LARAVEL.items() if k != "composer.json"}
    files["composer.json"] = '{"require": {"laravel/framework": "5.5.*"}}\n'
    files[".env.example"] = "DB_CONNECTION=pgsql\nCACHE_DRIVER=file\nREDIS_HOST=127.0.0.1\nREDIS_CLIENT=phpredis\n"
    r = run_analyzer(app_code, files)
    assert r.keys(SV) == ["postgres"]
    # the same tree rewritten: a Redis host of the app's own
    files[".env.example"] = "DB_CONNECTION=pgsql\nREDIS_HOST=redis.internal\nREDIS_CLIENT=phpredis\n"
    r = run_analyzer(app_code, files)
    assert r.keys(SV) == ["postgres", "redis"]
    redis = r.one(SV, "redis")
    assert (redis.source.line, redis.fields["client"], redis.fields["note"]) == (
        2, "phpredis", "REDIS_HOST=redis.internal")


def test_laravel_services_without_a_template_from_the_config_default(run_analyzer):
    r = run_analyzer(app_code, {k: v for k, v in LARAVEL.items() if k != ".env.example"})
    mysql = r.one(SV, "mysql")
    assert (mysql.source.file, mysql.source.line) == ("config/database.php", 4)
    assert r.one(SV, "redis").fields["note"] == "depends on predis/predis"


def test_laravel_sqlite_is_a_volume_at_the_database_file(run_analyzer):
    files = dict(LARAVEL)
    files[".env.example"] = "APP_KEY=\nDB_CONNECTION=sqlite\n"
    r = run_analyzer(app_code, files)
    sqlite = [v for v in r.of(V) if v.fields.get("purpose") == "sqlite"]
    assert [(v.key, v.source.file, v.source.line) for v in sqlite] == [("database/database.sqlite", ".env.example", 2)]
    assert "mysql" not in r.keys(SV)


def test_laravel_health_routes_with_api_and_group_prefixes(run_analyzer):
    r = run_analyzer(app_code, LARAVEL)
    routes = {f.key: (f.source.file, f.source.line, f.source.confidence) for f in r.of(HC)}
    assert routes == {
        "/healthz": ("routes/web.php", 6, I),
        "/ops/ping": ("routes/web.php", 8, H),
        "/api/health": ("routes/api.php", 6, I),
        "/api/status": ("routes/api.php", 7, H),
    }


def test_laravel_writable_directories(run_analyzer):
    r = run_analyzer(app_code, LARAVEL)
    volumes = {v.key: (v.fields.get("storage"), v.fields.get("purpose")) for v in r.of(V)}
    assert volumes["storage/app/public"] == (None, "uploads")  # a claim (the generator's default storage)
    assert volumes["storage/logs"] == ("emptyDir", "logs")
    for part in ("cache", "sessions", "views"):
        assert volumes[f"storage/framework/{part}"][0] == "emptyDir"
    assert volumes["bootstrap/cache"][0] == "emptyDir"
    assert all(v.fields["relative_to"] == "repo" for v in r.of(V))
    # storage_path() writes are under storage/, already mounted; public_path('exports/...') is not
    assert "storage/app/reports" not in volumes
    [exports] = [v for v in r.of(V) if v.key == "public/exports"]
    assert (exports.source.file, exports.source.line) == ("app/Http/Controllers/ReportController.php", 11)
    assert exports.fields["storage"] == "emptyDir"


SALTS = {name: f"fake-{name.lower()}-Zq8#Lw2@Rt5!Vb9" for name in app_code.WP_SALTS}

WP_CONFIG = "<?php\n" + """\
/** The name of the database for WordPress */
define('DB_NAME', 'blog_prod');
define('DB_USER', 'blog');
define('DB_PASSWORD', 'Pw-fake-9c1f0e7d3b');
define('DB_HOST', 'db.internal:3306');
define('DB_CHARSET', 'utf8mb4');

""" + "".join(f"define('{name}', '{value}');\n" for name, value in SALTS.items()) + """\

$table_prefix  = 'blog_';

define('WP_DEBUG', true);
define('DISABLE_WP_CRON', true);

if ( !defined('ABSPATH') )
\tdefine('ABSPATH', dirname(__FILE__) . '/');

require_once(ABSPATH . 'wp-settings.php');
"""

WORDPRESS = {
    "wp-config.php": WP_CONFIG,
    "wp-settings.php": "<?php\ndefine('WPINC', 'wp-includes');\n",
    "index.php": "<?php\ndefine('WP_USE_THEMES', true);\nrequire __DIR__ . '/wp-blog-header.php';\n",
    "wp-includes/version.php": "<?php\n$wp_version = '4.9.8';\n",
    "wp-includes/load.php": "<?php\n$x = getenv('CORE_ONLY');\n",
    "wp-content/index.php": "<?php\n// Silence is golden.\n",
    "wp-content/themes/shop/functions.php": "<?php\n$maps = getenv('MAPS_API_KEY');\n"
                                            "error_log('x', 3, __DIR__ . '/logs/theme.log');\n",
}


def test_wordpress_config_settings_secrets_and_salts(run_analyzer):
    r = run_analyzer(app_code, WORDPRESS)
    text = repr(r.items)
    assert "Pw-fake-9c1f0e7d3b" not in text
    for value in SALTS.values():
        assert value not in text  # the salts are never copied anywhere
    for name in ("DB_PASSWORD", *app_code.WP_SALTS):
        assert r.field(E, name, "secret") is True and r.field(E, name, "required") is True
        assert all("default" not in f.fields for f in r.of(E, name))
    secrets = {s.name: s.line for s in r.secrets}
    assert secrets["DB_PASSWORD"] == 5 and secrets["AUTH_KEY"] == 9 and secrets["NONCE_SALT"] == 16
    assert [(f.source.confidence, f.fields.get("default")) for f in r.of(E, "DB_HOST")] == [
        (D, None), (H, "db.internal:3306")]
    assert r.field(E, "DB_NAME", "default") == "blog_prod"
    assert "ABSPATH" not in r.keys(E) and "CORE_ONLY" not in r.keys(E)  # WordPress core is not the app
    assert "MAPS_API_KEY" in r.keys(E)
    messages = [w.message for w in r.warnings]
    assert any("table prefix 'blog_'" in m for m in messages)
    assert any(m.startswith("WP_DEBUG is true") for m in messages)
    assert any("hard-codes DB_NAME, DB_USER, DB_PASSWORD, DB_HOST" in m for m in messages)


def test_wordpress_config_shape_for_the_image_and_every_define_an_env_var(run_analyzer):
    r = run_analyzer(app_code, WORDPRESS)
    [shape] = [f for f in r.of(Kind.RUNTIME) if "wp_defines" in f.fields]
    assert (shape.fields["wp_config"], shape.fields["wp_abspath"], shape.fields["wp_requires"]) == (
        "wp-config.php", "", ())  # ABSPATH dirname(__FILE__) . '/': core beside the file
    entries = {name: (line, kind, value) for name, line, kind, value in shape.fields["wp_defines"]}
    assert entries["DB_PASSWORD"] == (5, "secret", None) and entries["AUTH_KEY"] == (9, "secret", None)
    assert entries["DB_NAME"] == (3, "string", "blog_prod") and entries["WP_DEBUG"] == (20, "bool", True)
    assert "ABSPATH" not in entries
    assert r.field(Kind.RUNTIME, "", "wp_table_prefix") == "blog_"
    assert r.field(E, "WP_TABLE_PREFIX", "default") == "blog_"
    assert r.field(E, "DISABLE_WP_CRON", "default") == "true"  # every define: the ConfigMap carries it
    assert {s.needed_by for s in r.secrets} == {wp_config.REQUIRED_BY}  # WordPress requires the file
    assert "Pw-fake-9c1f0e7d3b" not in repr(r.items)


def test_a_define_secret_in_an_included_file_is_needed_and_one_nobody_loads_is_not(run_analyzer):
    r = run_analyzer(app_code, {
        "index.php": "<?php\ninclude 'lib/config.php';\necho 'x';\n",
        "lib/config.php": "<?php\ndefine('MAIL_PASSWORD', 'Qv7-mail-Real-2291');\n",
        "old/config.php": "<?php\ndefine('API_SECRET', 'Zt4-api-Real-8812-xx');\n"})
    needed = {s.file: s.needed_by for s in r.secrets}
    assert needed == {"lib/config.php": "included by index.php:2 (include)", "old/config.php": ""}


def test_wordpress_placeholders_are_not_secrets_and_getenv_defines_are_env(run_analyzer):
    config = """\
        <?php
        define('DB_NAME', getenv('WORDPRESS_DB_NAME') ?: 'wordpress');
        define('DB_PASSWORD', getenv('WORDPRESS_DB_PASSWORD'));
        define('AUTH_KEY', 'put your unique phrase here');
        $table_prefix = 'wp_';
        """
    r = run_analyzer(app_code, {"wp-config.php": config, "wp-settings.php": "<?php\n"})
    assert r.secrets == []
    assert r.field(E, "WORDPRESS_DB_NAME", "default") == "wordpress"
    assert r.field(E, "WORDPRESS_DB_PASSWORD", "secret") is True
    assert "DB_NAME" not in r.keys(E)  # read from the environment already
    assert r.field(E, "AUTH_KEY", "secret") is True


def test_wordpress_services_and_volumes(run_analyzer):
    r = run_analyzer(app_code, WORDPRESS)
    assert r.keys(SV) == ["mysql"]
    volumes = {v.key: (v.fields.get("storage"), v.fields.get("purpose")) for v in r.of(V)}
    assert volumes["wp-content/uploads"] == (None, "uploads")
    assert "wp-content/cache" not in volumes  # no page cache: WP_CACHE is not set
    assert volumes["wp-content/themes/shop/logs"] == ("emptyDir", "logs")
    assert any("DISALLOW_FILE_MODS" in w.message for w in r.warnings)


def test_wordpress_page_cache_and_file_mods_off(run_analyzer):
    files = dict(WORDPRESS)
    files["wp-config.php"] = WP_CONFIG.replace("define('WP_DEBUG', true);",
                                               "// define('WP_CACHE', false);\ndefine('WP_CACHE', true);\n"
                                               "define('DISALLOW_FILE_MODS', true);")
    r = run_analyzer(app_code, files)
    [cache] = [v for v in r.of(V) if v.key == "wp-content/cache"]
    assert (cache.fields["storage"], cache.source.file, cache.source.line) == ("emptyDir", "wp-config.php", 21)
    assert not any("set define('DISALLOW_FILE_MODS'" in w.message for w in r.warnings)


SYMFONY = {
    "composer.json": '{"require": {"php": ">=7.1.3", "symfony/framework-bundle": "4.4.*"}}\n',
    "bin/console": "#!/usr/bin/env php\n<?php\n",
    "public/index.php": "<?php\nrequire dirname(__DIR__).'/vendor/autoload.php';\n"
                        "if ($_SERVER['APP_DEBUG'] ?? false) { umask(0000); }\n"
                        "$trusted = $_SERVER['TRUSTED_PROXIES'] ?? $_ENV['TRUSTED_PROXIES'] ?? false;\n"
                        "$uri = $_SERVER['REQUEST_URI'];\n",
    ".env": 'APP_ENV=dev\nAPP_SECRET=\nDATABASE_URL="postgresql://app:!ChangeMe!@127.0.0.1:5432/app?serverVersion=13"\n'
            "MESSENGER_TRANSPORT_DSN=amqp://guest:guest@localhost:5672/%2f/messages\n",
    "config/packages/doctrine.yaml": "doctrine:\n    dbal:\n        url: '%env(resolve:DATABASE_URL)%'\n",
    "config/packages/framework.yaml": "framework:\n    secret: '%env(APP_SECRET)%'\n",
    "config/services.yaml": "parameters:\n    env(MAILER_FROM): 'shop@example.com'\n    app.locale: en\n"
                            "services:\n    _defaults:\n        bind:\n            $port: '%env(int:SHOP_PORT)%'\n",
    "src/Controller/HealthController.php": """\
        <?php
        namespace App\\Controller;

        use Symfony\\Component\\Routing\\Annotation\\Route;

        #[Route('/internal')]
        class HealthController
        {
            #[Route('/health', name: 'health')]
            public function health(): Response { return new Response('ok'); }

            /**
             * @Route("/ping", name="ping")
             */
            public function ping() { return new Response('pong'); }
        }
        """,
}


def test_symfony_env_placeholders_parameters_and_server_vars(run_analyzer):
    r = run_analyzer(app_code, SYMFONY)
    keys = r.keys(E)
    assert {"DATABASE_URL", "APP_SECRET", "SHOP_PORT", "MAILER_FROM", "APP_DEBUG", "TRUSTED_PROXIES"} <= set(keys)
    assert "REQUEST_URI" not in keys  # a CGI variable, not the deployment's
    url = r.of(E, "DATABASE_URL")
    assert [(f.source.file, f.source.line) for f in url] == [("config/packages/doctrine.yaml", 3)]
    assert r.field(E, "MAILER_FROM", "default") == "shop@example.com"
    [secret] = [f for f in r.of(E, "APP_SECRET") if f.fields.get("required")]
    assert (secret.source.file, secret.fields["secret"]) == ("config/packages/framework.yaml", True)
    # $_SERVER[..] ?? $_ENV[..] ?? false: one variable, read once per line, with the last literal as default
    assert [f.fields.get("default") for f in r.of(E, "TRUSTED_PROXIES")] == [None, "false"]


def test_symfony_services_routes_and_var(run_analyzer):
    r = run_analyzer(app_code, SYMFONY)
    assert r.keys(SV) == ["postgres", "rabbitmq"]
    assert r.one(SV, "postgres").fields["note"] == "DATABASE_URL scheme postgresql"
    assert {f.key: f.source.line for f in r.of(HC)} == {"/internal/health": 9, "/ping": 13}
    assert {v.key for v in r.of(V)} == {"var/cache", "var/log"}


PLAIN = {
    "index.php": """\
        <?php
        $db = mysqli_connect(getenv('DB_HOST') ?: 'localhost', getenv('DB_USER'), getenv('DB_PASS'));
        $fh = fopen('logs/app.log', 'a');
        $in = fopen('data/import.csv', 'r');
        if (!is_dir(dirname(__FILE__) . '/cache')) { mkdir(dirname(__FILE__) . '/cache', 0755); }
        move_uploaded_file($_FILES['f']['tmp_name'], 'uploads/' . basename($_FILES['f']['name']));
        file_put_contents('/tmp/x', 'y');
        $r = new Redis();
        ?>
        <html><body><?php echo htmlspecialchars($_SERVER['HTTP_HOST']); ?></body></html>
        """,
    "health.php": "<?php\nheader('Content-Type: text/plain'); echo 'OK';\n",
    "lib/broken.php": "<?php\nfunction ( {\n$k = getenv('AFTER_BROKEN');\n",
}


def test_plain_php_writes_health_file_and_broken_files(run_analyzer):
    r = run_analyzer(app_code, PLAIN)
    volumes = {v.key: (v.fields.get("storage"), v.fields.get("purpose"), v.source.line) for v in r.of(V)}
    assert volumes == {
        "logs": ("emptyDir", "logs", 3),
        "cache": ("emptyDir", "temp", 5),
        "uploads": ("pvc", "uploads", 6),
    }
    assert [(f.key, f.source.file) for f in r.of(HC)] == [("/health.php", "health.php")]
    assert r.keys(SV) == ["mysql", "redis"]
    assert r.one(SV, "mysql").fields["note"] == "mysqli_connect()"
    assert r.one(SV, "redis").fields["client"] == "phpredis"
    assert r.field(E, "DB_PASS", "secret") is True and "HTTP_HOST" not in r.keys(E)
    assert "AFTER_BROKEN" in r.keys(E)
    assert any(w.file == "lib/broken.php" and "syntax errors" in w.message for w in r.warnings)


def test_not_a_php_app_says_nothing(run_analyzer):
    assert run_analyzer(app_code, {"app.py": "import os\nos.getenv('X')\n"}).items == []


# A framework-less PHP 7.4 API: a hand-written router, PDO with a DSN built in a config class, Predis under
# an alias, Monolog writing a file next to the code, a WordPress-style REST health route in a plugin.
PLAIN_API = {
    "public/index.php": """\
        <?php
        require dirname(__DIR__) . '/vendor/autoload.php';
        $path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
        switch ($path) {
            case '/status':
                echo 'ok';
                break;
            case '/invoices':
                (new App\\Invoices())->index();
                break;
        }
        if ($path === '/healthz') { echo 'ok'; }
        """,
    "src/Config.php": """\
        <?php
        namespace App;
        final class Config
        {
            public static function dsn(): string
            {
                return sprintf('pgsql:host=%s;dbname=%s', getenv('PG_HOST') ?: '127.0.0.1', getenv('PG_DB') ?: 'app');
            }
        }
        """,
    "src/Db.php": """\
        <?php
        namespace App;
        use PDO;
        use Predis\\Client as Redis;
        use Monolog\\Handler\\StreamHandler;
        final class Db
        {
            public function connect(): PDO { return new PDO(Config::dsn(), getenv('PG_USER'), getenv('PG_PASSWORD')); }
            public function cache(): Redis { return new Redis(getenv('REDIS_URL') ?: 'tcp://127.0.0.1:6379'); }
            public function log(): StreamHandler
            {
                return new StreamHandler(getenv('LOG_FILE') ?: dirname(__DIR__) . '/var/log/app.log');
            }
            public function stderr(): StreamHandler { return new StreamHandler('php://stderr'); }
        }
        """,
}


def test_plain_api_services_routes_and_log_file(run_analyzer):
    r = run_analyzer(app_code, PLAIN_API)
    services = {f.key: (f.source.file, f.source.line, f.fields["note"]) for f in r.of(SV)}
    assert services == {
        "redis": ("src/Db.php", 9, "the code reads REDIS_URL"),
        "postgres": ("src/Config.php", 7, "PDO DSN pgsql:"),  # the DSN is built in another file than new PDO
    }
    assert r.one(SV, "redis").fields["client"] == "predis"  # new Redis(...) is Predis\\Client here (its use alias)
    routes = {f.key: (f.source.file, f.source.line, f.source.confidence) for f in r.of(HC)}
    assert routes == {"/status": ("public/index.php", 5, H), "/healthz": ("public/index.php", 12, I)}
    [log] = r.of(V)
    assert (log.key, log.fields["storage"], log.fields["purpose"], log.source.line) == (
        "var/log", "emptyDir", "logs", 12)
    assert log.fields["written_by"] == "StreamHandler (src/Db.php:12)"  # not php://stderr (line 14): no volume
    assert r.field(E, "REDIS_URL", "secret") is True  # a connection URL carries its password


def test_wordpress_rest_health_route(run_analyzer):
    files = dict(WORDPRESS)
    files["wp-content/plugins/acme-health/acme-health.php"] = """\
        <?php
        add_action('rest_api_init', function () {
            register_rest_route('acme/v1', '/health', array('methods' => 'GET', 'callback' => 'acme_health'));
        });
        """
    r = run_analyzer(app_code, files)
    [route] = r.of(HC)
    assert (route.key, route.source.file, route.source.line) == (
        "/wp-json/acme/v1/health", "wp-content/plugins/acme-health/acme-health.php", 3)


def test_laravel_env_in_blade_views_is_read_and_warned(run_analyzer):
    files = dict(LARAVEL)
    files["resources/views/layouts/app.blade.php"] = """\
        <html>
        <head><title>{{ config('app.name') }}</title>
        <script src="https://maps.example.com/js?key={{ env('MAPS_BROWSER_KEY') }}"></script>
        </head>
        </html>
        """
    r = run_analyzer(app_code, files)
    [maps] = r.of(E, "MAPS_BROWSER_KEY")
    assert (maps.source.file, maps.source.line) == ("resources/views/layouts/app.blade.php", 3)
    assert any(w.file == "resources/views/layouts/app.blade.php" and w.line == 3 and "config:cache" in w.message
               for w in r.warnings)


def test_codeigniter_writable_directories(run_analyzer):
    ci4 = {"spark": "#!/usr/bin/env php\n<?php\n", "app/Config/App.php": "<?php\n", "public/index.php": "<?php\n",
           "writable/logs/index.html": "", "app/Config/Database.php": "<?php\n$h = env('database.default.hostname');\n"}
    r = run_analyzer(app_code, ci4)
    volumes = {v.key: v.fields.get("storage") for v in r.of(V)}
    assert volumes == {"writable/cache": "emptyDir", "writable/logs": "emptyDir", "writable/session": "emptyDir",
                       "writable/uploads": None}
    assert "database.default.hostname" not in r.keys(E)  # CI4's dotted config keys are no env var names here


def test_one_unreadable_file_never_stops_the_rest(run_analyzer):
    # a 1.2 MB generated file beside the code: a warning, the rest is read
    result = run_analyzer(app_code, {
        "composer.json": '{"require": {"php": "^8.1"}}\n',
        "src/Generated.php": b"<?php\n" + b"$a = getenv('BIG');\n" * 70000,
        "src/Config.php": "<?php\nreturn ['dsn' => getenv('DATABASE_DSN')];\n"})
    assert "DATABASE_DSN" in {f.key for f in result.of(Kind.ENV)}
    assert any(w.file == "src/Generated.php" and "not read" in w.message for w in result.warnings)
