"""generators/image/php_wpconfig.py: the image's own wp-config.php when the repo's hard-codes secrets.

Generated end to end (analysis, plan, Dockerfile, .dockerignore, MIGRATION.md, ConfigMap) from the WordPress
fixture and from small trees. The PHP is taken out of the Dockerfile's ``RUN printf`` by the shell that would
run it, and checked for its structure; ``php -l`` and a run against a stub ``wp-settings.php`` use the machine's
php, else the php:8.2-cli image on Docker.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from generators.image import php_wpconfig
from migrator.generate import generate
from tests.conftest import SECRETS_FILE, fixture_path, require_docker
from tests.generators.image.test_dockerfile import hadolint

WP_FIXTURE = "wordpress-apache-rsync"
_DEFINE = re.compile(r"""^define\(\s*['"]([A-Z_][A-Z0-9_]*)['"]""", re.MULTILINE)


def files_of(root: Path) -> dict[str, str]:
    return {f.path: f.content for f in generate(root)}


def written_php(dockerfile: str, target: str) -> str:
    """The file the Dockerfile's RUN writes at ``target``, by running its printf (the shell's own quoting)."""
    start = dockerfile.index("RUN printf '%s\\n' \\\n      '<?php'")
    end = dockerfile.index(f" > {target}", start)
    command = dockerfile[start + len("RUN "):end].replace("\\\n", "")
    return subprocess.run(["sh", "-c", command], capture_output=True, text=True, check=True).stdout


def repo_defines(text: str) -> list[str]:
    return [n for n in dict.fromkeys(_DEFINE.findall(text)) if n != "ABSPATH"]


def planted(fixture: str) -> list[str]:
    return [line.split("\t", 1)[1] for line in SECRETS_FILE.read_text().splitlines()
            if line.startswith(fixture + "\t")]


@pytest.fixture(scope="module")
def wordpress(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], str]:
    root = tmp_path_factory.mktemp("wp") / WP_FIXTURE
    shutil.copytree(fixture_path(WP_FIXTURE), root)
    out = files_of(root)
    return out, written_php(out["deploy/image/Dockerfile"], "/app/wp-config.php")


def test_every_define_of_the_repo_is_read_from_the_environment(wordpress: tuple[dict[str, str], str]) -> None:
    _, php = wordpress
    repo = (fixture_path(WP_FIXTURE) / "wp-config.php").read_text()
    names = repo_defines(repo)
    assert len(names) == 28 and "WP_SITEURL" in names and "DISABLE_WP_CRON" in names
    for name in names:
        [line] = [x for x in php.splitlines() if x.startswith(f'define("{name}",')]
        assert f'migrate_env("{name}", ' in line or f'migrate_secret("{name}")' in line, line
    for name in ("DB_PASSWORD", "AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT",
                 "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"):
        assert f'define("{name}", migrate_secret("{name}"));' in php  # no default in the image
    # non-secret literals as defaults, typed; computed ones keep their expression
    assert 'define("DB_NAME", migrate_env("DB_NAME", "acme_blog"));' in php
    assert 'define("DB_HOST", migrate_env("DB_HOST", "10.0.3.20:3306"));' in php
    assert 'define("WP_DEBUG", migrate_env("WP_DEBUG", false));' in php
    assert 'define("DISABLE_WP_CRON", migrate_env("DISABLE_WP_CRON", true));' in php
    assert 'define("WP_MEMORY_LIMIT", migrate_env("WP_MEMORY_LIMIT", "256M"));' in php
    assert 'define("WP_SITEURL", migrate_env("WP_SITEURL", WP_HOME . "/wp"));' in php
    assert 'define("WP_CONTENT_DIR", migrate_env("WP_CONTENT_DIR", __DIR__ . "/wp-content"));' in php
    assert '$table_prefix = migrate_env("WP_TABLE_PREFIX", "acme_");' in php


def test_bootstrap_proxy_and_requires_follow_the_repo(wordpress: tuple[dict[str, str], str]) -> None:
    _, php = wordpress
    lines = php.splitlines()
    assert lines[0] == "<?php"
    assert 'require_once __DIR__ . "/vendor/autoload.php";' in lines  # wp-config.php:13
    assert '    define("ABSPATH", __DIR__ . "/wp/");' in lines  # core in wp/ (wp-config.php:97, composer)
    assert lines[-1] == 'require_once ABSPATH . "wp-settings.php";'
    assert 'strpos($_SERVER["HTTP_X_FORWARDED_PROTO"], "https") !== false' in php
    assert lines.index('    $_SERVER["HTTPS"] = "on";') < lines.index(lines[-1])
    # WP_HOME and FORCE_SSL_ADMIN are the repo's: no second, conditional define of them
    assert php.count('define("WP_HOME"') == 1 and php.count('define("FORCE_SSL_ADMIN"') == 1
    assert php.count("{") == php.count("}") and php.count("(") == php.count(")")


def test_no_secret_value_in_any_generated_file(wordpress: tuple[dict[str, str], str]) -> None:
    out, php = wordpress
    values = planted(WP_FIXTURE)
    assert len(values) == 10
    for value in values:
        assert value not in php
        for path, content in out.items():
            assert value not in content, path


