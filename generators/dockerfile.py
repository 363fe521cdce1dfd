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

from jinja2 import Environment, PackageLoader, StrictUndefined

from generators.debian_release import release_of
from generators.output import OutputFile
from generators.python_install import TOOL_ENV, VENV, Install, python_install, tool_pin
from generators.spec import UID, AppSpec, Step
from generators.values import APP_DIR

BUILD_ESSENTIALS = ("build-essential",)

_env = Environment(loader=PackageLoader("generators", "templates"), undefined=StrictUndefined,
                   keep_trailing_newline=True, autoescape=False)  # noqa: S701 - a Dockerfile, not HTML


def generate(spec: AppSpec) -> list[OutputFile]:
    return [OutputFile("Dockerfile", render(spec), "dockerfile"), OutputFile(".dockerignore", dockerignore(spec))]


def render(spec: AppSpec) -> str:
    install = _INSTALLERS.get(spec.base.language, _unknown_language)(spec)
    deps, after_code, tool = install.lines, install.after_code, install.tool
    builder_reasons = []
    build_packages = _build_packages(spec)
    if any(p in BUILD_ESSENTIALS for p, _ in build_packages):
        builder_reasons.append("compilers and -dev headers")
    elif build_packages:
        builder_reasons.append("build tools (" + ", ".join(p for p, _ in build_packages) + ")")
    if tool:
        builder_reasons.append(f"{tool} (packaging tool)")
    builder: list[str] = []
    runtime: list[str] = []
    if builder_reasons:
        if build_packages:
            builder.append(_apt([p for p, _ in build_packages], [f"{p}: {o}" for p, o in build_packages if o],
                                _release_note(spec)))
        builder += _venv_lines(spec, tool) if tool else [*_venv_lines(spec, None), _venv_env()]
        builder.append(f"WORKDIR {APP_DIR}")
        builder += deps
        if after_code:
            builder += ["COPY . .", after_code]
    if spec.runtime_packages:
        runtime.append(_apt([p for p, _ in spec.runtime_packages], [f"{p}: {o}" for p, o in spec.runtime_packages],
                            _release_note(spec)))
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
    if after_code and not builder:
        runtime.append(after_code)
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


def _build_packages(spec: AppSpec) -> list[tuple[str, str]]:
    """The build stage's packages; a compiler comes first whenever a dependency may compile or a ``-dev``
    header is wanted (headers are only read by a compiler). git alone (git dependencies) needs none."""
    packages = list(spec.build_packages)
    names = {p for p, _ in packages}
    compiles = any(p.endswith("-dev") or p in ("gcc", "g++", "gfortran", "swig") for p in names)
    if compiles and not names & set(BUILD_ESSENTIALS):
        packages.insert(0, (BUILD_ESSENTIALS[0], ""))
    essentials = [p for p in packages if p[0] in BUILD_ESSENTIALS]
    return essentials + [p for p in packages if p[0] not in BUILD_ESSENTIALS]


def _release_note(spec: AppSpec) -> str:
    release, why = release_of(spec.base)
    return f"# package names for Debian {release}: {why}\n" if release else f"# {why}\n"


def _apt(packages: list[str], why: list[str], header: str = "") -> str:
    comment = header + "".join(f"# {w}\n" for w in why)
    names = " \\\n      ".join(packages)
    return (f"{comment}RUN apt-get update \\\n && apt-get install -y --no-install-recommends \\\n      {names} \\\n"
            " && rm -rf /var/lib/apt/lists/*")


def _venv_env() -> str:
    return f'ENV VIRTUAL_ENV={VENV} PATH="{VENV}/bin:$PATH" PIP_DISABLE_PIP_VERSION_CHECK=1'


def _venv_lines(spec: AppSpec, tool: str | None) -> list[str]:
    if tool is None:
        return [f"RUN python -m venv {VENV}"]
    # the tool goes outside the venv, so it never reaches the runtime stage
    env = " ".join(TOOL_ENV.get(tool, ()))
    return [f"RUN pip install --no-cache-dir {tool_pin(tool, spec.base.version)} \\\n && python -m venv {VENV}",
            _venv_env() + (f" \\\n    {env}" if env else "")]


def _unknown_language(spec: AppSpec) -> Install:
    return Install([f"# TODO: install the dependencies of this {spec.base.language} app (not generated yet)"],
                   None, None)


Installer = Callable[[AppSpec], Install]
_INSTALLERS: dict[str, Installer] = {"python": python_install}


# Build tools that the runtime's base image does not have (a frontend build needs a Node.js stage).
FOREIGN_TOOLS = {"python": {"npm", "npx", "yarn", "pnpm", "node", "webpack", "gulp", "grunt", "bower"}}


def foreign_tool(spec: AppSpec, step: Step) -> str | None:
    """The program of ``step`` when the base image cannot run it (``npm`` on a Python image)."""
    program = step.argv[0].rsplit("/", 1)[-1] if step.argv else ""
    if step.argv[:2] == ("sh", "-c") and len(step.argv) > 2:
        program = step.argv[2].removeprefix("exec ").split(" ", 1)[0]
    return program if program in FOREIGN_TOOLS.get(spec.base.language, set()) else None


def _build_step(spec: AppSpec, step: Step) -> str:
    """A build step, run with the environment the app reads at import (see :func:`build_env`)."""
    tool = foreign_tool(spec, step)
    if tool:
        return (f"# build step: {step.origin}: {tool} is not in the {spec.base.image} image; add a build stage\n"
                f"# that has it (e.g. FROM node:20-slim AS assets) and COPY its output here. Not run:\n"
                f"# RUN {step.command}")
    pairs = build_env(spec)
    env = " ".join(f"{name}={shlex.quote(value)}" for name, value, _ in pairs)
    run = f"{env} {step.command}" if env else step.command
    notes = []
    if any(placeholder for _, _, placeholder in pairs):
        notes.append("build-only placeholders for secrets and unknown required values: the real ones exist only "
                     "at runtime")
    if any(not placeholder for _, _, placeholder in pairs):
        notes.append("settings with a known default get it (as the ConfigMap does)")
    note = "".join(f"\n# {n}" for n in notes)
    return f"# build step: {step.origin}{note}\nRUN {run}"


def build_env(spec: AppSpec) -> list[tuple[str, str, bool]]:
    """(name, value, is_placeholder) for a build step: every non-secret setting with its known default
    (a settings module that reads ``config("ENVIRONMENT")`` at import fails without it, whatever the
    command), and an obviously fake value for secrets and for required settings nobody gave a value."""
    out: list[tuple[str, str, bool]] = []
    for e in sorted((*spec.secret_env, *spec.config_env), key=lambda e: e.name):
        if e.value in (None, "") or "\n" in (e.value or ""):
            out.append((e.name, _placeholder(e.name), True))
        else:
            out.append((e.name, str(e.value), False))
    return out


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
        lines.append("# no long-running process found: set [processes.web] command in migrate.toml\n"
                     'CMD ["python"]')
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

