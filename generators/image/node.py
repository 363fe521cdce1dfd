"""Node's build plan: dependencies installed frozen from the lockfile before the code is copied, a build
stage when the app has a build step (its devDependencies are pruned before anything reaches the runtime
image), a dependencies stage when native modules need compilers (python3, make, g++ stay there), and a
runtime stage FROM the same node image that runs ``node`` itself as the process (never ``npm start``: npm
does not forward SIGTERM), non-root, with ``NODE_ENV=production``.

The install commands per package manager are :mod:`analyzers.providers.node.installs`' (Railpack's and
the Heroku buildpack's frozen installs). Nothing here is Python's: no virtualenv, no pip, the
HEALTHCHECK is a ``node -e`` one-liner (the conformance suite checks every provider's image for foreign
tokens).
"""

from __future__ import annotations

import posixpath
import re

from analyzers.providers.node.installs import Installs, installs
from generators.image.argv import uses_init
from generators.image.base_image import end_of_life
from generators.image.plan import BuildPlan, Stage, apt, user_lines
from generators.image.steps import build_step, healthcheck, serve
from generators.spec import UID, AppSpec
from generators.values import APP_DIR, origin
from migrator.model import Subject

# Files the install reads besides package.json: copied before the code so a code change keeps the layer.
LOCKFILES = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lock", "bun.lockb")
_INSTALL_INPUTS = re.compile(r"^(?:(?:.+/)?package\.json|pnpm-workspace\.yaml|\.yarnrc\.yml|\.yarn/releases/[^/]+|"
                             r"\.pnpmfile\.cjs)$")
# node-gyp builds native modules against the headers of the node that runs them; offline it cannot download
# them, so it is pointed at the image's own (/usr/local in the official images, /usr in Debian's nodejs)
_NODEDIR = 'npm_config_nodedir="$(dirname "$(dirname "$(command -v node)")")"'
# What a Node image never needs from the build context.
NODE_IGNORE = ("node_modules", "**/node_modules", "npm-debug.log*", "yarn-debug.log*", "yarn-error.log*", ".npm",
               ".yarn/cache", ".yarn/install-state.gz", ".pnpm-store", ".next/cache", "coverage", ".nyc_output",
               ".eslintcache")


def plan(spec: AppSpec) -> BuildPlan:
    facts = spec.runtime_subject
    manager = str(_get(facts, "package_manager") or "npm")
    lockfile = _get(facts, "lockfile")
    tool = installs(manager, lock=bool(lockfile), flavor=_str(_get(facts, "yarn_flavor")),
                    version=_str(_get(facts, "package_manager_version")))
    inputs = dependency_files(spec, _str(lockfile))
    copy_inputs = _copy_lines(inputs)
    why_install = _install_origin(facts, manager, _str(lockfile), tool)
    native = list(spec.build_packages)
    stages: list[Stage] = []
    runtime_blocks: list[str] = []
    packages = list(spec.runtime_packages)
    if _init_used(spec):
        packages.append(("tini", "node ignores SIGTERM as PID 1 unless the app handles it: tini forwards it"))
    if packages:
        runtime_blocks.append(apt([p for p, _ in packages], [f"{p}: {o}" for p, o in packages if o]))
    runtime_blocks += [user_lines(spec), f"WORKDIR {APP_DIR}"]
    if spec.build_steps:
        build = _tools(native, tool) + [f"WORKDIR {APP_DIR}", *copy_inputs,
                                         f"# {why_install}; devDependencies too: the build needs them\n"
                                         f"RUN {_nodedir(native)}{tool.full}",
                                         "COPY . ."]
        build += [build_step(spec, s) for s in spec.build_steps]
        if tool.prune:  # in the last build step's RUN (one layer), unless that one is in the exec form
            last = build[-1]
            comment, _, run = last.rpartition("\n")
            if spec.build_steps and run.startswith("RUN ") and not run.startswith("RUN ["):
                build[-1] = (f"{comment}\n# then production dependencies only: the runtime image gets them\n"
                             f"{run} \\\n && {tool.prune}")
            else:
                build.append(f"# production dependencies only: the runtime image gets them\nRUN {tool.prune}")
        stages.append(Stage(f"build stage: {_reasons(native, 'the build steps')}; only the app directory "
                            "reaches the final image", spec.base.image, tuple(build), name="build"))
        runtime_blocks.append(f"COPY --from=build {APP_DIR} {APP_DIR}")
    elif native:
        deps = _tools(native, tool) + [f"WORKDIR {APP_DIR}", *copy_inputs,
                                        f"# {why_install}\nRUN {_nodedir(native)}{tool.prod}"]
        stages.append(Stage(f"dependencies stage: {_reasons(native, '')}; only node_modules reaches the final "
                            "image", spec.base.image, tuple(deps), name="deps"))
        runtime_blocks += [f"COPY --from=deps {APP_DIR} {APP_DIR}", "COPY . ."]
    else:
        if tool.setup:
            runtime_blocks.append(f"RUN {tool.setup}")
        runtime_blocks += [*copy_inputs, f"# {why_install}\nRUN {tool.prod}", "COPY . ."]
    runtime_blocks.append(f"USER {UID}:{UID}")
    runtime_blocks += serve(spec, _healthcheck(spec) if spec.port else None)
    # the dependencies' own programs (knex, prisma, next ...) are on PATH, as npm run and npx put them; npm
    # itself, when a command still runs it, keeps its cache in the pod's /tmp (the root is read-only)
    env = ["NODE_ENV=production", f'PATH="{APP_DIR}/node_modules/.bin:$PATH"', "NPM_CONFIG_CACHE=/tmp/.npm",
           "NPM_CONFIG_UPDATE_NOTIFIER=false"]
    if spec.port:
        env.append(f"PORT={spec.port}")
    stages.append(Stage("runtime stage", spec.base.image, tuple(runtime_blocks), env=tuple(env)))
    header = [f"base image {spec.base.image}: {spec.base.reason}"]
    if end_of_life(spec.base):
        header.append(f"end of life: Node.js {spec.base.version} gets no security fixes (see MIGRATION.md, open "
                      "questions)")
    if tool.note:
        header.append(f"{manager}: {tool.note}")
    return BuildPlan(tuple(header), tuple(stages), buildkit=spec.buildkit)


