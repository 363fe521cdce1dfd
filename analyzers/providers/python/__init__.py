"""The Python provider: Python's analyzers, its detection, and (in later modules) its servers, step
rules and image plan.

The analyzers still live at their old paths (``analyzers/requirements.py`` ...: other branches edit
them); this package is where the registry finds them, and their NAMEs are unchanged because reports
print them.
"""

from __future__ import annotations

from collections.abc import Mapping

from analyzers import (
    appserver_config,
    ci_python,
    pipenv,
    pyproject,
    python_code,
    python_version,
    requirements,
    setuptools,
)
from analyzers.base import Analyzer
from analyzers.providers.protocol import PrunedDirs, Tier
from analyzers.providers.python.detect import detect as detect

NAME = "python"
HEROKU_BUILDPACKS: tuple[str, ...] = ("python",)
SOURCE_SUFFIXES: tuple[str, ...] = (".py", ".pyw")
# virtualenvs, caches and build output: never the app's own source (a directory holding pyvenv.cfg is
# a virtualenv whatever its name: migrator.repo checks that on the walk)
PRUNED = PrunedDirs(frozenset({
    "__pycache__", ".tox", ".nox", ".venv", "venv", ".virtualenv", "virtualenv", "site-packages", ".eggs",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "htmlcov",
}))
ANALYZERS: Mapping[Tier, tuple[Analyzer, ...]] = {
    Tier.SERVER_CONFIG: (appserver_config,),
    Tier.PACKAGING: (python_version, requirements, pipenv, pyproject, setuptools, ci_python),
    Tier.CODE: (python_code,),
}
