"""Finding and loading task files: which ``.py`` files are Fabric 1, Fabric 2 or Invoke task files
(their imports say which), and the :class:`Loader` that reads the module-level facts of the sibling
modules a task file imports, once, through the Python 2/3 capable :func:`analyzers.pyast.parse_source`.
"""

from __future__ import annotations

import ast
import re

from analyzers.deploy.fabric.model import _OutOfBudget
from analyzers.deploy.fabric.module import Module
from analyzers.pyast import parse_source
from migrator.repo import RepoView


class Loader:
    """Module-level facts (constants, ``env``) of sibling modules a task file imports, read once."""

    def __init__(self, repo: RepoView) -> None:
        self.repo = repo
        self.cache: dict[str, Module | None] = {}
        self.loading: set[str] = set()

    def facts(self, rel: str) -> Module | None:
        if rel in self.cache:
            return self.cache[rel]
        if rel in self.loading:
            return None  # an import cycle: the module in progress sees what it has so far
        self.loading.add(rel)
        module: Module | None = None
        try:
            tree = parse_source(self.repo.read_text(rel) or "", rel).tree
            if tree is not None:
                module = Module(self.repo, rel, tree, _flavor(tree, rel) or "fabric1", self)
                module.prepare()
        except (RecursionError, _OutOfBudget):
            module = None
        finally:
            self.loading.discard(rel)
        self.cache[rel] = module
        return module


def _candidates(repo: RepoView) -> list[str]:
    out: list[str] = []
    for rel in repo.with_suffix(".py"):
        parts = rel.split("/")
        name = parts[-1]
        in_package = name == "fabfile.py" or "fabfile" in parts[:-1]
        maybe = name == "tasks.py" or len(parts) == 1 or parts[0] == "deploy"
        if in_package or (maybe and _imports_fabric(repo, rel)):
            out.append(rel)
    return out


_IMPORT_RE = re.compile(r"^\s*(from\s+(fabric|invoke)[\s.]|import\s+(fabric|invoke)\b)", re.M)


def _imports_fabric(repo: RepoView, rel: str) -> bool:
    return bool(_IMPORT_RE.search(repo.read_text(rel) or ""))


def _flavor(tree: ast.Module, rel: str) -> str | None:
    """"fabric1", "fabric2" or "invoke"; None when the file is no task file after all."""
    found: set[str] = set()
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        for mod in modules:
            if mod.startswith("fabric.") and not mod.startswith(("fabric.connection", "fabric.group")):
                found.add("fabric1")
            elif mod in ("fabric", "fabric.connection", "fabric.group"):
                found.add("fabric2")
            elif mod == "invoke" or mod.startswith("invoke."):
                found.add("invoke")
    for flavor in ("fabric1", "fabric2", "invoke"):
        if flavor in found:
            return flavor
    parts = rel.split("/")
    # a fabfile that gets Fabric's names through a star import of a sibling module
    return "fabric1" if parts[-1] == "fabfile.py" or "fabfile" in parts[:-1] else None
