"""Secrets and output: the hard-coded secrets a task file holds (``env.password``, ``password=``,
key files in the repo), and every finding scrubbed of secret values and deduplicated before it leaves.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from analyzers import base
from analyzers.base import Item, Src
from analyzers.deploy.fabric.effects import Effects
from analyzers.deploy.fabric.model import NAME
from analyzers.providers.python.pyresolve import label
from migrator.model import Finding, SecretFinding


class Output(Effects):
    """Secret literals found, and findings cleaned of them."""

    def _secrets(self) -> Iterator[SecretFinding]:
        """Hard-coded secret literals: ``env.password = "..."``, ``password="..."``, ``{"password": "..."}``."""
        for node in ast.walk(self.tree):
            pairs: list[tuple[str, ast.expr]] = []
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    name = self._target_name(t)
                    if name and isinstance(node.value, ast.Dict):
                        pairs += [(name, v) for v in node.value.values]  # env.passwords = {host: pw}
                    elif name:
                        pairs.append((name, node.value))
            elif isinstance(node, ast.Call):
                pairs += [(kw.arg, kw.value) for kw in node.keywords if kw.arg]
            elif isinstance(node, ast.Dict):
                pairs += [(k.value, v) for k, v in zip(node.keys, node.values, strict=False)
                          if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            for name, value in pairs:
                if name.endswith("key_filename"):
                    yield from self._committed_keys(name, value)
                elif isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found = base.check_assignment(Src(NAME, self.rel, value.lineno), name, value.value)
                    if found is not None:
                        self.secret_values.add(value.value)
                        yield found

    def _committed_keys(self, name: str, value: ast.expr) -> Iterator[SecretFinding]:
        """``env.key_filename`` / ``connect_kwargs={"key_filename": ...}`` naming a key file in the repo."""
        paths = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
        for path in paths:
            if isinstance(path, ast.Constant) and isinstance(path.value, str) and self._repo_file(path.value, None):
                yield base.hardcoded_secret(Src(NAME, self.rel, path.lineno), name, "private_key")

    def _target_name(self, target: ast.expr) -> str | None:
        if isinstance(target, (ast.Name, ast.Attribute)):
            return label(target)
        if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
            return str(target.slice.value)
        return None

    def _clean(self, item: Item) -> Item:
        """Scrub every string a finding carries; values known to be secrets are cut out too."""
        return base.scrubbed(item, self.secret_values)



def _dedupe(items: Iterable[Item]) -> Iterator[Item]:
    """The same finding reached through two tasks (a shared helper) is reported once."""
    seen: set[str] = set()
    for item in items:
        key = repr((type(item).__name__, getattr(item, "kind", None), getattr(item, "key", None),
                    sorted(item.fields.items()) if isinstance(item, Finding) else item, getattr(item, "source", None)))
        if key not in seen:
            seen.add(key)
            yield item
