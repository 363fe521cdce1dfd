"""The PHP stand-ins here are what the official images are to a generated Dockerfile (.ci/build-php-images.sh).

A generated PHP Dockerfile says ``FROM php:8.2-apache``, installs extensions with ``docker-php-ext-install``
(or ``pecl install`` + ``docker-php-ext-enable``) and purges the build packages as the official WordPress
image does, copies ``/usr/bin/composer`` out of ``composer:2``, makes Apache listen on 8080 and runs it as
a non-root UID with a read-only root filesystem; verify starts ``mariadb:10.11`` for a MySQL app. Each of
those is done here once, against the real images: a stand-in that only looked right (a helper that exits 0
without installing, an Apache that needs a writable /var, a composer that needs Debian's /usr/share/php)
fails one of these.
"""

from __future__ import annotations

import contextlib
import io
import tarfile
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.docker

PHP_VERSIONS = ("8.2", "8.4")  # bookworm's and trixie's PHP; Debian packages no 8.3
COMPOSER, MARIADB = "composer:2", "mariadb:10.11"
PHP_CLI = "php:8.2-cli"  # where one PHP is enough (the MariaDB client, failing helpers)
UID = "10001"
# compiled into (or loaded by) the official php:8.2 images before any docker-php-ext-install
OFFICIAL_MODULES = {"ctype", "curl", "date", "dom", "fileinfo", "filter", "hash", "iconv", "json", "libxml",
                    "mbstring", "mysqlnd", "openssl", "pcre", "pdo", "pdo_sqlite", "phar", "posix", "readline",
                    "reflection", "session", "simplexml", "sodium", "spl", "sqlite3", "standard", "tokenizer",
                    "xml", "xmlreader", "xmlwriter", "zlib"}


@pytest.fixture(scope="module")
def client() -> Any:
    import docker

    c = docker.from_env()
    for image in (*(f"php:{v}-{t}" for v in PHP_VERSIONS for t in ("cli", "apache")), COMPOSER, MARIADB):
        try:
            c.images.get(image)
        except docker.errors.ImageNotFound:
            pytest.fail(f"{image} is missing: run .ci/build-php-images.sh")
    return c


def _sh(client: Any, image: str, script: str, **kw: Any) -> str:
    """The output of ``sh -c script``; scripts end their output with a newline (the engine's log can drop
    a last partial line of a container that exits at once)."""
    out = client.containers.run(image, ["sh", "-c", script], remove=True, **kw)
    return str(out.decode())


