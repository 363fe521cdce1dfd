"""The image's own ``wp-config.php``, when the repository's hard-codes secrets and stays out of the image.

WordPress's ``wp-load.php`` requires ``wp-config.php``: without it the image serves the install wizard or
an error. When the repository's file holds ``DB_PASSWORD`` or the keys and salts, the ``.dockerignore``
leaves it out (:mod:`generators.image.image_secrets`), and the image writes a replacement at the same
place, in the shape of the official WordPress image's ``wp-config-docker.php``: every constant the
repository's file defines (the php_code analyzer's ``wp_defines``, see
:mod:`analyzers.providers.php.wp_config`) is read from the environment variable of its own name (the
ConfigMap and the Secret carry them: the analyzer's env findings), a secret with no default (a missing one
stops WordPress with an error naming it), every other one with the repository's literal as its default,
converted back to its type (``false``, ``256``); a computed one (``WP_HOME . '/wp'``) keeps its expression
as the default; ``$table_prefix`` comes from ``WP_TABLE_PREFIX``. Then the official file's proxy
handling (``X-Forwarded-Proto: https`` sets ``HTTPS``: TLS ends at the Ingress), ``WP_HOME``/
``WP_SITEURL``/``FORCE_SSL_ADMIN`` from the environment when the repository's file does not define them,
the files it required next to itself (``vendor/autoload.php``) and its ``ABSPATH``/``wp-settings.php``
bootstrap (core in ``wp/`` when it was there). The PHP is written by ``RUN printf`` like the php.ini.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Sequence

from generators.values import APP_DIR, origin
from migrator.model import AppModel, Subject

TABLE_PREFIX_ENV = "WP_TABLE_PREFIX"
REPLACED = "the image writes its own wp-config.php that reads the environment (MIGRATION.md, PHP section)"
_CONSTANT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PATH = re.compile(r"^(?!.*\.\.)[A-Za-z0-9_][A-Za-z0-9_./-]*$")
_HELPERS = (
    'if (!function_exists("migrate_env")) {',
    "    // the variable converted to the type of the default, or the default when the variable is not set",
    "    function migrate_env($name, $default) {",
    "        $value = getenv($name);",
    "        if ($value === false) {",
    "            return $default;",
    "        }",
    "        if (is_bool($default)) {",
    "            return filter_var($value, FILTER_VALIDATE_BOOLEAN);",
    "        }",
    "        if (is_int($default)) {",
    "            return (int) $value;",
    "        }",
    "        if (is_float($default)) {",
    "            return (float) $value;",
    "        }",
    "        return $value;",
    "    }",
    "}",
    'if (!function_exists("migrate_secret")) {',
    "    // a secret has no default in the image: the Secret sets it",
    "    function migrate_secret($name) {",
    "        $value = getenv($name);",
    "        if ($value === false) {",
    '            throw new RuntimeException($name . " is not set: the Kubernetes Secret provides it");',
    "        }",
    "        return $value;",
    "    }",
    "}",
)
# the official image's proxy handling: TLS ends at the Ingress, which says so in X-Forwarded-Proto
_PROXY = (
    "// TLS ends at the Ingress: https when the proxy says so (as the official image wp-config-docker.php does)",
    'if (isset($_SERVER["HTTP_X_FORWARDED_PROTO"]) && strpos($_SERVER["HTTP_X_FORWARDED_PROTO"], "https") !== false) {',
    '    $_SERVER["HTTPS"] = "on";',
    "}",
)
_FROM_ENV_ONLY = (("WP_HOME", '""'), ("WP_SITEURL", '""'), ("FORCE_SSL_ADMIN", "false"))


def target(model: AppModel) -> str | None:
    """The repository path of the wp-config.php the image can write itself (WordPress, the file was read)."""
    runtime = model.runtime
    path = runtime.get("wp_config")
    if str(runtime.get("framework") or "").lower() != "wordpress" or not isinstance(path, str):
        return None
    if posixpath.basename(path) != "wp-config.php" or not _PATH.match(path) or "wp_defines" not in runtime.facts:
        return None
    return path


def _entries(facts: Subject | None) -> list[tuple[str, int, str, object]]:
    value = facts.get("wp_defines") if facts is not None else None
    out = []
    for entry in value if isinstance(value, (list, tuple)) else ():
        if isinstance(entry, (list, tuple)) and len(entry) == 4 and isinstance(entry[0], str) \
                and _CONSTANT.match(entry[0]) and isinstance(entry[2], str):
            out.append((entry[0], entry[1] if isinstance(entry[1], int) else 0, entry[2], entry[3]))
    return out


def php_string(text: str) -> str:
    """A double-quoted PHP string literal of ``text``, nothing interpolated (``$`` escaped): written inside a
    shell single-quoted printf argument, a double quote needs no shell escape."""
    out = "".join(f"\\{c}" if c in '\\"$' else c if c.isprintable() else
                  "".join(f"\\x{b:02x}" for b in c.encode()) for c in text)
    return f'"{out}"'


def _literal(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if value is None:
        return "null"
    return php_string(value) if isinstance(value, str) else None


def _expression(parts: object) -> str | None:
    """``WP_HOME . '/wp'`` from ``(("const", "WP_HOME"), ("str", "/wp"))``."""
    out = []
    for part in parts if isinstance(parts, (list, tuple)) else ():
        if not isinstance(part, (list, tuple)) or len(part) != 2 or not isinstance(part[1], str):
            return None
        if part[0] == "const" and _CONSTANT.match(part[1]):
            out.append(part[1])
        elif part[0] == "str":
            out.append(php_string(part[1]))
        else:
            return None
    return " . ".join(out) or None


def _define(name: str, line: int, kind: str, value: object, rel: str) -> list[str]:
    where = f"// {rel}:{line}" if line else f"// {rel}"
    read: str | None
    if kind == "secret":
        read = f'migrate_secret("{name}")'
    elif kind == "env" and isinstance(value, (list, tuple)) and len(value) == 2 and isinstance(value[0], str) \
            and _CONSTANT.match(value[0]):
        read = f'migrate_env("{value[0]}", {_literal(value[1]) or "null"})'
    elif kind == "expr":
        expression = _expression(value)
        read = f'migrate_env("{name}", {expression})' if expression else None
    elif kind in ("bool", "int", "float", "string", "null"):
        literal = _literal(value)
        read = f'migrate_env("{name}", {literal})' if literal else None
    else:
        read = None
    if read is None:  # not reproducible (a call, a variable): set only from the environment
        return [f"{where}: not a literal there; defined only when the environment sets it",
                f'if (getenv("{name}") !== false) {{', f'    define("{name}", getenv("{name}"));', "}"]
    return [where, f'define("{name}", {read});']


def source(facts: Subject | None, rel: str) -> list[str]:
    """The lines of the image's wp-config.php."""
    entries = _entries(facts)
    out = ["<?php", f"// Generated by migrate generate: {rel} of the repository hard-codes secrets and stays out of "
           "the image;", "// this one reads each of its constants from the environment (the ConfigMap and the "
           "Secret), its values as defaults.", *_HELPERS]
    requires = facts.get("wp_requires") if facts is not None else None
    for path in requires if isinstance(requires, (list, tuple)) else ():
        if isinstance(path, str) and _PATH.match(path) and not path.endswith("wp-settings.php"):
            out.append(f"require_once __DIR__ . {php_string('/' + path)};")
    for name, line, kind, value in entries:
        out += _define(name, line, kind, value, rel)
    prefix = facts.get("wp_table_prefix") if facts is not None else None
    prefix = prefix if isinstance(prefix, str) else "wp_"
    out += ["// the table prefix", f'$table_prefix = migrate_env("{TABLE_PREFIX_ENV}", {php_string(prefix)});']
    out += _PROXY
    defined = {name for name, *_ in entries}
    for name, default in _FROM_ENV_ONLY:
        if name not in defined:
            out += [f'if (getenv("{name}") !== false) {{', f'    define("{name}", migrate_env("{name}", {default}));',
                    "}"]
    abspath = facts.get("wp_abspath") if facts is not None else None
    core = abspath if isinstance(abspath, str) and (not abspath or _PATH.match(abspath)) else ""
    out += ['if (!defined("ABSPATH")) {', f'    define("ABSPATH", __DIR__ . {php_string("/" + core)});', "}",
            'require_once ABSPATH . "wp-settings.php";']
    return out


