"""The shape of a WordPress ``wp-config.php``, for an image that must write its own.

A repository's ``wp-config.php`` that hard-codes ``DB_PASSWORD`` or the keys and salts stays out of the
image (the ``.dockerignore`` leaves out every file holding a secret), but WordPress does not boot
without one: ``wp-load.php`` requires it. The image then writes a replacement that reads every constant
from the environment, as the official WordPress image's ``wp-config-docker.php`` does. This module
describes what the replacement must reproduce, as one runtime fact per part (all from the php_code
analyzer, read through tree-sitter, never run):

- ``wp_config``: where the repository's file is (``wp-config.php``, ``web/wp-config.php``);
- ``wp_defines``: each ``define()`` in source order, as ``(name, line, kind, value)``: kind ``secret``
  (DB_PASSWORD, the salts, any secret-looking name or value: no value kept), ``bool``/``int``/``float``/
  ``string``/``null`` with the literal, ``expr`` for a concatenation of constants and literals
  (``WP_HOME . '/wp'``, ``__DIR__ . '/wp-content'``: its parts as ``("const", "WP_HOME")``/``("str", "/wp")``),
  ``env`` for a define the file already reads from the environment (``(variable, default)``), ``unknown``
  for anything else (a function call: read from the environment only, with no default);
- ``wp_table_prefix``: the ``$table_prefix`` literal (non-secret), ``wp_abspath``: the core directory
  relative to the file (``wp/`` from ``define('ABSPATH', __DIR__ . '/wp/')``, else composer's
  ``wordpress-install-dir``, else ``""``), ``wp_requires``: the other files it requires by a path relative
  to itself (``vendor/autoload.php``).
"""

from __future__ import annotations

import json
import posixpath
import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import D, H, Item, Src
from analyzers.lib.php import Const, Define, EnvRef, Interp, PhpFile, PhpValue, Unknown
from migrator.repo import RepoView
from migrator.secrets import bears_secret, is_placeholder, is_secret_name, secret_kind

WP_SALTS = ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY",
            "AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT")
TABLE_PREFIX_ENV = "WP_TABLE_PREFIX"  # the variable the image's wp-config.php reads $table_prefix from
REQUIRED_BY = "WordPress's wp-load.php requires wp-config.php: it does not boot without it"
_CONSTANT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DIRNAME_FILE = re.compile(r"^dirname\(\s*__FILE__\s*\)$")
_PREFIX = re.compile(r"""^\s*\$table_prefix\s*=\s*['"]([^'"]*)['"]""")


def is_secret(name: str) -> bool:
    return name in WP_SALTS or name == "DB_PASSWORD" or is_secret_name(name)


def secret_value(name: str, value: str) -> bool:
    """A literal that must never be copied: a real secret (not the sample's placeholders)."""
    return bool(value) and not is_placeholder(value) and not _placeholder(value) and (
        is_secret(name) or bears_secret(value) or secret_kind(name, value) is not None)


def _placeholder(value: str) -> bool:
    return "unique phrase" in value.lower() or value.strip() in ("", "password_here", "yourpasswordhere")


def table_prefix(parsed: PhpFile) -> tuple[str, int] | None:
    for number, line in enumerate(parsed.data.decode("utf-8", "replace").splitlines(), 1):
        m = _PREFIX.match(line)
        if m:
            return m.group(1), number
    return None


def findings(rel: str, parsed: PhpFile, install_dir: str | None, analyzer: str) -> Iterator[Item]:
    """The runtime facts above, and the ``WP_TABLE_PREFIX`` variable the replacement reads."""
    src = Src(analyzer, rel, 1)
    entries: list[tuple[object, ...]] = []
    seen: set[str] = set()
    abspath: str | None = None
    for define in parsed.defines:
        if define.name in seen or not _CONSTANT.match(define.name):
            continue
        seen.add(define.name)
        if define.name == "ABSPATH":
            abspath = _relative_dir(define.value)
            continue
        entries.append((define.name, define.line, *_entry(define)))
    if abspath is None:
        abspath = _install_dir(rel, install_dir)
    prefix = table_prefix(parsed)
    requires = tuple(p for p in (_relative_path(i.value) for i in parsed.includes) if p)
    yield base.runtime(src, D, language="php", wp_config=rel, wp_defines=tuple(entries), wp_abspath=abspath,
                       wp_requires=requires)
    if prefix is not None and not secret_value(TABLE_PREFIX_ENV, prefix[0]):
        at = src.at(prefix[1])
        yield base.runtime(at, D, language="php", wp_table_prefix=prefix[0])
        yield base.env_var(TABLE_PREFIX_ENV, at, D, description="wp-config.php $table_prefix")
        yield base.env_var(TABLE_PREFIX_ENV, at, H, default=prefix[0])


