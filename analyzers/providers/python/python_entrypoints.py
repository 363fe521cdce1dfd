"""Long-running scripts no deploy file declares: the bot started by hand with ``python bot.py``.

Without a Procfile, unit, supervisor program or deploy script, the image used to get ``CMD ["python"]``.
This analyzer reads each app module through :mod:`ast` and follows the code that runs when the file
is executed (module-level statements and the ``if __name__ == "__main__":`` block, into the module's
own functions they call, ``asyncio.run(main())`` included) looking for what keeps a process alive:

- a bot framework's run call: python-telegram-bot (``Application.builder()...build().run_polling()``,
  ``updater.start_polling()``), discord.py (``client.run(TOKEN)``), aiogram (``executor.start_polling``,
  ``dp.start_polling``), slack_bolt (``SocketModeHandler(app, token).start()``) -> a worker;
- a server: a framework's dev server (Flask ``app.run()``), ``uvicorn.run``, ``web.run_app``,
  ``asyncio.start_server`` / ``loop.create_server``, ``websockets.serve``, ``serve_forever()``,
  slack_bolt's HTTP ``app.start(port=...)``, a webhook -> web, with its port when written;
- a scheduler loop (``schedule.run_pending``, APScheduler's ``BlockingScheduler``) -> scheduler;
- ``while True:`` or ``loop.run_forever()`` -> worker.

Each file gives at most one process, at HEURISTIC confidence so that any declared process wins, with
the line of the call as evidence. Web entries use the name ``web``, where the app-object fallback of
:mod:`analyzers.providers.python.python_code` (a real server such as gunicorn) comes first among equals.
"""

from __future__ import annotations

import ast
import posixpath
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass

from analyzers import base
from analyzers.base import H, Item
from analyzers.providers.python.pyast import ENV_GETTERS, PyModule, arg, const_str, kwarg, literal
from analyzers.providers.python.python_files import modules
from migrator.repo import RepoView

NAME = "python_entrypoints"

TRIGGERS = ("__main__", "run_polling", "start_polling", "run_webhook", "start_webhook", ".run(", ".start(",
            "serve_forever", "run_forever", "start_server", "create_server", "run_app", "while True", "while 1",
            "run_pending", "BlockingScheduler", "websockets")
_MAX_DEPTH = 4
_GENERIC_STEMS = {"main", "app", "run", "__main__", "server", "start", "cli", "index", "wsgi", "asgi", "service",
                  "daemon", "worker"}
_BOT_METHODS = {
    "telegram": {"run_polling", "start_polling", "idle"},
    "discord": {"run", "start"},
    "aiogram": {"start_polling", "run_polling"},
    "interactions": {"start"},
}
_WEBHOOKS = {"run_webhook", "start_webhook"}
_SERVER_CALLS = {"uvicorn.run": 8000, "hypercorn.run": 8000, "waitress.serve": 8080, "aiohttp.web.run_app": 8080,
                 "asyncio.start_server": None, "websockets.serve": None, "websockets.server.serve": None,
                 "bottle.run": 8080, "tornado.web.Application.listen": None}
_DEV_SERVERS = {"flask.Flask": 5000, "quart.Quart": 5000, "sanic.Sanic": 8000, "bottle.Bottle": 8080}
_SOCKET_SERVERS = re.compile(r"^(socketserver|http\.server|wsgiref\.simple_server)\.")
_ALL_INTERFACES = {"0.0.0.0", "", "::"}  # noqa: S104 - read from code, never bound


@dataclass(frozen=True)
class Entry:
    """What keeps the script running, and where."""

    role: str  # web | worker | scheduler
    how: str
    node: ast.AST
    port: int | None = None
    loopback: bool = False  # a dev server left on its default 127.0.0.1: unreachable in a pod
    bot: bool = False
    app: str = ""  # the app object's name, for a dev server

    @property
    def rank(self) -> int:
        return {"web": 3, "scheduler": 1}.get(self.role, 2 if self.bot else 0)


def analyze(repo: RepoView) -> Iterator[Item]:
    """One process per script that runs a server, a bot or a loop when executed."""
    for mod in modules(repo, NAME, TRIGGERS):
        entry = find_entry(mod)
        if entry is not None:
            yield _process(mod, entry)


def _process(mod: PyModule, entry: Entry) -> Item:
    command = _command(mod)
    how = entry.how
    if entry.loopback:
        # app.run() listens on 127.0.0.1: the framework's CLI serves the same app on every interface
        app = mod.rel if entry.app in ("", "app", "application") else f"{mod.rel}:{entry.app}"
        command = f"flask --app {shlex.quote(app)} run --host 0.0.0.0 --port {entry.port or 5000}"
        how += " (on 127.0.0.1, unreachable in a pod: `flask run` serves the app on 0.0.0.0 instead)"
    stem = posixpath.splitext(posixpath.basename(mod.rel))[0]
    if entry.role == "web":
        name = "web"
    elif stem not in _GENERIC_STEMS:
        name = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-") or "worker"
    else:
        name = "bot" if entry.bot else ("clock" if entry.role == "scheduler" else "worker")
    # one descriptive field: where a declared process wins, it still says truly that this script starts it
    return base.process(name, mod.src(entry.node), H, role=entry.role, command=command, port=entry.port,
                        started_by=f"{how} when {mod.rel} runs")


