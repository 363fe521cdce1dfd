"""``php_server_config``: what the legacy web server and PHP configs say about serving the app.

nginx sites that ``fastcgi_pass`` to PHP (parsed by :mod:`analyzers.lib.nginx_parse`, found as the
``nginx`` reader finds its files): ``root`` -> ``document_root`` relative to the app directory
(``/var/www/shop/current/public`` -> ``public``; the longest tail of the path that is a directory of the
repo otherwise), ``try_files ... /index.php?$query_string`` -> ``front_controller``,
``client_max_body_size`` -> ``upload_max_filesize``/``post_max_size``, ``fastcgi_param PHP_VALUE`` ->
php.ini settings, ``fastcgi_read_timeout`` -> ``request_timeout`` (INFERRED). Apache vhosts and
``.htaccess``, php-fpm pools and php.ini/.user.ini through :mod:`.phpconf`.

Facts (``language="php"``): ``document_root``, ``front_controller``, ``allow_override``, ``max_workers``,
``request_timeout`` (one finding per source: the planner keeps the best and shows the others), and
``php_ini``: one tuple of ``key=value`` merged per key (a pool's ``php_admin_value`` over php.ini over
Apache's ``php_value`` over nginx's ``PHP_VALUE`` over limits derived from a body size or a timeout),
with ``php_ini_sources`` saying where each came from; two files giving one key different values is a
warning. The env vars the legacy server handed PHP (Apache ``SetEnv``, a pool's ``env[X]``, nginx
``fastcgi_param APP_ENV``) are env findings, a secret among them a secret finding (never its value).
Where nginx passed PHP to php-fpm over FastCGI, the web process listens on 8080 (HTTP, Apache
in the image), at the ``fastcgi_pass`` line: the fpm port nginx named is no longer the pod's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import Item, Src
from analyzers.deploy.deploy_commands import export
from analyzers.deploy.nginx import config_files
from analyzers.lib.nginx_parse import Directive, parse
from analyzers.providers.php import phpconf
from analyzers.providers.php.detect import has_php
from analyzers.providers.php.extensions import need
from analyzers.providers.php.frameworks import framework
from analyzers.providers.php.phpconf import Setting
from analyzers.providers.php.servers import PORT
from migrator.model import Confidence
from migrator.repo import RepoView
from migrator.secrets import bears_secret, is_secret_name

NAME = "php_server_config"
_SINGLE = ("document_root", "front_controller", "allow_override", "max_workers", "request_timeout", "legacy_app_dir")
_INTS = ("max_workers", "request_timeout")
_INDEX = re.compile(r"^/?([\w./-]*\.php)")
# php.ini keys that hold credentials (newrelic.license, a password in a mail or session setting)
_SECRET_KEY = re.compile(r"licen[cs]e|secret|passw|token|api[_.-]?key|auth", re.IGNORECASE)
# what fastcgi_params / fastcgi.conf pass to every request (CGI/1.1 and nginx's additions)
_CGI = frozenset({"QUERY_STRING", "REQUEST_METHOD", "CONTENT_TYPE", "CONTENT_LENGTH", "SCRIPT_NAME", "SCRIPT_FILENAME",
                  "REQUEST_URI", "DOCUMENT_URI", "DOCUMENT_ROOT", "SERVER_PROTOCOL", "REQUEST_SCHEME", "HTTPS",
                  "GATEWAY_INTERFACE", "SERVER_SOFTWARE", "REMOTE_ADDR", "REMOTE_PORT", "REMOTE_USER", "SERVER_ADDR",
                  "SERVER_PORT", "SERVER_NAME", "REDIRECT_STATUS", "PATH_INFO", "PATH_TRANSLATED", "PHP_VALUE",
                  "PHP_ADMIN_VALUE", "AUTH_USER", "REMOTE_HOST"})


def analyze(repo: RepoView) -> Iterator[Item]:
    if not has_php(repo):
        return
    settings: list[Setting] = []
    for rel in phpconf.fpm_files(repo):
        settings += phpconf.fpm_pool(repo, rel)
    for rel in phpconf.ini_files(repo):
        settings += phpconf.ini(repo, rel)
    for rel in phpconf.apache_files(repo):
        settings += [r for s in phpconf.apache(repo, rel) for r in _relative(repo, s)]
    found, passes = nginx_settings(repo)
    roots = [s.value for s in (*settings, *found) if s.name == "document_root"]
    settings += htaccess_settings(repo, roots)
    settings += found
    for s in settings:
        src = Src(NAME, s.file, s.line)
        if s.name in _SINGLE:
            value: str | int = int(s.value) if s.name in _INTS else s.value
            yield base.runtime(src, s.confidence, language="php", **{s.name: value})
        elif s.name == "ext":
            yield need(s.value, src, s.confidence, f"{s.why} in {s.file}")
        elif s.name == "env":
            name, _, raw = s.value.partition("=")
            yield from export(name, raw, src)
    yield from _php_ini([s for s in settings if s.name.startswith("ini:")])
    if passes:
        first = passes[0]
        yield base.process("web", Src(NAME, first.file, first.line), Confidence.INFERRED, role="web", port=PORT,
                           protocol="http", reason=f"nginx passed PHP to php-fpm ({' '.join(first.args)}); in the "
                           f"image Apache with mod_php serves HTTP on {PORT}")


def htaccess_settings(repo: RepoView, roots: list[str]) -> list[Setting]:
    """The ``.htaccess`` of the document root (the legacy server's, else the framework's): a deeper one
    (``wp-content/uploads/.htaccess``) is scoped to its directory."""
    if not roots:
        found = framework(repo)
        roots = [found.document_root] if found is not None else ["."]
    rel = ".htaccess" if roots[0] in (".", "") else f"{roots[0]}/.htaccess"
    return phpconf.apache(repo, rel, htaccess=True) if repo.exists(rel) else []


def _php_ini(settings: list[Setting]) -> Iterator[Item]:
    kept: list[Setting] = []
    for s in settings:
        key = s.name[len("ini:"):]
        src = Src(NAME, s.file, s.line)
        secret = base.check_assignment(src, key.upper().replace(".", "_"), s.value)
        if secret is not None or bears_secret(s.value) or (s.value and (
                is_secret_name(key.replace(".", "_")) or _SECRET_KEY.search(key))):
            if secret is not None:
                yield secret
            yield base.warning(src, f"{key} holds a secret: it is left out of the image's php.ini (set it from a "
                               "Secret, e.g. an env var the app reads)")
        else:
            kept.append(s)
    settings = kept
    if not settings:
        return
    # a derived limit (INFERRED) never overrides a value written as such; among equals, the first reader's
    ranked = sorted(enumerate(settings), key=lambda p: (-p[1].confidence, p[0]))
    chosen: dict[str, Setting] = {}
    for _, s in ranked:
        key = s.name[len("ini:"):]
        if key not in chosen:
            chosen[key] = s
        elif chosen[key].value != s.value and s.confidence >= Confidence.DECLARED and s.file != chosen[key].file:
            yield base.warning(Src(NAME, s.file, s.line), f"{key}={s.value} here, but {key}={chosen[key].value} at "
                               f"{chosen[key].file}:{chosen[key].line} wins (the pool's php_admin_value, then "
                               "php.ini, then Apache's php_value, then nginx's PHP_VALUE)")
    first = min(chosen.values(), key=lambda s: (-s.confidence, s.file, s.line))
    yield base.runtime(Src(NAME, first.file, first.line), first.confidence, language="php",
                       php_ini=tuple(f"{k}={s.value}" for k, s in sorted(chosen.items())),
                       php_ini_sources=tuple(f"{k}={s.value}: {s.file}:{s.line}" for k, s in sorted(chosen.items())))


def nginx_settings(repo: RepoView) -> tuple[list[Setting], list[Directive]]:
    """The settings of every nginx server block that passes requests to PHP, and its fastcgi_pass lines."""
    out: list[Setting] = []
    passes: list[Directive] = []
    for rel in config_files(repo):
        text = repo.read_text(rel)
        if not text or "fastcgi_pass" not in text:
            continue
        for server, inherited in _servers(parse(text, rel).directives, []):
            found = _site(repo, server, inherited)
            if found is not None:
                out += found[0]
                passes += found[1]
    return out, passes


def _servers(directives: list[Directive], inherited: list[Directive]) -> Iterator[tuple[Directive, list[Directive]]]:
    for d in directives:
        if d.name == "http" and d.block is not None:
            yield from _servers(d.block, [x for x in d.block if x.block is None])
        elif d.name == "server" and d.block is not None:
            yield d, inherited


def _locations(directives: list[Directive]) -> Iterator[Directive]:
    for d in directives:
        if d.name == "location" and d.block is not None:
            yield d
            yield from _locations(d.block)


def _site(repo: RepoView, server: Directive, inherited: list[Directive]
          ) -> tuple[list[Setting], list[Directive]] | None:
    body = server.block or []
    locations = list(_locations(body))
    passes = [d for block in (body, *(loc.block or [] for loc in locations)) for d in block
              if d.name == "fastcgi_pass" and d.args]
    if not passes:
        return None  # a proxy or a static site: the nginx reader's business
    out: list[Setting] = []
    slash = next((loc for loc in locations if loc.args == ["/"]), None)
    root = _last(body, "root") or (_last(slash.block or [], "root") if slash else None)
    if root is not None and root.args:
        relative = app_relative(repo, root.args[0])
        if relative is not None:
            out.append(Setting("document_root", relative, root.file, root.line, Confidence.DECLARED,
                               f"root {root.args[0]}"))
            out += app_dir_setting(root.args[0], relative, root.file, root.line)
    tries = _last(slash.block or [], "try_files") if slash else None
    if tries is not None and tries.args and (m := _INDEX.match(tries.args[-1])):
        out.append(Setting("front_controller", m.group(1), tries.file, tries.line, Confidence.DECLARED,
                           "try_files " + " ".join(tries.args)))
    size = _last(body, "client_max_body_size") or _last(inherited, "client_max_body_size")
    if size is not None and size.args and (php := phpconf.nginx_size(size.args[0])):
        out += [Setting(f"ini:{k}", php, size.file, size.line, Confidence.INFERRED, f"client_max_body_size {php}")
                for k in ("upload_max_filesize", "post_max_size")]
    for block in (body, *(loc.block or [] for loc in locations)):
        for d in block:
            if d.name == "fastcgi_param" and len(d.args) >= 2 and d.args[0] in ("PHP_VALUE", "PHP_ADMIN_VALUE"):
                for pair in re.split(r"[\n;]+|\\n", d.args[1]):
                    key, eq, value = pair.partition("=")
                    if eq and key.strip():
                        out.append(Setting(f"ini:{key.strip().lower()}", value.strip(), d.file, d.line,
                                           Confidence.DECLARED, f"fastcgi_param {d.args[0]}"))
            elif d.name == "fastcgi_param" and len(d.args) >= 2 and _is_app_env(d.args[0]):
                out.append(Setting("env", f"{d.args[0]}={d.args[1]}", d.file, d.line, Confidence.DECLARED,
                                   "fastcgi_param"))
            elif d.name == "fastcgi_read_timeout" and d.args and (seconds := phpconf.duration(d.args[0])):
                out.append(Setting("request_timeout", str(seconds), d.file, d.line, Confidence.INFERRED,
                                   f"fastcgi_read_timeout {d.args[0]}"))
    return out, passes


def _is_app_env(name: str) -> bool:
    """A fastcgi_param that is the app's own variable (``APP_ENV``), not a CGI one nginx always passes."""
    return bool(re.fullmatch(r"[A-Za-z_]\w*", name)) and name not in _CGI and not name.startswith("HTTP_")


