"""Deployer's settings resolved the way ``get()`` and ``{{placeholders}}`` would, without running anything.

The layers, in order: the placeholders every recipe resolves (``bin/php`` -> ``php``: the image's binaries),
the settings of the required recipes (cited at their ``require`` line), the repo's ``set``/``add`` in the
order written, then the chosen host's own (``host('prod')->set('deploy_path', ...)`` wins, as it does on
that host). ``add`` appends to a list (merges a dict). ``{{release_path}}``, ``{{current_path}}`` and
``{{release_or_current_path}}`` are the app dir: the release being deployed and ``current`` are one directory
in the image (``<deploy_path>/current``). What cannot be known (a closure, ``{{previous_release}}``) stays
``${name}``.
"""

from __future__ import annotations

import re
from typing import Any

from analyzers.deploy.deployer.model import Host, Setting
from analyzers.deploy.deployer.phpvalues import Unknown, render

_PLACEHOLDER = re.compile(r"\{\{\s*([\w/.-]+)\s*\}\}")
_APP_DIR = ("release_path", "current_path", "release_or_current_path")
_MAX_DEPTH = 12
# {{bin/...}} is the image's program whatever the legacy host's path or closure said
IMAGE_BINARIES = {"bin/php": "php", "bin/composer": "composer", "bin/git": "git", "bin/npm": "npm", "bin/yarn": "yarn",
                  "bin/symlink": "ln -nfs"}


class Vars:
    def __init__(self, layers: list[Setting], host: Host | None) -> None:
        self.ops: dict[str, list[Setting]] = {}
        for op in layers:
            self.ops.setdefault(op.key, []).append(op)
        self.host = host

    def has(self, key: str) -> bool:
        return key in self.ops or (self.host is not None and key in self.host.settings)

    def get(self, key: str) -> Any:
        if self.host is not None and key in self.host.settings:
            return self.host.settings[key]
        value: Any = None
        for op in self.ops.get(key, ()):
            if op.verb == "add" and isinstance(value, list):
                value = [*value, *(op.value if isinstance(op.value, list) else [op.value])]
            elif op.verb == "add" and isinstance(value, dict) and isinstance(op.value, dict):
                value = {**value, **op.value}
            else:
                value = op.value
        return value

    def where(self, key: str) -> tuple[str, int] | None:
        """Where ``key`` got its value (the host's line when the host set it)."""
        if self.host is not None and key in self.host.settings:
            return self.host.file, self.host.line
        ops = self.ops.get(key)
        return (ops[-1].file, ops[-1].line) if ops else None

    def item_line(self, key: str, item: str) -> tuple[str, int] | None:
        """Where list item ``item`` of ``key`` was written: its own line in a multi-line array, else the line
        of the op that brought it (a recipe's settings: its ``require``)."""
        for op in reversed(self.ops.get(key, ())):
            for value, line in op.lines:
                if value == item:
                    return op.file, line
            if item in (op.value if isinstance(op.value, list) else [op.value]):
                return op.file, op.line
        return None

    def deploy_path(self) -> str:
        return self.render(self.get("deploy_path")) if self.get("deploy_path") is not None else "${deploy_path}"

    def app_dir(self) -> str:
        return self.deploy_path().rstrip("/") + "/current"

    def render(self, value: Any, depth: int = 0) -> str:
        """``value`` as text with every ``{{name}}`` substituted (unknown names as ``${name}``)."""
        text = render(value)
        if depth > _MAX_DEPTH:
            return text
        return _PLACEHOLDER.sub(lambda m: self._placeholder(m.group(1), depth), text)

    def _placeholder(self, name: str, depth: int) -> str:
        if name in _APP_DIR:
            return self.app_dir()
        if name == "deploy_path":
            return self.deploy_path()
        if name in ("hostname", "alias") and self.host is not None:
            return str(self.host.settings.get("hostname") or self.host.name)
        if name in IMAGE_BINARIES:
            # the host's binary (a closure around locateBinaryPath, '/usr/bin/php8.1'): the image has its own
            return IMAGE_BINARIES[name]
        value = self.get(name)
        if value is None or isinstance(value, Unknown):
            return "${" + name.replace("/", "_") + "}"
        return self.render(value, depth + 1)