def test_the_repo_file_stays_out_and_is_no_blocker(wordpress: tuple[dict[str, str], str]) -> None:
    out, _ = wordpress
    ignore = out[".dockerignore"].splitlines()
    assert "wp-config.php" in ignore
    docs = out["MIGRATION.md"]
    assert "## Blockers" not in docs
    assert "The image writes its own `/app/wp-config.php`" in docs
    assert "`DB_PASSWORD`" in docs.split("The image writes its own", 1)[1].split("\n", 1)[0]
    dockerfile = out["deploy/image/Dockerfile"]
    assert dockerfile.index("COPY --from=build /app /app") < dockerfile.index(" > /app/wp-config.php")
    assert "# hadolint ignore=SC2016\nRUN printf" in dockerfile


def test_configmap_and_secret_carry_every_name_it_reads(wordpress: tuple[dict[str, str], str]) -> None:
    out, php = wordpress
    configmap = out["deploy/k8s/base/configmap.yaml"]
    secret = out["deploy/k8s/base/secret.yaml"]
    for name in re.findall(r'migrate_secret\("(\w+)"\)', php):
        assert re.search(rf"^  {name}: ''", secret, re.MULTILINE), name
    literal_defaults = re.findall(r'migrate_env\("(\w+)", (?:"[^"]+"|true|false|\d+)\)', php)
    assert "WP_TABLE_PREFIX" in literal_defaults and "WP_DEBUG" in literal_defaults
    for name in literal_defaults:
        assert re.search(rf"^  {name}: ", configmap, re.MULTILINE), name
    assert "  WP_DEBUG: 'false'" in configmap and "  WP_TABLE_PREFIX: acme_" in configmap


@pytest.mark.skipif(shutil.which("hadolint") is None, reason="hadolint is not installed")
def test_dockerfile_is_hadolint_clean(wordpress: tuple[dict[str, str], str], tmp_path: Path) -> None:
    out, _ = wordpress
    assert hadolint(out["deploy/image/Dockerfile"], tmp_path) == ""


PHP_IMAGE = "php:8.2-cli"  # the stand-in .ci/build-php-images.sh builds (the official image elsewhere)


