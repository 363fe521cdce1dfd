"""Web frameworks, app objects, task queues and Django settings, read from Python code through ``ast``.

Findings are emitted per file; what the fallback process proposal needs across files (the app objects
and worker apps found) is collected into a :class:`Collected` that :mod:`analyzers.providers.python.python_code` reads
at the end.

Runtime fields claimed: ``framework``, ``settings_module``, ``entrypoint`` (``module:attr`` or
``module:factory()``) with ``app_dir`` (the directory it is imported from, when not the repo root),
``task_queue``, ``task_queue_app`` and ``static_root``. Volumes carry ``purpose`` (``media`` or
``sqlite``) and ``relative_to="repo"`` when their path is relative to the repository root.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from analyzers import base
from analyzers.base import D, H, I, Item, Src
from analyzers.providers.python.pyast import ENV_GETTERS, PathEval, PyModule, arg, const_str, kwarg, literal, str_list

# Constructors of app objects: qualified name -> (framework, interface)
_APP_CLASSES = {
    "flask.Flask": ("flask", "wsgi"),
    "fastapi.FastAPI": ("fastapi", "asgi"),
    "starlette.applications.Starlette": ("starlette", "asgi"),
    "aiohttp.web.Application": ("aiohttp", "aiohttp"),
    "quart.Quart": ("quart", "asgi"),
    "sanic.Sanic": ("sanic", "asgi"),
    "falcon.App": ("falcon", "wsgi"),
    "falcon.API": ("falcon", "wsgi"),
    "falcon.asgi.App": ("falcon", "asgi"),
    "bottle.Bottle": ("bottle", "wsgi"),
    "pyramid.config.Configurator": ("pyramid", "wsgi"),
}
_FACTORY_NAMES = {"create_app", "make_app", "app_factory", "build_app", "get_app", "init_app", "create_application"}
_ENTRY_MODULES = {"wsgi", "asgi", "main", "app", "application", "server", "run", "serve"}
_URL_SERVICES = {
    "postgres": "postgres", "postgresql": "postgres", "postgis": "postgres", "pgsql": "postgres",
    "mysql": "mysql", "mysql2": "mysql", "mariadb": "mysql", "redis": "redis", "rediss": "redis",
    "amqp": "rabbitmq", "amqps": "rabbitmq", "pyamqp": "rabbitmq", "memcache": "memcached",
    "pymemcache": "memcached", "mongodb": "mongodb", "mongodb+srv": "mongodb", "elasticsearch": "elasticsearch",
}
_URL = re.compile(r"^(?P<scheme>[a-z][a-z0-9+]*)(?:\+[a-z0-9]+)?://\S*$")
_DB_ENGINES = (
    ("postgis", "postgres"), ("postgresql", "postgres"), ("mysql", "mysql"), ("oracle", "oracle"),
    ("sqlite3", "sqlite"), ("mssql", "mssql"), ("sql_server", "mssql"), ("cockroach", "postgres"),
)
_CACHE_BACKENDS = (("redis", "redis"), ("memcache", "memcached"), ("pylibmc", "memcached"))
_NOT_HOSTS = re.compile(r"^(\*|\.?localhost|127\.\d+\.\d+\.\d+|0\.0\.0\.0|\[?::1\]?|testserver|\d+\.\d+\.\d+\.\d+)$")
_HOSTNAME = re.compile(r"^\.?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$", re.IGNORECASE)
_BEAT_SETTINGS = {"CELERY_BEAT_SCHEDULE", "CELERYBEAT_SCHEDULE", "beat_schedule"}


@dataclass(frozen=True)
class WebApp:
    """An app object a server can load: ``ref`` is ``module:attr`` or ``module:factory()``."""

    framework: str | None
    ref: str
    interface: str
    app_dir: str
    rank: int  # higher is the likelier production entrypoint
    src: Src
    factory: bool = False  # ref names a factory the server must call
    callee: str = ""  # for ``app = create_app()``: the factory called, whose framework this app has


@dataclass(frozen=True)
class WorkerApp:
    queue: str  # celery | rq | dramatiq | django-rq
    target: str  # what the worker command is given (celery -A target, dramatiq target ...)
    app_dir: str
    src: Src


@dataclass(frozen=True)
class RunHint:
    """The app started from code (``uvicorn.run(app, port=8080)``, ``app.run(port=5000)``)."""

    server: str | None  # an app server named by the call, or None for a framework's dev server
    port: int | None
    src: Src


@dataclass
class Collected:
    """What the fallback process proposal needs across files."""

    web_apps: list[WebApp] = field(default_factory=list)
    run_hints: list[RunHint] = field(default_factory=list)
    workers: list[WorkerApp] = field(default_factory=list)
    beat: list[Src] = field(default_factory=list)
    factories: dict[str, str] = field(default_factory=dict)  # factory function name -> framework
    root_urlconf: list[str] = field(default_factory=list)


def frameworks(mod: PyModule, found: Collected) -> Iterator[Item]:
    """Framework, app-object, task-queue and Django-entrypoint findings for one module."""
    yield from _django_entry(mod, found)
    yield from _app_objects(mod, found)
    yield from _task_queues(mod, found)
    yield from _url_services(mod)
    _run_hints(mod, found)


def _django_entry(mod: PyModule, found: Collected) -> Iterator[Item]:
    base_name = mod.rel.rsplit("/", 1)[-1]
    for call in mod.nodes(ast.Call):
        origin = mod.qualname(call.func)
        setdefault = origin in ("os.environ.setdefault", "environ.setdefault")
        if setdefault and mod.string(arg(call, 0)) == "DJANGO_SETTINGS_MODULE":
            settings = mod.string(arg(call, 1))
            # the settings a server loads (wsgi/asgi) outrank those of manage.py or a celery module
            conf = D if base_name in ("wsgi.py", "asgi.py") else I
            yield base.runtime(mod.src(call), D, framework="django")
            if settings:
                yield base.runtime(mod.src(call), conf, settings_module=settings)
    for name, value, stmt in mod.assignments():
        if not isinstance(value, ast.Call):
            continue
        origin = mod.qualname(value.func) or ""
        if origin.endswith("get_wsgi_application") or origin.endswith("get_asgi_application") or (
            origin.endswith("ProtocolTypeRouter")
        ):
            asgi = not origin.endswith("get_wsgi_application")
            # startproject writes both wsgi.py and asgi.py; ASGI is the entrypoint only with Channels
            rank = 3 if not asgi or origin.endswith("ProtocolTypeRouter") else 1
            found.web_apps.append(WebApp("django", mod.ref(name), "asgi" if asgi else "wsgi", mod.import_root, rank,
                                         mod.src(stmt)))
            yield base.runtime(mod.src(stmt), D, framework="django")


def _app_objects(mod: PyModule, found: Collected) -> Iterator[Item]:
    entry_bonus = 1 if mod.module.rsplit(".", 1)[-1] in _ENTRY_MODULES else 0
    for name, value, stmt in mod.assignments():
        if not isinstance(value, ast.Call):
            continue
        origin = mod.qualname(value.func) or ""
        if origin in _APP_CLASSES:
            framework, interface = _APP_CLASSES[origin]
            found.web_apps.append(WebApp(framework, mod.ref(name), interface, mod.import_root, 2 + entry_bonus,
                                         mod.src(stmt)))
            yield base.runtime(mod.src(stmt), D, framework=framework)
        elif origin.rsplit(".", 1)[-1] in _FACTORY_NAMES:
            # app = create_app(): the module a server is pointed at in production
            found.web_apps.append(WebApp(None, mod.ref(name), "", mod.import_root, 3 + entry_bonus, mod.src(stmt),
                                         callee=origin.rsplit(".", 1)[-1]))
    for fn in mod.tree.body:
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for call in _calls_within(mod, fn):
            origin = mod.qualname(call.func) or ""
            if origin in _APP_CLASSES:
                framework, interface = _APP_CLASSES[origin]
                yield base.runtime(mod.src(call), D, framework=framework)
                if _returns_value(mod, fn):  # def main(): app = Flask(...); app.run() is no factory
                    ref = mod.ref(fn.name if interface == "aiohttp" else f"{fn.name}()")
                    found.factories[fn.name] = framework
                    found.web_apps.append(WebApp(framework, ref, interface, mod.import_root, 1 + entry_bonus,
                                                 mod.src(fn), factory=True))
                break


def _returns_value(mod: PyModule, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    end = fn.end_lineno or fn.lineno
    return any(r.value is not None and fn.lineno <= r.lineno <= end for r in mod.nodes(ast.Return))


def _calls_within(mod: PyModule, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.Call]:
    end = fn.end_lineno or fn.lineno
    for call in mod.nodes(ast.Call):
        if fn.lineno <= call.lineno <= end:
            yield call


def _task_queues(mod: PyModule, found: Collected) -> Iterator[Item]:
    for name, value, stmt in mod.assignments():
        if isinstance(value, ast.Call) and mod.qualname(value.func) == "celery.Celery":
            attr = "" if name in ("app", "celery") else f":{name}"
            target = (mod.module.removesuffix(".celery") if mod.module.endswith(".celery") and not attr
                      else mod.module) + attr
            found.workers.append(WorkerApp("celery", target, mod.import_root, mod.src(stmt)))
            yield base.runtime(mod.src(stmt), D, task_queue="celery")
            yield base.runtime(mod.src(stmt), I, task_queue_app=mod.ref(name))
        if name in _BEAT_SETTINGS:
            found.beat.append(mod.src(stmt))
        if name == "RQ_QUEUES":
            found.workers.append(WorkerApp("django-rq", "", mod.import_root, mod.src(stmt)))
            yield base.runtime(mod.src(stmt), D, task_queue="rq")
    for node in mod.nodes(ast.Attribute):
        if node.attr in ("beat_schedule", "add_periodic_task") or node.attr == "periodic_task":
            found.beat.append(mod.src(node))
    uses_rq = any(origin == "rq" or origin.startswith("rq.") for origin in mod.imports.values())
    rq_line = _import_line(mod, ("rq.Queue", "rq.Worker", "rq")) if uses_rq else None
    if rq_line is not None:
        found.workers.append(WorkerApp("rq", "", mod.import_root, mod.src(rq_line)))
        yield base.runtime(mod.src(rq_line), D, task_queue="rq")
    for fn in mod.nodes(ast.FunctionDef):
        if any((mod.qualname(d.func if isinstance(d, ast.Call) else d) or "") in ("dramatiq.actor",)
               for d in fn.decorator_list):
            found.workers.append(WorkerApp("dramatiq", mod.module, mod.import_root, mod.src(fn)))
            yield base.runtime(mod.src(fn), D, task_queue="dramatiq")
            break


def _import_line(mod: PyModule, origins: tuple[str, ...]) -> int | None:
    for node in mod.nodes(ast.ImportFrom):
        if node.module and node.level == 0 and any(f"{node.module}.{a.name}" in origins for a in node.names):
            return node.lineno
    for imp in mod.nodes(ast.Import):
        if any(a.name in origins for a in imp.names):
            return imp.lineno
    return None


def _url_services(mod: PyModule) -> Iterator[Item]:
    """``redis://localhost:6379/0`` written anywhere in the code: the app talks to that service."""
    seen: set[str] = set()
    for const in mod.nodes(ast.Constant):
        if not isinstance(const.value, str) or "://" not in const.value:
            continue
        m = _URL.match(const.value.strip())
        kind = _URL_SERVICES.get(m.group("scheme").lower()) if m else None
        if kind and kind not in seen:
            seen.add(kind)
            yield base.service(kind, mod.src(const), I, note="connection URL in code")


