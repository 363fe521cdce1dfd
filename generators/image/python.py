"""Python's build plan: a virtualenv at /opt/venv, filled in a build stage when anything needs compilers
or a packaging tool (the runtime stage copies the virtualenv, so the final image holds only runtime
libraries: copying a venv is smaller than copying wheels), else directly in the runtime stage.

Dependencies are installed before the code is copied, so a code-only change rebuilds in seconds. Build
steps (``collectstatic`` ...) run at build time: the pod's root filesystem is read-only.
"""

from __future__ import annotations

from generators.image.base_image import end_of_life, is_python2
from generators.image.debian_release import release_of
from generators.image.plan import BuildPlan, Stage, apt, user_lines
from generators.image.python_install import TOOL_ENV, VENV, python_install, tool_pin
from generators.image.steps import build_step, healthcheck, serve
from generators.spec import UID, AppSpec, Step
from generators.values import APP_DIR
from migrator.textsafe import inline

# Python 2.7 has no venv module and the newest pip, setuptools, wheel and pipenv dropped it: virtualenv
# 16 (the last without dependencies) makes the venv, which then gets the last releases for 2.7.
PY2_VIRTUALENV = "virtualenv==16.7.12"
PY2_PACKAGING = ("pip==20.3.4", "setuptools==44.1.1", "wheel==0.37.1")
PY2_TOOLS = {"pipenv": "pipenv==2021.5.29"}
BUILD_ESSENTIALS = ("build-essential",)
# Build tools that a Python image does not have (a frontend build needs a Node.js stage).
FOREIGN_TOOLS = frozenset({"npm", "npx", "yarn", "pnpm", "node", "webpack", "gulp", "grunt", "bower"})


def plan(spec: AppSpec) -> BuildPlan:
    install = python_install(spec)
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
            builder.append(apt([p for p, _ in build_packages], [f"{p}: {o}" for p, o in build_packages if o],
                               release_note(spec)))
        builder += _venv_lines(spec, tool) if tool else [*_venv_lines(spec, None), _venv_env()]
        builder.append(f"WORKDIR {APP_DIR}")
        builder += deps
        if after_code:
            builder += ["COPY . .", after_code]
    if spec.runtime_packages:
        runtime.append(apt([p for p, _ in spec.runtime_packages], [f"{p}: {o}" for p, o in spec.runtime_packages],
                           release_note(spec)))
    runtime.append(user_lines(spec))
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
    runtime += serve(spec, _healthcheck(spec) if spec.port else None)
    header = [f"base image {spec.base.image}: {spec.base.reason}"]
    if end_of_life(spec.base):
        header.append(f"end of life: Python {spec.base.version} gets no security fixes (see MIGRATION.md, open "
                      "questions)")
    stages = []
    if builder:
        stages.append(Stage(f"build stage: {', '.join(builder_reasons)}; none of it reaches the final image",
                            spec.base.image, tuple(builder), name="build"))
    stages.append(Stage("runtime stage", spec.base.image, tuple(runtime), env=tuple(_final_env(spec))))
    return BuildPlan(tuple(header), tuple(stages), buildkit=spec.buildkit)


def _final_env(spec: AppSpec) -> list[str]:
    env = ["PYTHONDONTWRITEBYTECODE=1", "PYTHONUNBUFFERED=1"]
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


def release_note(spec: AppSpec) -> str:
    """The comment that says which Debian release the package names are for."""
    release, why = release_of(spec.base)
    return f"# package names for Debian {release}: {why}\n" if release else f"# {why}\n"


def _venv_env() -> str:
    return f'ENV VIRTUAL_ENV={VENV} PATH="{VENV}/bin:$PATH" PIP_DISABLE_PIP_VERSION_CHECK=1'


def _venv_lines(spec: AppSpec, tool: str | None) -> list[str]:
    if tool is None:
        return [f"RUN {_make_venv(spec)}"]
    # the tool goes outside the venv, so it never reaches the runtime stage
    env = " ".join(TOOL_ENV.get(tool, ()))
    pin = PY2_TOOLS.get(tool) if is_python2(spec.base) else None
    return [f"RUN pip install --no-cache-dir {pin or tool_pin(tool, spec.base.version)} \\\n && {_make_venv(spec)}",
            _venv_env() + (f" \\\n    {env}" if env else "")]


def _make_venv(spec: AppSpec) -> str:
    if not is_python2(spec.base):
        return f"python -m venv {VENV}"
    return (f"pip install --no-cache-dir {PY2_VIRTUALENV} \\\n && virtualenv {VENV} \\\n"
            f" && {VENV}/bin/pip install --no-cache-dir {' '.join(PY2_PACKAGING)}")


def foreign_tool(spec: AppSpec, step: Step) -> str | None:
    """The program of ``step`` when a Python image cannot run it (``npm``)."""
    program = step.argv[0].rsplit("/", 1)[-1] if step.argv else ""
    if step.argv[:2] == ("sh", "-c") and len(step.argv) > 2:
        program = step.argv[2].removeprefix("exec ").split(" ", 1)[0]
    return program if spec.base.language == "python" and program in FOREIGN_TOOLS else None


def _build_step(spec: AppSpec, step: Step) -> str:
    """A build step, run with the environment the app reads at import (see :func:`build_env`)."""
    tool = foreign_tool(spec, step)
    if tool:
        return (f"# build step: {step.origin}: {tool} is not in the {spec.base.image} image; add a build stage\n"
                f"# that has it (e.g. FROM node:20-slim AS assets) and COPY its output here. Not run:\n"
                f"# RUN {inline(step.command)}")
    return build_step(spec, step)


def _healthcheck(spec: AppSpec) -> str:
    if spec.health_path:
        url = f"http://127.0.0.1:{spec.port}{spec.health_path.value}"
        headers = f", headers={{'Host': {spec.probe_host!r}}}" if spec.probe_host else ""
        urllib = "urllib2" if is_python2(spec.base) else "urllib.request"  # Python 2 has no urllib.request
        code = f"import {urllib}; {urllib}.urlopen({urllib}.Request({url!r}{headers}), timeout=4)"
        why = f"# health check {spec.health_path.value}: {spec.health_path.origin} (Kubernetes uses its own probes)"
    else:
        code = f"import socket; socket.create_connection(('127.0.0.1', {spec.port}), timeout=4)"
        why = "# no health path found: a TCP check (Kubernetes uses its own probes)"
    return healthcheck(why, ["python", "-c", code])

