"""generators/image/python_install.py: uv, poetry and pdm install from their lock with git deps, indexes and path deps.

Git dependencies and private indexes cannot be fetched from this build machine, so these Dockerfiles
are checked by value and by hadolint, not built (uv-workspace-app's path dependency is built and booted
in tests/verify/test_fixtures_verify.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from generators.image.python_install import tool_pin
from migrator.config import GenerateSettings
from migrator.generate import generate
from tests.generators.image.test_dockerfile import hadolint, index_of

UV = """
    [project]
    name = "ledger"
    version = "1.0"
    requires-python = ">=3.12"
    dependencies = ["flask>=3", "gunicorn", "ledger-core", "audit-log", "internal-auth"]

    [tool.uv.sources]
    ledger-core = { path = "packages/core" }
    audit-log = { git = "https://github.com/example/audit-log", tag = "v2.1.0" }
    internal-auth = { index = "corp" }

    [[tool.uv.index]]
    name = "corp"
    url = "https://pkgs.corp.example/simple"
    explicit = true

    [build-system]
    requires = ["hatchling"]
    build-backend = "hatchling.build"
"""
POETRY = """
    [tool.poetry]
    name = "ledger"
    version = "1.0"

    [tool.poetry.dependencies]
    python = "^3.11"
    flask = "^3.0"
    ledger-core = { path = "packages/core", develop = true }
    audit-log = { git = "https://github.com/example/audit-log.git", tag = "v2.1.0" }
    internal-auth = { version = "^1.2", source = "corp" }

    [[tool.poetry.source]]
    name = "corp"
    url = "https://pkgs.corp.example/simple/"
    priority = "explicit"
"""
PDM = """
    [project]
    name = "ledger"
    version = "1.0"
    requires-python = ">=3.10"
    dependencies = [
        "flask>=3",
        "ledger-core @ file:///${PROJECT_ROOT}/packages/core",
        "audit-log @ git+https://github.com/example/audit-log@v2.1.0",
    ]

    [[tool.pdm.source]]
    name = "corp"
    url = "https://${CORP_USER}:${CORP_TOKEN}@pkgs.corp.example/simple"
"""
LOCKS = {"uv": ("uv.lock", UV), "poetry": ("poetry.lock", POETRY), "pdm": ("pdm.lock", PDM)}
EXPECTED = {
    "uv": ("RUN uv sync --frozen --no-dev --no-install-project --no-editable", "RUN uv sync --frozen --no-dev "
           "--no-editable", ("UV_INDEX_CORP_USERNAME", "UV_INDEX_CORP_PASSWORD")),
    "poetry": ("RUN poetry install --only main --no-root", None,
               ("POETRY_HTTP_BASIC_CORP_USERNAME", "POETRY_HTTP_BASIC_CORP_PASSWORD")),
    "pdm": (" && pdm install --prod --frozen-lockfile --no-self", None, ("CORP_USER", "CORP_TOKEN")),
}


def _repo(tree: Any, manager: str) -> Path:
    lock, pyproject = LOCKS[manager]
    return tree({
        "pyproject.toml": pyproject, lock: "# lock contents are the manager's business\n",
        "packages/core/pyproject.toml": "[project]\nname = 'ledger-core'\nversion = '0.1'\n",
        "packages/core/ledger_core/__init__.py": "",
        "ledger/__init__.py": "", "ledger/wsgi.py": "from flask import Flask\napp = Flask(__name__)\n",
        "Procfile": "web: gunicorn ledger.wsgi:app\n",
    })


def _dockerfile(root: Path, settings: GenerateSettings | None = None) -> str:
    return next(f.content for f in generate(root, settings) if f.path == "deploy/image/Dockerfile")


@pytest.mark.parametrize("manager", sorted(LOCKS))
def test_manager_installs_from_its_lock_with_path_git_and_index(manager: str, tree: Any, tmp_path: Path) -> None:
    text = _dockerfile(_repo(tree, manager))
    build, runtime = text.split("# ---- runtime stage ----")
    first, after, variables = EXPECTED[manager]
    assert first in build and "export" not in text and "requirements.txt" not in text
    # the path package is in the build context before the install step reads the lock
    assert index_of(text, r"^COPY packages/core packages/core/$") < index_of(text, first.strip().split(" && ")[-1])
    if after:
        assert index_of(text, r"^COPY \. \.$") < index_of(text, after)
    # git for the git dependency, in the build stage only, and no compiler for it
    assert "      git \\" in build and "git" not in runtime.split("RUN groupadd")[0]
    assert "build-essential" not in text
    # credentials for the project's index: declared as build-stage ARGs, never given a value
    for variable in variables:
        assert f"ARG {variable}\n" in build and f"{variable}=" not in text.replace(f"--build-arg {variable}=...", "")
    assert "pkgs.corp.example" in build and "${CORP_TOKEN}@" not in runtime
    assert tool_pin(manager, "3.12" if manager == "uv" else "3.11" if manager == "poetry" else "3.10") in build
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    assert hadolint(text, tmp_path) == ""


@pytest.mark.parametrize("manager", ["uv", "poetry"])
def test_buildkit_passes_index_credentials_as_secret_mounts(manager: str, tree: Any, tmp_path: Path) -> None:
    text = _dockerfile(_repo(tree, manager), GenerateSettings(buildkit=True))
    variable = EXPECTED[manager][2][1]
    assert f"--mount=type=secret,id={variable.lower()},env={variable}" in text
    assert "ARG " not in text and f"--secret id={variable.lower()},env={variable}" in text
    assert hadolint(text, tmp_path) == ""


def test_a_path_dependency_outside_the_repository_is_a_warning(tree: Any) -> None:
    from migrator.planner import analyze

    root = tree({"pyproject.toml": UV.replace('path = "packages/core"', 'path = "../core"'), "uv.lock": "#\n"})
    model = analyze(root)
    assert any("outside the repository" in w.message for w in model.warnings)
    assert "local_packages" not in model.runtime.facts


@pytest.mark.parametrize(
    ("tool", "python", "pin"),
    [("poetry", "3.12", "poetry==2.5.1"), ("poetry", "3.9", "poetry==2.2.1"), ("poetry", "3.8", "poetry==1.8.5"),
     ("pdm", "3.13", "pdm==2.29.4 'hishel<2'"), ("pdm", "3.9", "pdm==2.26.9 'hishel<1.2'"),
     ("uv", "3.8", "uv==0.13.9"), ("poetry", "2.7", "poetry==1.5.1")],
)
def test_tool_pins_follow_the_images_python(tool: str, python: str, pin: str) -> None:
    assert tool_pin(tool, python) == pin
