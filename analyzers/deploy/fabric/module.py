"""One task file: its module-level state (imports, functions, constants, ``env``, also adopted from the
sibling modules it imports or its ``fabfile/`` package's ``__init__.py``), then every task walked.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from analyzers import base
from analyzers.base import H, Item, Src
from analyzers.deploy.fabric.calls import Calls
from analyzers.deploy.fabric.model import _BUDGET, NAME, Frame, FuncRef, _OutOfBudget
from analyzers.deploy.fabric.output import _dedupe
from analyzers.pyresolve import Namespace, Resolver
from migrator.model import ProcessRole


class Module(Calls):
    """Walks the tasks of one task file and collects what their commands mean."""

    def prepare(self) -> None:
        """Module-level state: imports, functions, constants and ``env`` (also of imported siblings)."""
        self._imports()
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef):
                self.functions[node.name] = node
                self.names[node.name] = FuncRef(node.name)
        if self.flavor == "fabric1" and ("env" not in self.aliases or self.aliases["env"].startswith("fabric.")):
            self.names["env"] = Namespace("env")
        self._link_siblings()
        self.out.extend(self._secrets())
        module = Resolver(self.names, self.aliases, self)
        self._block(self.tree.body, module, Frame())
        self._env_from_functions()

    def items(self) -> Iterator[Item]:
        self.loader.loading.add(self.rel)
        try:
            self.prepare()
        finally:
            self.loader.loading.discard(self.rel)
        try:
            for fn in self._tasks():
                self._run_task(fn)
        except _OutOfBudget:
            self.out.append(base.warning(Src(NAME, self.rel), "too many paths through the tasks and their helpers; "
                                         f"stopped after {_BUDGET} statements (results are partial)"))
        for spec in self.hints.values():
            src = Src(NAME, spec.file or self.rel, spec.line)
            self.out.append(base.process("web", src, H, role=ProcessRole.WEB.value, replicas=spec.count,
                                         replicas_hint_from=spec.hint))
        yield from _dedupe(self._clean(i) for i in self.out)

    def _imports(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom):
                mod = ("." * node.level) + (node.module or "")
                for a in node.names:
                    if a.name != "*":
                        self.aliases[a.asname or a.name] = f"{mod}.{a.name}"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        self.aliases[a.asname] = a.name
                    else:
                        root = a.name.split(".")[0]
                        self.aliases[root] = root

    def _link_siblings(self) -> None:
        # Fabric 1's env is one global: a fabfile/ package sets it in __init__.py for every submodule
        dirs = self.rel.split("/")[:-1]
        package_init = "/".join([*dirs, "__init__.py"])
        if "fabfile" in dirs and self.rel != package_init and self.repo.exists(package_init):
            init = self.loader.facts(package_init)
            if init is not None:
                self._adopt(init, [])
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                path = self._local_module(node.module, node.level)
                sibling = self.loader.facts(path) if path else None
                if sibling is not None:
                    self._adopt(sibling, node.names)

    def _local_module(self, module: str, level: int) -> str | None:
        dirs = self.rel.split("/")[:-1]
        if level > len(dirs) + 1:
            return None
        bases = [dirs[: len(dirs) - (level - 1)]] if level else [dirs, []]
        for b in bases:
            for cand in ("/".join([*b, *module.split(".")]) + ".py", "/".join([*b, *module.split("."), "__init__.py"])):
                if cand != self.rel and self.repo.exists(cand):
                    return cand
        return None

    def _adopt(self, sibling: Module, names: list[ast.alias]) -> None:
        """Constants named in ``from sibling import ...`` (or all of ``*``) and the sibling's env."""
        for alias in names:
            if alias.name == "*":
                for key, value in sibling.names.items():
                    if not key.startswith("_") and key != "env" and not isinstance(value, FuncRef):
                        self.names.setdefault(key, value)
            elif alias.name != "env" and not isinstance(sibling.names.get(alias.name, FuncRef("")), FuncRef):
                self.names[alias.asname or alias.name] = sibling.names[alias.name]
        env, theirs = self._env(), sibling._env()
        if env is not None and theirs is not None:
            for key, value in theirs.items():
                env.setdefault(key, value)
            for lines, their_lines in ((self.env_lines, sibling.env_lines), (self.role_lines, sibling.role_lines)):
                for key, where in their_lines.items():
                    lines.setdefault(key, where)
        self.secret_values |= sibling.secret_values
