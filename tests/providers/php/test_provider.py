"""The PHP provider's readers of the tree: composer.json/composer.lock with their lines, the framework
(and what the web server serves of it), and detection with evidence."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from analyzers.providers.php.composer import composer, extensions_required
from analyzers.providers.php.frameworks import framework
from migrator.model import Confidence
from migrator.repo import RepoView

Tree = Callable[[dict[str, str | bytes]], Path]

LARAVEL8_JSON = """\
{
    "name": "laravel/laravel",
    "type": "project",
    "require": {
        "php": "^7.3|^8.0",
        "ext-gd": "*",
        "fideloper/proxy": "^4.4",
        "guzzlehttp/guzzle": "^7.0.1",
        "laravel/framework": "^8.12",
        "predis/predis": "^1.1"
    },
    "require-dev": {
        "facade/ignition": "^2.5",
        "phpunit/phpunit": "^9.3.3"
    },
    "autoload": {
        "psr-4": {
            "App\\\\": "app/",
            "Database\\\\Factories\\\\": "database/factories/"
        }
    },
    "scripts": {
        "post-autoload-dump": [
            "Illuminate\\\\Foundation\\\\ComposerScripts::postAutoloadDump",
            "@php artisan package:discover --ansi"
        ],
        "post-root-package-install": [
            "@php -r \\"file_exists('.env') || copy('.env.example', '.env');\\""
        ]
    },
    "config": {
        "optimize-autoloader": true,
        "platform": {
            "php": "7.4.33"
        }
    }
}
"""


def lock(packages: list[dict[str, object]], dev: list[dict[str, object]] | None = None,
         platform: dict[str, str] | None = None, overrides: dict[str, str] | None = None) -> str:
    data: dict[str, object] = {"_readme": ["This file locks the dependencies"], "content-hash": "0123abcd",
                               "packages": packages, "packages-dev": dev or [], "platform": platform or {},
                               "platform-dev": []}
    if overrides:
        data["platform-overrides"] = overrides
    return json.dumps(data, indent=4) + "\n"


LARAVEL8_LOCK = lock([
    {"name": "laravel/framework", "version": "v8.83.27",
     "require": {"php": "^7.3|^8.0", "ext-json": "*", "ext-mbstring": "*", "ext-openssl": "*"}},
    {"name": "league/flysystem", "version": "1.1.10", "require": {"ext-fileinfo": "*", "php": "^7.2.5 || ^8.0"}},
    {"name": "intervention/image", "version": "2.7.2", "require": {"ext-fileinfo": "*", "php": ">=5.4.0"}},
], dev=[{"name": "phpunit/phpunit", "version": "9.5.28", "require": {"ext-dom": "*", "ext-xml": "*"}}],
    platform={"php": "^7.3|^8.0", "ext-gd": "*"}, overrides={"php": "7.4.33"})


def test_composer_reads_both_files_with_lines(tree: Tree) -> None:
    c = composer(RepoView(tree({"composer.json": LARAVEL8_JSON, "composer.lock": LARAVEL8_LOCK})))
    assert (c.manifest, c.lockfile) == ("composer.json", "composer.lock")
    assert c.require["php"].value == "^7.3|^8.0" and c.require["php"].line == 5
    assert c.require["laravel/framework"].line == 9 and "phpunit/phpunit" in c.require_dev
    assert (c.platform["php"].value, c.platform["php"].line) == ("7.4.33", 34)
    assert [e.value for e in c.commands("post-autoload-dump")] == [
        "Illuminate\\Foundation\\ComposerScripts::postAutoloadDump", "@php artisan package:discover --ansi"]
    assert c.commands("post-autoload-dump")[1].line == 25
    assert c.autoload_namespaces == ("App\\", "Database\\Factories\\")
    assert c.locked_version("laravel/framework") == "8.83.27"
    phpunit = c.packages["phpunit/phpunit"]
    assert phpunit.dev and phpunit.version == "9.5.28"
    flysystem = c.packages["league/flysystem"]
    assert extensions_required(flysystem.requires) == {"fileinfo": flysystem.requires["ext-fileinfo"]}
    assert flysystem.requires["ext-fileinfo"].file == "composer.lock"
    assert LARAVEL8_LOCK.splitlines()[flysystem.requires["ext-fileinfo"].line - 1].strip().startswith('"ext-fileinfo"')
    assert c.lock_overrides["php"].value == "7.4.33" and c.lock_platform["ext-gd"].value == "*"
    assert c.content_hash is not None and c.content_hash.value == "0123abcd"


def test_a_broken_manifest_is_a_problem_and_the_lock_still_reads(tree: Tree) -> None:
    c = composer(RepoView(tree({"composer.json": '{\n  "require": {\n    "php": ">=5.6",\n  }\n}\n',
                                "composer.lock": LARAVEL8_LOCK})))
    assert c.manifest is None and c.lockfile == "composer.lock" and "laravel/framework" in c.packages
    assert [(f, line) for f, line, _ in c.problems] == [("composer.json", 4)]


def test_script_references_are_followed_and_cycles_cut(tree: Tree) -> None:
    manifest = json.dumps({"scripts": {"auto-scripts": {"cache:clear": "symfony-cmd"},
                                       "post-install-cmd": ["@auto-scripts", "@loop"], "loop": "@post-install-cmd"}})
    c = composer(RepoView(tree({"composer.json": manifest})))
    # auto-scripts is Flex's object form: not a command list composer runs as-is
    assert [e.value for e in c.commands("post-install-cmd")] == ["@auto-scripts", "@post-install-cmd"]


def test_laravel_is_public_index_php_with_artisan(tree: Tree) -> None:
    repo = RepoView(tree({"composer.json": LARAVEL8_JSON, "composer.lock": LARAVEL8_LOCK,
                          "artisan": "#!/usr/bin/env php\n", "public/index.php": "<?php\n",
                          "bootstrap/app.php": "<?php\n"}))
    found = framework(repo)
    assert found is not None
    assert (found.name, found.version, found.file, found.line, found.confidence) == (
        "laravel", "8.83.27", "composer.json", 9, Confidence.DECLARED)
    assert (found.document_root, found.front_controller, found.console) == ("public", "index.php", "artisan")


def test_laravel_5_without_composer_json_committed_still_has_artisan(tree: Tree) -> None:
    found = framework(RepoView(tree({"artisan": "<?php\n", "bootstrap/app.php": "<?php\n", "public/index.php": ""})))
    assert found is not None and (found.name, found.confidence, found.version) == ("laravel", Confidence.INFERRED, None)


def test_symfony_4_flex_and_symfony_3_web_dir(tree: Tree) -> None:
    flex = RepoView(tree({"composer.json": '{"require": {"php": "^7.1.3", "symfony/framework-bundle": "4.4.*"}}',
                          "composer.lock": lock([{"name": "symfony/framework-bundle", "version": "v4.4.49"}]),
                          "bin/console": "#!/usr/bin/env php\n", "config/packages/framework.yaml": "framework:\n",
                          "public/index.php": "<?php\n"}))
    found = framework(flex)
    assert found is not None
    assert (found.name, found.version, found.document_root, found.front_controller, found.console) == (
        "symfony", "4.4.49", "public", "index.php", "bin/console")
    old = RepoView(tree({"sf3/composer.json": '{"require": {"symfony/symfony": "3.4.*"}}', "sf3/bin/console": "",
                         "sf3/web/app.php": "<?php\n", "sf3/app/AppKernel.php": "<?php\n"}) / "sf3")
    found = framework(old)
    assert found is not None
    assert (found.name, found.document_root, found.front_controller) == ("symfony", "web", "app.php")


def test_wordpress_root_and_version(tree: Tree) -> None:
    repo = RepoView(tree({"wp-config.php": "<?php\ndefine('DB_NAME', 'wp');\n", "wp-settings.php": "<?php\n",
                          "index.php": "<?php\nrequire __DIR__ . '/wp-blog-header.php';\n",
                          "wp-includes/version.php": "<?php\n/**\n * x\n */\n$wp_version = '5.8.3';\n",
                          "wp-content/themes/site/style.css": "/* */\n"}))
    found = framework(repo)
    assert found is not None
    assert (found.name, found.version, found.file, found.document_root, found.front_controller) == (
        "wordpress", "5.8.3", "wp-settings.php", ".", "index.php")
    nested = RepoView(tree({"wp/htdocs/wp-config.php": "<?php\n", "wp/htdocs/wp-settings.php": "<?php\n"}) / "wp")
    found = framework(nested)
    assert found is not None and (found.name, found.document_root) == ("wordpress", "htdocs")


def test_codeigniter_3_and_plain_php(tree: Tree) -> None:
    ci = RepoView(tree({"ci/index.php": "<?php\n", "ci/application/config/config.php": "<?php\n",
                        "ci/system/core/CodeIgniter.php": "<?php\nconst CI_VERSION = '3.1.13';\n"
                                                          "define('CI_VERSION', '3.1.13');\n"}) / "ci")
    found = framework(ci)
    assert found is not None and (found.name, found.version, found.document_root) == ("codeigniter", "3.1.13", ".")
    plain = RepoView(tree({"site/htdocs/index.php": "<?php echo 'hi';\n", "site/lib/db.php": "<?php\n"}) / "site")
    found = framework(plain)
    assert found is not None
    assert (found.name, found.document_root, found.front_controller, found.confidence) == (
        "plain", "htdocs", "index.php", Confidence.INFERRED)
    assert framework(RepoView(tree({"empty/lib/x.php": "<?php\n"}) / "empty")) is None


def test_slim_serves_public_when_it_has_the_index(tree: Tree) -> None:
    repo = RepoView(tree({"composer.json": '{\n  "require": {\n    "slim/slim": "^3.12"\n  }\n}\n',
                          "public/index.php": "<?php\n"}))
    found = framework(repo)
    assert found is not None and (found.name, found.line, found.document_root) == ("slim", 3, "public")


def test_detect_a_laravel_app_with_evidence_at_its_lines(tree: Tree) -> None:
    from analyzers.providers.php import detect
    from analyzers.providers.protocol import RoleHint

    found = detect(RepoView(tree({"composer.json": LARAVEL8_JSON, "composer.lock": LARAVEL8_LOCK, "artisan": "",
                                  "public/index.php": "<?php\n", "app/User.php": "<?php\n"})))
    assert found is not None and (found.provider, found.hint, found.roots) == ("php", RoleHint.APP, (".",))
    assert [e.describe() for e in found.evidence] == [
        "artisan (declared)", "composer.json:5: composer.json requires php ^7.3|^8.0 (declared)",
        "composer.lock (declared)", "app/User.php: 2 PHP files (inferred)",
        "public/index.php: a front controller (inferred)"]


def test_detect_plain_php_5_by_its_sources(tree: Tree) -> None:
    from analyzers.providers.php import detect

    found = detect(RepoView(tree({"php5/index.php": "<?php mysql_connect();\n", "php5/inc/db.inc": "<?php\n",
                                  "php5/templates/page.phtml": "<html>\n"}) / "php5"))
    assert found is not None and found.confidence is Confidence.INFERRED
    assert found.evidence[-1].what == "3 PHP files"


def test_detect_tooling_and_nothing(tree: Tree) -> None:
    from analyzers.providers.php import detect
    from analyzers.providers.protocol import RoleHint

    tools = detect(RepoView(tree({"py/composer.json": '{"require-dev": {"squizlabs/php_codesniffer": "^3.5"}}',
                                  "py/app.py": "print(1)\n"}) / "py"))
    assert tools is not None and tools.hint is RoleHint.TOOLING
    assert detect(RepoView(tree({"node/package.json": "{}", "node/vendor/lib/x.php": "<?php\n"}) / "node")) is None