def run_php(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``php ARGS`` in ``cwd``: the machine's php, else the php image on Docker (CI has no host php), with
    ``cwd`` mounted at the same path so the paths PHP prints are the host's."""
    if shutil.which("php"):
        return subprocess.run(["php", *args], cwd=cwd, capture_output=True, text=True, check=False, env=env or {})
    require_docker()
    flags = [f"--env={k}={v}" for k, v in (env or {}).items()]
    return subprocess.run(["docker", "run", "--rm", "--network=none", f"--volume={cwd}:{cwd}", f"--workdir={cwd}",
                           *flags, PHP_IMAGE, "php", *args], capture_output=True, text=True, check=False, timeout=120)


def test_php_lint_and_what_wordpress_would_see(wordpress: tuple[dict[str, str], str], tmp_path: Path) -> None:
    _, php = wordpress
    path = tmp_path / "wp-config.php"
    path.write_text(php)
    result = run_php(["-l", str(path)], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (tmp_path / "vendor").mkdir()
    (tmp_path / "vendor/autoload.php").write_text("<?php\n")
    (tmp_path / "wp").mkdir()
    (tmp_path / "wp/wp-settings.php").write_text(
        "<?php\necho json_encode([DB_NAME, DB_HOST, DB_PASSWORD, WP_DEBUG, DISABLE_WP_CRON, WP_SITEURL, "
        "$GLOBALS['table_prefix'], ABSPATH, $_SERVER['HTTPS'] ?? null]);\n")
    secrets = {n: "s3t" for n in re.findall(r'migrate_secret\("(\w+)"\)', php)}
    code = "$_SERVER['HTTP_X_FORWARDED_PROTO'] = 'https'; require 'wp-config.php';"
    run = run_php(["-r", code], tmp_path, {**secrets, "WP_DEBUG": "true", "DB_HOST": "mysql:3306"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert json.loads(run.stdout) == ["acme_blog", "mysql:3306", "s3t", True, True, "https://blog.example.com/wp",
                                      "acme_", f"{tmp_path}/wp/", "on"]
    missing = run_php(["-r", code], tmp_path)
    assert missing.returncode != 0 and "DB_PASSWORD is not set" in missing.stdout + missing.stderr


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


CLASSIC = {
    "index.php": "<?php\ndefine('WP_USE_THEMES', true);\nrequire __DIR__ . '/wp-blog-header.php';\n",
    "wp-settings.php": "<?php\ndefine('WPINC', 'wp-includes');\n",
    "wp-blog-header.php": "<?php\nrequire_once __DIR__ . '/wp-load.php';\n",
    "wp-includes/version.php": "<?php\n$wp_version = '5.8.1';\n",
    "wp-content/themes/site/style.css": "/* Theme Name: site */\n",
    "wp-config.php": """\
        <?php
        define('DB_NAME', 'site');
        define('DB_PASSWORD', 'Zk8-qTr-Real-Db-4410');
        define('DB_HOST', getenv('SITE_DB_HOST') ?: 'db.internal');
        define('AUTH_KEY', 'put your unique phrase here');
        define('WP_POST_REVISIONS', 5);
        define('WP_AUTO_UPDATE_CORE', php_sapi_name() === 'cli');
        define('SITE_NOTE', 'it\\'s a $5 \\\\ deal');
        define('SITE_MOTD', "hi $name");
        $table_prefix = 'wp_';
        if ( ! defined( 'ABSPATH' ) ) {
            define( 'ABSPATH', dirname( __FILE__ ) . '/' );
        }
        require_once ABSPATH . 'wp-settings.php';
        """,
}


def test_core_at_the_root_env_reads_ints_and_non_literals(tmp_path: Path) -> None:
    out = files_of(write_tree(tmp_path / "site", CLASSIC))
    php = written_php(out["deploy/image/Dockerfile"], "/app/wp-config.php")
    assert "Zk8-qTr-Real-Db-4410" not in php and all("Zk8-qTr-Real-Db-4410" not in c for c in out.values())
    assert '    define("ABSPATH", __DIR__ . "/");' in php  # dirname(__FILE__) . '/': core beside the file
    assert 'define("DB_HOST", migrate_env("SITE_DB_HOST", "db.internal"));' in php  # the repo's own variable
    assert 'define("AUTH_KEY", migrate_secret("AUTH_KEY"));' in php  # a placeholder: the Secret sets it
    assert 'define("WP_POST_REVISIONS", migrate_env("WP_POST_REVISIONS", 5));' in php  # an int stays an int
    assert 'if (getenv("WP_AUTO_UPDATE_CORE") !== false) {' in php  # a call: only from the environment
    assert 'define("SITE_NOTE", migrate_env("SITE_NOTE", "it\'s a \\$5 \\\\ deal"));' in php  # escaped, not read
    assert 'if (getenv("SITE_MOTD") !== false) {' in php  # interpolates $name: not a literal
    assert 'if (getenv("WP_HOME") !== false) {' in php  # not in the repo's file: read when the pod sets it
    assert '$table_prefix = migrate_env("WP_TABLE_PREFIX", "wp_");' in php
    assert "SITE_DB_HOST" in out["deploy/k8s/base/configmap.yaml"]
    assert "  DB_PASSWORD: ''" in out["deploy/k8s/base/secret.yaml"]
    path = tmp_path / "wp-config.php"
    path.write_text(php)
    linted = run_php(["-l", str(path)], tmp_path)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_php_string_escapes_what_php_and_the_shell_would_read() -> None:
    assert php_wpconfig.php_string("a$b\"c\\d'e") == '"a\\$b\\"c\\\\d\'e"'
    assert php_wpconfig.php_string("x\ny") == '"x\\x0ay"'  # no line break inside the Dockerfile's RUN


def test_a_wp_config_without_secrets_is_kept_as_it_is(tmp_path: Path) -> None:
    files = dict(CLASSIC)
    files["wp-config.php"] = """\
        <?php
        define('DB_NAME', getenv('DB_NAME') ?: 'site');
        define('DB_PASSWORD', getenv('DB_PASSWORD'));
        $table_prefix = 'wp_';
        require_once __DIR__ . '/wp-settings.php';
        """
    out = files_of(write_tree(tmp_path / "site", files))
    assert " > /app/wp-config.php" not in out["deploy/image/Dockerfile"]
    assert "wp-config.php" not in out[".dockerignore"].splitlines()
    assert "writes its own" not in out["MIGRATION.md"]


PLAIN = {
    "composer.json": '{"require": {"php": ">=8.1"}}\n',
    "index.php": "<?php\nrequire_once __DIR__ . '/config.php';\n$db = new mysqli(DB_HOST, DB_USER, DB_PASSWORD);\n",
    "config.php": "<?php\ndefine('DB_HOST', 'db.internal');\ndefine('DB_USER', 'shop');\n"
                  "define('DB_PASSWORD', 'Xq7-real-Pass-991');\n",
    "unused.php": "<?php\ndefine('API_TOKEN', 'tok-Lq83-real-5510-zz');\n",
}


def test_an_included_config_with_a_secret_is_a_blocker_the_planner_cannot_replace(tmp_path: Path) -> None:
    out = files_of(write_tree(tmp_path / "plain", PLAIN))
    docs = out["MIGRATION.md"]
    blockers = docs.split("## Blockers: fix before building", 1)[1].split("\n## ", 1)[0]
    assert "- `config.php` (required by index.php:2 (require_once)): DB_PASSWORD (password) at line 4" in blockers
    assert "unused.php" not in blockers  # nothing loads it: left out of the image
    ignore = out[".dockerignore"].splitlines()
    assert "unused.php" in ignore and "config.php" not in ignore
    assert " > /app/" not in out["deploy/image/Dockerfile"]  # no wp-config.php for a plain app
    for value in ("Xq7-real-Pass-991", "tok-Lq83-real-5510-zz"):
        assert all(value not in c for c in out.values())
