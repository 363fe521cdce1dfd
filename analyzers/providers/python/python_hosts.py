"""How a Django app builds ``ALLOWED_HOSTS``, so probes and verify send a Host header it accepts.

A Django app whose ``ALLOWED_HOSTS`` comes from an env var answered the kubelet's probe (``Host:
<pod IP>``) with 400 DisallowedHost. The forms read, from the effective settings module
(``DJANGO_SETTINGS_MODULE`` in ``manage.py``/``wsgi.py``/``asgi.py``, following ``from .base import *``):

- a literal list: ``["shop.example.com", "localhost"]`` (``"*"`` allows any host);
- django-environ: ``env.list("ALLOWED_HOSTS", default=[...])``, ``env("ALLOWED_HOSTS", cast=list)``;
- ``os.environ["ALLOWED_HOSTS"].split(",")``, ``os.getenv("DJANGO_ALLOWED_HOSTS", "a b").split()``, also
  inside a list comprehension ``[h.strip() for h in ....split(",")]``;
- python-decouple: ``config("ALLOWED_HOSTS", cast=Csv())`` (``Csv(delimiter=" ")``), ``cast=lambda v:
  v.split(",")``.

One runtime finding says which: ``allowed_hosts`` (the literal hosts, or the env default's),
``allowed_hosts_env`` (the variable) and ``allowed_hosts_separator``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import H, I, Item
from analyzers.providers.python.pyast import ENV_GETTERS, PyModule, arg, kwarg, str_list
from analyzers.providers.python.python_files import modules
from analyzers.providers.python.python_web import looks_like_settings
from migrator.repo import RepoView

NAME = "python_hosts"

_SETTINGS_MODULE = re.compile(r"""["']DJANGO_SETTINGS_MODULE["']\s*,\s*["']([\w.]+)["']""")
_ENTRY_FILES = ("manage.py", "wsgi.py", "asgi.py")


def analyze(repo: RepoView) -> Iterator[Item]:
    """The ALLOWED_HOSTS of the effective settings module (empty when the app is not Django)."""
    assigned: dict[str, tuple[PyModule, ast.expr, ast.stmt]] = {}
    stars: dict[str, list[str]] = {}
    for mod in modules(repo, NAME, ("ALLOWED_HOSTS", "import *")):
        for name, value, stmt in mod.assignments():
            if name == "ALLOWED_HOSTS" and looks_like_settings(mod):
                assigned[mod.module] = (mod, value, stmt)
        stars[mod.module] = [_absolute(mod, imp) for imp in mod.tree.body
                             if isinstance(imp, ast.ImportFrom) and any(a.name == "*" for a in imp.names)]
    if not assigned:
        return
    chosen = _effective(repo, assigned, stars)
    conf = I if chosen is not None else H
    mod, value, stmt = chosen or assigned[sorted(assigned)[0]]
    policy = read_policy(mod, value)
    if policy is None:
        return
    hosts, env, sep = policy
    yield base.runtime(mod.src(stmt), conf, allowed_hosts=tuple(hosts), allowed_hosts_env=env,
                       allowed_hosts_separator=sep if env else None)


def _absolute(mod: PyModule, imp: ast.ImportFrom) -> str:
    if not imp.level:
        return imp.module or ""
    package = mod.module.split(".")
    if not mod.rel.endswith("__init__.py"):
        package = package[:-1]
    base_parts = package[: len(package) - (imp.level - 1)] if imp.level > 1 else package
    return ".".join([*base_parts, *([imp.module] if imp.module else [])])


def _effective(repo: RepoView, assigned: dict[str, tuple[PyModule, ast.expr, ast.stmt]],
               stars: dict[str, list[str]]) -> tuple[PyModule, ast.expr, ast.stmt] | None:
    """The assignment Django uses: in the settings module the entry points name, or in what it
    star-imports; None when no entry point names one (then the only assignment, if one)."""
    named = []
    for rel in repo.named(*_ENTRY_FILES):
        m = _SETTINGS_MODULE.search(repo.read_text(rel) or "")
        if m:
            named.append(m.group(1))
    for module in sorted(set(named), key=named.index):
        todo, seen = [module], set()
        while todo:
            current = todo.pop(0)
            if current in seen:
                continue
            seen.add(current)
            if current in assigned:
                return assigned[current]
            todo.extend(stars.get(current, []))
    return next(iter(assigned.values())) if len(assigned) == 1 else None


