"""The Dockerfile and .dockerignore, rendered from the deployment spec.

Shape: an optional build stage (compilers, ``-dev`` headers, packaging tools) that fills a virtualenv
at /opt/venv, and a runtime stage that copies that virtualenv, so the final image holds only runtime
libraries (copying a venv is smaller than copying wheels: a COPY layer of wheels cannot be deleted).
Dependencies are installed before the code is copied, so a code-only change rebuilds in seconds.
Build steps (``collectstatic`` ...) run at build time: the pod's root filesystem is read-only.
No BuildKit-only syntax unless ``buildkit`` is set (then pip gets a cache mount).
"""

from __future__ import annotations

import fnmatch
import json
import shlex
from collections.abc import Callable
from pathlib import PurePosixPath

from jinja2 import Environment, PackageLoader, StrictUndefined

from generators.output import OutputFile
from generators.spec import UID, AppSpec, Step
from generators.values import APP_DIR

VENV = "/opt/venv"
# Packaging tools, pinned (hadolint DL3013) to releases known to support the flags used below.
TOOLS = {"pipenv": "pipenv==2023.12.1", "poetry": "poetry==1.8.3", "uv": "uv==0.4.30", "pdm": "pdm==2.19.3"}
BUILD_ESSENTIALS = ("build-essential",)

_env = Environment(loader=PackageLoader("generators", "templates"), undefined=StrictUndefined,
                   keep_trailing_newline=True, autoescape=False)  # noqa: S701 - a Dockerfile, not HTML


def generate(spec: AppSpec) -> list[OutputFile]:
    return [OutputFile("Dockerfile", render(spec), "dockerfile"), OutputFile(".dockerignore", dockerignore(spec))]


def render(spec: AppSpec) -> str:
    install = _INSTALLERS.get(spec.base.language, _unknown_language)
    deps, needs_code, tool = install(spec)
    builder_reasons = []
    if spec.build_packages:
        builder_reasons.append("compilers and -dev headers")
    if tool:
        builder_reasons.append(f"{tool} (packaging tool)")
    builder: list[str] = []
    runtime: list[str] = []
    if builder_reasons:
        packages = [*BUILD_ESSENTIALS, *(p for p, _ in spec.build_packages if p not in BUILD_ESSENTIALS)]
        if spec.build_packages:
            builder.append(_apt(packages, [f"{p}: {o}" for p, o in spec.build_packages]))
        builder += _venv_lines(spec, tool) if tool else [*_venv_lines(spec, None), _venv_env()]
        builder.append(f"WORKDIR {APP_DIR}")
        builder += deps
        if needs_code:
            builder += ["COPY . .", _pip_run(spec, "pip install --no-cache-dir --no-deps .")]
    if spec.runtime_packages:
        runtime.append(_apt([p for p, _ in spec.runtime_packages], [f"{p}: {o}" for p, o in spec.runtime_packages]))
    user = spec.user.value
    runtime.append(f"# non-root user {user!r} ({spec.user.origin}), fixed UID {UID} for runAsNonRoot\n"
                   f"RUN groupadd --gid {UID} {user} \\\n"
                   f" && useradd --uid {UID} --gid {UID} --home-dir {APP_DIR} --no-create-home "
                   f"--shell /usr/sbin/nologin {user}")
    runtime.append(f"WORKDIR {APP_DIR}")
    if builder:
        runtime.append(f"COPY --from=build {VENV} {VENV}")
    else:
        runtime += _venv_lines(spec, None) + deps
    runtime.append("COPY . .")
    if needs_code and not builder:
        runtime.append(_pip_run(spec, "pip install --no-cache-dir --no-deps ."))
    runtime += [_build_step(spec, s) for s in spec.build_steps]
    runtime.append(f"USER {UID}:{UID}")
    runtime += _serve(spec)
    return _env.get_template("Dockerfile.j2").render(
        base=spec.base, builder=builder, builder_reason=", ".join(builder_reasons), runtime=runtime,
        env=_final_env(spec), buildkit=spec.buildkit,
    )


def _final_env(spec: AppSpec) -> list[str]:
    env = ["PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"] if spec.base.language == "python" else []
    env += [f"VIRTUAL_ENV={VENV}", f'PATH="{VENV}/bin:$PATH"', "PIP_DISABLE_PIP_VERSION_CHECK=1"]
    if spec.port:
        env.append(f"PORT={spec.port}")
    return env


def _apt(packages: list[str], why: list[str]) -> str:
    comment = "".join(f"# {w}\n" for w in why)
    names = " \\\n      ".join(packages)
    return (f"{comment}RUN apt-get update \\\n && apt-get install -y --no-install-recommends \\\n      {names} \\\n"
            " && rm -rf /var/lib/apt/lists/*")