def _init_used(spec: AppSpec) -> bool:
    commands = [p.argv for p in spec.processes] + [s.argv for s in spec.schedules]
    return any(uses_init(a) for a in [*commands, *(s.argv for s in spec.release_steps)])


def _get(subject: Subject | None, name: str) -> object:
    return subject.get(name) if subject is not None else None


def _str(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def dependency_files(spec: AppSpec, lockfile: str | None) -> tuple[str, ...]:
    """package.json files (the root's and every workspace's), the lockfile and the manager's own config:
    what the frozen install reads, copied before the code."""
    found = {f for f in spec.files_read if _INSTALL_INPUTS.match(f) and "node_modules/" not in f}
    if lockfile and not lockfile.startswith(("/", "../")):
        found.add(lockfile)
    found.add("package.json")
    return tuple(sorted(found, key=lambda f: (f.count("/"), f)))


def _copy_lines(files: tuple[str, ...]) -> list[str]:
    """COPY the install's inputs, one instruction per directory (each file keeps its place)."""
    by_dir: dict[str, list[str]] = {}
    for f in files:
        by_dir.setdefault(posixpath.dirname(f), []).append(f)
    out = []
    for directory, names in by_dir.items():
        target = f"{directory}/" if directory else "./"
        out.append(f"COPY {' '.join(names)} {target}" if len(names) > 1 or directory else f"COPY {names[0]} ./")
    return out


def _install_origin(runtime: Subject | None, manager: str, lockfile: str | None, tool: Installs) -> str:
    where = origin(runtime, "package_manager") if runtime is not None else None
    said = f"{manager} ({where})" if where else f"{manager} (default)"
    if lockfile:
        return f"{said}: frozen install from {lockfile}"
    return f"{said}: no lockfile, the install is not reproducible"


def _tools(native: list[tuple[str, str]], tool: Installs) -> list[str]:
    out = []
    if native:
        out.append(apt([p for p, _ in native], [f"{p}: {o}" for p, o in native if o]))
    if tool.setup:
        out.append(f"RUN {tool.setup}")
    return out


def _nodedir(native: list[tuple[str, str]]) -> str:
    return f"{_NODEDIR} \\\n    " if native else ""


def _reasons(native: list[tuple[str, str]], more: str) -> str:
    parts = [more] if more else []
    if native:
        parts.append("build tools for native modules (" + ", ".join(p for p, _ in native) + ")")
    return ", ".join(parts)


def _healthcheck(spec: AppSpec) -> str:
    if spec.health_path:
        headers = f", headers: {{ Host: {_js(spec.probe_host)} }}" if spec.probe_host else ""
        path = _js(str(spec.health_path.value))
        request = f"{{ host: '127.0.0.1', port: {spec.port}, path: {path}{headers}, timeout: 4000 }}"
        code = (f"require('http').get({request}, (r) => process.exit(r.statusCode < 400 ? 0 : 1))"
                ".on('error', () => process.exit(1))")
        why = f"# health check {spec.health_path.value}: {spec.health_path.origin} (Kubernetes uses its own probes)"
    else:
        code = (f"require('net').connect({spec.port}, '127.0.0.1').on('connect', () => process.exit(0))"
                ".on('error', () => process.exit(1))")
        why = "# no health path found: a TCP check (Kubernetes uses its own probes)"
    return healthcheck(why, ["node", "-e", code])


def _js(text: str) -> str:
    """A JavaScript string literal (single-quoted, as the one-liner's other strings)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
