"""Read the app's own Python code through ``ast``: frameworks, entrypoints, env vars, secrets, health routes.

Each ``.py`` file (not tests, migrations, docs, ``setup.py`` or fabfiles, which other analyzers read)
is read once; only files containing one of a few trigger substrings are parsed, and of a parsed file
only the top-level statements spanning a "hot" line (one with a marker such as ``environ`` or a name
bound there) are walked, because a large repo must cost little more than walking it. A parsed file with
a syntax error becomes one warning; a file never parsed cannot produce one. Python 2 files are read
too (:func:`analyzers.providers.python.pyast.parse_source`), and their syntax weighs the app's Python version
(:mod:`analyzers.providers.python.py2evidence`). Topic readers
live in :mod:`analyzers.providers.python.python_env`, :mod:`analyzers.providers.python.python_web` and
:mod:`analyzers.providers.python.python_routes`.

When a web framework's app object is found, this analyzer also proposes a web process (and a Celery
worker/beat) as a fallback at HEURISTIC confidence, or DEFAULT when the app server is not in the
dependencies either: any process another analyzer declares wins over it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import replace

from analyzers import base
from analyzers.base import DEF, H, I, Item
from analyzers.commands import meaning, parse_argv
from analyzers.providers.python.py2evidence import PY2_HINT, SyntaxVersions
from analyzers.providers.python.pyast import PyModule, bound_names, hot_lines, module_name, parse_source
from analyzers.providers.python.python_env import code_secrets, env_reads
from analyzers.providers.python.python_imports import importers
from analyzers.providers.python.python_routes import Urlconfs, health_routes, resolve_django, resolve_objects
from analyzers.providers.python.python_web import Collected, WebApp, django_settings, frameworks, looks_like_settings
from analyzers.providers.python.servers import DEFAULT_PORTS
from migrator.model import Confidence, SecretFinding
from migrator.repo import RepoView

NAME = "python_code"

# Substrings one of which a file must contain to be worth parsing (checked before ast.parse).
TRIGGERS = (
    "environ", "getenv", "decouple", "BaseSettings", "SECRET", "PASSW", "TOKEN", "API_KEY", "ACCESS_KEY",
    "Flask(", "FastAPI(", "Starlette(", "Application(", "Quart(", "Sanic(", "App(", "API(", "Bottle(", "Configurator(",
    "Router(", "Blueprint(", "route(", "Route(", "add_url_rule", "add_get", ".get(\"/", ".get('/", "include_router",
    "register_blueprint",
    "urlpatterns", "DATABASES", "CACHES", "STATIC_ROOT", "MEDIA_ROOT", "ALLOWED_HOSTS", "_application",
    "Celery(", "beat_schedule", "BROKER_URL", "dramatiq", "rq import", "import rq", "RQ_QUEUES",
    "create_app", "make_app", "-----BEGIN", "k_live_", "k_test_", "AKIA", "ASIA", "xox", "ghp_", "gho_", "ghu_",
    "ghs_", "ghr_",
)
# Lines worth walking in a parsed file: the triggers plus what only shows at the read site.
HOT_MARKERS = (*TRIGGERS, "env(", "env.", "config(", "://", "Settings)", "PASS", "KEY", "CREDENTIAL", "SALT", "DSN",
               "AUTH", "PWD", "pass", "secret", "token", "_key", "credential", "salt", "dsn", "auth", "pwd", "Config(",
               ".run(", "run_app(", "serve(")
# A URL naming a backing service just before "://", or carrying a password just after it.
_SERVICE_SCHEME = re.compile(r"(postgres|postgresql|postgis|mysql|mariadb|redis|rediss|amqp|amqps|mongodb|memcache)"
                             r"(\+[a-z0-9]+)?$", re.IGNORECASE)
_URL_CREDENTIAL = re.compile(r"[^\s:/@'\"]*:[^\s@/'\"]+@")
_SKIP_DIRS = {"tests", "test", "testing", "migrations", "docs", "doc", "examples", "example", "fabfile", "versions"}
_SKIP_FILES = {"setup.py", "fabfile.py", "conftest.py", "noxfile.py", "tests.py"}
_SERVER_DEP = re.compile(r"\b(gunicorn|uvicorn|hypercorn|daphne|waitress|uwsgi)\b", re.IGNORECASE)
# Which servers can serve which kind of app.
_SERVES = {"wsgi": ("gunicorn", "uwsgi", "waitress"), "asgi": ("uvicorn", "hypercorn", "daphne"),
           "aiohttp": ("gunicorn",)}
_DEP_FILES = {"Pipfile", "pyproject.toml", "setup.cfg", "environment.yml"}  # and requirements*.txt / *.in


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings from every analyzable ``.py`` file, then cross-file results and process fallbacks."""
    files = frozenset(repo.files())
    found = Collected()
    confs = Urlconfs()
    seen_secrets: set[tuple[str, int | None, str]] = set()
    secrets: list[SecretFinding] = []
    versions = SyntaxVersions(NAME)
    for rel in _python_files(repo):
        text = repo.read_text(rel)
        if not text:
            continue
        # a file with nothing else to read is still parsed when it looks like Python 2 (while that can
        # still matter): then the app's Python version is at stake
        if not _worth_parsing(text) and not (versions.wants_more_py2 and PY2_HINT.search(text)):
            versions.add(rel, text, ())
            continue
        parsed = parse_source(text, rel)
        tree = parsed.tree
        if tree is None:
            yield base.warning(base.Src(NAME, rel, parsed.line), parsed.error or "Python file cannot be parsed")
            continue
        versions.add(rel, text, parsed.py2)
        mod_name, root = module_name(rel, files)
        hot = hot_lines(text, HOT_MARKERS)
        aliases = bound_names(tree, hot)
        if aliases:
            hot |= hot_lines(text, [f"{name}{c}" for name in aliases for c in "(.["])
        mod = PyModule(rel, mod_name, root, tree, NAME, hot)
        try:
            items = list(_module_items(mod, found, confs))
        except RecursionError:
            # absurdly deep expressions: say so for this file and go on with the others
            yield base.warning(base.Src(NAME, rel), "Python file nests too deeply to analyze; skipped")
            continue
        for item in items:
            if isinstance(item, SecretFinding):
                # the same literal can be seen as a default, a keyword and a URL: report it once
                ident = (item.file, item.line, item.kind)
                if ident in seen_secrets:
                    continue
                seen_secrets.add(ident)
                secrets.append(item)
                continue
            yield item
    # a module holding a secret stays out of the image unless another module needs it
    needed = importers(repo, {s.file for s in secrets}, _python_files(repo)) if secrets else {}
    yield from (replace(s, needed_by=needed.get(s.file, "")) for s in secrets)
    yield from versions.findings()
    yield from resolve_django(confs)
    yield from resolve_objects(confs)
    yield from _entrypoints(found)
    yield from _fallback_processes(repo, found)