def _venv_env() -> str:
    return f'ENV VIRTUAL_ENV={VENV} PATH="{VENV}/bin:$PATH" PIP_DISABLE_PIP_VERSION_CHECK=1'


def _venv_lines(spec: AppSpec, tool: str | None) -> list[str]:
    if tool is None:
        return [f"RUN python -m venv {VENV}"]
    # the tool goes outside the venv, so it never reaches the runtime stage
    return [f"RUN pip install --no-cache-dir {TOOLS[tool]} \\\n && python -m venv {VENV}",
            _venv_env()]


def _pip_run(spec: AppSpec, command: str) -> str:
    if spec.buildkit:
        return f"RUN --mount=type=cache,target=/root/.cache/pip {command.replace(' --no-cache-dir', '')}"
    return f"RUN {command}"


def _present(files: set[str], *names: str) -> list[str]:
    return [n for n in names if n in files]


def _copy(files: list[str]) -> list[str]:
    """COPY lines that keep each file's directory (one COPY per directory)."""
    by_dir: dict[str, list[str]] = {}
    for f in files:
        by_dir.setdefault(str(PurePosixPath(f).parent), []).append(f)
    lines = []
    for directory, names in sorted(by_dir.items()):
        dest = "./" if directory == "." else f"{directory}/"
        lines.append(f"COPY {' '.join(names)} {dest}")
    return lines


Installer = Callable[[AppSpec], tuple[list[str], bool, "str | None"]]


def _python(spec: AppSpec) -> tuple[list[str], bool, str | None]:
    """(Dockerfile lines installing the dependencies, whether the project itself is installed, tool).

    poetry, uv and pdm export their lock (with hashes) for pip to install: pip honours the environment's
    index settings (pip.conf, PIP_INDEX_URL), which the tools' own installers do not all read. pipenv
    installs itself (``--deploy`` refuses an out-of-date lock) through pip into the active venv.
    """
    manager = str(spec.package_manager.value)
    files = set(spec.dependency_files)
    why = f"# package manager {manager}: {spec.package_manager.origin}"
    if manager == "pipenv" and "Pipfile" in files:
        lock = _present(files, "Pipfile", "Pipfile.lock")
        return [why, *_copy(lock), "RUN pipenv install --deploy"], False, "pipenv"
    if manager == "poetry" and "pyproject.toml" in files:
        lock = _present(files, "pyproject.toml", "poetry.lock")
        install = ("RUN poetry export --only main --format requirements.txt --output /tmp/requirements.txt \\\n"
                   " && pip install --no-cache-dir -r /tmp/requirements.txt")
        return [why, *_copy(lock), install], False, "poetry"
    if manager == "uv" and "pyproject.toml" in files:
        lock = _present(files, "pyproject.toml", "uv.lock")
        frozen = " --frozen" if "uv.lock" in files else ""
        export = f"RUN uv export{frozen} --no-dev --no-emit-project -o /tmp/requirements.txt"
        return [why, *_copy(lock), f"{export} \\\n && pip install --no-cache-dir -r /tmp/requirements.txt"], False, "uv"
    if manager == "pdm" and "pyproject.toml" in files:
        lock = _present(files, "pyproject.toml", "pdm.lock")
        return [why, *_copy(lock), "RUN pdm export --prod -o /tmp/requirements.txt \\\n"
                " && pip install --no-cache-dir -r /tmp/requirements.txt"], False, "pdm"
    reqs = sorted(f for f in files if f.endswith((".txt", ".in")))
    main = spec.requirements_file if spec.requirements_file in files else (
        "requirements.txt" if "requirements.txt" in files else None)
    if main:
        return [why, *_copy(reqs), _pip_run(spec, f"pip install --no-cache-dir -r {main}")], False, None
    if files & {"pyproject.toml", "setup.py", "setup.cfg"}:
        # the project installs itself; its metadata alone cannot be installed before the code
        return [why + " (installs the project after the code is copied)"], True, None
    return ["# no dependency file found: nothing to install"], False, None


def _unknown_language(spec: AppSpec) -> tuple[list[str], bool, str | None]:
    return [f"# TODO: install the dependencies of this {spec.base.language} app (not generated yet)"], False, None


_INSTALLERS: dict[str, Installer] = {"python": _python}


# Build tools that the runtime's base image does not have (a frontend build needs a Node.js stage).
FOREIGN_TOOLS = {"python": {"npm", "npx", "yarn", "pnpm", "node", "webpack", "gulp", "grunt", "bower"}}


def foreign_tool(spec: AppSpec, step: Step) -> str | None:
    """The program of ``step`` when the base image cannot run it (``npm`` on a Python image)."""
    program = step.argv[0].rsplit("/", 1)[-1] if step.argv else ""
    if step.argv[:2] == ("sh", "-c") and len(step.argv) > 2:
        program = step.argv[2].removeprefix("exec ").split(" ", 1)[0]
    return program if program in FOREIGN_TOOLS.get(spec.base.language, set()) else None


