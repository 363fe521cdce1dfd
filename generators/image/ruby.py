"""Ruby's build plan: gems installed by Bundler, frozen from Gemfile.lock, before the code is copied; a build
stage when native gems need compilers or the app has build steps (``assets:precompile``), whose gems and
compiled assets are copied into a runtime stage FROM the same ruby image that has only the run-time
libraries; non-root, ``RAILS_ENV``/``RACK_ENV`` production.

The shape is that of the Dockerfile Rails 7.1 generates and of the Heroku Ruby buildpack's install:
``BUNDLE_DEPLOYMENT`` (frozen: the lock must match the Gemfile), ``BUNDLE_WITHOUT`` the development and
test groups, ``BUNDLE_PATH`` outside the app, Bundler's download cache removed in the same layer, a
``vendor/cache`` installed locally (``--local``: nothing is fetched), and ``assets:precompile`` run with
``SECRET_KEY_BASE_DUMMY=1`` (Rails 7.1 and later) or a placeholder ``SECRET_KEY_BASE``: the build never sees
a real secret, and ``RAILS_MASTER_KEY`` is never set at build time. A JavaScript build (jsbundling,
webpacker) gets Debian's nodejs and npm in the build stage only. Nothing here is Python's or Node's (the
conformance suite checks every image for foreign tokens); the HEALTHCHECK is a ``ruby -rnet/http`` one-liner.
"""

from __future__ import annotations

import json
import posixpath
import re
import shlex

from generators.image.base_image import end_of_life
from generators.image.plan import BuildPlan, Stage, apt, user_lines
from generators.image.steps import build_env, healthcheck, js_install_lines, serve
from generators.spec import UID, AppSpec, Step
from generators.values import APP_DIR, origin
from migrator.model import Subject

BUNDLE_PATH = "/usr/local/bundle"
# What a Ruby image never needs from the build context: installed gems, caches, logs, test output, the
# compiled assets of a developer's machine (the build compiles its own), and the Rails master key.
RUBY_IGNORE = (".bundle", "vendor/bundle", "log/*", "tmp/*", "!tmp/.keep", "!log/.keep", "coverage", "spec/reports",
               "public/assets", "public/packs", "public/packs-test", "node_modules", "**/node_modules",
               "storage/*", "!storage/.keep", ".byebug_history", "config/master.key", "config/credentials/*.key")
_JS_TOOLS = re.compile(r"(^|[\s/])(yarn|npm|npx|node|webpack|esbuild|rollup|bun)(\s|$)|webpacker:compile|"
                       r"javascript:build|css:build|shakapacker")
_PRECOMPILE = re.compile(r"\bassets:precompile\b")
_RAILS_DUMMY = (7, 1)  # SECRET_KEY_BASE_DUMMY: Rails 7.1 and later
_MASTER_KEY = "RAILS_MASTER_KEY"
_SECRET_KEY_BASE = "SECRET_KEY_BASE"  # noqa: S105 - an env var name


