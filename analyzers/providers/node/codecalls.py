"""Calls in Node code that say how the app serves: ``listen`` (port, host), routes with literal paths,
``app.use(prefix, router)`` mounts, framework constructors, SIGTERM handlers, ``require`` and dotenv.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from analyzers.lib import treesitter
from analyzers.lib.jscalls import dirname, member_path
from analyzers.lib.jsobject import Evaluator
from analyzers.lib.jsvalue import EnvRef, JsObject, JsScalar, JsValue, as_int, as_str, as_text
from analyzers.providers.node import queries
from analyzers.providers.node.facts import Construct, Listen, Mount, Route

_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_CONSTRUCTS = frozenset({"express", "Koa", "fastify", "Fastify", "Hapi.server", "Hapi.Server", "NestFactory.create",
                         "NestFactory.createApplicationContext", "http.createServer", "https.createServer",
                         "createServer"})



@dataclass(frozen=True)
class Call:
    name: str  # the function or method name
    callee: tuple[str, ...]  # the dotted path when it is one (("app", "listen")), else (name,)
    obj: Any | None  # the object node of a method call
    args: tuple[Any, ...]
    node: Any
    new: bool
    line: int


def calls(ev: Evaluator, grammar: str) -> tuple[list[Call], bool]:
    found = treesitter.matches(grammar, ev.root, queries.CALLS)
    out = []
    for m in found:
        node, fn = m.node("call") or m.node("new"), m.node("fn")
        if node is None or fn is None:
            continue
        args_node = m.node("args")
        args = tuple(a for a in (args_node.named_children if args_node is not None else []) if a.type != "comment")
        field = "function" if node.type == "call_expression" else "constructor"
        path = member_path(ev, node.child_by_field_name(field))
        name = ev.text(fn)
        out.append(Call(name, tuple(path) if path else (name,), m.node("obj"), args, node,
                        node.type == "new_expression", treesitter.line(node)))
    return out, found.complete


def _port(value: JsValue | None) -> tuple[int | None, str | None, bool]:
    """(port, env var, declared) of a listen argument."""
    if isinstance(value, EnvRef):
        default = value.default
        while isinstance(default, EnvRef):
            default = default.default
        return as_int(default) if isinstance(default, JsScalar) else None, value.name, False
    port = as_int(value)
    return (port, None, True) if port is not None else (None, None, False)


def _host(value: JsValue | None) -> tuple[str | None, str | None]:
    if isinstance(value, EnvRef):
        return (as_str(value.default) if isinstance(value.default, JsScalar) else None), value.name
    return as_str(value), None


def listen(ev: Evaluator, call: Call) -> Listen | None:
    """A server's listen call (``app.listen(port, host)``, ``fastify.listen({port, host})``, Hapi's server)."""
    hapi = call.callee in (("Hapi", "server"), ("Hapi", "Server"))
    if not hapi and (call.name != "listen" or call.obj is None):
        return None
    first = ev.value(call.args[0]) if call.args else None
    second = ev.value(call.args[1]) if len(call.args) > 1 and not hapi else None
    if isinstance(first, JsObject):
        port, port_env, declared = _port(first.get("port"))
        host, host_env = _host(first.get("host") or first.get("address"))
    else:
        port, port_env, declared = _port(first)
        host, host_env = _host(second)
    loopback = host is not None and host in _LOOPBACK
    return Listen(call.line, port, port_env, declared, host, host_env, loopback, "hapi.server" if hapi else "listen")


def route(ev: Evaluator, call: Call) -> Route | None:
    """``x.get('/path', handler)`` (not ``app.get('setting')``), ``x.route('/path')``, ``x.route({url|path})``."""
    if call.obj is None or not call.args or call.name not in ("get", "all", "head", "route"):
        return None
    owner = ev.text(call.obj) if call.obj.type == "identifier" else None
    first = ev.value(call.args[0])
    if isinstance(first, JsObject) and call.name == "route":
        path = as_str(first.get("url") or first.get("path"))
        method = as_text(first.get("method")) or "route"
        return Route(method.lower(), path, call.line, owner) if path and path.startswith("/") else None
    path = as_str(first)
    if path is None or not path.startswith("/") or (call.name != "route" and len(call.args) < 2):
        return None
    return Route(call.name, path, call.line, owner)


def mount(ev: Evaluator, call: Call, required: dict[str, str]) -> Mount | None:
    """``app.use('/api', router)`` / ``app.use(router)``; ``required`` maps identifiers to required files."""
    if call.name != "use" or call.obj is None or not call.args:
        return None
    prefix = as_str(ev.value(call.args[0])) if call.args[0].type in ("string", "template_string") else None
    targets = call.args[1:] if prefix is not None else call.args
    for target in targets:
        if target.type == "identifier":
            name = ev.text(target)
            return Mount(prefix or "/", name, required.get(name), call.line)
        module = require_target(ev, target)
        if module is not None:
            return Mount(prefix or "/", "require", module, call.line)
    return None


def require_target(ev: Evaluator, node: Any) -> str | None:
    """The repo-relative module path (no extension) of ``require('./routes/x')``; None for packages."""
    path = member_path(ev, node.child_by_field_name("function")) if node.type == "call_expression" else None
    args = node.child_by_field_name("arguments") if path == ["require"] else None
    spec = as_str(ev.value(args.named_children[0])) if args is not None and args.named_children else None
    return local_module(ev.rel, spec) if spec else None


def local_module(rel: str, spec: str) -> str | None:
    """``./routes/health`` seen from ``server.js`` -> ``routes/health``; None for a package name."""
    if not spec.startswith("."):
        return None
    return posixpath.normpath(posixpath.join(dirname(rel), spec))


def construct(call: Call) -> Construct | None:
    name = ".".join(call.callee)
    return Construct(name, call.line) if name in _CONSTRUCTS or call.name in ("createServer",) else None


def handles_signal(ev: Evaluator, call: Call, signal: str = "SIGTERM") -> bool:
    """``process.on('SIGTERM', ...)`` (or once/addListener); for SIGTERM also Nest's ``enableShutdownHooks()``
    and terminus's ``createTerminus(...)``. Kubernetes stops a pod with SIGTERM: a SIGINT handler (what PM2's
    reload sends) does not count for it."""
    if signal == "SIGTERM" and call.name in ("enableShutdownHooks", "createTerminus"):
        return True
    if call.callee[:1] != ("process",) or call.name not in ("on", "once", "addListener") or not call.args:
        return False
    return as_str(ev.value(call.args[0])) == signal