def _entry(define: Define) -> tuple[str, object]:
    value = define.value
    if isinstance(value, EnvRef):
        default = value.default if value.has_default and _scalar(value.default) else None
        if is_secret(define.name) or is_secret_name(value.name) or (
                isinstance(default, str) and secret_value(value.name, default)):
            default = None
        return "env", (value.name, default)
    if isinstance(value, str) and secret_value(define.name, value):
        return "secret", None
    if is_secret(define.name):
        return "secret", None  # a placeholder: the Secret sets the real one
    if isinstance(value, bool):
        return "bool", value
    if isinstance(value, int):
        return "int", value
    if isinstance(value, float):
        return "float", value
    if value is None:
        return "null", None
    if isinstance(value, str):
        return "string", value
    parts = _parts(value)
    return ("expr", parts) if parts is not None else ("unknown", None)


def _scalar(value: PhpValue) -> bool:
    return isinstance(value, (str, int, float, bool))


def _parts(value: PhpValue) -> tuple[tuple[str, str], ...] | None:
    """``WP_HOME . '/wp'`` as ``(("const", "WP_HOME"), ("str", "/wp"))``; None when a part is not a constant
    or a non-secret literal."""
    items = value.parts if isinstance(value, Interp) else (value,)
    out: list[tuple[str, str]] = []
    for part in items:
        if isinstance(part, str):
            if bears_secret(part):
                return None
            out.append(("str", part))
        elif isinstance(part, Const) and _CONSTANT.match(part.text):
            out.append(("const", part.text))
        elif isinstance(part, Unknown) and _DIRNAME_FILE.match(part.text):
            out.append(("const", "__DIR__"))
        else:
            return None
    return tuple(out) if any(kind == "const" for kind, _ in out) else None


def _relative_dir(value: PhpValue) -> str | None:
    """``wp/`` for ``__DIR__ . '/wp/'`` (``""`` for ``__DIR__ . '/'``); None for another shape."""
    path = _relative_path(value, directory=True)
    return None if path is None else ("" if path in (".", "") else path.rstrip("/") + "/")


def _relative_path(value: PhpValue, directory: bool = False) -> str | None:
    """The path below the file's own directory a ``__DIR__ . '/x'`` value names (no ``..``)."""
    parts = _parts(value)
    if not parts or parts[0] != ("const", "__DIR__") or any(kind != "str" for kind, _ in parts[1:]):
        return None
    tail = "".join(text for _, text in parts[1:])
    if not tail.startswith("/") or (not tail.strip("/") and not directory):
        return None
    path = posixpath.normpath(tail.strip("/") or ".")
    return None if path.startswith("..") or not re.fullmatch(r"[A-Za-z0-9_./-]+", path) else path


def install_dir(repo: RepoView) -> str | None:
    """composer.json's ``extra.wordpress-install-dir`` (johnpbloch/wordpress-core-installer), or None."""
    try:
        data = json.loads(repo.read_text("composer.json") or "{}")
    except (json.JSONDecodeError, RecursionError):  # a composer.json nested past the decoder
        return None
    extra = data.get("extra") if isinstance(data, dict) else None
    value = extra.get("wordpress-install-dir") if isinstance(extra, dict) else None
    return value if isinstance(value, str) else None


def _install_dir(rel: str, install_dir: str | None) -> str:
    """composer's ``wordpress-install-dir`` relative to the config file's directory, else ``""``."""
    if not install_dir:
        return ""
    path = posixpath.relpath(posixpath.normpath(install_dir.strip("/")), posixpath.dirname(rel) or ".")
    if path.startswith("..") or not re.fullmatch(r"[A-Za-z0-9_./-]+", path):
        return ""
    return "" if path == "." else path + "/"
