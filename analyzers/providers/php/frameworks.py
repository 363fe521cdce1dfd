"""Which PHP framework the app is, and what the web server serves of it: the document root (the directory
the web server's root points at), the front controller every unmatched request goes to, and the console.

Tried in order, the first that matches wins:

- Laravel: ``artisan`` and ``laravel/framework`` (DECLARED with both, INFERRED with one); ``public/``,
  ``index.php``, ``artisan``. The version is the locked ``laravel/framework``.
- Symfony: ``symfony/framework-bundle`` (or the pre-Flex ``symfony/symfony``), ``bin/console`` or
  Symfony 2's ``app/console``, ``config/packages/`` (Flex). Symfony 4+ serves ``public/index.php``;
  Symfony 2/3 serve ``web/`` with ``app.php`` as the front controller.
- WordPress: ``wp-config.php``, ``wp-settings.php``, ``wp-content/`` (or Bedrock's ``roots/wordpress``
  with ``web/wp-config.php``). The root is the directory holding ``wp-settings.php``/``wp-config.php``;
  the version is ``wp-includes/version.php``'s ``$wp_version``, else the locked core package.
- CodeIgniter: 3's ``system/core/CodeIgniter.php`` (root ``index.php``; ``CI_VERSION`` for the version)
  or 4's ``codeigniter4/framework`` (``public/``, ``spark`` as the console).
- Slim: ``slim/slim``; ``public/`` when ``public/index.php`` exists.
- plain: an ``index.php`` at the root, or in ``public/``, ``htdocs/``, ``public_html/``, ``www/``,
  ``web/``, ``html/`` (the first that has one is the document root).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

from analyzers.providers.php.composer import Composer, composer
from migrator.model import Confidence
from migrator.repo import RepoView

# Directories a plain PHP app's document root is often kept in (shared hosting's public_html included)
WEB_DIRS = ("public", "htdocs", "public_html", "www", "web", "html")
_WP_VERSION = re.compile(r"""^\s*\$wp_version\s*=\s*['"]([\w.-]+)['"]""")
_CI_VERSION = re.compile(r"""define\s*\(\s*['"]CI_VERSION['"]\s*,\s*['"]([\w.-]+)['"]""")
_WP_MARKERS = ("wp-config.php", "wp-settings.php", "wp-config-sample.php")


@dataclass(frozen=True)
class Framework:
    name: str  # laravel | symfony | wordpress | codeigniter | slim | plain
    version: str | None
    file: str  # where it was recognised
    line: int | None
    confidence: Confidence
    document_root: str  # repo-relative: "public", "web", "."
    front_controller: str | None  # relative to document_root: "index.php", "app.php"
    console: str | None  # "artisan", "bin/console", "app/console", "spark"


def framework(repo: RepoView, c: Composer | None = None) -> Framework | None:
    """The app's framework (see the module docstring), or None when nothing PHP serves pages."""
    c = c if c is not None else composer(repo)
    for reader in (_laravel, _symfony, _wordpress, _codeigniter, _slim):
        found = reader(repo, c)
        if found is not None:
            return found
    return _plain(repo)


def _controller(repo: RepoView, root: str, name: str = "index.php") -> str | None:
    return name if repo.exists(_join(root, name)) else None


def _join(root: str, name: str) -> str:
    return name if root in (".", "") else f"{root}/{name}"


def _where(c: Composer, name: str, fallback: str) -> tuple[str, int | None]:
    entry = c.where(name)
    return (entry.file, entry.line) if entry is not None else (fallback, None)


def _laravel(repo: RepoView, c: Composer) -> Framework | None:
    package = c.has("laravel/framework")
    artisan = repo.exists("artisan")
    if not package and not (artisan and repo.exists("bootstrap/app.php")):
        return None
    file, line = _where(c, "laravel/framework", "artisan")
    confidence = Confidence.DECLARED if package and artisan else Confidence.INFERRED
    return Framework("laravel", c.locked_version("laravel/framework"), file, line, confidence, "public",
                     _controller(repo, "public") or "index.php", "artisan" if artisan else None)


