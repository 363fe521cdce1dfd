"""PHP's build plan: the official ``php:X.Y-apache`` image (Apache prefork + mod_php, one process per
container), the extensions the app needs compiled in, the legacy php.ini and web server settings mapped
(:mod:`generators.image.php_config`), Composer's frozen install before the code and the optimised
autoloader after it, a JavaScript asset build in the build stage only, non-root on port 8080.

Three stages when something is built: ``base`` (the php image with its extensions and configuration),
``build`` FROM base (Composer, git and unzip, node for the assets: none of them reach the final image)
and the final stage FROM base, which gets ``/app`` from the build. Composer runs in a stage that has the
app's extensions, so its platform check (``require: ext-gd``) holds. A committed ``vendor/`` is used as
it is: no Composer at all. Laravel's cache commands (``config:cache`` ...) run when the container starts
(:data:`generators.image.php_layout.ENTRYPOINT`): ``config:cache`` bakes the environment into a file,
and the build has none of the real one. Nothing here is Python's, Node's or Ruby's in the final stage.
"""

from __future__ import annotations

import json
import re
import shlex

from generators.image import php_config, php_extensions, php_layout, php_wpconfig
from generators.image.argv import INIT, uses_init
from generators.image.base_image import end_of_life
from generators.image.plan import BuildPlan, Stage, apt, user_lines
from generators.image.steps import build_env, healthcheck, js_install_lines, serve
from generators.spec import UID, AppSpec, Step
from generators.values import APP_DIR, origin
from migrator.model import Subject

COMPOSER_IMAGE = "composer:2"
COMPOSER_HOME = "/tmp/composer"  # noqa: S108 - build stage only, removed in the layer that fills it
# What a PHP image never needs from the build context: the dependencies (installed by the build), a
# developer's caches, logs, sessions and compiled views, test caches, and uploads (a volume holds them)
PHP_IGNORE = ("node_modules", "**/node_modules", "storage/logs/*", "storage/framework/cache/*",
              "storage/framework/sessions/*", "storage/framework/views/*", "bootstrap/cache/*.php", "var/cache",
              "var/log", "wp-content/uploads", "wp-content/cache", ".phpunit.result.cache", ".php-cs-fixer.cache",
              ".env", ".env.*.local")
_JS_TOOLS = re.compile(r"(^|[\s/])(yarn|npm|npx|node|vite|webpack|mix|gulp|grunt|esbuild|pnpm|bun)(\s|$)")
_OPCACHE = ("opcache", "production: opcache keeps the compiled code in memory")


def ignore_lines(facts: Subject | None) -> tuple[str, ...]:
    """:data:`PHP_IGNORE`, plus ``vendor/`` unless it is committed (then it is the app's dependencies)."""
    return PHP_IGNORE if _get(facts, "vendor_committed") else ("vendor", *PHP_IGNORE)


def plan(spec: AppSpec) -> BuildPlan:
    facts = spec.runtime_subject
    header = [f"base image {spec.base.image}: {spec.base.reason}"]
    if end_of_life(spec.base):
        header.append(f"end of life: PHP {spec.base.version} gets no security fixes (see MIGRATION.md, open "
                      "questions)")
    composer = _composer(spec, facts)
    if composer and not _get(facts, "lockfile"):
        header.append("no composer.lock: the package versions are resolved at build time, the install is not "
                      "reproducible (commit composer.lock)")
    steps = _build_steps(spec, facts)
    js = [s for s in steps if _JS_TOOLS.search(s.command)]
    base = _base_blocks(spec, facts)
    port = spec.port or php_config.PORT
    env = (f"APACHE_DOCUMENT_ROOT={php_config.document_root(facts)[0]}", *_framework_env(facts))
    final = [user_lines(spec), f"WORKDIR {APP_DIR}"]
    stages: list[Stage] = []
    final_env: tuple[str, ...] = ()
    if composer or steps:
        stages.append(Stage("base stage: PHP with the app's extensions and settings (build and runtime share it)",
                            spec.base.image, tuple(base), name="base", env=env))
        stages.append(Stage("build stage: " + ", ".join(filter(None, (
            "Composer" if composer else "", "the build steps" if steps else ""))) + "; only /app reaches the final "
            "image", "base", tuple(_build_blocks(spec, facts, composer, steps, js)), name="build",
            env=(f"COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_HOME={COMPOSER_HOME}",) if composer else ()))
        final.append(f"# the app with its dependencies and what the build made\nCOPY --from=build {APP_DIR} {APP_DIR}")
        image = "base"
    else:
        if _get(facts, "vendor_committed"):
            final.append(f"# vendor/ is committed ({origin(facts, 'vendor_committed')}): the app's dependencies as "
                         "committed, no Composer in the image")
        final += ["COPY . .", *_dotenv(facts)]
        final = base + final
        image, final_env = spec.base.image, env
    final += _wp_config(spec)
    final += _writable(facts)
    final.append(f"USER {UID}:{UID}")
    final += serve(spec, _healthcheck(spec, port) if spec.port else None)
    stages.append(Stage("runtime stage", image, tuple(final), env=final_env))
    return BuildPlan(tuple(header), tuple(stages), buildkit=spec.buildkit)


