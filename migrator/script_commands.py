"""Scripts of the repo that workloads run are started through their interpreter, whatever their git mode.

A CronJob running ``deploy/backup.sh`` failed with ``exec: permission denied``: the file is 0644 in git,
so it is 0644 in the image (``COPY`` keeps the build context's modes). Marking it executable in the
image would need ``COPY --chmod`` (BuildKit only) or a ``RUN chmod`` layer per file, and would still
leave shebangs that point where the image has nothing (``#!/usr/bin/python3``, a legacy
``#!/srv/app/venv/bin/python``). Running the file through the interpreter its shebang names is what
the kernel would do anyway, so commands become ``bash deploy/backup.sh`` / ``python scripts/x.py``
(any python is the image's own, whose virtualenv holds the app's dependencies).

:func:`script_heads` reads the first line of each repo file a command names (the planner's I/O step);
:func:`through_interpreter` rewrites a command string, purely.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Iterable, Mapping

from migrator.repo import RepoView

# Where a program word starts: the beginning, or after a list/pipeline operator; env assignments and
# a `cd DIR &&` may come first.
_SEGMENT = re.compile(r"(?:^|&&|\|\||;|\|)\s*")
_ASSIGNMENTS = re.compile(r"(?:[A-Za-z_][A-Za-z0-9_]*=(?:'[^']*'|\"[^\"]*\"|[^\s;&|]*)\s+)*")
_WORD = re.compile(r"[^\s;&|<>()'\"`]+")
_PY = re.compile(r"^python[0-9.]*$")
_BY_SUFFIX = {".sh": "sh", ".bash": "bash", ".py": "python"}
_APP_DIR = "/app/"


def candidates(command: str) -> set[str]:
    """Repo-relative paths a command may run, for the planner to look up (legacy absolute paths give
    every suffix: ``/srv/app/scripts/x.sh`` may be ``scripts/x.sh`` of the repo)."""
    out: set[str] = set()
    for word in _WORD.findall(command):
        if "/" not in word and not word.endswith(tuple(_BY_SUFFIX)):
            continue
        parts = [p for p in word.split("/") if p not in ("", ".")]
        out.update("/".join(parts[i:]) for i in range(len(parts)))
    return {c for c in out if c and ".." not in c.split("/")}


def script_heads(repo: RepoView, commands: Iterable[str]) -> dict[str, str]:
    """``{path: first line}`` of every repo file the commands may run ("" when it has no shebang)."""
    heads: dict[str, str] = {}
    for command in commands:
        for rel in candidates(command):
            if rel in heads or not repo.exists(rel):
                continue
            text = repo.read_text(rel)
            if text is not None:
                first = text.split("\n", 1)[0]
                heads[rel] = first if first.startswith("#!") else ""
    return heads


def interpreter(path: str, head: str) -> list[str] | None:
    """The argv prefix that runs ``path`` (``["bash"]``, ``["python", "-u"]``), or None when unknown."""
    if head.startswith("#!"):
        words = head[2:].split()
        if words and posixpath.basename(words[0]) == "env":
            words = words[1:]
            if words[:1] == ["-S"]:
                words = words[1:]
            words = [w for w in words if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w)]
        if not words:
            return None
        program = posixpath.basename(words[0])
        # every python is the image's: its virtualenv has the app's dependencies
        return ["python" if _PY.match(program) else program, *words[1:2]]
    suffix = posixpath.splitext(path)[1]
    return [_BY_SUFFIX[suffix]] if suffix in _BY_SUFFIX else None


def through_interpreter(command: str, heads: Mapping[str, str]) -> tuple[str, list[str]]:
    """``command`` with each repo script in a program position prefixed by its interpreter, and the
    scripts changed. ``cd dir && ./x.sh`` resolves ``x.sh`` in ``dir``; paths under /app (the image's
    app directory) are repo paths."""
    out: list[str] = []
    changed: list[str] = []
    pos = 0
    cwd = ""
    for seg in _SEGMENT.finditer(command):
        start = seg.end()
        if start < pos:
            continue
        start += _ASSIGNMENTS.match(command, start).end() - start  # type: ignore[union-attr]
        word = _WORD.match(command, start)
        if word is None:
            continue
        program = word.group(0)
        if program == "cd":
            target = _WORD.match(command, _skip_space(command, word.end()))
            cwd = _chdir(cwd, target.group(0) if target else "")
            continue
        rel = _repo_path(program, cwd)
        argv = interpreter(rel, heads[rel]) if rel in heads else None
        if argv is None:
            continue
        out.append(command[pos:start])
        out.append(" ".join(shlex.quote(a) for a in argv) + " ")
        pos = start
        changed.append(rel)
    out.append(command[pos:])
    return "".join(out), changed


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in " \t":
        at += 1
    return at


def _chdir(cwd: str, target: str) -> str:
    if target.startswith(_APP_DIR) or target == _APP_DIR.rstrip("/"):
        return target[len(_APP_DIR):].strip("/")
    if target.startswith(("/", "~", "$")) or not target:
        return "\0"  # somewhere outside the repo: nothing there is a repo path
    return posixpath.normpath(posixpath.join(cwd, target)) if cwd != "\0" else cwd


def _repo_path(program: str, cwd: str) -> str:
    if program.startswith(_APP_DIR):
        return posixpath.normpath(program[len(_APP_DIR):])
    if program.startswith("/") or cwd == "\0" or "$" in program:
        return ""
    return posixpath.normpath(posixpath.join(cwd, program)).removeprefix("./")
