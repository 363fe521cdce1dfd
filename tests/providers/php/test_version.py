"""php_version: the contract's precedence, constraints read as Composer reads them, losers kept, conflicts and
end of life as warnings."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest

from analyzers.providers.php import runtime_version, version
from migrator.model import Confidence, Kind

Run = Callable[[Any, dict[str, str | bytes]], Any]


def versions(result: Any) -> list[tuple[str, str, int | None, Confidence]]:
    return [(f.fields["version"], f.source.file, f.source.line, f.source.confidence)
            for f in result.of(Kind.RUNTIME) if "version" in f.fields]


@pytest.mark.parametrize(("constraint", "minors"), [
    ("^7.3|^8.0", ["7.3", "7.4", "8.0", "8.1", "8.2", "8.3", "8.4"]),
    (">=7.4", ["7.4", "8.0", "8.1", "8.2", "8.3", "8.4"]),
    ("~8.1.0", ["8.1"]),
    ("~7.1", ["7.1", "7.2", "7.3", "7.4"]),
    ("^5.6 || ^7.0", ["5.6", "7.0", "7.1", "7.2", "7.3", "7.4"]),
    (">=7.2 <8.0", ["7.2", "7.3", "7.4"]),
    (">=7.2, <8.0", ["7.2", "7.3", "7.4"]),
    ("7.2 - 7.4", ["7.2", "7.3", "7.4"]),
    ("7.4.*", ["7.4"]),
    ("^7.2.5|^8.0", ["7.2", "7.3", "7.4", "8.0", "8.1", "8.2", "8.3", "8.4"]),
])
def test_constraints_admit_what_composer_admits(constraint: str, minors: list[str]) -> None:
    assert [m for m in version.KNOWN_MINORS if version.admits_minor(constraint, m)] == minors


def test_an_unreadable_constraint_says_nothing() -> None:
    assert version.admits_minor("dev-master", "8.1") is None


def test_config_platform_wins_and_every_other_source_stays_visible(run_analyzer: Run) -> None:
    manifest = json.dumps({"require": {"php": "^7.3|^8.0"}, "config": {"platform": {"php": "7.4.33"}}}, indent=2)
    result = run_analyzer(runtime_version, {
        "composer.json": manifest, ".php-version": "7.4\n",
        "deploy/provision.sh": "#!/bin/sh\napt-get install -y nginx php8.1-fpm php8.1-mysql\n"})
    assert versions(result) == [
        ("7.4", "composer.json", 7, Confidence.DECLARED),  # config.platform.php
        ("7.4", ".php-version", 1, Confidence.HEURISTIC),  # agrees: kept, no conflict
        ("8.1", "deploy/provision.sh", 2, Confidence.INFERRED),  # contradicts: kept below the winner
        ("7.4", "composer.json", 3, Confidence.HEURISTIC),  # the constraint admits 7.4
    ]
    win = next(f for f in result.of(Kind.RUNTIME) if f.source.line == 7)
    assert (win.fields["version_full"], win.fields["version_spec"]) == ("7.4.33", "7.4.33")
    [conflict] = [w for w in result.warnings if "php8.1-fpm" in w.message]
    assert (conflict.file, conflict.line) == ("deploy/provision.sh", 2)
    assert any("PHP 7.4 reached its end of life on 2022-11-28" in w.message for w in result.warnings)


def test_a_constraint_alone_picks_the_lowest_minor_with_an_image_and_says_so(run_analyzer: Run) -> None:
    result = run_analyzer(runtime_version, {"composer.json": '{\n  "require": {\n    "php": ">=5.6.4"\n  }\n}\n'})
    [win] = [f for f in result.of(Kind.RUNTIME) if "version" in f.fields]
    assert (win.fields["version"], win.source.line, win.source.confidence) == ("7.4", 3, Confidence.HEURISTIC)
    assert "5.6 is admitted but has no maintained image" in win.fields["version_note"]


def test_locked_packages_narrow_the_constraint(run_analyzer: Run) -> None:
    lock = json.dumps({"packages": [{"name": "symfony/console", "version": "v6.0.19",
                                     "require": {"php": ">=8.0.2"}}], "packages-dev": []}, indent=4)
    result = run_analyzer(runtime_version, {"composer.json": '{"require": {"php": "^7.4|^8.0"}}',
                                            "composer.lock": lock})
    [win] = [f for f in result.of(Kind.RUNTIME) if "version" in f.fields]
    assert win.fields["version"] == "8.0"
    assert "symfony/console requires php >=8.0.2" in win.fields["version_note"]


def test_a_pinned_version_the_lock_refuses_is_a_warning(run_analyzer: Run) -> None:
    lock = json.dumps({"packages": [{"name": "laravel/framework", "version": "v10.48.4",
                                     "require": {"php": "^8.1"}}]}, indent=4)
    result = run_analyzer(runtime_version, {"composer.json": "{}", "composer.lock": lock, ".php-version": "8.0\n"})
    assert versions(result) == [("8.0", ".php-version", 1, Confidence.DECLARED)]
    [warning] = [w for w in result.warnings if "laravel/framework" in w.message]
    assert warning.file == "composer.lock" and "composer install refuses" in warning.message


def test_tool_versions_and_platform_overrides(run_analyzer: Run) -> None:
    lock = json.dumps({"packages": [], "platform-overrides": {"php": "8.2.12"}}, indent=4)
    result = run_analyzer(runtime_version, {"composer.json": '{"require": {"php": "^8.1"}}', "composer.lock": lock,
                                            ".tool-versions": "nodejs 18.19.0\nphp 8.2.12\n"})
    assert versions(result)[0] == ("8.2", "composer.lock", 4, Confidence.DECLARED)
    assert ("8.2", ".tool-versions", 2, Confidence.HEURISTIC) in versions(result)


def test_plain_php_with_nothing_but_the_host_and_nothing_at_all(run_analyzer: Run) -> None:
    unit = "[Service]\nExecStart=/usr/sbin/php-fpm7.0 --nodaemonize --fpm-config /etc/php/7.0/fpm/php-fpm.conf\n"
    result = run_analyzer(runtime_version, {"index.php": "<?php echo 1;\n", "deploy/php7.0-fpm.service": unit})
    assert versions(result)[0] == ("7.0", "deploy/php7.0-fpm.service", 2, Confidence.INFERRED)


def test_the_default_says_it_is_one(run_analyzer: Run) -> None:
    result = run_analyzer(runtime_version, {"index.php": "<?php echo 1;\n"})
    [win] = [f for f in result.of(Kind.RUNTIME) if "version" in f.fields]
    assert (win.fields["version"], win.source.confidence) == ("8.3", Confidence.DEFAULT)
    assert "nothing names a PHP version" in win.fields["version_note"]


def test_end_of_life_is_dated() -> None:
    assert version.end_of_life("7.4", datetime.date(2024, 1, 1)) == "2022-11-28"
    assert version.end_of_life("8.3", datetime.date(2024, 1, 1)) is None


def test_a_version_file_the_constraint_refuses_is_stale_and_loses(run_analyzer: Run) -> None:
    # .php-version from the PHP 7.2 days, composer.json moved on to >=7.4, the box runs mod_php 7.4
    result = run_analyzer(runtime_version, {
        "composer.json": json.dumps({"require": {"php": ">=7.4"}}, indent=4) + "\n",
        ".php-version": "7.2\n",
        "deploy/provision.sh": "apt-get install -y apache2 libapache2-mod-php7.4\n"})
    win = versions(result)[0]
    assert win[:2] == ("7.4", "deploy/provision.sh")
    stale = next(w.message for w in result.warnings if w.file == ".php-version")
    assert "refuses 7.2" in stale and "the image runs PHP 7.4" in stale


def test_a_refused_version_alone_still_wins_when_nothing_else_names_one(run_analyzer: Run) -> None:
    result = run_analyzer(runtime_version, {
        "composer.json": json.dumps({"require": {"php": "^8.1"}}, indent=4) + "\n", ".php-version": "7.4\n"})
    # the constraint's own lowest minor (8.1) is a candidate too: it ranks first once 7.4 is refused
    assert versions(result)[0][0] == "8.1"