def _command(mod: PyModule) -> str:
    """``python bot.py`` for a plain script, ``python -m pkg.bot`` for a module of a package (its
    relative imports need it), ``python -m pkg`` for ``pkg/__main__.py``."""
    if mod.import_root == "" and ("." in mod.module or mod.rel.endswith("/__main__.py")):
        return f"python -m {mod.module.removesuffix('.__main__')}"
    return f"python {shlex.quote(mod.rel)}"


# -- what runs when the file is executed --------------------------------------------------------------


def find_entry(mod: PyModule) -> Entry | None:
    """The strongest sign of a long-running process in the code the script runs, or None."""
    walker = _Walker(mod)
    for stmt in _executed(mod.tree.body):
        walker.visit(stmt, 0)
    found = sorted(walker.found, key=lambda e: (-e.rank, getattr(e.node, "lineno", 0)))
    return found[0] if found else None


def _executed(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run when the module is executed as a script: module level and ``__main__`` blocks."""
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)):
            continue
        if isinstance(stmt, ast.If) and _is_main_guard(stmt.test):
            yield from stmt.body
            continue
        yield stmt


def _is_main_guard(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name) and test.left.id == "__name__"
            and len(test.comparators) == 1 and const_str(test.comparators[0]) == "__main__")


class _Walker:
    """Follows executed statements into the module's own functions; collects :class:`Entry` values."""

    def __init__(self, mod: PyModule) -> None:
        self.mod = mod
        self.functions = {s.name: s for s in mod.tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.bindings: dict[str, ast.expr] = {}
        for stmt in ast.walk(mod.tree):
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                self.bindings.setdefault(stmt.targets[0].id, stmt.value)
            elif isinstance(stmt, (ast.AsyncWith, ast.With)):
                for item in stmt.items:
                    if isinstance(item.optional_vars, ast.Name):
                        self.bindings.setdefault(item.optional_vars.id, item.context_expr)
        self.visited: set[str] = set()
        self.found: list[Entry] = []

    def visit(self, node: ast.AST, depth: int) -> None:
        for sub in ast.walk(node):
            if isinstance(sub, ast.While) and _always(sub.test):
                self.found.append(self._loop(sub))
            elif isinstance(sub, ast.Call):
                entry = self._call(sub)
                if entry is not None:
                    self.found.append(entry)
                callee = sub.func.id if isinstance(sub.func, ast.Name) else None
                if callee in self.functions and callee not in self.visited and depth < _MAX_DEPTH:
                    self.visited.add(callee)
                    for stmt in self.functions[callee].body:
                        self.visit(stmt, depth + 1)

    def _loop(self, loop: ast.While) -> Entry:
        calls = {self.mod.qualname(c.func) or "" for c in ast.walk(loop) if isinstance(c, ast.Call)}
        if any(c.endswith("run_pending") and c.startswith("schedule") for c in calls):
            return Entry("scheduler", "a schedule.run_pending() loop", loop)
        return Entry("worker", "a `while True:` loop", loop)

    def origin(self, node: ast.AST, depth: int = 0) -> str:
        """Where a value comes from: the qualified name of the call that built it (``Application.builder()
        .token(t).build()`` -> ``telegram.ext.Application.builder``), through local names."""
        if depth > 8:
            return ""
        if isinstance(node, ast.Await):
            return self.origin(node.value, depth + 1)
        if isinstance(node, ast.Call):
            func = node.func
            # a method of a value built earlier (builder().token(t).build(), client.run()), not of a module
            local = isinstance(func, ast.Attribute) and (isinstance(func.value, ast.Call) or (
                isinstance(func.value, ast.Name) and func.value.id in self.bindings))
            if local and isinstance(func, ast.Attribute):
                inner = self.origin(func.value, depth + 1)
                if inner:
                    return inner
            return self.mod.qualname(func) or ""
        if isinstance(node, ast.Name) and node.id in self.bindings:
            return self.origin(self.bindings[node.id], depth + 1)
        if isinstance(node, ast.Name) and node.id in self.functions:
            return f"<def {node.id}>"
        return self.mod.qualname(node) or ""

    def _call(self, call: ast.Call) -> Entry | None:
        qual = self.mod.qualname(call.func) or ""
        if qual in _SERVER_CALLS:
            positional = 2 if qual in ("asyncio.start_server", "websockets.serve", "websockets.server.serve") else None
            return Entry("web", f"{qual}()", call, _port(call, self.mod, positional) or _SERVER_CALLS[qual])
        if qual.startswith("aiogram.") and qual.endswith(".start_polling"):
            return Entry("worker", "aiogram's executor.start_polling()", call, bot=True)
        if qual.startswith("aiogram.") and qual.endswith(".start_webhook"):
            return Entry("web", "aiogram's executor.start_webhook()", call, _port(call, self.mod), bot=True)
        if not isinstance(call.func, ast.Attribute):
            return None
        method = call.func.attr
        receiver = self.origin(call.func.value)
        top = receiver.split(".", 1)[0]
        if method in _BOT_METHODS.get(top, ()):
            return Entry("worker", f"{method}() of {_FRAMEWORK_NAMES.get(top, top)}", call, bot=True)
        if top in ("telegram", "aiogram") and method in _WEBHOOKS:
            return Entry("web", f"{method}() of {_FRAMEWORK_NAMES[top]}", call, _port(call, self.mod) or 80, bot=True)
        if top == "slack_bolt" and method in ("start", "connect"):
            if "socket_mode" in receiver:
                return Entry("worker", "slack_bolt's SocketModeHandler(...).start()", call, bot=True)
            return Entry("web", "slack_bolt's App.start()", call, _port(call, self.mod) or 3000, bot=True)
        if method == "run" and (receiver in _DEV_SERVERS or self._factory_of(receiver) in _DEV_SERVERS):
            framework = receiver if receiver in _DEV_SERVERS else self._factory_of(receiver)
            host = self._host(call)
            port = _port(call, self.mod, positional=1) or _DEV_SERVERS[framework]
            loopback = framework == "flask.Flask" and host is not None and host not in _ALL_INTERFACES
            name = call.func.value.id if isinstance(call.func.value, ast.Name) else ""
            return Entry("web", f"{framework.split('.')[0]} app.run()", call, port, loopback=loopback, app=name)
        if method == "serve_forever" and (_SOCKET_SERVERS.match(receiver) or "server" in receiver.lower()):
            return Entry("web", f"{receiver or 'a server'}.serve_forever()", call, self._server_port(call.func.value))
        if method == "create_server" or (method == "listen" and receiver.startswith("tornado.")):
            return Entry("web", f"{method}()", call, _port(call, self.mod, positional=2 if method != "listen" else 0))
        if method == "run_forever" and receiver.startswith("asyncio"):
            return Entry("worker", "asyncio loop.run_forever()", call)
        if method == "start" and receiver.startswith("apscheduler.schedulers.blocking"):
            return Entry("scheduler", "APScheduler's BlockingScheduler.start()", call)
        return None

    def _factory_of(self, receiver: str) -> str:
        """``app = create_app()`` whose body builds ``Flask(...)``: the framework the factory makes."""
        if not receiver.startswith("<def "):
            return ""
        fn = self.functions.get(receiver[5:-1])
        for call in ast.walk(fn) if fn is not None else ():
            if isinstance(call, ast.Call) and (self.mod.qualname(call.func) or "") in _DEV_SERVERS:
                return self.mod.qualname(call.func) or ""
        return ""

    def _host(self, call: ast.Call) -> str | None:
        """The host a dev server binds: a literal (or an env read's default), "" when only the environment
        knows, 127.0.0.1 when unset (Flask's default)."""
        node = kwarg(call, "host") or arg(call, 0)
        if node is None:
            return "127.0.0.1"
        value = _value(node, self.mod)
        return value if isinstance(value, str) else ""

    def _server_port(self, node: ast.AST) -> int | None:
        built = self.bindings.get(node.id) if isinstance(node, ast.Name) else node
        if isinstance(built, ast.Call) and built.args and isinstance(built.args[0], ast.Tuple):
            elts = built.args[0].elts
            value = _value(elts[1], self.mod) if len(elts) > 1 else None
            return value if isinstance(value, int) and 0 < value < 65536 else None
        return None


_FRAMEWORK_NAMES = {"telegram": "python-telegram-bot", "discord": "discord.py", "aiogram": "aiogram",
                    "interactions": "interactions.py", "slack_bolt": "slack_bolt"}


def _always(test: ast.expr) -> bool:
    return isinstance(test, ast.Constant) and bool(test.value) is True


def _port(call: ast.Call, mod: PyModule, positional: int | None = None) -> int | None:
    node = kwarg(call, "port") or (arg(call, positional) if positional is not None else None)
    value = _value(node, mod) if node is not None else None
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 65536 else None


def _value(node: ast.AST, mod: PyModule) -> str | int | None:
    """A literal, through ``int(...)`` and an env read's default (``int(os.getenv("PORT", 8080))``)."""
    found = literal(node)
    if isinstance(found, (str, int)) and not isinstance(found, bool):
        return int(found) if isinstance(found, str) and found.isdigit() else found
    if isinstance(node, ast.Name):
        text = mod.constants.get(node.id)
        if text is not None:
            return int(text) if text.isdigit() else text
        assigned = [s.value for s in mod.tree.body if isinstance(s, ast.Assign) and len(s.targets) == 1
                    and isinstance(s.targets[0], ast.Name) and s.targets[0].id == node.id]
        number = literal(assigned[0]) if len(assigned) == 1 else None  # PORT = 8123, bound once
        return number if isinstance(number, int) and not isinstance(number, bool) else None
    if isinstance(node, ast.Call):
        qual = mod.qualname(node.func) or ""
        if qual in ("int", "str") and node.args:
            return _value(node.args[0], mod)
        if qual in ENV_GETTERS:
            default = arg(node, 1) or kwarg(node, "default")
            return _value(default, mod) if default is not None else None
    return None