def _symfony(repo: RepoView, c: Composer) -> Framework | None:
    package = next((p for p in ("symfony/framework-bundle", "symfony/symfony") if c.has(p)), None)
    console = next((f for f in ("bin/console", "app/console") if repo.exists(f)), None)
    flex = bool(repo.glob("config/packages/*"))
    if package is None and not (console and (flex or repo.exists("app/AppKernel.php"))):
        return None
    file, line = _where(c, package, console or "composer.json") if package else (console or "composer.json", None)
    confidence = Confidence.DECLARED if package and console else Confidence.INFERRED
    version = c.locked_version("symfony/framework-bundle", "symfony/symfony", "symfony/http-kernel")
    if repo.exists("web/app.php") and not repo.exists("public/index.php"):  # Symfony 2/3
        root, controller = "web", "app.php"
    else:
        root, controller = "public", "index.php"
    return Framework("symfony", version, file, line, confidence, root, controller, console)


def _wordpress(repo: RepoView, c: Composer) -> Framework | None:
    marks = sorted((f for f in repo.named(*_WP_MARKERS) if f.count("/") <= 2), key=lambda f: (f.count("/"), f))
    core = next((p for p in ("roots/wordpress", "johnpbloch/wordpress", "johnpbloch/wordpress-core")
                 if c.has(p)), None)
    content = repo.exists("wp-content/index.php") or bool(repo.glob("wp-content/*"))
    if not marks and core is None and not content:
        return None
    settings = next((f for f in marks if f.endswith("wp-settings.php")), None)
    anchor = settings or (marks[0] if marks else None)
    root = posixpath.dirname(anchor) if anchor else "."
    if core is not None and anchor is None and repo.exists("web/wp-config.php"):
        root = "web"  # Bedrock: web/wp-config.php, WordPress itself in web/wp (installed by composer)
    version = _version_line(repo, _join(root, "wp-includes/version.php"), _WP_VERSION) or \
        c.locked_version("roots/wordpress", "johnpbloch/wordpress-core", "johnpbloch/wordpress")
    if core is not None and anchor is None:
        file, line = _where(c, core, "composer.json")
    else:
        file, line = anchor or "wp-content", None
    confidence = Confidence.DECLARED if marks or core else Confidence.INFERRED
    return Framework("wordpress", version, file, line, confidence, root or ".", "index.php", None)


def _codeigniter(repo: RepoView, c: Composer) -> Framework | None:
    if c.has("codeigniter4/framework") or (repo.exists("spark") and repo.exists("app/Config/App.php")):
        file, line = _where(c, "codeigniter4/framework", "spark")
        return Framework("codeigniter", c.locked_version("codeigniter4/framework"), file, line, Confidence.DECLARED,
                         "public", _controller(repo, "public") or "index.php",
                         "spark" if repo.exists("spark") else None)
    core = next((f for f in repo.named("CodeIgniter.php") if f.endswith("system/core/CodeIgniter.php")
                 and f.count("/") <= 3), None)
    if core is None:
        return None
    root = core[: -len("system/core/CodeIgniter.php")].rstrip("/") or "."
    return Framework("codeigniter", _version_line(repo, core, _CI_VERSION), core, None, Confidence.DECLARED, root,
                     _controller(repo, root) or "index.php", None)


def _slim(repo: RepoView, c: Composer) -> Framework | None:
    if not c.has("slim/slim"):
        return None
    file, line = _where(c, "slim/slim", "composer.json")
    root = "public" if repo.exists("public/index.php") else "."
    return Framework("slim", c.locked_version("slim/slim"), file, line, Confidence.DECLARED, root,
                     _controller(repo, root) or "index.php", None)


def _plain(repo: RepoView) -> Framework | None:
    for root in (".", *WEB_DIRS):
        rel = _join(root, "index.php")
        if repo.exists(rel):
            return Framework("plain", None, rel, None, Confidence.INFERRED, root, "index.php", None)
    return None


def _version_line(repo: RepoView, rel: str, pattern: re.Pattern[str]) -> str | None:
    if not repo.exists(rel):
        return None
    for line in repo.lines(rel)[:200]:
        if m := pattern.search(line):
            return m.group(1)
    return None