def _get(facts: Subject | None, name: str) -> object:
    return facts.get(name) if facts is not None else None


def _composer(spec: AppSpec, facts: Subject | None) -> bool:
    """Composer installs the dependencies: the app has a composer.json and no committed vendor/."""
    has_json = "composer.json" in spec.files_read or _get(facts, "package_manager") == "composer"
    return has_json and not _get(facts, "vendor_committed")


def _base_blocks(spec: AppSpec, facts: Subject | None) -> list[str]:
    blocks = []
    packages = list(spec.runtime_packages)
    commands = [*(p.argv for p in spec.processes), *(s.argv for s in spec.schedules),
                *(s.argv for s in spec.release_steps)]
    # tini first, or after the start script (which execs it)
    if any(uses_init(a) or a[1:1 + len(INIT)] == INIT for a in commands) and not any(p == "tini" for p, _ in packages):
        packages.append(("tini", "php ignores SIGTERM as PID 1 (no signal handler of its own): tini forwards it"))
    if packages:
        blocks.append(apt([p for p, _ in packages], [f"{p}: {o}" for p, o in packages if o]))
    extensions = php_extensions.needed((*spec.php_extensions, _OPCACHE), spec.base.version)
    install = php_extensions.install_block(extensions, spec.base.version)
    if install is not None and "|" in install:
        blocks.append('# a failing stage of a pipe fails the RUN\nSHELL ["/bin/bash", "-o", "pipefail", "-c"]')
    if install is not None:
        blocks.append(install)
    body = spec.ingress.max_body_size if spec.ingress else None
    upload = php_config.upload_size(facts, (str(body.value), body.origin) if body else None)
    blocks.append(php_config.ini_block(facts, upload))
    blocks.append(php_config.apache_block(facts, upload, spec.port or php_config.PORT))
    start = _start_script(facts)
    if start:
        blocks.append(start)
    return blocks


def _build_blocks(spec: AppSpec, facts: Subject | None, composer: bool, steps: list[Step],
                  js: list[Step]) -> list[str]:
    packages = list(spec.build_packages)
    if composer:
        whys = {"git": "Composer clones the packages it has no dist archive of", "unzip": "Composer unpacks the dist "
                "archives"}
        packages += [(p, why) for p, why in whys.items() if not any(q == p for q, _ in packages)]
    if js:
        why = "the JavaScript build (" + ", ".join(s.origin for s in js) + ")"
        packages += [(p, why) for p in ("nodejs", "npm") if not any(q == p for q, _ in packages)]
    blocks = [apt([p for p, _ in packages], [f"{p}: {o}" for p, o in packages if o])] if packages else []
    blocks.append(f"WORKDIR {APP_DIR}")
    if composer:
        blocks += [f"COPY --from={COMPOSER_IMAGE} /usr/bin/composer /usr/bin/composer", *_install(spec, facts)]
    js_install = js_install_lines(spec) if js else []
    blocks += [*js_install, "COPY . .", *_dotenv(facts)]
    if composer:
        blocks.append(_autoload(spec, facts))
    last_js = js[-1] if js else None
    for step in steps:
        block = _build_step(spec, step)
        if step is last_js:
            comment, _, run = block.rpartition("\n")
            if run.startswith("RUN ") and not run.startswith("RUN ["):
                block = (f"{comment}\n# then the JavaScript dependencies go: the final image gets the built "
                         f"assets only\n{run} \\\n && rm -rf node_modules")
        blocks.append(block)
    return blocks


