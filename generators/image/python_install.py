"""How the image installs a Python app's dependencies: with the project's own package manager, from its lock.

- **uv**: ``uv sync --frozen --no-dev --no-install-project`` before the code is copied (a code change
  rebuilds in seconds), then ``uv sync --frozen --no-dev --no-editable`` after, into the virtualenv that
  the runtime stage copies (``UV_PROJECT_ENVIRONMENT``; the image's own Python, never a downloaded one).
- **Poetry**: ``poetry install --only main --no-root`` into the active virtualenv
  (``POETRY_VIRTUALENVS_CREATE=false`` with ``VIRTUAL_ENV`` set); the code runs from /app as before.
- **PDM**: ``pdm install --prod --frozen-lockfile --no-self`` into the virtualenv it is pointed at.
- **Pipenv**: ``pipenv install --deploy`` (refuses an out-of-date lock) into the active virtualenv.
- **pip**: the production requirements file, or the project itself after the code.

Exporting the lock for ``pip install --require-hashes`` instead would lose git dependencies, the
project's own indexes and path dependencies, which is why the manager itself runs. So path dependencies
inside the repository are copied before the install step, git comes into the build stage when a source
needs it (a system package finding), and each of the project's indexes can get credentials at build time:
build arguments of the build stage (they never reach the final image: only the virtualenv is copied),
or BuildKit secret mounts with ``--buildkit``. No credential is ever written into the Dockerfile.

The tools are pinned (hadolint DL3013) per Python version: the newest release that still installs on
the image's Python (Poetry 2.3+ and PDM 2.27+ need 3.10; Poetry 1.8 and PDM 2.20 were the last for 3.8).
Checked by building here: uv 0.13.9 and Poetry 2.5.1 (3.11/3.12), PDM 2.29.4 (3.12) and 2.26.9 (3.9);
the pins for older Pythons come from PyPI's requires-python only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from generators.spec import AppSpec

VENV = "/opt/venv"
# tool -> (lowest Python minor, pinned requirement), newest first; releases checked on PyPI (2026)
TOOL_PINS: dict[str, tuple[tuple[tuple[int, int], str], ...]] = {
    "uv": (((3, 8), "uv==0.13.9"),),
    "poetry": (((3, 10), "poetry==2.5.1"), ((3, 9), "poetry==2.2.1"), ((3, 8), "poetry==1.8.5"),
               ((3, 7), "poetry==1.5.1")),
    # hishel 2 (and 1.2+ for pdm 2.26) removed what pdm imports: the pins cap it (checked by docker builds)
    "pdm": (((3, 10), "pdm==2.29.4 'hishel<2'"), ((3, 9), "pdm==2.26.9 'hishel<1.2'"), ((3, 8), "pdm==2.20.1"),
            ((3, 7), "pdm==2.10.4")),
    "pipenv": (((3, 8), "pipenv==2023.12.1"),),
}
# What each tool needs to install into /opt/venv with the image's interpreter, non-interactively.
TOOL_ENV: dict[str, tuple[str, ...]] = {
    "uv": (f"UV_PROJECT_ENVIRONMENT={VENV}", "UV_PYTHON_DOWNLOADS=never", "UV_LINK_MODE=copy"),
    "poetry": ("POETRY_VIRTUALENVS_CREATE=false", "POETRY_NO_INTERACTION=1"),
    "pdm": ("PDM_CHECK_UPDATE=false",),
    "pipenv": (),
}
_LOCKS = {"poetry": "poetry.lock", "uv": "uv.lock", "pdm": "pdm.lock"}
_CACHE = {"uv": "/root/.cache/uv", "poetry": "/root/.cache/pypoetry", "pdm": "/root/.cache/pdm",
          "pipenv": "/root/.cache/pipenv", "pip": "/root/.cache/pip"}


@dataclass(frozen=True)
class Install:
    """Dockerfile lines for the dependencies, the command to run once the code is copied, and the tool."""

    lines: list[str]
    after_code: str | None
    tool: str | None


def tool_pin(tool: str, python: str) -> str:
    """The pinned requirement of ``tool`` for an image whose Python is ``python`` (``3.12``)."""
    m = re.match(r"(\d+)\.(\d+)", python)
    version = (int(m.group(1)), int(m.group(2))) if m else (3, 99)
    pins = TOOL_PINS[tool]
    return next((pin for low, pin in pins if version >= low), pins[-1][1])


def run(spec: AppSpec, command: str, tool: str = "pip", mounts: tuple[str, ...] = ()) -> str:
    """A RUN line; with BuildKit the tool's cache is a cache mount and index credentials secret mounts."""
    if spec.buildkit:
        flags = [f"--mount=type=cache,target={_CACHE[tool]}", *mounts]
        return f"RUN {' '.join(flags)} {command.replace(' --no-cache-dir', '')}"
    return f"RUN {command}"