def _build_step(spec: AppSpec, step: Step) -> str:
    """A build step, with obviously fake values for required settings so it can import the app."""
    tool = foreign_tool(spec, step)
    if tool:
        return (f"# build step: {step.origin}: {tool} is not in the {spec.base.image} image; add a build stage\n"
                f"# that has it (e.g. FROM node:20-slim AS assets) and COPY its output here. Not run:\n"
                f"# RUN {step.command}")
    needed = [e.name for e in (*spec.secret_env, *spec.config_env) if e.value in (None, "")]
    # a required setting with a known value (ALLOWED_HOSTS the manifests set) is the real one at build too
    known = [f"{e.name}={shlex.quote(e.value)}" for e in spec.config_env if e.required and e.value]
    env = " ".join([*known, *(f"{name}={_placeholder(name)}" for name in needed)])
    run = f"{env} {step.command}" if env else step.command
    note = " (build-only placeholder values: the real ones exist only at runtime)" if env else ""
    return f"# build step: {step.origin}{note}\nRUN {run}"


def _placeholder(name: str) -> str:
    upper = name.upper()
    if "DATABASE" in upper or upper.startswith("DB_") and upper.endswith("URL"):
        return "sqlite:////tmp/build.sqlite3"
    if any(word in upper for word in ("REDIS", "BROKER", "CELERY", "CACHE")):
        return "redis://localhost:6379/0"
    return "build-only-placeholder"


def _serve(spec: AppSpec) -> list[str]:
    lines = []
    web = spec.web
    if web and spec.port:
        lines.append(f"# port {spec.port}: {web.port.origin if web.port else ''}\nEXPOSE {spec.port}")
        if spec.base.language == "python":
            lines.append(_healthcheck(spec))
    process = web or (spec.processes[0] if spec.processes else None)
    if process is None:
        # an empty CMD: `docker run` says "no command specified" instead of starting a bare interpreter
        why = ("the CronJobs and Jobs give their own commands" if spec.schedules else
               "start command unknown: set [processes.web] command in migrate.toml and run `migrate generate` again")
        lines.append(f"# no long-running process found; {why}\nCMD []")
        return lines
    why = f"# {process.key} process: {process.command_origin}"
    if process.note:
        why += f"\n# {process.note}"
    if len(spec.processes) > 1:
        others = ", ".join(p.key for p in spec.processes if p is not process)
        why += f"\n# other processes ({others}) reuse this image with their own command in the manifests"
    return [*lines, f"{why}\nCMD {json.dumps(list(process.argv))}"]


def _healthcheck(spec: AppSpec) -> str:
    if spec.health_path:
        url = f"http://127.0.0.1:{spec.port}{spec.health_path.value}"
        headers = f", headers={{'Host': {spec.probe_host!r}}}" if spec.probe_host else ""
        code = f"import urllib.request; urllib.request.urlopen(urllib.request.Request({url!r}{headers}), timeout=4)"
        why = f"# health check {spec.health_path.value}: {spec.health_path.origin} (Kubernetes uses its own probes)"
    else:
        code = f"import socket; socket.create_connection(('127.0.0.1', {spec.port}), timeout=4)"
        why = "# no health path found: a TCP check (Kubernetes uses its own probes)"
    return (f"{why}\nHEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \\\n"
            f"  CMD {json.dumps(['python', '-c', code])}")


def dockerignore(spec: AppSpec) -> str:
    """Keep VCS data, virtualenvs, local settings and secrets out of the build context and the image."""
    lines = [
        "# Generated by `migrate generate`: keeps the build context small and secrets out of the image.",
        ".git", ".gitignore", "**/__pycache__", "**/*.py[cod]", ".venv", "venv", "env", ".tox", ".nox",
        ".pytest_cache", ".mypy_cache", ".ruff_cache", "htmlcov", ".coverage", "node_modules",
        "*.log", ".DS_Store", ".idea", ".vscode",
        "# local environment files hold secrets: the Secret provides them at runtime",
        ".env", ".env.*", "!.env.example", "!.env.sample", "!.env.template", "*.pem", "*.key",
        "# deployment files are not part of the app",
        "Dockerfile", ".dockerignore", "deploy/k8s", "MIGRATION.md", "migrate.toml", ".migrate",
    ]
    extra = [f for f in spec.secret_env_files if not fnmatch.fnmatch(f, ".env") and not fnmatch.fnmatch(f, ".env.*")]
    if extra:
        lines.append("# committed env files where migrate found secrets")
        lines += extra
    return "\n".join(lines) + "\n"