def plan(spec: AppSpec) -> BuildPlan:
    facts = spec.runtime_subject
    lockfile = _str(_get(facts, "lockfile"))
    rails = _framework(facts) == "rails"
    build_packages = list(spec.build_packages)
    git_gems = bool(_get(facts, "bundle_git_gems")) and not _get(facts, "bundle_cache")
    if git_gems and not any(p == "git" for p, _ in build_packages):
        build_packages.append(("git", f"Bundler clones the git gems ({origin(facts, 'bundle_git_gems') or 'Gemfile'})"))
    build_steps = _own_build_steps(spec, facts)
    js = [s for s in build_steps if _JS_TOOLS.search(s.command)] or _js_build(spec, build_steps)
    if js and not any(p == "nodejs" for p, _ in build_packages):
        why = "the JavaScript build (" + ", ".join(s.origin for s in js) + ")"
        build_packages += [("nodejs", why), ("npm", why)]
    js_install = js_install_lines(spec) if js else []
    env = _image_env(spec, facts, lockfile, rails)
    install = _install(facts, lockfile)
    inputs = dependency_files(spec, facts, lockfile)
    stages: list[Stage] = []
    runtime_blocks: list[str] = []
    if spec.runtime_packages:
        runtime_blocks.append(apt([p for p, _ in spec.runtime_packages],
                                  [f"{p}: {o}" for p, o in spec.runtime_packages if o]))
    runtime_blocks += [user_lines(spec), f"WORKDIR {APP_DIR}"]
    copy_inputs = _copy_lines(inputs)
    if build_packages or build_steps:
        build: list[str] = []
        if build_packages:
            build.append(apt([p for p, _ in build_packages], [f"{p}: {o}" for p, o in build_packages if o]))
        build += [f"WORKDIR {APP_DIR}", *copy_inputs, install, *js_install, "COPY . ."]
        build += [_build_step(spec, s, rails, facts) for s in build_steps]
        if js_install:  # in the last build step's RUN (one layer), unless that one is in the exec form
            comment, _, run = build[-1].rpartition("\n")
            why = "# then the JavaScript dependencies go: they were for the build, the runtime image gets its output"
            if build_steps and run.startswith("RUN ") and not run.startswith("RUN ["):
                build[-1] = f"{comment}\n{why}\n{run} \\\n && rm -rf node_modules"
            else:
                build.append(f"{why}\nRUN rm -rf node_modules")
        reasons = []
        if build_packages:
            reasons.append("compilers and -dev headers for native gems" if any(
                p == "build-essential" or p.endswith("-dev") for p, _ in build_packages) else "build tools")
        if build_steps:
            reasons.append("the build steps")
        stages.append(Stage(f"build stage: {', '.join(reasons)}; only the installed gems and the app directory "
                            "reach the final image", spec.base.image, tuple(build), name="build", env=tuple(env)))
        runtime_blocks += [f"# the gems Bundler installed, then the app (with what the build steps made)\n"
                           f"COPY --from=build {BUNDLE_PATH} {BUNDLE_PATH}",
                           f"COPY --from=build {APP_DIR} {APP_DIR}"]
    else:
        runtime_blocks += [*copy_inputs, install, "COPY . ."]
    runtime_blocks.append(f"USER {UID}:{UID}")
    runtime_blocks += serve(spec, _healthcheck(spec) if spec.port else None)
    runtime_env = list(env)
    if spec.port:
        runtime_env.append(f"PORT={spec.port}")
    stages.append(Stage("runtime stage", spec.base.image, tuple(runtime_blocks), env=tuple(runtime_env)))
    header = [f"base image {spec.base.image}: {spec.base.reason}"]
    if end_of_life(spec.base):
        header.append(f"end of life: Ruby {spec.base.version} gets no security fixes (see MIGRATION.md, open "
                      "questions)")
    if not lockfile:
        header.append("no Gemfile.lock: the gem versions are resolved at build time, the install is not "
                      "reproducible (commit Gemfile.lock)")
    return BuildPlan(tuple(header), tuple(stages), buildkit=spec.buildkit)


def _get(subject: Subject | None, name: str) -> object:
    return subject.get(name) if subject is not None else None