def copy(files: Sequence[str]) -> list[str]:
    """COPY lines that keep each file's directory (one COPY per directory)."""
    by_dir: dict[str, list[str]] = {}
    for f in files:
        by_dir.setdefault(str(PurePosixPath(f).parent), []).append(f)
    lines = []
    for directory, names in sorted(by_dir.items()):
        dest = "./" if directory == "." else f"{directory}/"
        lines.append(f"COPY {' '.join(names)} {dest}")
    return lines


def _local_packages(spec: AppSpec) -> list[str]:
    if not spec.local_packages:
        return []
    why = "# path dependencies inside the repository: the install step builds them, so they come first"
    return [why, *(f"COPY {p} {p}/" for p in spec.local_packages)]


def _env_name(prefix: str, name: str, suffix: str) -> str:
    return f"{prefix}{re.sub(r'[^A-Za-z0-9]', '_', name).upper()}_{suffix}"


def index_credentials(spec: AppSpec, tool: str) -> tuple[list[str], tuple[str, ...]]:
    """(comment and ARG lines, BuildKit secret mounts) for the project's own package indexes."""
    variables: list[str] = []
    for name, url in spec.package_indexes:
        if "pypi.org" in url or "pythonhosted.org" in url:
            continue
        if tool == "uv":
            variables += [_env_name("UV_INDEX_", name, "USERNAME"), _env_name("UV_INDEX_", name, "PASSWORD")]
        elif tool == "poetry":
            variables += [_env_name("POETRY_HTTP_BASIC_", name, "USERNAME"),
                          _env_name("POETRY_HTTP_BASIC_", name, "PASSWORD")]
        variables += re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", url)  # pdm/pip style ${VAR} in the URL
    variables = list(dict.fromkeys(variables))
    if not variables:
        return [], ()
    names = ", ".join(f"{n} ({u})" for n, u in spec.package_indexes)
    if spec.buildkit:
        lines = [f"# package indexes {names}: credentials are BuildKit secrets, never part of an image layer:",
                 "#   docker build " + " ".join(f"--secret id={v.lower()},env={v}" for v in variables) + " ."]
        mounts = tuple(f"--mount=type=secret,id={v.lower()},env={v}" for v in variables)
        return lines, mounts
    lines = [f"# package indexes {names}: if they need credentials, pass them at build time",
             "#   docker build " + " ".join(f"--build-arg {v}=..." for v in variables) + " .",
             "# (build arguments of this stage never reach the final image, which copies only the virtualenv;",
             "# `migrate generate --buildkit` uses secret mounts instead)",
             *(f"# hadolint ignore=DL3064\nARG {v}" for v in variables)]
    return lines, ()


def python_install(spec: AppSpec) -> Install:
    """The install for ``spec``'s package manager (see the module docstring)."""
    manager = str(spec.package_manager.value)
    files = set(spec.dependency_files)
    why = f"# package manager {manager}: {spec.package_manager.origin}"
    if manager == "pipenv" and "Pipfile" in files:
        lock = [f for f in ("Pipfile", "Pipfile.lock") if f in files]
        return Install([why, *copy(lock), run(spec, "pipenv install --deploy", "pipenv")], None, "pipenv")
    if manager in _LOCKS and "pyproject.toml" in files:
        return _locked(spec, manager, why, _LOCKS[manager] in files)
    reqs = sorted(f for f in files if f.endswith((".txt", ".in")))
    main = spec.requirements_file if spec.requirements_file in files else (
        "requirements.txt" if "requirements.txt" in files else None)
    if main:
        return Install([why, *copy(reqs), run(spec, f"pip install --no-cache-dir -r {main}")], None, None)
    if files & {"pyproject.toml", "setup.py", "setup.cfg"}:
        # the project installs itself; its metadata alone cannot be installed before the code
        return Install([why + " (installs the project after the code is copied)"],
                       run(spec, "pip install --no-cache-dir --no-deps ."), None)
    return Install(["# no dependency file found: nothing to install"], None, None)


def _locked(spec: AppSpec, manager: str, why: str, has_lock: bool) -> Install:
    lock = _LOCKS[manager]
    first = [why, *copy([f for f in ("pyproject.toml", lock) if f in spec.dependency_files]), *_local_packages(spec)]
    auth, mounts = index_credentials(spec, manager)
    first += auth
    if not has_lock:
        first.append(f"# no {lock}: the build resolves the dependencies anew; commit the lock for repeatable builds")
    after = None
    if manager == "uv":
        frozen = " --frozen" if has_lock else ""
        first.append(run(spec, f"uv sync{frozen} --no-dev --no-install-project --no-editable", "uv", mounts))
        after = run(spec, f"uv sync{frozen} --no-dev --no-editable", "uv", mounts)
    elif manager == "poetry":
        first.append(run(spec, "poetry install --only main --no-root", "poetry", mounts))
    else:
        frozen = " --frozen-lockfile" if has_lock else ""
        first.append(run(spec, f"pdm use -f {VENV} \\\n && pdm install --prod{frozen} --no-self", "pdm", mounts))
    return Install(first, after, manager)
