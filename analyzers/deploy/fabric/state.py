"""The state one task file's walk keeps: the base of the layers that make up
:class:`analyzers.deploy.fabric.module.Module` (state -> effects -> output -> hosts -> statements ->
calls -> module; each layer uses only the ones below it).
"""

from __future__ import annotations

import ast
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any

from analyzers.base import Item
from analyzers.deploy.fabric.model import _BUDGET, _REPO, Ctx, HostSpec
from analyzers.pyresolve import Hooks
from migrator.repo import RepoView

if TYPE_CHECKING:
    from analyzers.deploy.fabric.loading import Loader


class State(Hooks):
    """The walk's state: the file, its names and functions, the context, the findings so far."""

    def __init__(self, repo: RepoView, rel: str, tree: ast.Module, flavor: str, loader: Loader) -> None:
        self.repo = repo
        self.loader = loader
        self.rel = rel
        self.tree = tree
        self.flavor = flavor
        self.aliases: dict[str, str] = {}
        self.functions: dict[str, ast.FunctionDef] = {}
        self.names: dict[str, Any] = {"__file__": f"{_REPO}/{rel}", "__name__": "fabfile"}
        self.env_lines: dict[str, tuple[str, int]] = {}
        self.role_lines: dict[str, tuple[str, int]] = {}
        self.out: list[Item] = []
        self.secret_values: set[str] = set()
        self.hints: dict[str, HostSpec] = {}
        self.ctx = Ctx()
        self.stack: list[str] = []
        self.globals: MutableMapping[str, Any] = self.names
        self.budget = _BUDGET
