"""Which of the app's Python modules other modules need: read through ``ast``, never imported.

A module that hard-codes a secret should stay out of the image, unless the app cannot start without
it. :func:`importers` answers that for a few modules at once: a module is needed when another app
module imports it (``import billing.settings``, ``from billing import settings``, ``from . import
settings``, or a package below it) or names it in a string (``DJANGO_SETTINGS_MODULE`` defaults,
``app.config.from_object("billing.settings")``, ``"billing.app:app"``). An import inside ``try:`` ...
``except ImportError:`` is optional (the ``local_settings`` idiom): the app runs without the module.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from analyzers.providers.python.pyast import module_name, parse
from migrator.repo import RepoView

_OPTIONAL_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def importers(repo: RepoView, targets: Iterable[str], sources: Iterable[str]) -> dict[str, str]:
    """target file -> "imported by FILE:LINE" for each target that a module in ``sources`` needs."""
    files = frozenset(repo.files())
    wanted: dict[str, str] = {}  # dotted module -> target file
    for rel in targets:
        if rel.endswith(".py"):
            wanted[module_name(rel, files)[0]] = rel
    found: dict[str, str] = {}
    if not wanted:
        return found
    leaves = {m.rsplit(".", 1)[-1] for m in wanted}
    for rel in sources:
        text = repo.read_text(rel)
        if not text or not any(leaf in text for leaf in leaves):
            continue  # cheap: most files never mention the module
        tree, _, _ = parse(text, rel)
        if tree is None:
            continue
        mod, _ = module_name(rel, files)
        package = mod if rel.endswith("__init__.py") else mod.rpartition(".")[0]
        for name, line in _needed_names(tree, package):
            for dotted, target in wanted.items():
                if target != rel and target not in found and _covers(name, dotted):
                    found[target] = f"imported by {rel}:{line}"
    return found


def _covers(name: str, module: str) -> bool:
    """Importing ``name`` loads ``module``: the module itself or one of its packages."""
    return name == module or name.startswith(module + ".")


def _needed_names(tree: ast.Module, package: str) -> Iterator[tuple[str, int]]:
    """(dotted name, line) of every module the tree needs, unconditionally."""
    for node, optional in _walk(tree, optional=False):
        if optional:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield from _with_parents(alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module, node.level, package)
            if base:
                yield from _with_parents(base, node.lineno)
            for alias in node.names:
                yield (f"{base}.{alias.name}" if base else alias.name), node.lineno
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _dotted(node.value):
            yield node.value.split(":", 1)[0], node.lineno


def _with_parents(name: str, line: int) -> Iterator[tuple[str, int]]:
    """``import a.b.c`` runs a/__init__.py and a/b/__init__.py too."""
    parts = name.split(".")
    for i in range(1, len(parts) + 1):
        yield ".".join(parts[:i]), line


def _resolve(module: str | None, level: int, package: str) -> str:
    if level == 0:
        return module or ""
    parts = package.split(".") if package else []
    if level > 1:
        parts = parts[: len(parts) - (level - 1)]
    return ".".join([*parts, *([module] if module else [])])


def _dotted(text: str) -> bool:
    """``billing.settings`` or ``billing.app:app``: a module path in a string."""
    head = text.split(":", 1)[0]
    return "." in head and all(p.isidentifier() for p in head.split(".")) and len(text) < 200


def _walk(node: ast.AST, *, optional: bool) -> Iterator[tuple[ast.AST, bool]]:
    """Every node with whether it sits in a ``try`` whose handlers tolerate a missing module."""
    for child in ast.iter_child_nodes(node):
        yield child, optional
        if isinstance(child, ast.Try) or type(child).__name__ == "TryStar":
            tolerant = optional or any(_tolerates_import_error(h) for h in getattr(child, "handlers", []))
            for stmt in getattr(child, "body", []):
                yield stmt, tolerant
                yield from _walk(stmt, optional=tolerant)
            for field in ("handlers", "orelse", "finalbody"):
                for stmt in getattr(child, field, []):
                    yield stmt, optional
                    yield from _walk(stmt, optional=optional)
        else:
            yield from _walk(child, optional=optional)


def _tolerates_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, (ast.Name, ast.Attribute)) and (t.id if isinstance(t, ast.Name) else t.attr)
               in _OPTIONAL_ERRORS for t in types)