def read_policy(mod: PyModule, value: ast.expr) -> tuple[list[str], str | None, str] | None:
    """(hosts, env var, separator) for one ``ALLOWED_HOSTS = ...`` value; None when it cannot be read.
    ``hosts`` are the literal ones, or the env var's default when the variable is unset."""
    listed = str_list(value)
    if listed is not None:
        return [h for h, _ in listed], None, ","
    if isinstance(value, ast.ListComp) and len(value.generators) == 1:
        value = value.generators[0].iter  # [h.strip() for h in os.environ.get(...).split(",")]
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "split":
        sep = mod.string(arg(value, 0)) or " "
        return _read_env(mod, value.func.value, sep)
    if isinstance(value, ast.Call):
        return _typed_read(mod, value)
    return None


def _read_env(mod: PyModule, node: ast.expr, sep: str) -> tuple[list[str], str | None, str] | None:
    """``os.environ["X"]`` / ``os.getenv("X", "a,b")`` / ``env("X", default="a,b")`` split on ``sep``."""
    if isinstance(node, ast.Subscript) and mod.qualname(node.value) in ("os.environ", "environ"):
        name = mod.string(node.slice)
        return ([], name, sep) if name else None
    if isinstance(node, ast.Call):
        qual = mod.qualname(node.func) or ""
        if qual in ENV_GETTERS or _env_object_call(mod, node) or qual.endswith("config"):
            name = mod.string(arg(node, 0))
            default = mod.string(kwarg(node, "default") or (arg(node, 1) if qual in ENV_GETTERS else None))
            return (_split(default, sep), name, sep) if name else None
    return None


def _typed_read(mod: PyModule, call: ast.Call) -> tuple[list[str], str | None, str] | None:
    """django-environ ``env.list("X", default=[...])`` / ``env("X", cast=list)``; decouple
    ``config("X", cast=Csv())``."""
    func = call.func
    name = mod.string(arg(call, 0))
    if not name:
        return None
    default_node = kwarg(call, "default")
    if isinstance(func, ast.Attribute) and func.attr in ("list", "tuple") and _is_env_object(mod, func.value):
        default_node = default_node or arg(call, 1)
        return _default_hosts(mod, default_node, ","), name, ","
    cast = kwarg(call, "cast")
    qual = mod.qualname(func) or ""
    if cast is None:
        return None
    sep = _cast_separator(mod, cast)
    if sep is None:
        return None
    if qual.endswith("config") or _env_object_call(mod, call):
        return _default_hosts(mod, default_node, sep), name, sep
    return None


def _cast_separator(mod: PyModule, cast: ast.expr) -> str | None:
    """``Csv()`` -> ",", ``Csv(delimiter=" ")``, ``list`` -> ",", ``lambda v: v.split(";")`` -> ";"."""
    if isinstance(cast, ast.Name) and cast.id in ("list", "tuple"):
        return ","
    if isinstance(cast, ast.Call) and (mod.qualname(cast.func) or "").endswith("Csv"):
        return mod.string(kwarg(cast, "delimiter") or arg(cast, 1)) or ","
    if isinstance(cast, ast.Lambda):
        for node in ast.walk(cast.body):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "split":
                return mod.string(arg(node, 0)) or " "
    return None


def _default_hosts(mod: PyModule, node: ast.expr | None, sep: str) -> list[str]:
    if node is None:
        return []
    listed = str_list(node)
    if listed is not None:
        return [h for h, _ in listed]
    return _split(mod.string(node), sep)


def _split(text: str | None, sep: str) -> list[str]:
    if not text:
        return []
    parts = text.split() if sep == " " else text.split(sep)
    return [p.strip() for p in parts if p.strip()]


def _is_env_object(mod: PyModule, node: ast.expr) -> bool:
    """A django-environ ``Env`` (``env = environ.Env()``), by how it was built or its usual name."""
    if isinstance(node, ast.Name):
        for name, value, _ in mod.assignments():
            if name == node.id and isinstance(value, ast.Call):
                return (mod.qualname(value.func) or "").endswith("Env")
        return node.id == "env"
    return False


def _env_object_call(mod: PyModule, call: ast.Call) -> bool:
    return isinstance(call.func, ast.Name) and _is_env_object(mod, call.func) or (
        isinstance(call.func, ast.Attribute) and call.func.attr == "str" and _is_env_object(mod, call.func.value))

