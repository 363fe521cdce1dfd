"""php_server_config: the legacy nginx site, Apache vhost, .htaccess, php-fpm pool and php.ini, mapped to the
facts the php image planner reads, each at its file and line."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from analyzers.providers.php import server_config
from migrator.model import Confidence, Kind

Run = Callable[[Any, dict[str, str | bytes]], Any]

NGINX_SITE = """\
    server {
        listen 80;
        server_name shop.example.com;
        root /var/www/shop/current/public;
        index index.php;
        client_max_body_size 64m;

        location / {
            try_files $uri $uri/ /index.php?$query_string;
        }

        location ~ \\.php$ {
            include snippets/fastcgi-php.conf;
            fastcgi_pass unix:/run/php/php7.4-fpm.sock;
            fastcgi_param PHP_VALUE "memory_limit=512M\\nmax_input_vars=5000";
            fastcgi_read_timeout 120s;
        }
    }
"""
FPM_POOL = """\
    ; managed by ansible
    [shop]
    user = www-data
    listen = /run/php/php7.4-fpm.sock
    pm = dynamic
    pm.max_children = 24
    pm.start_servers = 4
    request_terminate_timeout = 5m
    php_admin_value[memory_limit] = 256M
    php_admin_flag[display_errors] = off
    php_value[error_log] = /var/log/php/shop.log