_RUNNERS = {"uvicorn.run": "uvicorn", "waitress.serve": "waitress", "aiohttp.web.run_app": "aiohttp",
            "hypercorn.run": "hypercorn"}
_DEV_SERVER_APPS = {"flask.Flask", "quart.Quart", "sanic.Sanic", "bottle.Bottle"}


def _run_hints(mod: PyModule, found: Collected) -> None:
    apps = {name for name, value, _ in mod.assignments()
            if isinstance(value, ast.Call) and mod.qualname(value.func) in _DEV_SERVER_APPS}
    for call in mod.nodes(ast.Call):
        origin = mod.qualname(call.func) or ""
        server = _RUNNERS.get(origin)
        dev = isinstance(call.func, ast.Attribute) and call.func.attr == "run" and (
            isinstance(call.func.value, ast.Name) and call.func.value.id in apps)
        if server is None and not dev:
            continue
        port_node = kwarg(call, "port") or (arg(call, 1) if dev else None)
        value = literal(port_node)
        if value is None and server == "waitress":
            _, _, tail = (mod.string(kwarg(call, "listen")) or "").rpartition(":")
            value = int(tail) if tail.isdigit() else None
        port = value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65536 else None
        found.run_hints.append(RunHint(server, port, mod.src(call)))


# -- Django settings ---------------------------------------------------------------------------------


