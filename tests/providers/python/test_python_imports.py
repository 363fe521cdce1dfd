"""Which modules the app needs (analyzers/providers/python/python_imports.py): imports and module strings, read through
ast; an import inside try/except ImportError is optional."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analyzers.providers.python.python_imports import importers
from migrator.repo import RepoView


def needed(tree: Any, files: dict[str, str], targets: list[str]) -> dict[str, str]:
    root: Path = tree(files)
    repo = RepoView(root)
    return importers(repo, targets, [f for f in repo.files() if f.endswith(".py")])


def test_imports_of_every_shape(tree: Any) -> None:
    files = {
        "billing/__init__.py": "", "billing/settings.py": "SECRET_KEY = 'x'\n", "billing/keys.py": "K = 'x'\n",
        "billing/rel.py": "R = 'x'\n", "billing/dotted.py": "D = 'x'\n", "billing/unused.py": "U = 'x'\n",
        "billing/app.py": "from billing import settings\nfrom . import rel\nimport billing.keys as k\n",
        "wsgi.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'billing.dotted')\n",
    }
    found = needed(tree, files, ["billing/settings.py", "billing/keys.py", "billing/rel.py", "billing/dotted.py",
                                 "billing/unused.py"])
    assert found == {"billing/settings.py": "imported by billing/app.py:1",
                     "billing/rel.py": "imported by billing/app.py:2",
                     "billing/keys.py": "imported by billing/app.py:3",
                     "billing/dotted.py": "imported by wsgi.py:2"}


def test_an_optional_import_does_not_make_a_module_needed(tree: Any) -> None:
    files = {
        "proj/__init__.py": "", "proj/local_settings.py": "SECRET_KEY = 'x'\n",
        "proj/settings.py": "try:\n    from proj.local_settings import *\nexcept ImportError:\n    pass\n",
        "proj/other.py": "try:\n    import proj.local_settings\nexcept ValueError:\n    pass\n",
    }
    assert needed(tree, {k: v for k, v in files.items() if k != "proj/other.py"}, ["proj/local_settings.py"]) == {}
    # a handler that does not catch ImportError: the import is not optional
    assert needed(tree, files, ["proj/local_settings.py"]) == {"proj/local_settings.py": "imported by proj/other.py:2"}


def test_a_module_is_not_its_own_importer_and_broken_files_are_skipped(tree: Any) -> None:
    files = {"a.py": "import a\nSECRET = 'x'\n", "b.py": "import a(\n"}
    assert needed(tree, files, ["a.py"]) == {}