def _python_files(repo: RepoView) -> Iterator[str]:
    for rel in repo.files():
        if not rel.endswith(".py"):
            continue
        slash = rel.rfind("/")
        name = rel[slash + 1 :]
        if name in _SKIP_FILES or name.startswith("test_") or name.endswith("_test.py"):
            continue
        if slash != -1 and not _SKIP_DIRS.isdisjoint(rel[:slash].split("/")):
            continue
        yield rel


def _worth_parsing(text: str) -> bool:
    """Cheap substring checks first: most files of a big repo are never parsed."""
    return any(t in text for t in TRIGGERS) or _interesting_url(text)


def _interesting_url(text: str) -> bool:
    at = text.find("://")
    while at != -1:
        if _SERVICE_SCHEME.search(text, max(0, at - 20), at) or _URL_CREDENTIAL.match(text, at + 3, at + 300):
            return True
        at = text.find("://", at + 3)
    return False


def _module_items(mod: PyModule, found: Collected, confs: Urlconfs) -> Iterator[Item]:
    yield from env_reads(mod)
    yield from code_secrets(mod)
    yield from frameworks(mod, found)
    if looks_like_settings(mod):
        yield from django_settings(mod, found)
    yield from health_routes(mod, confs)


def _ranked_apps(found: Collected) -> list[WebApp]:
    """Web apps with a known framework, likeliest production entrypoint first."""
    known = [a for a in found.web_apps if a.framework]
    default_fw = known[0].framework if known else None
    apps = []
    for app in found.web_apps:
        if app.framework is None:
            # app = create_app(): the framework is that of the factory (or of the one app found)
            framework = found.factories.get(app.callee) or default_fw
            if framework is None:
                continue
            interface = next((a.interface for a in known if a.framework == framework), "wsgi")
            app = WebApp(framework, app.ref, interface, app.app_dir, app.rank, app.src)
        apps.append(app)
    return sorted(apps, key=lambda a: (-a.rank, a.src.file.count("/"), a.src.file, a.src.line or 0))


def _entrypoints(found: Collected) -> Iterator[Item]:
    """The best app object as the entrypoint (INFERRED); the other candidates stay visible as HEURISTIC."""
    for index, app in enumerate(_ranked_apps(found)):
        conf = I if index == 0 else H
        yield base.runtime(app.src, conf, entrypoint=app.ref, app_dir=app.app_dir or None)