def _str(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _framework(facts: Subject | None) -> str | None:
    value = _get(facts, "framework")
    return str(value).lower() if value else None


def _image_env(spec: AppSpec, facts: Subject | None, lockfile: str | None, rails: bool) -> list[str]:
    """The settings Bundler and the app read in both stages: production mode, the frozen install, where the
    gems live and which groups stay out."""
    env = ["RACK_ENV=production"]
    if rails:
        env.insert(0, "RAILS_ENV=production")
    if lockfile:
        env.append("BUNDLE_DEPLOYMENT=1")
    env.append(f"BUNDLE_PATH={BUNDLE_PATH}")
    without = _without(facts)
    if without:
        env.append(f"BUNDLE_WITHOUT={shlex.quote(':'.join(without))}")
    return env


def _without(facts: Subject | None) -> list[str]:
    value = _get(facts, "bundle_without")
    if isinstance(value, str) and value:
        return [g for g in re.split(r"[\s:,]+", value) if g]
    if isinstance(value, (list, tuple)):
        return [str(g) for g in value if str(g)]
    return ["development", "test"]


def _install(facts: Subject | None, lockfile: str | None) -> str:
    """``bundle install`` (frozen when the lock exists, local when the gems are vendored), its cache removed
    in the same layer; Bundler 1 locks get their Bundler first (Bundler 2 refuses to run them frozen)."""
    where = origin(facts, "package_manager") if facts is not None else None
    said = f"Bundler ({where})" if where else "Bundler"
    local = bool(_get(facts, "bundle_cache"))
    notes = [f"# {said}: " + (f"frozen install from {lockfile}" if lockfile else "no lockfile: not reproducible")]
    if local:
        notes.append(f"# vendor/cache ({origin(facts, 'bundle_cache') or 'vendor/cache'}): installed from the "
                     "vendored gems, nothing is fetched")
    without = _without(facts)
    if without:
        notes.append(f"# groups left out: {', '.join(without)} ({origin(facts, 'bundle_without') or 'default'})")
    lines = []
    bundler = _str(_get(facts, "package_manager_version"))
    if bundler and bundler.split(".")[0] == "1":
        lines.append(f"gem install bundler -v {shlex.quote(bundler)} --no-document")
        notes.append(f"# Gemfile.lock was BUNDLED WITH {bundler} ({origin(facts, 'package_manager_version')}): that "
                     "Bundler is installed first")
    lines.append("bundle install" + (" --local" if local else "") + " --jobs 4 --retry 3")
    lines.append(f'rm -rf ~/.bundle "{BUNDLE_PATH}"/ruby/*/cache "{BUNDLE_PATH}"/ruby/*/bundler/gems/*/.git')
    return "\n".join(notes) + "\nRUN " + " \\\n && ".join(lines)


def dependency_files(spec: AppSpec, facts: Subject | None,
                     lockfile: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(files, directories) ``bundle install`` reads, copied before the code: the Gemfile, its lock and
    what the Gemfile reads (``ruby file: ".ruby-version"``, a gemspec); path gems and ``vendor/cache``."""
    files = {_str(_get(facts, "gemfile")) or "Gemfile"}
    if lockfile and not lockfile.startswith(("/", "../")):
        files.add(lockfile)
    # ruby file: ".ruby-version" (Bundler 2.4+) makes the Gemfile read it
    files.update(f for f in spec.files_read if f in (".ruby-version", ".tool-versions") and f != lockfile)
    dirs = set(_items(_get(facts, "bundle_path_dirs")))
    cache = _get(facts, "bundle_cache")
    if cache:
        dirs.add(str(cache))
    order = lambda f: (f.count("/"), f)  # noqa: E731
    return tuple(sorted(files, key=order)), tuple(sorted(dirs - {"."}, key=order))


def _items(value: object) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value) if isinstance(value, (list, tuple)) else []
    out = [str(i).strip().rstrip("/") for i in items]
    return [i for i in out if i and not i.startswith(("/", ".."))]


def _copy_lines(inputs: tuple[tuple[str, ...], tuple[str, ...]]) -> list[str]:
    """COPY the install's inputs: files of one directory together, each directory to its own place."""
    files, dirs = inputs
    by_dir: dict[str, list[str]] = {}
    for f in files:
        by_dir.setdefault(posixpath.dirname(f), []).append(f)
    out = [f"COPY {' '.join(names)} {directory + '/' if directory else './'}" for directory, names in by_dir.items()]
    return out + [f"COPY {d} {d}/" for d in dirs]


def _build_step(spec: AppSpec, step: Step, rails: bool, facts: Subject | None) -> str:
    """``RUN`` a build step with the settings the app reads at boot; ``assets:precompile`` gets no real
    secret: ``SECRET_KEY_BASE_DUMMY=1`` (Rails 7.1+) or a placeholder key base, and no master key."""
    # Ruby code falls back on its own defaults (ENV["X"] is nil, ENV.fetch("X", d) is d): only settings
    # with no value get a placeholder (ENV.fetch("X") raises at boot without one). No DATABASE_URL: a URL of
    # another adapter would make Active Record require that adapter's gem, and precompiling connects nowhere
    pairs = [(n, v, p) for n, v, p in build_env(spec) if p and n not in (_MASTER_KEY, _SECRET_KEY_BASE, "DATABASE_URL")
             and n in _required(spec)]
    notes = []
    if rails and _PRECOMPILE.search(step.command):
        version = _rails_version(facts)
        if version is not None and version >= _RAILS_DUMMY:
            pairs.append(("SECRET_KEY_BASE_DUMMY", "1", True))
            notes.append("SECRET_KEY_BASE_DUMMY=1: Rails 7.1+ boots with a throwaway key base, no credentials read")
        else:
            pairs.append((_SECRET_KEY_BASE, "assets-precompile-placeholder", True))
            notes.append("a placeholder SECRET_KEY_BASE: precompiling needs one, the real one exists only at "
                         "runtime (Rails < 7.1 has no SECRET_KEY_BASE_DUMMY)")
        notes.append(f"{_MASTER_KEY} is not set: credentials are not decrypted at build time")
    if any(p for _, _, p in pairs) and not notes:
        notes.append("build-only placeholders for secrets and unknown required values: the real ones exist only "
                     "at runtime")
    env = " ".join(f"{name}={shlex.quote(value)}" for name, value, _ in sorted(pairs))
    run = f"{env} {step.command}" if env else step.command
    note = "".join(f"\n# {n}" for n in notes)
    if "\n" in run:
        return f"# build step: {step.origin}{note}\nRUN {json.dumps(['/bin/sh', '-c', run])}"
    return f"# build step: {step.origin}{note}\nRUN {run}"


def _required(spec: AppSpec) -> set[str]:
    return {e.name for e in (*spec.secret_env, *spec.config_env) if e.required}


def _rails_version(facts: Subject | None) -> tuple[int, int] | None:
    value = _get(facts, "framework_version")
    m = re.match(r"^\s*(\d+)\.(\d+)", str(value)) if value else None
    return (int(m.group(1)), int(m.group(2))) if m else None


def _js_build(spec: AppSpec, steps: list[Step]) -> list[Step]:
    """Build steps whose Rails task runs a JavaScript bundler or runtime (jsbundling hooks
    ``javascript:build`` into ``assets:precompile``, webpacker ``webpacker:compile``; ExecJS runs uglifier
    on node)."""
    if _get(spec.runtime_subject, "assets_need_node"):
        return [s for s in steps if _PRECOMPILE.search(s.command)]
    return []


def _own_build_steps(spec: AppSpec, facts: Subject | None) -> list[Step]:
    """The build steps, without package.json scripts that ``assets:precompile`` runs itself (jsbundling's
    and cssbundling's ``build`` scripts, webpacker's compile): run twice they would build twice, the first
    time without the JavaScript dependencies the precompile installs."""
    steps = list(spec.build_steps)
    bundler = str(_get(facts, "asset_pipeline") or "")
    if not (_framework(facts) == "rails" and any(_PRECOMPILE.search(s.command) for s in steps)
            and re.search(r"jsbundling|cssbundling|webpacker|shakapacker|vite", bundler)):
        return steps
    return [s for s in steps if not (s.origin.startswith("package.json") and _JS_TOOLS.search(s.command))]


def _healthcheck(spec: AppSpec) -> str:
    if spec.health_path:
        path = str(spec.health_path.value)
        headers = f", {{'Host' => {_rb(spec.probe_host)}}}" if spec.probe_host else ""
        code = (f"require 'net/http'; r = Net::HTTP.start('127.0.0.1', {spec.port}, open_timeout: 4, "
                f"read_timeout: 4) {{ |h| h.get({_rb(path)}{headers}) }}; exit(r.code.to_i < 400 ? 0 : 1)")
        why = f"# health check {path}: {spec.health_path.origin} (Kubernetes uses its own probes)"
    else:
        code = f"require 'socket'; TCPSocket.new('127.0.0.1', {spec.port}).close"
        why = "# no health path found: a TCP check (Kubernetes uses its own probes)"
    return healthcheck(why, ["ruby", "-e", code])


def _rb(text: str) -> str:
    """A single-quoted Ruby string literal."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"