def block(facts: Subject | None, rel: str) -> str:
    """The ``RUN`` that writes the image's wp-config.php at /app/``rel``, with why."""
    secrets = [name for name, _, kind, _ in _entries(facts) if kind == "secret"]
    said = f" ({', '.join(secrets)})" if secrets else ""
    write = "printf '%s\\n' \\\n      " + " \\\n      ".join(shlex.quote(x) for x in source(facts, rel)) + \
        f" > {APP_DIR}/{rel}"
    return (f"# {rel} ({origin(facts, 'wp_config')}) hard-codes secrets{said}, so .dockerignore leaves it out, but\n"
            "# WordPress's wp-load.php requires it: the image writes its own, every constant read from the "
            "environment\n# (no default for a secret, the repo's value for the others), as the official WordPress "
            "image's wp-config-docker.php does\n# hadolint ignore=SC2016\nRUN " + write)


def doc(facts: Subject | None, rel: str) -> list[str]:
    """MIGRATION.md's paragraph on the image's wp-config.php."""
    entries = _entries(facts)
    secrets = [n for n, _, k, _ in entries if k == "secret"]
    plain = [n for n, _, k, _ in entries if k in ("bool", "int", "float", "string", "null")]
    computed = [n for n, _, k, _ in entries if k == "expr"]
    other = [n for n, _, k, _ in entries if k == "unknown"]
    core = facts.get("wp_abspath") if facts is not None else None
    text = (f"`{rel}` hard-codes secrets, so `.dockerignore` leaves it out of the image, and WordPress cannot boot "
            "without it (`wp-load.php` requires it). The image writes its own `" + f"{APP_DIR}/{rel}`, in the shape "
            "of the official WordPress image's `wp-config-docker.php`: each constant the repository's file defines "
            "is read from the environment variable of the same name.")
    parts = [text]
    if secrets:
        parts.append(f"Secrets ({_names(secrets)}) come from the Secret and have no default in the image: "
                     "WordPress stops with an error naming a missing one.")
    if plain:
        parts.append(f"The other settings ({_names(plain)}) come from the ConfigMap, the repository's values as "
                     "defaults (`true`/`false` and numbers keep their type).")
    if computed:
        parts.append(f"Computed ones ({_names(computed)}) keep the repository's expression as their default.")
    if other:
        parts.append(f"Not literal there, so defined only when the environment sets them: {_names(other)}.")
    parts.append(f"`$table_prefix` comes from `{TABLE_PREFIX_ENV}`; WordPress core is at "
                 f"`{APP_DIR}/{posixpath.dirname(rel) + '/' if posixpath.dirname(rel) else ''}{core or ''}` "
                 "(`ABSPATH`); `HTTPS` is on when the Ingress forwards `X-Forwarded-Proto: https` (TLS ends there), "
                 "and `WP_HOME`/`WP_SITEURL`/`FORCE_SSL_ADMIN` are read from the environment when the repository's "
                 "file does not define them. Code of the repository's file other than its defines and requires is not "
                 "reproduced: compare the two before the first rollout.")
    return [" ".join(parts), ""]


def _names(names: Sequence[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)