def django_settings(mod: PyModule, found: Collected) -> Iterator[Item]:
    """STATIC_ROOT, MEDIA_ROOT, ALLOWED_HOSTS, DATABASES, CACHES and ROOT_URLCONF of a settings module."""
    paths: PathEval | None = None
    for name, value, stmt in mod.assignments():
        if name in ("STATIC_ROOT", "MEDIA_ROOT"):
            paths = paths or PathEval(mod)
            path = paths.eval(value)
            if not path:
                continue
            conf = D if const_str(value) is not None else I
            if name == "STATIC_ROOT":
                yield base.runtime(mod.src(stmt), conf, static_root=path)
            else:
                yield base.volume(path, mod.src(stmt), I, purpose="media", relative_to=_relative(path))
        elif name == "ALLOWED_HOSTS":
            for host, line in _hosts(mod, value):
                if _HOSTNAME.match(host) and not _NOT_HOSTS.match(host):
                    yield base.ingress(host.lstrip(".").lower(), mod.src(line), H, note="ALLOWED_HOSTS")
        elif name == "DATABASES" and isinstance(value, ast.Dict):
            paths = paths or PathEval(mod)
            yield from _databases(mod, value, paths)
        elif name == "CACHES" and isinstance(value, ast.Dict):
            for backend, line in _nested_values(value, "BACKEND"):
                kind = next((k for needle, k in _CACHE_BACKENDS if needle in backend.lower()), None)
                if kind:
                    yield base.service(kind, mod.src(line), I, note="CACHES BACKEND")
        elif name == "ROOT_URLCONF":
            urlconf = mod.string(value)
            if urlconf:
                found.root_urlconf.append(urlconf)
                yield base.runtime(mod.src(stmt), D, framework="django")