"""
LARAVEL = {"composer.json": '{"require": {"laravel/framework": "^8.0"}}', "artisan": "<?php\n",
           "public/index.php": "<?php\n"}


def runtime_values(result: Any, name: str) -> list[tuple[Any, str, int | None, Confidence]]:
    return [(f.fields[name], f.source.file, f.source.line, f.source.confidence)
            for f in result.of(Kind.RUNTIME) if name in f.fields]


def test_an_nginx_fpm_site_gives_root_front_controller_limits_and_the_web_port(run_analyzer: Run) -> None:
    result = run_analyzer(server_config, {**LARAVEL, "deploy/nginx/shop.conf": NGINX_SITE})
    site = "deploy/nginx/shop.conf"
    assert runtime_values(result, "document_root") == [("public", site, 4, Confidence.DECLARED)]
    assert runtime_values(result, "front_controller") == [("index.php", site, 9, Confidence.DECLARED)]
    assert runtime_values(result, "request_timeout") == [(120, site, 16, Confidence.INFERRED)]
    [(ini, file, line, _)] = runtime_values(result, "php_ini")
    assert ini == ("max_input_vars=5000", "memory_limit=512M", "post_max_size=64M", "upload_max_filesize=64M")
    assert (file, line) == (site, 15)  # a PHP_VALUE written as such outranks the derived body limits
    web = result.one(Kind.PROCESS, "web")
    assert (web.fields["port"], web.fields["protocol"], web.source.line) == (8080, "http", 14)


def test_the_pool_wins_php_ini_keys_and_gives_workers_and_timeout(run_analyzer: Run) -> None:
    result = run_analyzer(server_config, {**LARAVEL, "deploy/nginx/shop.conf": NGINX_SITE,
                                          "deploy/php-fpm/shop.conf": FPM_POOL})
    pool = "deploy/php-fpm/shop.conf"
    assert runtime_values(result, "max_workers") == [(24, pool, 6, Confidence.DECLARED)]
    assert (300, pool, 8, Confidence.DECLARED) in runtime_values(result, "request_timeout")
    [(ini, *_)] = runtime_values(result, "php_ini")
    # memory_limit: the pool's php_admin_value over nginx's PHP_VALUE; the host log path is left out
    assert "memory_limit=256M" in ini and "display_errors=Off" in ini and "max_execution_time=300" in ini
    assert not [kv for kv in ini if kv.startswith("error_log")]
    [sources] = [f.fields["php_ini_sources"] for f in result.of(Kind.RUNTIME) if "php_ini_sources" in f.fields]
    assert f"memory_limit=256M: {pool}:9" in sources
    assert any("memory_limit=512M here, but memory_limit=256M" in w.message for w in result.warnings)


def test_apache_vhost_and_htaccess(run_analyzer: Run) -> None:
    vhost = """\
        <VirtualHost *:80>
            ServerName legacy.example.org
            DocumentRoot "/var/www/legacy/htdocs"
            LimitRequestBody 33554432
            <Directory /var/www/legacy/htdocs>
                AllowOverride All
                php_value upload_max_filesize 20M
            </Directory>
        </VirtualHost>
    """
    htaccess = """\
        RewriteEngine On
        RewriteCond %{REQUEST_FILENAME} !-f
        RewriteRule ^(.*)$ index.php?/$1 [L,QSA]
        php_flag short_open_tag on
    """
    result = run_analyzer(server_config, {"htdocs/index.php": "<?php\n", "htdocs/.htaccess": htaccess,
                                          "apache2/sites-available/legacy.conf": vhost})
    conf = "apache2/sites-available/legacy.conf"
    assert runtime_values(result, "document_root") == [("htdocs", conf, 3, Confidence.DECLARED)]
    assert runtime_values(result, "allow_override") == [("All", conf, 6, Confidence.DECLARED)]
    assert runtime_values(result, "front_controller") == [("index.php", "htdocs/.htaccess", 3, Confidence.INFERRED)]
    [(ini, *_)] = runtime_values(result, "php_ini")
    # the vhost's php_value (declared) wins upload_max_filesize over LimitRequestBody's derived 32M
    assert ini == ("post_max_size=32M", "short_open_tag=On", "upload_max_filesize=20M")
    assert result.of(Kind.PROCESS) == []  # no FastCGI hop: nothing to say about the port


def test_php_ini_in_the_repo_and_its_extensions(run_analyzer: Run) -> None:
    ini = """\
        [PHP]
        ; overrides for production
        memory_limit = 1G
        max_execution_time = 90
        date.timezone = "Europe/Berlin"
        session.save_path = "/var/lib/php/sessions"
        extension=redis.so
        extension = imagick
    """
    result = run_analyzer(server_config, {"index.php": "<?php\n", "docker/php/php.ini": ini})
    [(values, file, line, _)] = runtime_values(result, "php_ini")
    assert values == ("date.timezone=Europe/Berlin", "max_execution_time=90", "memory_limit=1G")
    assert (file, line) == ("docker/php/php.ini", 3)
    assert runtime_values(result, "request_timeout") == [(90, "docker/php/php.ini", 4, Confidence.INFERRED)]
    exts = {(f.key, f.source.line) for f in result.of(Kind.SYSTEM_PACKAGE)}
    assert exts == {("ext-redis", 7), ("ext-imagick", 8)}


def test_a_proxy_only_nginx_site_says_nothing(run_analyzer: Run) -> None:
    proxy = "server {\n  root /srv/app/public;\n  location / { proxy_pass http://127.0.0.1:3000; }\n}\n"
    assert run_analyzer(server_config, {**LARAVEL, "nginx/site.conf": proxy}).findings == []


def test_a_repo_without_php_says_nothing(run_analyzer: Run) -> None:
    assert run_analyzer(server_config, {"app.py": "x = 1\n", "nginx/site.conf": NGINX_SITE}).findings == []


def test_app_relative_roots(tree: Callable[[dict[str, str | bytes]], Any]) -> None:
    from migrator.repo import RepoView

    repo = RepoView(tree({"web/app.php": "", "src/Kernel.php": ""}))
    assert server_config.app_relative(repo, "/home/deploy/apps/sf/releases/20190102/web") == "web"
    assert server_config.app_relative(repo, "/srv/sf/web/") == "web"
    assert server_config.app_relative(repo, "/var/www/html") == "."
    assert server_config.app_relative(repo, "{{ deploy_path }}/current") == "."
    assert server_config.app_relative(repo, "$realpath_root") is None


def test_a_secret_in_a_php_setting_never_reaches_php_ini(run_analyzer: Run) -> None:
    pool = """\
        [app]
        listen = 127.0.0.1:9000
        pm = static
        php_admin_value[newrelic.license] = "0123456789abcdef0123456789abcdef01234567"
        php_admin_value[session.save_handler] = redis
        php_value[session.save_path] = "tcp://redis.internal:6379?auth=Sup3rS3cretRedis"
        env[DB_PASSWORD] = "Pl4nted-Pool-Pass"
        env[APP_ENV] = production
    """
    result = run_analyzer(server_config, {"index.php": "<?php\n", "etc/php-fpm.d/app.conf": pool})
    [(ini, *_)] = runtime_values(result, "php_ini")
    assert ini == ("session.save_handler=redis",)
    text = repr(result.items)
    assert "Sup3rS3cretRedis" not in text and "0123456789abcdef" not in text and "Pl4nted-Pool-Pass" not in text
    assert {w.line for w in result.warnings if "holds a secret" in w.message} == {4, 6}
    env = {f.key: f.fields for f in result.of(Kind.ENV)}
    assert env["DB_PASSWORD"]["secret"] is True and "default" not in env["DB_PASSWORD"]
    assert env["APP_ENV"]["default"] == "production"
    assert {s.line for s in result.secrets} >= {7}


def test_the_served_root_is_where_the_app_lived_so_host_paths_map_into_the_image(run_analyzer: Any) -> None:
    result = run_analyzer(server_config, {
        "index.php": "<?php\n",
        "application/config/config.php": "<?php\n",
        "deploy/site.conf": "server {\n  root /var/www/ci;\n  location ~ \\.php$ {\n"
                            "    fastcgi_pass unix:/run/php/php5.6-fpm.sock;\n  }\n}\n",
        "deploy/vhost.conf": "<VirtualHost *:80>\n  DocumentRoot /srv/shop/current/public\n</VirtualHost>\n",
        "public/index.php": "<?php\n"})
    found = [f for f in result.of(Kind.RUNTIME) if "legacy_app_dir" in f.fields]
    assert {(f.fields["legacy_app_dir"], f.source.file) for f in found} == {
        ("/var/www/ci", "deploy/site.conf"), ("/srv/shop/current", "deploy/vhost.conf")}
    assert all(f.source.confidence is Confidence.INFERRED for f in found)
