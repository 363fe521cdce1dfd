"""Is there any PHP in the repository? Composer's files, a framework's entry files and PHP sources as
evidence, and what they suggest PHP is there for.

DECLARED: ``composer.json`` (at its ``require.php`` line when it has one), ``composer.lock``, Laravel's
``artisan``, WordPress's ``wp-config.php``/``wp-settings.php``, Symfony's ``bin/console`` with a
``composer.json``, ``.php-version``. INFERRED: an ``index.php`` at the root or in a web directory
(``public/``, ``htdocs/`` ...), and the count of PHP sources outside vendored trees (a plain PHP 5 app
has nothing else). A ``composer.json`` that only requires developer tools (PHP_CodeSniffer next to a
Python app) and nothing PHP serves says TOOLING.
"""

from __future__ import annotations

import posixpath

from analyzers.providers.php.composer import composer
from analyzers.providers.php.frameworks import WEB_DIRS
from analyzers.providers.protocol import Detection, Evidence, RoleHint
from migrator.model import Confidence
from migrator.repo import RepoView

NAME = "php"
_MAX_DEPTH = 1  # the root and one directory down, never vendored trees
MANIFESTS = ("composer.json", "composer.lock")
ENTRY_FILES = ("artisan", "wp-config.php", "wp-settings.php", ".php-version")
SOURCES = (".php", ".phtml", ".inc")
# Packages that lint, test or analyse PHP but never serve it
TOOL_PACKAGES = ("squizlabs/php_codesniffer", "phpunit/", "phpstan/", "vimeo/psalm", "friendsofphp/php-cs-fixer",
                 "phpmd/", "wp-coding-standards/", "dealerdirect/", "php-parallel-lint/", "rector/")
_VENDORED = ("vendor/", "node_modules/", "bower_components/")


def has_php(repo: RepoView) -> bool:
    """Whether the root has what the PHP analyzers read: composer files, artisan, WordPress, an index.php."""
    return any(repo.exists(name) for name in (*MANIFESTS, *ENTRY_FILES, "index.php")) or any(
        repo.exists(f"{d}/index.php") for d in WEB_DIRS) or bool(sources(repo))


def sources(repo: RepoView) -> list[str]:
    """PHP source files outside vendored trees (the walk prunes vendor/, this also skips nested copies)."""
    return sorted(f for f in repo.with_suffix(*SOURCES) if not any(f.startswith(v) or f"/{v}" in f for v in _VENDORED))


def detect(repo: RepoView) -> Detection | None:
    """The evidence for PHP in ``repo``, or None."""
    c = composer(repo)
    evidence: list[Evidence] = []
    for rel in sorted((f for f in repo.named(*MANIFESTS, *ENTRY_FILES) if f.count("/") <= _MAX_DEPTH),
                      key=lambda f: (f.count("/"), f)):
        php = c.require.get("php") if rel == "composer.json" else None
        what = f"composer.json requires php {php.value}" if php is not None else rel
        evidence.append(Evidence(rel, php.line if php else None, what, Confidence.DECLARED))
    if repo.exists("bin/console") and repo.exists("composer.json"):
        evidence.append(Evidence("bin/console", None, "a Symfony console", Confidence.DECLARED))
    for root in (".", *WEB_DIRS):
        rel = "index.php" if root == "." else f"{root}/index.php"
        if repo.exists(rel):
            evidence.append(Evidence(rel, None, "a front controller", Confidence.INFERRED))
    found = sources(repo)
    if found:
        first = sorted(found, key=lambda f: (f.count("/"), f))[0]
        evidence.append(Evidence(first, None, f"{len(found)} PHP files", Confidence.INFERRED))
    if not evidence:
        return None
    evidence.sort(key=lambda e: (-e.confidence, e.file.count("/"), e.file))
    manifests = [f for f in repo.named("composer.json") if f.count("/") <= _MAX_DEPTH]
    roots = tuple(dict.fromkeys(posixpath.dirname(f) or "." for f in manifests)) or (".",)
    return Detection(NAME, tuple(evidence), roots, role_hint(repo, found))


def is_tool(name: str) -> bool:
    return any(name == t or (t.endswith("/") and name.startswith(t)) for t in TOOL_PACKAGES)


def role_hint(repo: RepoView, found: list[str]) -> RoleHint:
    """TOOLING when composer.json requires only developer tools and no PHP file is served; else APP."""
    c = composer(repo)
    packages = [n for n in (*c.require, *c.require_dev) if n != "php" and not n.startswith("ext-")]
    served = any(repo.exists(f) for f in ("artisan", "wp-config.php", "index.php")) or any(
        f.endswith("index.php") for f in found)
    if packages and all(is_tool(n) for n in packages) and not served:
        return RoleHint.TOOLING
    return RoleHint.APP
