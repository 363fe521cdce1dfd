"""Runtime-neutral blocks of a build plan: a build step run with the settings the app reads at build time,
the EXPOSE / HEALTHCHECK / CMD tail of the runtime stage, and the frozen install of a JavaScript build's
dependencies (a Rails or Laravel app's assets built with node in a build stage).
"""

from __future__ import annotations

import json
import shlex

from generators.spec import AppSpec, Step
from migrator.textsafe import inline


def build_step(spec: AppSpec, step: Step) -> str:
    """``RUN`` a build step with the settings the app reads at import (see :func:`build_env`)."""
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
    if "\n" in run:  # a line break (in the command or a default) would end the instruction: the exec form
        return f"# build step: {step.origin}{note}\nRUN {json.dumps(['/bin/sh', '-c', run])}"
    return f"# build step: {step.origin}{note}\nRUN {run}"


def build_env(spec: AppSpec) -> list[tuple[str, str, bool]]:
    """(name, value, is_placeholder) for a build step: every non-secret setting with its known default
    (a settings module that reads ``config("ENVIRONMENT")`` at import fails without it, whatever the
    command), and an obviously fake value for secrets and for required settings nobody gave a value."""
    out: list[tuple[str, str, bool]] = []
    for e in sorted((*spec.secret_env, *spec.config_env), key=lambda e: e.name):
        if e.value in (None, "") or "\n" in (e.value or ""):
            out.append((e.name, _build_placeholder(e.name), True))
        else:
            out.append((e.name, str(e.value), False))
    return out


def _build_placeholder(name: str) -> str:
    upper = name.upper()
    if "DATABASE" in upper or upper.startswith("DB_") and upper.endswith("URL"):
        return "sqlite:////tmp/build.sqlite3"
    if any(word in upper for word in ("REDIS", "BROKER", "CELERY", "CACHE")):
        return "redis://localhost:6379/0"
    return "build-only-placeholder"


def healthcheck(why: str, argv: list[str]) -> str:
    """The image's HEALTHCHECK (``why`` a comment line, ``argv`` an interpreter one-liner that exists in the
    image): the same timings in every runtime's image; Kubernetes uses its own probes."""
    return (f"{why}\nHEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \\\n"
            f"  CMD {json.dumps(argv)}")


def serve(spec: AppSpec, healthcheck: str | None) -> list[str]:
    """EXPOSE, the HEALTHCHECK (a command that exists in the image, from the runtime's planner) and CMD."""
    lines = []
    web = spec.web
    if web and spec.port:
        lines.append(f"# port {spec.port}: {web.port.origin if web.port else ''}\nEXPOSE {spec.port}")
        if healthcheck:
            lines.append(healthcheck)
    process = web or (spec.processes[0] if spec.processes else None)
    if process is None:
        # an empty CMD: `docker run` says "no command specified" instead of starting a bare interpreter
        why = ("the CronJobs and Jobs give their own commands" if spec.schedules else
               "start command unknown: set [processes.web] command in migrate.toml and run `migrate generate` again")
        lines.append(f"# no long-running process found; {why}\nCMD []")
        return lines
    why = f"# {process.key} process: {process.command_origin}"
    if process.note:
        why += f"\n# {inline(process.note)}"
    if len(spec.processes) > 1:
        others = ", ".join(p.key for p in spec.processes if p is not process)
        why += f"\n# other processes ({others}) reuse this image with their own command in the manifests"
    return [*lines, f"{why}\nCMD {json.dumps(list(process.argv))}"]


# lockfile -> (tool setup, frozen install with devDependencies): what the JavaScript build reads
_JS_LOCKS = (
    ("yarn.lock", "npm install -g yarn@1.22.22", "yarn install --frozen-lockfile --non-interactive"),
    ("pnpm-lock.yaml", "npm install -g pnpm@9.15.0", "pnpm install --frozen-lockfile"),
    ("package-lock.json", None, "npm ci"),
)


def js_install_lines(spec: AppSpec) -> list[str]:
    """package.json and its lock copied, and the JavaScript dependencies installed frozen, before the code
    (a code change keeps the layer); nothing when the build needs node only as a runtime (ExecJS)."""
    if "package.json" not in spec.files_read:
        return []
    for lock, setup, install in _JS_LOCKS:
        if lock in spec.files_read:
            run = f"{setup} \\\n && {install}" if setup else install
            return [f"COPY package.json {lock} ./",
                    f"# the JavaScript build's dependencies, frozen from {lock} (devDependencies too: the build "
                    f"needs them)\nRUN {run}"]
    return ["COPY package.json ./", "# no JavaScript lockfile: the install is not reproducible\nRUN npm install"]