def _context(files: dict[str, str]) -> io.BytesIO:
    """A build context (tar) holding ``files``; the Dockerfile is one of them."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    buf.seek(0)
    return buf


@pytest.fixture(params=PHP_VERSIONS)
def php(request: Any) -> str:
    """The PHP minor a test runs on (each test that takes it runs once per stand-in)."""
    return str(request.param)


@pytest.fixture(scope="module")
def build(client: Any) -> Iterator[Any]:
    """build(files) -> tag of an image built from ``files``; every image is removed at the end."""
    import docker

    tags: list[str] = []

    def _build(files: dict[str, str]) -> str:
        tag = f"migrate-test-php-{uuid.uuid4().hex[:10]}"
        try:
            client.images.build(fileobj=_context(files), custom_context=True, tag=tag, rm=True, pull=False)
        except docker.errors.BuildError as e:
            log = "".join(str(x.get("stream", x.get("error", ""))) for x in e.build_log)
            pytest.fail(f"docker build failed: {e.msg}\n{log[-3000:]}")
        tags.append(tag)
        return tag

    yield _build
    for tag in tags:
        with contextlib.suppress(docker.errors.APIError):
            client.images.remove(tag, force=True)


def test_each_tag_runs_the_version_it_names(client: Any, php: str) -> None:
    for image in (f"php:{php}-cli", f"php:{php}-apache"):
        out = _sh(client, image, "php -r 'echo PHP_VERSION;' && echo && echo $PHP_VERSION", network_disabled=True)
        version, env = out.split()
        assert version.startswith(f"{php}.") and env == version, (image, out)
    out = _sh(client, COMPOSER, "composer --version --no-ansi", network_disabled=True)
    assert out.startswith("Composer version 2."), out
    out = _sh(client, MARIADB, "mariadbd --version", network_disabled=True)
    assert " 10.11." in out and "MariaDB" in out, out


def test_the_official_layout_and_module_set(client: Any, php: str) -> None:
    script = ("php -m | tr A-Z a-z && echo --- && php --ini && echo --- && ls $PHP_INI_DIR "
              "&& php -r 'echo ini_get(\"extension_dir\");' && echo && php-config --extension-dir "
              "&& command -v php docker-php-ext-install docker-php-ext-configure docker-php-ext-enable "
              "docker-php-source pecl docker-php-entrypoint")
    modules, ini, rest = _sh(client, f"php:{php}-cli", script, network_disabled=True).split("---\n")
    loaded = {m for m in modules.split() if not m.startswith("[")}
    assert loaded >= OFFICIAL_MODULES, OFFICIAL_MODULES - loaded
    # what the official image builds with docker-php-ext-install only
    assert not loaded & {"pdo_mysql", "mysqli", "gd", "intl", "zip", "opcache", "exif", "bcmath"}, loaded
    assert "/usr/local/etc/php/conf.d" in ini and "Loaded Configuration File:         (none)" in ini, ini
    lines = rest.split()
    assert {"conf.d", "php.ini-production", "php.ini-development"} <= set(lines), lines
    assert lines[3] == lines[4] and lines[3].startswith("/usr/local/lib/php/extensions/no-debug-non-zts-"), lines
    assert lines[5] == "/usr/local/bin/php", lines


def test_php_ini_and_conf_d_reach_both_sapis(client: Any, build: Any, php: str) -> None:
    tag = build({"Dockerfile": f"""FROM php:{php}-apache
RUN mv "$PHP_INI_DIR/php.ini-production" "$PHP_INI_DIR/php.ini" \\
 && echo 'memory_limit=321M' > "$PHP_INI_DIR/conf.d/zz-app.ini"
"""})
    out = _sh(client, tag, "php -r 'echo ini_get(\"memory_limit\"), \" \", php_ini_loaded_file(), PHP_EOL;' "
                           "&& apache2ctl -t -D DUMP_MODULES 2>&1 | grep -c php_module", network_disabled=True)
    assert out.split() == ["321M", "/usr/local/etc/php/php.ini", "1"], out


def test_docker_php_ext_install_pdo_mysql_in_a_build(client: Any, build: Any, php: str) -> None:
    tag = build({"Dockerfile": f"FROM php:{php}-apache\nRUN docker-php-ext-install -j$(nproc) pdo_mysql pgsql\n"})
    out = _sh(client, tag, "php -m && cat $PHP_INI_DIR/conf.d/docker-php-ext-pdo_mysql.ini", network_disabled=True)
    assert {"pdo_mysql", "pgsql", "extension=pdo_mysql"} <= set(out.split()), out
    # only what was asked for, as upstream: php8.2-mysql and php8.2-pgsql ship these too
    assert not {"mysqli", "pdo_pgsql"} & set(out.split()), out


def test_an_unknown_extension_fails_the_build_step(client: Any) -> None:
    import docker

    for cmd in ("docker-php-ext-install no_such_ext", "pecl install no-such-pecl-package",
                "docker-php-ext-enable no_such_ext"):
        with pytest.raises(docker.errors.ContainerError) as err:
            _sh(client, PHP_CLI, cmd)
        assert err.value.exit_status != 0, cmd


def test_pecl_extensions_need_docker_php_ext_enable_as_upstream(client: Any, build: Any, php: str) -> None:
    tag = build({"Dockerfile": f"""FROM php:{php}-cli
