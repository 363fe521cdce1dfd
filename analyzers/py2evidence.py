"""Is the app's own code Python 2? Weighing the syntax of its files, for :mod:`analyzers.python_code`.

A file whose Python-2-only constructs had to be rewritten (``print "x"``, ``except E, e`` ...: see
:mod:`analyzers.py2parse`) cannot run on Python 3, so it is INFERRED evidence for 2.7; a script whose
shebang names ``python2`` is HEURISTIC evidence (someone chose the interpreter, the code may not
care). Both count only while no other file of the app uses Python-3-only syntax (f-strings, ``async def``, annotations,
``nonlocal``, ``yield from``, ``raise ... from``). A Python 3 app that kept one old Python 2 script
gets a warning naming both sides instead of an image it cannot run on.

What is *not* weighed here: fabfiles (their syntax is the operator's interpreter, see
:mod:`analyzers.deploy.fabric`), tests, docs and ``setup.py``, which :mod:`analyzers.python_code` skips.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from analyzers import base
from analyzers.base import H, I, Item, Src
from analyzers.py2parse import Py2Syntax
from analyzers.python_version import PY2_INTERPRETER

# Lines that only Python 2 accepts: worth parsing a file for, even when nothing else in it is.
PY2_HINT = re.compile(
    r"^[ \t]*(?:print[ \t]*>>|print[ \t]+[\"'\w]|exec[ \t]+[\"'\w]|except[ \t]+[^:\n#]+,[ \t]*\w+[ \t]*:"
    r"|raise[ \t]+[\w.]+[ \t]*,)",
    re.M,
)
# Python-3-only syntax, read from the text of a file that ``ast`` parsed.
_PY3_ONLY = re.compile(
    r"^[ \t]*(?:async[ \t]+def[ \t]|nonlocal[ \t]|[^#\n]*\byield[ \t]+from[ \t]"
    r"|raise[ \t]+[\w.]+(?:\([^()\n]*\))?[ \t]+from[ \t]+[\w.]+[ \t]*$"
    r"|(?:async[ \t]+)?def[ \t][^#\n]*\)[ \t]*->)"
    r"|(?<![\w\"'])[fF][rR]?[\"']|(?<![\w\"'])[rR][fF][\"']",
    re.M,
)
MAX_EVIDENCE = 3  # files reported as evidence; more say nothing new


@dataclass
class SyntaxVersions:
    """Python 2 files and Python 3 files of the app, as the analyzer meets them."""

    analyzer: str
    py2: list[tuple[str, Py2Syntax]] = field(default_factory=list)
    shebangs: list[str] = field(default_factory=list)  # scripts run by a python2 interpreter
    others: list[tuple[str, str]] = field(default_factory=list)  # (file, text) of the rest

    @property
    def wants_more_py2(self) -> bool:
        """Whether parsing one more file only for its Python 2 syntax can still add evidence."""
        return len(self.py2) < MAX_EVIDENCE

    def add(self, rel: str, text: str, constructs: tuple[Py2Syntax, ...]) -> None:
        if text.startswith("#!") and PY2_INTERPRETER.search(text.split("\n", 1)[0]):
            self.shebangs.append(rel)
        if constructs:
            self.py2.append((rel, constructs[0]))
        else:
            self.others.append((rel, text))  # the texts are RepoView's cache: keeping them costs nothing

    @property
    def py3(self) -> tuple[str, int] | None:
        """The first Python-3-only file and line: searched only when there is Python 2 evidence to weigh,
        so a Python 3 repo pays nothing for it."""
        if not (self.py2 or self.shebangs):
            return None
        for rel, text in self.others:
            m = _PY3_ONLY.search(text)
            if m:
                return rel, text.count("\n", 0, m.start()) + 1
        return None

    def findings(self) -> Iterator[Item]:
        """The evidence for 2.7, or one warning when Python 3 only syntax contradicts it."""
        py3 = self.py3
        if py3 is not None:
            rel, line, what = self._first()
            files = len({f for f, _ in self.py2} | set(self.shebangs))
            yield base.warning(Src(self.analyzer, rel, line),
                               f"Python 2 {what} in {files} file(s) while {py3[0]}:{py3[1]} is Python 3 only: "
                               "the Python 2 files look stale and do not decide the version")
            return
        # The only Python 2 image is 2.7; 2.6 and older differ in nothing a container would fix.
        for rel, construct in self.py2[:MAX_EVIDENCE]:
            # Python 2 syntax cannot run on 3: the app (this part of it, at least) is Python 2.
            yield base.runtime(Src(self.analyzer, rel, construct.line), I, language="python", version="2.7")
        for rel in self.shebangs[:MAX_EVIDENCE]:
            yield base.runtime(Src(self.analyzer, rel, 1), H, language="python", version="2.7")

    def _first(self) -> tuple[str, int, str]:
        if self.py2:
            rel, construct = self.py2[0]
            return rel, construct.line, f"syntax ({construct.construct})"
        return self.shebangs[0], 1, "shebang"