def _install(spec: AppSpec, facts: Subject | None) -> list[str]:
    """composer.json and its lock before the code: the install layer survives code changes."""
    lockfile = str(_get(facts, "lockfile") or "")
    files = ["composer.json"] + (["composer.lock"] if lockfile == "composer.lock" else [])
    where = origin(facts, "lockfile") if lockfile else origin(facts, "package_manager")
    said = f"from {lockfile} ({where})" if lockfile else "no lockfile: not reproducible"
    return [f"COPY {' '.join(files)} ./",
            f"# Composer: the production dependencies {said}; no scripts and no autoloader yet: they need the "
            "code\nRUN composer install --no-dev --no-interaction --prefer-dist --no-progress --no-scripts "
            f'--no-autoloader \\\n && rm -rf "{COMPOSER_HOME}"']


def _autoload(spec: AppSpec, facts: Subject | None) -> str:
    """The optimised class map, once the code is there; the app's Composer scripts run with it."""
    scripts = [str(s) for s in _items(_get(facts, "composer_scripts"))]
    need_code = bool(_get(facts, "scripts_need_code"))
    notes = ["# the class map of the code (--classmap-authoritative: no filesystem lookup for a class that is not "
             "in it)"]
    run = "composer dump-autoload --optimize --no-dev --classmap-authoritative"
    if need_code and any(s in ("pre-autoload-dump", "post-autoload-dump") for s in scripts):
        notes.append(f"# dump-autoload runs the app's autoload-dump scripts ({origin(facts, 'composer_scripts')}): "
                     "they need the code, so they run here")
    elif not need_code:
        run += " --no-scripts"
    extra = [f"composer run-script {s}" for s in scripts if s in ("post-install-cmd",) and need_code]
    if need_code:
        env = _required_env(spec)
        run = f"{env} {run}" if env else run
        extra = [f"{env} {e}" if env else e for e in extra]
        if env:
            notes.append("# build-only placeholders for the settings the scripts read: the real ones exist only at "
                         "runtime")
    return "\n".join(notes) + "\nRUN " + " \\\n && ".join([run, *extra, f'rm -rf "{COMPOSER_HOME}"'])


def _required_env(spec: AppSpec) -> str:
    """``NAME=value`` pairs for a build command: PHP code falls back on its own defaults (``env('X', 'd')``,
    ``getenv()`` false), so only the settings the app requires get one, an obviously fake one for a secret."""
    required = {e.name for e in (*spec.secret_env, *spec.config_env) if e.required}
    return " ".join(f"{n}={shlex.quote(v)}" for n, v, _ in build_env(spec) if "\n" not in v and n in required)


def _build_step(spec: AppSpec, step: Step) -> str:
    """``RUN`` a build step (``storage:link``, the asset build) with the required settings only."""
    env = _required_env(spec)
    run = f"{env} {step.command}" if env else step.command
    note = "\n# build-only placeholders for the settings the app requires: the real ones exist only at runtime" \
        if env else ""
    if "\n" in run:  # a line break would end the instruction: the exec form
        return f"# build step: {step.origin}{note}\nRUN {json.dumps(['/bin/sh', '-c', run])}"
    return f"# build step: {step.origin}{note}\nRUN {run}"


def _items(value: object) -> list[object]:
    return list(value) if isinstance(value, (list, tuple)) else [value] if isinstance(value, str) and value else []