RUN pecl install redis-5.3.7 && ! php -m | grep -qx redis && docker-php-ext-enable redis && rm -r /tmp/pear
"""})
    out = _sh(client, tag, "php -m && php -r 'echo class_exists(\"Redis\") ? \"Redis-class\" : \"none\", PHP_EOL;'",
              network_disabled=True)
    assert {"redis", "igbinary", "Redis-class"} <= set(out.split()), out


def test_the_wordpress_style_purge_keeps_extensions_and_their_libraries(client: Any, build: Any, php: str) -> None:
    """The official WordPress image's pattern: -dev packages and everything installed with them are
    purged, the libraries the extension .so files link are kept (ldd + dpkg-query --search)."""
    tag = build({"Dockerfile": f"""FROM php:{php}-apache
RUN set -eux; \\
    savedAptMark="$(apt-mark showmanual)"; \\
    apt-get update; \\
    apt-get install -y --no-install-recommends libpng-dev libzip-dev libicu-dev; \\
    docker-php-ext-configure gd --with-freetype --with-jpeg; \\
    docker-php-ext-install -j "$(nproc)" gd zip intl exif bcmath; \\
    pecl install apcu; docker-php-ext-enable apcu; rm -r /tmp/pear; \\
    extDir="$(php -r 'echo ini_get("extension_dir");')"; [ -d "$extDir" ]; \\
    apt-mark auto '.*' > /dev/null; \\
    apt-mark manual $savedAptMark; \\
    ldd "$extDir"/*.so | awk '/=>/ {{ so = $(NF-1); if (index(so, "/usr/local/") == 1) {{ next }}; \\
      gsub("^/(usr/)?", "", so); printf "*%s\\n", so }}' \\
      | sort -u | xargs -r dpkg-query --search | cut -d: -f1 | sort -u | xargs -rt apt-mark manual; \\
    apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; \\
    rm -rf /var/lib/apt/lists/*; \\
    ! {{ ldd "$extDir"/*.so | grep 'not found'; }}; \\
    err="$(php --version 3>&1 1>&2 2>&3)"; [ -z "$err" ]
"""})
    out = _sh(client, tag, "php -m; echo ---; dpkg-query -W -f '${Package}\\n' "
                           f"| grep -E -- '-dev$|^php{php}-(gd|zip|intl)$' || true", network_disabled=True)
    modules, left = out.split("---")
    assert {"gd", "zip", "intl", "exif", "bcmath", "apcu"} <= set(modules.split()), modules
    assert left.split() == [], f"packages the purge should have removed: {left.split()}"


_VHOST = """FROM php:{php}-apache
RUN a2enmod rewrite \\
 && sed -ri 's/^Listen 80$/Listen 8080/' /etc/apache2/ports.conf \\
 && sed -ri 's/<VirtualHost \\*:80>/<VirtualHost *:8080>/' /etc/apache2/sites-available/*.conf
ENV APACHE_DOCUMENT_ROOT=/var/www/html/public
RUN sed -ri -e 's!/var/www/html!${{APACHE_DOCUMENT_ROOT}}!g' /etc/apache2/sites-available/*.conf \\
 && sed -ri -e 's!/var/www/!${{APACHE_DOCUMENT_ROOT}}!g' /etc/apache2/apache2.conf /etc/apache2/conf-available/*.conf
RUN mv "$PHP_INI_DIR/php.ini-production" "$PHP_INI_DIR/php.ini" \\
 && echo 'memory_limit=321M' > "$PHP_INI_DIR/conf.d/zz-app.ini"
COPY public/ /var/www/html/public/
USER {UID}
EXPOSE 8080
"""
_INDEX = """<?php
session_start();
$_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1;
echo PHP_SAPI, ' uid=', posix_getuid(), ' uri=', $_SERVER['REQUEST_URI'],
    ' session=', session_status() === PHP_SESSION_ACTIVE ? 'ok' : 'off',
    ' ini=', php_ini_loaded_file(), ' memory_limit=', ini_get('memory_limit');
"""


def test_apache_serves_php_on_8080_as_non_root_with_a_read_only_root(client: Any, build: Any, php: str) -> None:
    tag = build({"Dockerfile": _VHOST.format(php=php, UID=UID), "public/index.php": _INDEX,
                 "public/.htaccess": "FallbackResource /index.php\n"})
    tmpfs = {"/var/run/apache2": "", "/var/lock/apache2": "", "/tmp": ""}
    c = client.containers.run(tag, detach=True, read_only=True, tmpfs=tmpfs, user=UID)
    try:
        body = ""
        for _ in range(40):
            res = c.exec_run(["curl", "-fsS", "http://127.0.0.1:8080/orders/42?x=1"])
            body = res.output.decode()
            if res.exit_code == 0:
                break
            c.reload()
            assert c.status == "running", c.logs().decode()[-2000:]
            time.sleep(0.25)
        assert body == f"apache2handler uid={UID} uri=/orders/42?x=1 session=ok ini=/usr/local/etc/php/php.ini " \
                       "memory_limit=321M", (body, c.logs().decode()[-2000:])
        logs = c.logs().decode()
        assert '"GET /orders/42?x=1 HTTP/1.1" 200' in logs, logs  # access log on stdout
        start = time.monotonic()
        c.stop(timeout=10)  # STOPSIGNAL SIGWINCH: Apache's graceful stop
        assert time.monotonic() - start < 8, "apache2 did not stop on the image's STOPSIGNAL"
        assert client.api.inspect_image(tag)["Config"]["StopSignal"] == "SIGWINCH"
    finally:
        c.remove(force=True)


_COMPOSER_JSON = """{
  "name": "acme/app",
  "repositories": [{"type": "path", "url": "packages/greeter", "options": {"symlink": false}},
                   {"packagist.org": false}],
  "require": {"php": ">=8.1", "ext-pdo": "*", "acme/greeter": "*"},
  "autoload": {"psr-4": {"App\\\\": "src/"}}
}
"""


def test_composer_from_the_composer_image_runs_in_php_apache(client: Any, build: Any, php: str) -> None:
    files = {
        "Dockerfile": f"""FROM php:{php}-apache
COPY --from={COMPOSER} /usr/bin/composer /usr/bin/composer
COPY app/ /var/www/html/
RUN composer update --no-dev --no-interaction --no-progress && rm -rf vendor \\
 && composer install --no-dev --no-interaction --no-progress && composer dump-autoload -o --no-dev
""",
        "app/composer.json": _COMPOSER_JSON,
        "app/src/Main.php": "<?php\nnamespace App;\nfinal class Main { public static function run(): string "
                            "{ return \\Acme\\Greeter\\Hello::say() . ' world'; } }\n",
        "app/packages/greeter/composer.json": '{"name": "acme/greeter", "version": "1.2.3", '
                                              '"autoload": {"psr-4": {"Acme\\\\Greeter\\\\": "src/"}}}\n',
        "app/packages/greeter/src/Hello.php": "<?php\nnamespace Acme\\Greeter;\nfinal class Hello "
                                              "{ public static function say(): string { return 'hello'; } }\n",
    }
    files["app/run.php"] = "<?php\nrequire __DIR__ . '/vendor/autoload.php';\necho App\\Main::run(), PHP_EOL;\n"
    tag = build(files)
    out = _sh(client, tag, "composer --version --no-ansi && php run.php && grep -c /src/Main.php "
                           "vendor/composer/autoload_classmap.php", network_disabled=True)
    lines = out.splitlines()
    assert lines[0].startswith("Composer version 2."), out
    assert lines[1:] == ["hello world", "1"], out  # the classmap (dump-autoload -o) lists App\\Main


def test_composer_image_stands_alone_and_answers_like_the_official_one(client: Any) -> None:
    out = client.containers.run(COMPOSER, ["--version", "--no-ansi"], remove=True, network_disabled=True).decode()
    assert out.startswith("Composer version 2."), out  # the entrypoint prepends composer to flags
    assert _sh(client, COMPOSER, "test -e /usr/share/php/Composer || echo alone", network_disabled=True) == "alone\n"


def test_mariadb_accepts_the_env_user_from_php(client: Any, build: Any) -> None:
    net = client.networks.create(f"migrate-test-mariadb-{uuid.uuid4().hex[:8]}")
    env = {"MARIADB_ROOT_PASSWORD": "root-fake", "MYSQL_DATABASE": "shop", "MARIADB_USER": "app",
           "MYSQL_PASSWORD": "fake'pass\"word"}
    db = client.containers.run(MARIADB, detach=True, environment=env, network=net.name, hostname="db")
    try:
        net.disconnect(db)
        net.connect(db, aliases=["db"])
        for _ in range(120):
            if db.exec_run(["healthcheck.sh", "--connect", "--innodb_initialized"]).exit_code == 0:
                break
            db.reload()
            assert db.status == "running", db.logs().decode()[-2000:]
            time.sleep(0.5)
        else:
            pytest.fail("mariadb never became healthy:\n" + db.logs().decode()[-2000:])
        assert db.exec_run(["mariadb-admin", "ping"]).exit_code == 0
        tag = build({"Dockerfile": f"FROM {PHP_CLI}\nRUN docker-php-ext-install pdo_mysql\n"})
        php = ("$p = new PDO('mysql:host=db;port=3306;dbname=shop', 'app', getenv('PW'));"
               "$p->exec('CREATE TABLE t (i INT)'); $p->exec('INSERT INTO t VALUES (7)');"
               "$q = $p->query('SELECT CONCAT(DATABASE(), \" \", CURRENT_USER(), \" \", SUM(i)) FROM t');"
               "echo $q->fetchColumn(), PHP_EOL;")
        out = client.containers.run(tag, ["php", "-r", php], environment={"PW": env["MYSQL_PASSWORD"]},
                                    network=net.name, remove=True).decode()
        assert out == "shop app@% 7\n", out
    finally:
        db.remove(force=True)
        net.remove()


def test_verify_starts_mysql_as_its_backing_service_says(client: Any) -> None:
    """migrator.verify.services.MYSQL as the docker backend starts it: its env, its ready command, then
    the user and database the app's DB_* settings are wired to."""
    from migrator.verify import services as svc

    net = client.networks.create(f"migrate-test-mysql-{uuid.uuid4().hex[:8]}")
    db = client.containers.run(svc.MYSQL.image, detach=True, environment=dict(svc.MYSQL.env), network=net.name)
    try:
        net.disconnect(db)
        net.connect(db, aliases=[svc.MYSQL.host])
        for _ in range(120):
            if db.exec_run(list(svc.MYSQL.ready_command)).exit_code == 0:
                break
            time.sleep(0.5)
        else:
            pytest.fail("the ready command never passed:\n" + db.logs().decode()[-2000:])
        out = client.containers.run(
            svc.MYSQL.image, ["mariadb", f"-h{svc.MYSQL.host}", f"-P{svc.MYSQL.port}", f"-u{svc.USER}",
                              f"-p{svc.PASSWORD}", svc.DB, "-N", "-e", "SELECT DATABASE()"],
            network=net.name, remove=True).decode()
        assert out == f"{svc.DB}\n", out
    finally:
        db.remove(force=True)
        net.remove()


def test_mariadb_refuses_to_initialise_without_a_root_password_option(client: Any) -> None:
    c = client.containers.run(MARIADB, detach=True, network_disabled=True)
    try:
        assert c.wait(timeout=60)["StatusCode"] != 0
        assert "password option is not specified" in c.logs().decode()
    finally:
        c.remove(force=True)