def _last(directives: list[Directive], name: str) -> Directive | None:
    found = [d for d in directives if d.name == name and d.block is None]
    return found[-1] if found else None


def app_relative(repo: RepoView, path: str) -> str | None:
    """The repo directory a host path serves: the tail after ``current/`` or ``releases/<n>/``, else the
    longest tail of the path that is a directory of the repo, else ``.`` (the checkout itself was served).
    None for a path made of variables only (``$realpath_root``)."""
    parts = [p for p in path.strip("\"'").rstrip("/").split("/") if p]
    if not parts or all(p.startswith("$") for p in parts):
        return None
    for i, part in enumerate(parts):
        if part == "current":
            return "/".join(parts[i + 1:]) or "."
        if part == "releases" and i + 1 < len(parts):
            return "/".join(parts[i + 2:]) or "."
    files = repo.files()
    for k in range(len(parts)):
        tail = "/".join(parts[k:])
        if "$" not in tail and "{" not in tail and any(f.startswith(tail + "/") for f in files):
            return tail
    return "."


def app_dir_setting(root: str, relative: str, file: str, line: int) -> list[Setting]:
    """Where the app lived on the host: the served path minus the document root (``/var/www/ci`` serving
    ``.``, ``/var/www/shop/current/public`` serving ``public``), so that the host paths of its cron lines
    and scripts (``php /var/www/ci/index.php cron``) become paths in the image."""
    path = root.strip("\"'").rstrip("/")
    if relative not in (".", ""):
        if not path.endswith("/" + relative):
            return []
        path = path[: -len(relative) - 1]
    if not path.startswith("/") or "$" in path or "{" in path or path.count("/") < 2:
        return []
    return [Setting("legacy_app_dir", path, file, line, Confidence.INFERRED, f"the served root {root}")]


def _relative(repo: RepoView, s: Setting) -> list[Setting]:
    if s.name != "document_root":
        return [s]
    relative = app_relative(repo, s.value) or "."
    return [Setting(s.name, relative, s.file, s.line, s.confidence, s.why),
            *app_dir_setting(s.value, relative, s.file, s.line)]
