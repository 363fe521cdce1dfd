"""setuptools: ``setup.py`` read through :mod:`ast` (never executed) and ``setup.cfg`` (configparser).

From the ``setup(...)`` call: ``install_requires``, ``extras_require``, ``python_requires`` and
``entry_points`` console scripts, when each is a literal or a module-level constant holding one.
Anything computed (``open("requirements.txt").read().splitlines()``, list arithmetic, function
calls) is reported as a warning - "computed; not evaluated" - rather than guessed.
"""

from __future__ import annotations

import ast
import configparser
import re
import textwrap
from collections.abc import Iterator
from typing import Any

from analyzers import base
from analyzers.base import DEF, D, H, I, Item, Src
from analyzers.lib import nesting
from analyzers.providers.python.pyast import parse_source
from analyzers.providers.python.python_deps import dependency_findings
from analyzers.providers.python.python_version import python2_only_classifiers, version_from_constraint
from analyzers.providers.python.requirements import is_foreign_platform, parse_requirement
from migrator.model import Confidence
from migrator.repo import RepoView
from migrator.secrets import scrub

NAME = "setuptools"

_DEV_GROUP = re.compile(
    r"^(dev|devel|develop|development|tests?|testing|lint|linting|docs?|typing|mypy|style|qa|checks?|ci"
    r"|bench|benchmarks?|coverage|format|debug|local)([-_].*)?$",
    re.IGNORECASE,
)
_KEYWORDS = ("install_requires", "extras_require", "python_requires", "entry_points", "classifiers")

Lined = list[tuple[str, int]]  # (text, line)


def _requirements(items: Lined, path: str, cap: Confidence | None) -> Iterator[Item]:
    """PEP 508 strings with their lines -> findings (unparsable ones become warnings)."""
    parsed = []
    for text, line in items:
        req = parse_requirement(text)
        if req is None:
            yield base.warning(Src(NAME, path, line), f"cannot parse requirement {scrub(text)[:60]!r}; skipped")
        elif not is_foreign_platform(req.marker):
            parsed.append((req, line))
    siblings = {req.name for req, _ in parsed}
    for req, line in parsed:
        yield from dependency_findings(req.name, Src(NAME, path, line), extras=req.extras, siblings=siblings, cap=cap)


def _python_requires(spec: str, src: Src) -> Iterator[Item]:
    yield base.runtime(src, D, language="python", requires_python=spec.strip())
    found = version_from_constraint(spec)
    if found is None:
        shown = scrub(spec)[:40]
        yield base.warning(src, f"python_requires {shown!r} has no lower bound to pick a Python version from")
        return
    yield base.runtime(src, found[1], version=found[0])


def _classifiers(items: Lined, src: Src) -> Iterator[Item]:
    """Python 2 only classifiers: the authors' statement that the code runs on 2 (no Python 3)."""
    if python2_only_classifiers([text for text, _ in items]):
        line = next(line for text, line in items if "Python :: 2" in text)
        yield base.runtime(src.at(line), I, language="python", version="2.7")


def _scripts(entries: Lined, src: Src) -> Iterator[Item]:
    scripts = tuple(re.sub(r"\s*=\s*", "=", text.strip(), count=1) for text, _ in entries if "=" in text)
    if scripts:
        yield base.runtime(src, D, language="python", console_scripts=scripts)


# -- setup.py ------------------------------------------------------------------------------------