def _hosts(mod: PyModule, value: ast.expr) -> list[tuple[str, int]]:
    """Host names from a list literal, an env default split on commas, or ``env.list(default=[...])``."""
    listed = str_list(value)
    if listed is not None:
        return listed
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        inner = value.func.value
        if value.func.attr == "split" and isinstance(inner, ast.Call) and mod.qualname(inner.func) in ENV_GETTERS:
            default = arg(inner, 1) or kwarg(inner, "default")
            sep = mod.string(arg(value, 0)) or ","
            text = mod.string(default)
            if text is not None:
                return [(h.strip(), default.lineno) for h in text.split(sep) if h.strip()] if default else []
        if value.func.attr in ("list", "tuple"):
            return str_list(kwarg(value, "default") or arg(value, 1)) or []
    return []


def _databases(mod: PyModule, value: ast.Dict, paths: PathEval) -> Iterator[Item]:
    for alias in value.values:
        if isinstance(alias, ast.Call):
            yield from _database_url(mod, alias, paths)
            continue
        if not isinstance(alias, ast.Dict):
            continue
        entries = {const_str(k): v for k, v in zip(alias.keys, alias.values, strict=True) if const_str(k)}
        engine = const_str(entries.get("ENGINE"))
        if not engine:
            continue
        kind = next((k for needle, k in _DB_ENGINES if needle in engine.lower()), None)
        line = entries["ENGINE"].lineno
        if kind == "sqlite":
            name_node = entries.get("NAME")
            path = paths.eval(name_node) if name_node is not None else None
            if path and path != ":memory:":
                yield base.volume(path, mod.src(line), I, purpose="sqlite", relative_to=_relative(path))
            yield base.warning(mod.src(line), "SQLite database: its directory becomes a ReadWriteOnce volume and "
                                              "each process runs one replica (SQLite has one writer); a server "
                                              "database is what lets the app scale out")
        elif kind:
            yield base.service(kind, mod.src(line), I, note=f"DATABASES ENGINE {engine}")


def _database_url(mod: PyModule, call: ast.Call, paths: PathEval) -> Iterator[Item]:
    """``dj_database_url.config(default="sqlite:///" + str(BASE_DIR / "db.sqlite3"))`` and the like."""
    default = kwarg(call, "default") or arg(call, 0)
    if default is None:
        return
    text = mod.string(default)
    if text is None and isinstance(default, ast.BinOp) and isinstance(default.op, ast.Add):
        head = mod.string(default.left)
        tail = paths.eval(default.right)
        text = head + tail if head is not None and tail is not None else head
    if not text or not text.startswith("sqlite:"):
        return  # server URLs are reported from the string literal itself
    path = text.removeprefix("sqlite:").lstrip("/") if text.startswith("sqlite:///") else ""
    if text.startswith("sqlite:////"):
        path = "/" + path
    src = mod.src(default)
    env = mod.string(kwarg(call, "env")) or "DATABASE_URL"
    if path and path != ":memory:":
        # only the fallback: where the deployment sets the variable, nothing is written there
        yield base.volume(path, src, I, purpose="sqlite", relative_to=_relative(path), unless_env=env)
    yield base.warning(src, "SQLite database (default DATABASE_URL): data lives in a file on the pod; it needs a "
                            "persistent volume and a single replica (or set DATABASE_URL to a server DB)")


def _nested_values(d: ast.Dict, key: str) -> Iterator[tuple[str, int]]:
    for inner in d.values:
        if isinstance(inner, ast.Dict):
            for k, v in zip(inner.keys, inner.values, strict=True):
                text = const_str(v)
                if const_str(k) == key and text:
                    yield text, v.lineno


def _relative(path: str) -> str | None:
    return None if path.startswith("/") else "repo"


def looks_like_settings(mod: PyModule) -> bool:
    names = {name for name, _, _ in mod.assignments()}
    return bool(names & {"INSTALLED_APPS", "DATABASES", "ROOT_URLCONF", "MIDDLEWARE", "STATIC_ROOT", "MEDIA_ROOT",
                         "ALLOWED_HOSTS"}) and ("settings" in mod.rel or "INSTALLED_APPS" in names)
