"""Which ``.py`` files of a repo are the app's own code, parsed once for the code readers that need a
whole module (entry points, paths the app writes); tests, migrations, docs and fabfiles are not."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

from analyzers.providers.python.pyast import PyModule, module_name, parse
from migrator.repo import RepoView

_SKIP_DIRS = {"tests", "test", "testing", "migrations", "docs", "doc", "examples", "example", "fabfile", "versions",
              "node_modules", "site-packages"}
_SKIP_FILES = {"setup.py", "fabfile.py", "conftest.py", "noxfile.py", "tests.py"}


def app_files(repo: RepoView) -> Iterator[str]:
    """The app's Python files, in the repo's (sorted) order."""
    for rel in repo.files():
        if not rel.endswith(".py"):
            continue
        slash = rel.rfind("/")
        name = rel[slash + 1 :]
        if name in _SKIP_FILES or name.startswith("test_") or name.endswith("_test.py"):
            continue
        if slash != -1 and not _SKIP_DIRS.isdisjoint(rel[:slash].split("/")):
            continue
        yield rel


def modules(repo: RepoView, analyzer: str, triggers: Iterable[str]) -> Iterator[PyModule]:
    """Every app file containing one of ``triggers``, parsed (whole: no hot-line pruning). A file that
    does not parse is skipped here: :mod:`analyzers.providers.python.python_code` reports it once."""
    words = tuple(triggers)
    files = frozenset(repo.files())
    for rel in app_files(repo):
        text = repo.read_text(rel)
        if not text or not any(w in text for w in words):
            continue
        tree, _, _ = parse(text, rel)
        if not isinstance(tree, ast.Module):
            continue
        name, root = module_name(rel, files)
        yield PyModule(rel, name, root, tree, analyzer)