def _build_steps(spec: AppSpec, facts: Subject | None) -> list[Step]:
    """The build steps, with the legacy deploy's asset build when no step runs it already."""
    steps = [s for s in spec.build_steps if not s.command.startswith("composer ")]
    assets = str(_get(facts, "assets_build") or "").strip()
    if assets and not any(_JS_TOOLS.search(s.command) for s in steps) and re.fullmatch(r"[-\w :./=]+", assets):
        steps.append(Step(assets, tuple(assets.split()), origin(facts, "assets_build") or ""))
    return steps


def _framework_env(facts: Subject | None) -> tuple[str, ...]:
    """Symfony's production mode: without APP_ENV its Dotenv boots the ``dev`` environment (the ConfigMap
    may set it again; the image is production whatever it says)."""
    return ("APP_ENV=prod", "APP_DEBUG=0") if php_layout.framework(facts) == "symfony" else ()


def _dotenv(facts: Subject | None) -> list[str]:
    """Symfony's kernel refuses to boot without a .env file, and the repo's is never in the image (dotenv files
    hold secrets: .dockerignore): an empty one, the pod's environment gives the values."""
    if php_layout.framework(facts) != "symfony":
        return []
    return ["# an empty .env: Symfony's Dotenv requires the file, the values come from the pod's environment (the "
            "repo's .env stays out of the image)\nRUN touch .env"]


def _start_script(facts: Subject | None) -> str | None:
    """The start script that runs the framework's cache commands, then the container's command."""
    commands = php_layout.cache_commands(facts)
    if not commands:
        return None
    tool = php_layout.console(facts)
    script = ["#!/bin/sh", "set -eu", *(f"php {tool} {c}" for c in commands), 'exec "$@"']
    write = ("printf '%s\\n' \\\n      " + " \\\n      ".join(shlex.quote(x) for x in script)
             + f" > {php_layout.ENTRYPOINT}")
    return (f"# {', '.join(commands)} ({origin(facts, 'cache_commands')}) run when the container starts, not at "
            "build:\n# config:cache bakes the environment into bootstrap/cache/config.php, and the build has none "
            "of the real one.\n# The web and worker commands start through this script (see the manifests)\n"
            "# hadolint ignore=SC2016\n"
            f"RUN {write} \\\n && chmod 0755 {php_layout.ENTRYPOINT}")


def replaced_wp_config(spec: AppSpec) -> str | None:
    """The repo path of the wp-config.php the image writes itself (it is left out: it hard-codes secrets)."""
    return next((f.path for f in spec.secret_files if f.replaced == php_wpconfig.REPLACED), None)


def _wp_config(spec: AppSpec) -> list[str]:
    rel = replaced_wp_config(spec)
    return [php_wpconfig.block(spec.runtime_subject, rel)] if rel else []


def _writable(facts: Subject | None) -> list[str]:
    """The directories the app and Apache write, owned by the app user (the pod mounts emptyDirs there)."""
    dirs = [path for path, _, _ in php_layout.writable_dirs(facts)]
    return ["# written at run time (emptyDirs in the pod: its root filesystem is read-only)\n"
            f"RUN mkdir -p {' '.join(dirs)} \\\n && chown -R {UID}:{UID} {' '.join(dirs)}"]


def _healthcheck(spec: AppSpec, port: int) -> str:
    if spec.health_path:
        path = str(spec.health_path.value)
        header = f', "header" => {_php(f"Host: {spec.probe_host}")}' if spec.probe_host else ""
        code = (f'$c = stream_context_create(["http" => ["timeout" => 4{header}]]); '
                f'exit(@file_get_contents({_php(f"http://127.0.0.1:{port}{path}")}, false, $c) === false ? 1 : 0);')
        why = f"# health check {path} through Apache: {spec.health_path.origin} (Kubernetes uses its own probes)"
    else:
        code = f'exit(@fsockopen("127.0.0.1", {port}) ? 0 : 1);'
        why = "# no health path found: a TCP check (Kubernetes uses its own probes)"
    return healthcheck(why, ["php", "-r", code])


def _php(text: str) -> str:
    """A double-quoted PHP string literal with nothing interpolated."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'
