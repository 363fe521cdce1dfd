"""Directories the app's own Ruby code writes at run time (a pod's root filesystem is read-only): each
gets a volume, as :mod:`analyzers.providers.python.python_writes` gives Python code.

Writes understood: ``FileUtils.mkdir_p``/``mkdir``, ``Dir.mkdir`` (the directory), ``File.write``,
``IO.write``, ``File.open(p, "w"/"a")``, ``File.new(p, "w")`` and ``Logger.new(p)`` (the file's directory).
Paths are evaluated statically: string literals, constants of the same file (``STATE_DIR =
ENV.fetch("STATUS_STATE_DIR") { File.expand_path("tmp/state", __dir__) }``: the env read's default),
``File.expand_path(rel, __dir__)``, ``File.expand_path("../x", __FILE__)``, ``File.join(...)`` (a last
part that is not a literal is the file's name), ``Rails.root.join(...)``; anything else is not guessed.
Relative paths are relative to the app directory (the repo root, the image's /app).

The volume: state under ``data/``, ``db/``, ``storage/``, ``uploads/``, ``/var/lib``, ``/srv`` is kept (a
PersistentVolumeClaim); logs, ``tmp/`` and anything else are an ``emptyDir``. In a Rails app ``tmp/`` and
``log/`` already have theirs (:mod:`.app_writes`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from typing import Any

from analyzers import base
from analyzers.base import I, Item, Src
from analyzers.providers.ruby.app_rb import app_sources, read_ruby
from migrator.repo import RepoView

_TRIGGERS = ("mkdir", "File.write", "IO.write", "File.open", "File.new", "Logger.new")
_DIR_WRITES = {("FileUtils", "mkdir_p"), ("FileUtils", "mkdir"), ("FileUtils", "makedirs"), ("Dir", "mkdir")}
_FILE_WRITES = {("File", "write"), ("IO", "write"), ("File", "open"), ("File", "new"), ("Logger", "new"),
                ("ActiveSupport::Logger", "new")}
_KEPT = re.compile(r"(^|/)(data|db|storage|uploads|shared)(/|$)|^/(var/lib|srv)(/|$)")
_SCRATCH = ("/tmp", "/dev", "/proc", "/sys", "/var/tmp")  # noqa: S108 - /tmp is the pod's emptyDir already
_UNKNOWN = "\0"
_MAX_DEPTH = 12


def code_writes(repo: RepoView, analyzer: str, rails: bool) -> Iterator[Item]:
    best: dict[str, Item] = {}
    for rel in app_sources(repo):
        text = repo.read_text(rel)
        if not text or not any(t in text for t in _TRIGGERS):
            continue
        parsed, _ = read_ruby(repo, rel, analyzer, "Ruby file")  # its warnings come from the env reader
        if parsed is None:
            continue
        paths = _Paths(parsed, rel)
        for call in parsed.calls(names={m for _, m in _DIR_WRITES | _FILE_WRITES}):
            receiver = parsed.text(call.receiver) if call.receiver is not None else ""
            pair = (receiver.removeprefix("::"), call.method)
            if pair not in _DIR_WRITES | _FILE_WRITES or not call.args:
                continue
            if call.method in ("open", "new") and pair[0] in ("File",) and not _writing(parsed, call):
                continue
            path = paths.eval(call.args[0])
            if path is None:
                continue
            directory = path if pair in _DIR_WRITES else posixpath.dirname(path)
            directory = posixpath.normpath(directory.split(_UNKNOWN, 1)[0].rstrip("/") or ".")
            if _UNKNOWN in path and pair in _DIR_WRITES:
                directory = posixpath.dirname(directory)
            if directory in ("", ".") or directory.startswith(_SCRATCH) or directory.startswith("..") or (
                    rails and directory.split("/")[0] in ("tmp", "log")):
                continue
            logs = pair[0].endswith("Logger")
            storage = "pvc" if _KEPT.search(directory) and not logs else "emptyDir"
            purpose = "logs" if logs else "data" if storage == "pvc" else "temp"
            written_by = f"{pair[0]}.{pair[1]} ({rel}:{call.line})" + paths.via(call.args[0])
            best.setdefault(directory, base.volume(
                directory, Src(analyzer, rel, call.line), I, purpose=purpose, storage=storage,
                relative_to=None if directory.startswith("/") else "repo", written=path.replace(_UNKNOWN, "*"),
                written_by=written_by))
    yield from best.values()


def _writing(parsed: Any, call: Any) -> bool:
    mode = parsed.arg(call, 1) if len(call.args) > 1 else None
    return isinstance(mode, str) and bool(re.match(r"[wa]", mode))


class _Paths:
    """Static values of path expressions in one file (see the module docstring)."""

    def __init__(self, parsed: Any, rel: str) -> None:
        self.parsed, self.rel = parsed, rel
        self.here = posixpath.dirname(rel)
        self.constants: dict[str, Any] = {}
        for node in _walk_assignments(parsed.root):
            left, right = node.child_by_field_name("left"), node.child_by_field_name("right")
            if left is not None and right is not None and left.type == "constant":
                self.constants.setdefault(parsed.text(left), right)

    def via(self, node: Any) -> str:
        names = [n for n in self.constants if re.search(rf"\b{re.escape(n)}\b", self.parsed.text(node))]
        if not names:
            return ""
        line = self.parsed.line(self.constants[names[0]])
        return f", the path from {names[0]} ({self.rel}:{line})"

    def eval(self, node: Any, depth: int = 0) -> str | None:
        if depth > _MAX_DEPTH:
            return None
        p = self.parsed
        kind = node.type
        if kind == "string":
            value = p.value(node)
            return value if isinstance(value, str) else None
        if kind == "constant" and p.text(node) in self.constants:
            return self.eval(self.constants[p.text(node)], depth + 1)
        if kind == "parenthesized_statements" and node.named_child_count == 1:
            return self.eval(node.named_children[0], depth + 1)
        if kind in ("identifier", "call") and p.text(node) in ("__dir__", "Rails.root"):
            return self.here if p.text(node) == "__dir__" else ""
        if kind == "binary" and p.text(node.child_by_field_name("operator")) in ("||", "or"):
            right = node.child_by_field_name("right")
            return self.eval(right, depth + 1) if right is not None else None
        if kind != "call":
            return None
        call = p.call(node)
        receiver = p.text(call.receiver) if call.receiver is not None else ""
        args = list(call.args)
        if receiver in ("ENV", "::ENV") and call.method == "fetch":
            if len(args) > 1:
                return self.eval(args[1], depth + 1)
            body = call.block
            stmts = [c for c in body.named_children if c.type != "comment"] if body is not None else []
            return self.eval(stmts[0], depth + 1) if len(stmts) == 1 else None
        if receiver == "File" and call.method == "expand_path" and args:
            first = self.eval(args[0], depth + 1)
            if first is None:
                return None
            base_dir = self.eval(args[1], depth + 1) if len(args) > 1 else ""
            if len(args) > 1 and p.text(args[1]) == "__FILE__":
                base_dir = self.rel  # expand_path("../x", __FILE__): relative to the file itself
            return None if base_dir is None else posixpath.normpath(posixpath.join(base_dir, first))
        if (receiver == "File" and call.method == "join") or (receiver == "Rails.root" and call.method == "join"):
            parts = [self.eval(a, depth + 1) for a in args]
            if receiver == "Rails.root":
                parts = ["", *parts]
            if not parts or parts[0] is None:
                return None
            known = [x if x is not None else _UNKNOWN for x in parts]
            return posixpath.join(*known) if known else None
        if call.method in ("to_s", "freeze") and call.receiver is not None:
            return self.eval(call.receiver, depth + 1)
        return None


def _walk_assignments(root: Any) -> Iterator[Any]:
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "assignment":
            yield node
        stack.extend(reversed(node.children))