def _fallback_processes(repo: RepoView, found: Collected) -> Iterator[Item]:
    servers = _declared_servers(repo)
    apps = _ranked_apps(found)
    if apps:
        app = apps[0]
        hint = found.run_hints[0] if found.run_hints else None
        if hint and hint.server in _SERVES.get(app.interface, ()):
            servers = servers | {hint.server}  # the code imports and runs it, so it is installed
        server = _pick_server(app.interface, servers)
        port = hint.port if hint and hint.port else None
        argv = _web_argv(server, app, port)
        command = shlex.join(argv)
        cmd = parse_argv(command, argv, app.src())
        info = meaning(cmd)
        conf: Confidence = H if server in servers else DEF
        yield base.stating(base.process(info.name or "web", app.src, conf, role="web", command=command,
                                        port=info.port, app_server=server), cmd, info)
    yield from _worker_processes(found)


def _declared_servers(repo: RepoView) -> set[str]:
    """App servers named in the dependency files (a cheap text scan; the packaging analyzers own them)."""
    out: set[str] = set()
    for rel in repo.files():
        name = rel.rsplit("/", 1)[-1]
        if not (name in _DEP_FILES or name.startswith("requirements") and name.endswith((".txt", ".in"))):
            continue
        text = repo.read_text(rel) or ""
        out.update(m.lower() for m in _SERVER_DEP.findall(text))
    return out


def _pick_server(interface: str, servers: set[str]) -> str:
    order: Iterable[str] = _SERVES.get(interface, _SERVES["wsgi"])
    fallback = "uvicorn" if interface == "asgi" else "gunicorn"
    return next((s for s in order if s in servers), fallback)


def _web_argv(server: str, app: WebApp, port: int | None = None) -> list[str]:
    """The server command for ``app``, listening on all interfaces (a container must)."""
    ref, bare = app.ref, app.ref.removesuffix("()")
    chdir = app.app_dir
    p = str(port or DEFAULT_PORTS.get(server) or 8000)
    if server == "uvicorn":
        argv = ["uvicorn", bare, "--host", "0.0.0.0", "--port", p]  # noqa: S104
        if app.factory:
            argv.append("--factory")
        return argv + (["--app-dir", chdir] if chdir else [])
    if server == "hypercorn":
        return ["hypercorn", ref, "--bind", f"0.0.0.0:{p}"]
    if server == "daphne":
        return ["daphne", "-b", "0.0.0.0", "-p", p, ref]  # noqa: S104
    if server == "uwsgi":
        return ["uwsgi", "--http", f"0.0.0.0:{p}", "--master", "--module", ref] + (["--chdir", chdir] if chdir else [])
    if server == "waitress":
        return ["waitress-serve", f"--listen=0.0.0.0:{p}"] + (["--call", bare] if app.factory else [ref])
    argv = ["gunicorn", ref, "--bind", f"0.0.0.0:{p}"]
    if app.interface == "aiohttp":
        argv = ["gunicorn", bare, "--bind", f"0.0.0.0:{p}", "--worker-class", "aiohttp.GunicornWebWorker"]
    return argv + (["--chdir", chdir] if chdir else [])


def _worker_processes(found: Collected) -> Iterator[Item]:
    """A worker for the first task queue found; a Celery beat when a periodic schedule is declared."""
    if not found.workers:
        return
    worker = found.workers[0]
    workdir = ["--workdir", worker.app_dir] if worker.app_dir else []
    if worker.queue == "celery":
        argv = ["celery", "-A", worker.target, "worker", "--loglevel=info", *workdir]
    elif worker.queue == "dramatiq":
        modules = sorted({w.target for w in found.workers if w.queue == "dramatiq"})
        argv = ["dramatiq", *modules]
    elif worker.queue == "django-rq":
        argv = ["python", "manage.py", "rqworker", "default"]
    else:
        argv = ["rq", "worker"]
    command = shlex.join(argv)
    cmd = parse_argv(command, argv, worker.src())
    info = meaning(cmd)
    yield base.stating(base.process(info.name or "worker", worker.src, H, role="worker", command=command,
                                    app_server=info.server), cmd, info)
    if worker.queue == "celery" and found.beat:
        beat = shlex.join(["celery", "-A", worker.target, "beat", "--loglevel=info", *workdir])
        yield base.process("beat", found.beat[0], H, role="scheduler", command=beat, app_server="celery",
                           replicas=1)
