"""Health-check routes declared in Python web code, found through ``ast``.

Understood: Flask (``@app.route``, ``@bp.get``, ``add_url_rule``, ``Blueprint(url_prefix=...)``),
FastAPI/Starlette (``@app.get``, ``APIRouter(prefix=...)``, ``Route("/health", ...)``), aiohttp
(``router.add_get``, ``add_route("GET", ...)``, ``web.get``, ``@routes.get``) and Django URL confs
(``path``/``re_path``/``url`` with literal ``include()`` prefixes resolved across files). A route whose
last segment is an unambiguous health word (``/healthz``) is INFERRED; a vaguer one (``/status``,
``/ping``) is HEURISTIC unless its handler's name says "health".
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from analyzers import base
from analyzers.base import H, I, Item, Src
from analyzers.providers.python.pyast import PyModule, arg, const_str, kwarg, str_list
from migrator.model import Confidence

_CLEAR = {"health", "healthz", "healthcheck", "health-check", "health_check", "_health", "__health", "healthy",
          "readyz", "livez", "readiness", "liveness", "heartbeat", "_healthz", "-health"}
_VAGUE = {"ping", "status", "ready", "live", "alive", "up", "_ping", "_status"}
_READY = {"ready", "readyz", "readiness"}
_LIVE = {"live", "livez", "liveness", "alive"}
_DECORATOR_METHODS = {"route", "get", "api_route", "head"}
_ROUTER_CLASSES = {"Blueprint": "url_prefix", "APIRouter": "prefix"}
_DJANGO_ROUTES = {"django.urls.path", "django.urls.re_path", "django.conf.urls.url", "path", "re_path", "url"}
_AIOHTTP_ADD = {"add_get", "add_route", "add_head"}
_REGEX_META = re.compile(r"(?<!\\)[.*+?()\[\]{}|]")


@dataclass(frozen=True)
class DjangoRoute:
    module: str
    path: str
    confidence: Confidence
    probe: str | None
    src: Src


Owner = tuple[str, str]  # (module, variable) of an app, Blueprint or APIRouter object


@dataclass(frozen=True)
class ObjectRoute:
    """A route declared on an app/router object, waiting for the prefix it is mounted under."""

    owner: Owner
    path: str  # as written on the route
    own_prefix: str  # the object's constructor prefix (Blueprint url_prefix / APIRouter prefix)
    handler: str | None
    src: Src


@dataclass
class Urlconfs:
    """Routes waiting for prefixes declared in other files, resolved once every file has been read."""

    routes: list[DjangoRoute] = field(default_factory=list)
    includes: dict[str, tuple[str, str]] = field(default_factory=dict)  # included module -> (parent, prefix)
    object_routes: list[ObjectRoute] = field(default_factory=list)
    # router -> (parent, prefix, whether the prefix replaces the router's own: Flask's register_blueprint)
    mounts: dict[Owner, tuple[Owner, str, bool]] = field(default_factory=dict)


def judge(path: str, handler: str | None = None) -> tuple[Confidence, str | None] | None:
    """(confidence, probe kind) when ``path`` looks like a health check, else None."""
    if any(c in path for c in "<{:") or _REGEX_META.search(path):
        return None
    segments = [s.lower() for s in path.split("/") if s]
    if not segments:
        return None
    last = segments[-1]
    probe = "readiness" if last in _READY else "liveness" if last in _LIVE else None
    if last in _CLEAR or last.startswith("health"):
        return I, probe
    if last in _VAGUE and len(segments) <= 2:
        named = handler is not None and "health" in handler.lower()
        return (I if named or any(s in _CLEAR for s in segments) else H), probe
    return None


def health_routes(mod: PyModule, confs: Urlconfs) -> Iterator[Item]:
    """Health-check findings for the routes this module declares (Django ones go to ``confs``)."""
    prefixes = _router_prefixes(mod)
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = [*mod.nodes(ast.FunctionDef),
                                                               *mod.nodes(ast.AsyncFunctionDef)]
    for fn in functions:
        for dec in fn.decorator_list:
            if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)):
                continue
            if dec.func.attr not in _DECORATOR_METHODS or not _allows_get(mod, dec):
                continue
            path = mod.string(arg(dec, 0) or kwarg(dec, "rule") or kwarg(dec, "path"))
            if path is None or not (path.startswith("/") or path == ""):
                continue
            owner = dec.func.value.id if isinstance(dec.func.value, ast.Name) else ""
            if owner:
                route = ObjectRoute((mod.module, owner), path, prefixes.get(owner, ""), fn.name, mod.src(dec))
                confs.object_routes.append(route)
            else:
                yield from _emit(path, fn.name, mod.src(dec))
    is_urlconf = any(name == "urlpatterns" for name, _, _ in mod.assignments())
    for call in mod.nodes(ast.Call):
        yield from _call_route(mod, call, prefixes, confs, is_urlconf)


def _mount(mod: PyModule, call: ast.Call, confs: Urlconfs) -> None:
    """``app.include_router(health.router, prefix="/ops")`` / ``app.register_blueprint(bp, url_prefix=...)``."""
    func = call.func
    assert isinstance(func, ast.Attribute)
    child = _owner(mod, arg(call, 0) or kwarg(call, "router") or kwarg(call, "blueprint"))
    parent = _owner(mod, func.value)
    prefix = mod.string(kwarg(call, "prefix") or kwarg(call, "url_prefix"))
    if child and parent:
        confs.mounts.setdefault(child, (parent, prefix or "", func.attr == "register_blueprint"))


def _owner(mod: PyModule, node: ast.AST | None) -> Owner | None:
    """(module, variable) an object expression refers to, following imports."""
    if node is None:
        return None
    name = mod.qualname(node)
    if not name:
        return None
    if "." not in name:
        return (mod.module, name)
    module, _, var = name.rpartition(".")
    return (module, var)


def resolve_objects(confs: Urlconfs) -> Iterator[Item]:
    """Health checks for routes on app/router objects, under every literal prefix they are mounted at."""
    for route in confs.object_routes:
        owner, seen = route.owner, set()
        mount = confs.mounts.get(owner)
        # Flask's register_blueprint(url_prefix=...) replaces the blueprint's own prefix; FastAPI's adds to it
        own = mount[1] if mount and mount[2] and mount[1] else route.own_prefix
        path = _join(own, route.path)
        first = True
        while owner in confs.mounts and owner not in seen:
            seen.add(owner)
            owner, prefix, replaces = confs.mounts[owner]
            if prefix and not (first and replaces):
                path = _join(prefix, path)
            first = False
        yield from _emit(path if path.startswith("/") else "/" + path, route.handler, route.src)


def _call_route(
    mod: PyModule, call: ast.Call, prefixes: dict[str, str], confs: Urlconfs, is_urlconf: bool
) -> Iterator[Item]:
    func = call.func
    origin = mod.qualname(func) or ""
    attr = func.attr if isinstance(func, ast.Attribute) else None
    if attr in ("include_router", "register_blueprint"):
        _mount(mod, call, confs)
    elif attr == "add_url_rule":  # Flask
        path = mod.string(arg(call, 0) or kwarg(call, "rule"))
        owner = func.value.id if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) else ""
        if path and path.startswith("/") and _allows_get(mod, call):
            handler = _handler(arg(call, 1) or kwarg(call, "view_func"))
            if owner:
                route = ObjectRoute((mod.module, owner), path, prefixes.get(owner, ""), handler, mod.src(call))
                confs.object_routes.append(route)
            else:
                yield from _emit(path, handler, mod.src(call))
    elif attr in _AIOHTTP_ADD:
        method_first = attr == "add_route"
        if method_first and (mod.string(arg(call, 0)) or "").upper() not in ("GET", "*"):
            return
        path = mod.string(arg(call, 1 if method_first else 0))
        if path and path.startswith("/"):
            yield from _emit(path, _handler(arg(call, 2 if method_first else 1)), mod.src(call))
    elif origin in ("aiohttp.web.get", "starlette.routing.Route", "Route") or origin.endswith(".routing.Route"):
        path = mod.string(arg(call, 0) or kwarg(call, "path"))
        if path and path.startswith("/") and _allows_get(mod, call):
            yield from _emit(path, _handler(arg(call, 1) or kwarg(call, "endpoint")), mod.src(call))
    elif is_urlconf and origin in _DJANGO_ROUTES:
        _django_route(mod, call, origin, confs)


def _django_route(mod: PyModule, call: ast.Call, origin: str, confs: Urlconfs) -> None:
    raw = mod.string(arg(call, 0) or kwarg(call, "route"))
    if raw is None:
        return
    regex = not origin.endswith("path") or origin.endswith("re_path")
    route = _regex_literal(raw) if regex else raw
    if route is None:
        return
    target = arg(call, 1) or kwarg(call, "view")
    if isinstance(target, ast.Call) and (mod.qualname(target.func) or "").endswith("include"):
        included = mod.string(arg(target, 0))
        if included == "health_check.urls":
            # django-health-check mounts its status page at the include's own path
            confs.routes.append(DjangoRoute(mod.module, route, I, None, mod.src(call)))
        elif included:
            confs.includes.setdefault(included, (mod.module, route))
        return
    handler = mod.string(kwarg(call, "name")) or _handler(target)
    verdict = judge(route, handler)
    if verdict:
        confs.routes.append(DjangoRoute(mod.module, route, verdict[0], verdict[1], mod.src(call)))


def resolve_django(confs: Urlconfs) -> Iterator[Item]:
    """Health checks for Django routes, each under the literal prefixes of the includes leading to it."""
    for route in confs.routes:
        prefix, module, seen = "", route.module, set()
        while module in confs.includes and module not in seen:
            seen.add(module)
            module, part = confs.includes[module]
            prefix = part + prefix
        yield base.health_check(_join("/", prefix + route.path), route.src, route.confidence, probe=route.probe)


def _emit(path: str, handler: str | None, src: Src) -> Iterator[Item]:
    verdict = judge(path, handler)
    if verdict:
        yield base.health_check(path, src, verdict[0], probe=verdict[1])


def _router_prefixes(mod: PyModule) -> dict[str, str]:
    """Blueprint/APIRouter objects assigned at module level and their literal URL prefixes."""
    out: dict[str, str] = {}
    for name, value, _ in mod.assignments():
        if isinstance(value, ast.Call):
            cls = (mod.qualname(value.func) or "").rsplit(".", 1)[-1]
            if cls in _ROUTER_CLASSES:
                out[name] = mod.string(kwarg(value, _ROUTER_CLASSES[cls])) or ""
    return out


def _allows_get(mod: PyModule, call: ast.Call) -> bool:
    methods = kwarg(call, "methods")
    if methods is None:
        return True
    listed = str_list(methods)
    if listed is None:
        return True
    return any(m.upper() in ("GET", "HEAD") for m, _ in listed)


def _handler(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Call):  # HealthView.as_view()
        node = node.func.value if isinstance(node.func, ast.Attribute) else node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return const_str(node)


def _regex_literal(pattern: str) -> str | None:
    """``^health/$`` -> ``health/``; None when the pattern is not a plain literal path."""
    text = pattern.removeprefix("^").removesuffix("$")
    if _REGEX_META.search(text):
        return None
    return re.sub(r"\\(.)", r"\1", text)


def _join(prefix: str, path: str) -> str:
    if not prefix:
        return path
    joined = prefix.rstrip("/") + ("/" + path.lstrip("/") if path else "")
    joined = re.sub(r"/{2,}", "/", joined)
    return joined if joined.startswith("/") else "/" + joined
