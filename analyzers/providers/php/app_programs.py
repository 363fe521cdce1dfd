"""The programs PHP code runs (``exec``, ``shell_exec``, ``system``, ``passthru``, ``proc_open``, ``popen``,
Symfony's ``new Process([...])``): a ``php:*-apache`` image is Debian slim plus Apache and PHP, so a worker
that shells out to ``wkhtmltopdf``, ``convert`` or ``pg_dump`` fails there with "command not found". Each
program of :data:`analyzers.deploy.script_tools.TOOLS` the code names becomes a runtime ``system_package``
at the line that names it.

What names a program, read from the syntax tree (never run): the command's first word when the call's first
argument starts with a literal (``exec('convert ' . $src)``, ``new Process(['pg_dump', ...])``), and, in a
file that runs commands, an absolute path to a program (``getenv('WKHTMLTOPDF_BIN') ?: '/usr/bin/wkhtmltopdf'``,
``$bin = '/usr/local/bin/gs'``), since the command is then usually built from a variable holding it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator

from analyzers import base
from analyzers.base import Item, Src
from analyzers.deploy.script_tools import TOOLS
from analyzers.lib.php import Call, Interp, PhpFile, PhpValue, text_of
from migrator.model import Confidence

RUNNERS = frozenset({"exec", "shell_exec", "system", "passthru", "proc_open", "popen", "pcntl_exec"})
TRIGGERS = (b"exec(", b"system(", b"passthru(", b"proc_open(", b"popen(", b"Process(")  # files worth parsing
_PROCESS_CLASSES = ("Process", "Symfony\\Component\\Process\\Process")
_BIN_PATH = re.compile(r"^/(?:usr/(?:local/)?)?s?bin/([A-Za-z0-9][\w.+-]*)$")
_FIRST_WORD = re.compile(r"^\s*(?:sudo\s+(?:-\S+\s+)*)?(\S+)")


def programs(files: Iterable[tuple[str, PhpFile]], analyzer: str) -> Iterator[Item]:
    """A ``system_package`` for each program the code runs that the image lacks (first mention wins)."""
    seen: set[str] = set()
    for rel, parsed in files:
        runs = [c for c in parsed.calls if c.name.lower() in RUNNERS]
        runs += [c for c in parsed.creations if c.name in _PROCESS_CLASSES]
        if not runs:
            continue
        named = [(p, c.line) for c in runs if (p := _program(c)) is not None]
        named += [(m.group(1), ref.line) for ref in parsed.env_reads
                  if (m := _BIN_PATH.match(text_of(ref.default) or ""))]
        for program, line in named:
            package = TOOLS.get(program)
            if package is None or package in seen:
                continue
            seen.add(package)
            yield base.system_package(package, Src(analyzer, rel, line), Confidence.INFERRED, stage="runtime",
                                      reason=f"the code runs {program}",
                                      note=f"{program} is not in the php image (Debian slim with Apache and PHP)")


def _program(call: Call) -> str | None:
    if not call.args:
        return None
    first: PhpValue = call.args[0]
    if isinstance(first, list) and first:  # new Process(['pg_dump', '--clean', ...])
        first = first[0]
    if isinstance(first, Interp) and first.parts:
        first = first.parts[0]
    text = text_of(first)
    m = _FIRST_WORD.match(text) if text else None
    return posixpath.basename(m.group(1)) if m else None
