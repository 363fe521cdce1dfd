"""PM2 ecosystem files (``ecosystem.config.js``, ``process.json`` ...): each app is a process, each
``deploy.<env>`` section says where it ran and what a deploy did (design §5.9). Read by :mod:`.pm2`,
statically; PM2 itself never runs in the container.

Per app: the command as the container runs it (``node server.js args``; the ``interpreter`` and its
arguments respected, ``interpreter: 'none'`` runs the script itself); the role (web when the env it runs
with sets ``PORT`` or its code listens, else worker); ``replicas`` from ``instances`` (``max``, ``-1`` and
``0`` mean one per host CPU: a warning and :data:`MAX_INSTANCES_REPLICAS` replicas at DEFAULT confidence);
``memory_limit`` from ``max_memory_restart`` (``300M`` -> ``300Mi``); ``stop_timeout`` from ``kill_timeout``;
the env the deploy starts it with (``--env production`` in a deploy hook, else ``env_production`` when an
app has it, else ``env``) as env findings, secrets by file and line only. ``cron_restart`` and ``watch``
are warnings (a restart schedule is a leak workaround, not a CronJob).

Per deploy environment: the hosts (a HEURISTIC replicas hint for the web process, as fabric and shell
give), the app directory (``<path>/current``), and each hook command walked by the shell walker, so every
step is classified by the registry's step rules (``knex migrate:latest`` a release step, ``npm ci`` a
host step). Only the production section (else the first) is read; other sections are a warning.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator

from analyzers import base
from analyzers.base import DEF, H, I, Item, Src
from analyzers.commands import join, meaning, parse_argv, words
from analyzers.deploy.image_command import chain
from analyzers.deploy.shellwalk import ShellWalker
from analyzers.lib import treesitter
from analyzers.providers.node import pm2
from analyzers.providers.node.appfiles import TsLayout, closure, process_key, resolve_module
from analyzers.providers.node.code import read_code
from analyzers.providers.node.pm2cli import pm2_command
from migrator.repo import RepoView

NAME = "pm2"

MAX_INSTANCES_REPLICAS = 2  # instances 'max': PM2 starts one per CPU of the host; a pod runs one process
_PRODUCTION = ("production", "prod", "live")
# PM2's interpreter by extension (lib/API/interpreter.json); anything else runs under node
_BY_EXTENSION = {".sh": "bash", ".py": "python", ".rb": "ruby", ".php": "php", ".pl": "perl",
                 ".coffee": "coffee", ".ls": "lsc"}


def analyze(repo: RepoView) -> Iterator[Item]:
    for rel in pm2.ecosystem_files(repo):
        eco = pm2.read_ecosystem(repo, rel)
        if eco is None:
            yield base.warning(Src(NAME, rel), "PM2 ecosystem file cannot be read; its apps are not known")
            continue
        for unknown in eco.unknown:
            yield base.warning(Src(NAME, unknown.file or rel, unknown.line),
                               f"PM2 ecosystem value not known without running the file: {unknown.reason}")
        deploy = _current(eco)
        env_name = _env_name(eco, deploy, rel)
        web = None
        for app in eco.apps:
            key = process_key(app)
            items = list(_app(repo, app, key, env_name))
            if web is None and any(getattr(i, "fields", {}).get("role") == "web" for i in items):
                web = key
            yield from items
        for d in eco.deploys:
            if d is deploy:
                yield from _deploy(rel, d, web)
            else:
                yield base.warning(Src(NAME, rel, d.line), f"deploy.{d.env_name}: another deploy environment than "
                                                           f"deploy.{deploy.env_name if deploy else '?'}; not migrated")


def _current(eco: pm2.Ecosystem) -> pm2.Pm2Deploy | None:
    return next((d for d in eco.deploys if d.env_name.lower() in _PRODUCTION), eco.deploys[0] if eco.deploys else None)


def _env_name(eco: pm2.Ecosystem, deploy: pm2.Pm2Deploy | None, rel: str) -> str | None:
    """The ``--env`` the deploy starts the apps with; else ``production`` when an app has ``env_production``."""
    for hook in deploy.hooks if deploy else ():
        for part in chain(hook.command):
            cmd = pm2_command(words(part, rel, hook.line, NAME))
            if cmd is not None and cmd.env_name:
                return cmd.env_name
    if any(name == "production" for app in eco.apps for name, _ in app.env):
        return "production"
    return None


def _script_path(app: pm2.Pm2App) -> tuple[str, str | None]:
    """(the script as the image runs it, the legacy working directory when ``cwd`` is a host path)."""
    base_dir = posixpath.dirname(app.file)
    script = app.script or ""
    cwd = app.cwd
    if cwd and cwd.startswith("/"):
        return posixpath.normpath(script) if not script.startswith("/") else script, cwd
    joined = posixpath.normpath(posixpath.join(base_dir, cwd or "", script)) if not script.startswith("/") else script
    return joined, None


def _argv(repo: RepoView, app: pm2.Pm2App, script: str) -> list[str]:
    """How PM2 runs the script: its interpreter (by option, else by the script's extension as PM2 maps
    it), or the script itself (``interpreter: 'none'``, or a program such as ``npm`` that is no repo file)."""
    interpreter = app.interpreter
    args = list(app.args)
    ext = posixpath.splitext(script)[1]
    if interpreter is None and ext in _BY_EXTENSION:
        interpreter = _BY_EXTENSION[ext]
    elif interpreter is None and not ext and "/" not in script and not repo.exists(script):
        return [script, *args]  # script: 'npm', args: 'start' runs npm from the PATH
    if interpreter == "none":
        return [script if "/" in script else f"./{script}", *args]
    program = "node" if interpreter is None or posixpath.basename(interpreter) in ("node", "nodejs") else \
        posixpath.basename(interpreter)
    return [program, *app.interpreter_args, script, *args]


def _listens(repo: RepoView, script: str) -> bool | None:
    """Whether the script (or what it requires) calls ``listen``: it serves, so it is the web process; None
    when the script is not in the repository (nor the TypeScript source of a build output)."""
    start = resolve_module(repo, script) or TsLayout(repo, ".").source_of(repo, script)
    if start is None:
        return None
    try:
        for rel in closure(repo, [start], {}):
            data = repo.read_bytes(rel)
            facts = read_code(rel, data) if data is not None else None
            if facts is not None and (facts.listens or any(c.callee == "NestFactory.create" for c in facts.constructs)):
                return True
    except treesitter.Unavailable:
        return None
    return False


def _app(repo: RepoView, app: pm2.Pm2App, key: str, env_name: str | None) -> Iterator[Item]:
    src = Src(NAME, app.file, app.line)
    if not app.script:
        yield base.warning(src, f"PM2 app {key} has no script; no process made")
        return
    script, workdir = _script_path(app)
    argv = _argv(repo, app, script)
    command = join(argv)
    cmd = parse_argv(command, argv, src(), cwd=workdir)
    info = meaning(cmd)
    yield base.stating(base.process(key, src, base.D, command=command, legacy_name=f"pm2 app {app.name or key}",
                                    working_dir=workdir, app_server=info.server), cmd, info)
    env = app.env_for(env_name)
    port = next((v for v in env if v.name == "PORT"), None)
    listens = _listens(repo, script) if port is None else True
    if listens is None:
        yield base.process(key, src, H, role="worker")  # neither a PORT nor code to read
    else:
        yield base.process(key, src, I, role="web" if listens else "worker")
    if port is not None and port.value and port.value.isdigit():
        yield base.process(key, src.at(port.line), base.D, port=int(port.value))
    yield from _scale(app, key, src)
    overlaid = {v.name for n, vals in app.env if n == env_name for v in vals} if env_name else set()
    for v in env:
        at = src.at(v.line)
        if v.hardcoded:
            yield base.hardcoded_secret(at, v.name, v.hardcoded)
        where = f"env_{env_name}" if v.name in overlaid else "env"
        yield base.env_var(v.name, at, base.D, default=v.value, secret=True if v.secret else None,
                           description=f"set by pm2 app {app.name or key} {where}")
    if app.cron_restart:
        yield base.warning(src, f"PM2 app {key} restarts on cron_restart {app.cron_restart!r}: a workaround (a leak, "
                                "a stale cache), not a job; not a CronJob. Fix the cause, or roll the Deployment "
                                "on a schedule")
    if app.watch:
        yield base.warning(src, f"PM2 app {key} has watch: restart-on-change is for development; the image is "
                                "immutable, so it is dropped")


def _scale(app: pm2.Pm2App, key: str, src: Src) -> Iterator[Item]:
    mode = "cluster" if app.cluster else "fork"
    if app.instances is not None:
        yield base.process(key, src, base.D, replicas=app.instances,
                           note=f"PM2 {mode} mode, instances: {app.instances_written}: one process per pod")
    elif app.instances_written is not None:
        yield base.process(key, src, DEF, replicas=MAX_INSTANCES_REPLICAS)
        yield base.warning(src, f"PM2 app {key} runs instances: {app.instances_written} (one per CPU of the host): "
                                f"{MAX_INSTANCES_REPLICAS} replicas by default; set the replicas (or an autoscaler) "
                                "from the load")
    if app.memory_mi is not None:
        yield base.process(key, src, base.D, memory_limit=f"{app.memory_mi}Mi")
    elif app.memory_written is not None:
        yield base.warning(src, f"PM2 app {key}: max_memory_restart {app.memory_written!r} is not a size; ignored")
    if app.stop_timeout_s is not None:
        yield base.process(key, src, base.D, stop_timeout=app.stop_timeout_s)


def _deploy(rel: str, d: pm2.Pm2Deploy, web: str | None) -> Iterator[Item]:
    src = Src(NAME, rel, d.line)
    if len(d.hosts) > 1 and web is not None:
        yield base.process(web, src, H, replicas=len(d.hosts),
                           replicas_hint_from=f"deploy.{d.env_name} lists {len(d.hosts)} hosts")
    if d.path and d.path.startswith("/"):
        yield base.runtime(src, I, legacy_app_dir=posixpath.join(d.path.rstrip("/"), "current"))
    for v in d.env:
        if v.hardcoded:
            yield base.hardcoded_secret(src.at(v.line), v.name, v.hardcoded)
        yield base.env_var(v.name, src.at(v.line), base.D, default=v.value, secret=True if v.secret else None,
                           description=f"set by pm2 deploy.{d.env_name}.env")
    walker = ShellWalker(Src(NAME, rel))
    for hook in d.hooks:
        walker.walk_text(hook.command, hook.line)
    yield from walker.finish()