class _SetupPy:
    """The literal values a setup.py passes to ``setup()``, resolved through module-level constants."""

    def __init__(self, tree: ast.Module) -> None:
        self.constants: dict[str, ast.expr] = {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self.constants[node.targets[0].id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                self.constants[node.target.id] = node.value
        self.call = next((n for n in ast.walk(tree) if isinstance(n, ast.Call) and _is_setup(n.func)), None)

    def resolve(self, node: ast.expr) -> ast.expr:
        seen: set[str] = set()
        while isinstance(node, ast.Name) and node.id in self.constants and node.id not in seen:
            seen.add(node.id)
            node = self.constants[node.id]
        return node

    def strings(self, node: ast.expr) -> Lined | None:
        """A list/tuple of string literals (or one multi-line string), each with its line; else None."""
        node = self.resolve(node)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return [(t.strip(), node.lineno + i) for i, t in enumerate(node.value.splitlines()) if _useful(t)]
        if isinstance(node, (ast.List, ast.Tuple)):
            out: Lined = []
            for elt in node.elts:
                elt = self.resolve(elt)
                if not (isinstance(elt, ast.Constant) and isinstance(elt.value, str)):
                    return None
                out.append((elt.value, elt.lineno))
            return out
        return None

    def mapping(self, node: ast.expr) -> list[tuple[str, ast.expr]] | None:
        node = self.resolve(node)
        if not isinstance(node, ast.Dict):
            return None
        out = []
        for key, value in zip(node.keys, node.values, strict=True):
            key = self.resolve(key) if key is not None else None
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                return None
            out.append((key.value, value))
        return out


def _is_setup(func: ast.expr) -> bool:
    return (isinstance(func, ast.Name) and func.id == "setup") or (
        isinstance(func, ast.Attribute) and func.attr == "setup"
    )


def _useful(line: str) -> bool:
    text = line.strip()
    return bool(text) and not text.startswith("#")


def _computed(src: Src, keyword: str) -> Item:
    return base.warning(src, f"setup.py {keyword} is computed; not evaluated")


def _setup_py(repo: RepoView) -> Iterator[Item]:
    path = "setup.py"
    text = repo.read_text(path)
    if text is None:
        return
    parsed = parse_source(text, path)  # Python 2 too: legacy setup.py files print and ``except E, e``
    tree = parsed.tree
    if tree is None:
        yield base.warning(Src(NAME, path, parsed.line), f"setup.py has a syntax error; not analysed: {parsed.reason}")
        return
    setup = _SetupPy(tree)
    if setup.call is None:
        return
    yield base.runtime(Src(NAME, path, setup.call.lineno), D, language="python")
    yield base.runtime(Src(NAME, path, setup.call.lineno), DEF, package_manager="pip")
    for keyword in setup.call.keywords:
        if keyword.arg not in _KEYWORDS:
            continue
        src = Src(NAME, path, keyword.value.lineno)
        yield from _keyword(setup, keyword.arg, keyword.value, src)


def _keyword(setup: _SetupPy, name: str, value: ast.expr, src: Src) -> Iterator[Item]:
    if name == "install_requires":
        items = setup.strings(value)
        yield from (_requirements(items, src.file, None) if items is not None else [_computed(src, name)])
    elif name == "python_requires":
        node = setup.resolve(value)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield from _python_requires(node.value, src)
        else:
            yield _computed(src, name)
    elif name == "classifiers":
        items = setup.strings(value)
        yield from _classifiers(items or [], src)
    elif name == "extras_require":
        groups = setup.mapping(value)
        if groups is None:
            yield _computed(src, name)
            return
        for group, node in groups:
            if _DEV_GROUP.match(group):
                continue
            items = setup.strings(node)
            yield from (_requirements(items, src.file, H) if items is not None else [_computed(src, name)])
    else:
        yield from _entry_points(setup, value, src)


def _entry_points(setup: _SetupPy, value: ast.expr, src: Src) -> Iterator[Item]:
    node = setup.resolve(value)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):  # the INI form
        sections = _cfg_values(textwrap.dedent(node.value).splitlines())
        entries = sections.get(("console_scripts", ""), [])
        yield from _scripts(entries, src.at(node.lineno + entries[0][1] - 1) if entries else src)
        return
    groups = setup.mapping(value)
    if groups is None:
        yield _computed(src, "entry_points")
        return
    for group, group_node in groups:
        if group == "console_scripts":
            items = setup.strings(group_node)
            yield from (_scripts(items, src.at(group_node.lineno)) if items is not None
                        else [_computed(src, "entry_points")])


# -- setup.cfg -----------------------------------------------------------------------------------


def _cfg_values(lines: list[str]) -> dict[tuple[str, str], Lined]:
    """``(section, key) -> [(value line text, line)]`` for an INI file, continuation lines included.

    A bare ``[section]`` line followed by ``key = value`` lines; ``("console_scripts", "")`` holds
    the raw lines of a section (used for the INI form of entry points).
    """
    out: dict[tuple[str, str], Lined] = {}
    section, key = "", ""
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        header = re.match(r"^\[([^\]]+)\]", stripped)
        if header and not raw[0].isspace():
            section, key = header.group(1).strip(), ""
            continue
        out.setdefault((section, ""), []).append((stripped, number))
        if raw[0].isspace() and key:
            out[(section, key)].append((stripped.split(" #", 1)[0].strip(), number))
            continue
        m = re.match(r"^([^=:]+?)\s*[=:]\s*(.*)$", stripped)
        if m:
            key = m.group(1).strip().lower()
            value = m.group(2).split(" #", 1)[0].strip()
            out[(section, key)] = [(value, number)] if value else []
    return out


def _setup_cfg(repo: RepoView) -> Iterator[Item]:
    path = "setup.cfg"
    text = repo.read_text(path)
    if text is None:
        return
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text, source=path)
    except configparser.Error as exc:
        line: Any = getattr(exc, "lineno", None)
        errors = getattr(exc, "errors", None)
        if line is None and errors:
            line = errors[0][0]
        yield base.warning(Src(NAME, path, line), f"setup.cfg cannot be parsed: {type(exc).__name__}")
        return
    if not (parser.has_section("options") or parser.has_section("metadata")):
        return  # flake8/isort/pytest configuration only
    values = _cfg_values(text.splitlines())
    yield base.runtime(Src(NAME, path), D, language="python")
    yield base.runtime(Src(NAME, path), DEF, package_manager="pip")
    yield from _requirements(values.get(("options", "install_requires"), []), path, None)
    yield from _classifiers(values.get(("metadata", "classifiers"), []), Src(NAME, path))
    python = values.get(("options", "python_requires"))
    if python:
        yield from _python_requires(python[0][0], Src(NAME, path, python[0][1]))
    for (section, key), items in values.items():
        if section == "options.extras_require" and key and not _DEV_GROUP.match(key):
            yield from _requirements(items, path, H)
    scripts = values.get(("options.entry_points", "console_scripts"), [])
    if scripts:
        yield from _scripts(scripts, Src(NAME, path, scripts[0][1]))


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings from the top-level setup.py and setup.cfg."""
    if repo.exists("setup.py"):
        # a 100,000-term expression is past ast's (and a visitor's) recursion limit: setup.cfg still counts
        yield from nesting.guard(lambda: _setup_py(repo), Src(NAME, "setup.py"), "setup.py")
    if repo.exists("setup.cfg"):
        yield from _setup_cfg(repo)
