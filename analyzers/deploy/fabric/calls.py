"""Walking calls: tasks and the helpers they call (directly or through ``execute``), Fabric 1's
``run``/``sudo``/``local``/``cd``/``prefix``/``settings``..., Fabric 2's ``Connection``/``Group`` and
their methods, and Invoke's ``run``; each is handed to :mod:`analyzers.deploy.fabric.effects`.
"""

from __future__ import annotations

import ast
import copy
from collections import ChainMap
from dataclasses import replace
from typing import Any

from analyzers.deploy.fabric.model import (
    Conn,
    Ctx,
    CtxChange,
    Frame,
    FuncRef,
    HostSpec,
    _changes,
    _flatten,
    _merge,
    _named,
    _string,
    _string_or_text,
)
from analyzers.deploy.fabric.statements import Statements
from analyzers.pyresolve import NOT_HANDLED, Namespace, Resolver, Unknown

_FAB1_COMMANDS = {"run", "sudo", "local"}
_FAB1_CONTEXTS = {"cd", "lcd", "prefix", "settings", "shell_env", "hide", "show", "quiet", "warn_only", "path",
                  "char_buffered", "remote_tunnel"}
_FAB1_OTHER = {"put", "get", "upload_template", "rsync_project", "upload_project", "append", "sed", "comment",
               "uncomment", "contains", "exists", "require", "execute", "abort", "puts", "prompt", "reboot",
               "open_shell", "is_link", "first", "env", "task", "roles", "hosts", "runs_once", "parallel",
               "serial", "with_settings"}
_FAB1_NAMES = _FAB1_COMMANDS | _FAB1_CONTEXTS | _FAB1_OTHER
_GROUPS = {"Group", "SerialGroup", "ThreadingGroup"}
_EDITS = {"append", "sed", "comment", "uncomment"}
_MAX_DEPTH = 25


class Calls(Statements):
    """The resolver's hooks: what a call in a task file does to the walk."""

    def _tasks(self) -> list[ast.FunctionDef]:
        decorated = [f for f in self.functions.values() if any(self._deco_name(d) == "task" for d in f.decorator_list)]
        if decorated or self.flavor != "fabric1":
            return decorated
        # Fabric 1 without any @task: every public module-level function is a task
        return [f for name, f in self.functions.items() if not name.startswith("_")]

    def _run_task(self, fn: ast.FunctionDef) -> None:
        env = self._env()
        # each task starts from the module's env; what it assigns (or appends) stays its own
        task_env = Namespace("env", copy.deepcopy(dict(env or {})))
        self.globals = ChainMap({"env": task_env}, self.names) if env is not None else self.names
        r = Resolver(self.globals, self.aliases, self)
        user = _string(task_env.get("user")) if env is not None else None
        self.ctx = Ctx(user=user, hosts=self._default_hosts(task_env) if env is not None else None)
        change, pre, post = self._decorators(fn, r, task_env)
        self.ctx = self.ctx.apply(change)
        for ref in pre:
            self._call_function(ref, [], {}, r)
        self._call_function(fn.name, [], {}, r)
        for ref in post:
            self._call_function(ref, [], {}, r)

    def call(self, node: ast.Call, func: str | None, resolver: Resolver) -> Any:
        if func is None:
            return NOT_HANDLED
        target = resolver.names.get(func) if isinstance(node.func, ast.Name) else None
        if isinstance(target, FuncRef):
            args, kwargs = resolver.arguments(node)
            return self._call_function(target.name, args, kwargs, resolver)
        op = self._fab1_op(func, node)
        if op is not None:
            return self._fab1(op, node, resolver)
        if func in ("invoke.run", "invoke.sudo"):
            # Invoke 0.x module-level run(): a local command
            args, kwargs = resolver.arguments(node)
            self._command("local", args[0] if args else kwargs.get("command"), node.lineno, user=None, conn=None)
            return Unknown("result")
        last = func.rsplit(".", 1)[-1]
        if func.startswith(("fabric.", "invoke.")) and (last == "Connection" or last in _GROUPS):
            return self._connection(last, node, resolver)
        return NOT_HANDLED

    def method(self, node: ast.Call, base_value: Any, attr: str, resolver: Resolver) -> Any:
        if isinstance(base_value, Conn):
            return self._conn_method(base_value, attr, node, resolver)
        if isinstance(base_value, dict) and attr == "update":
            # env.update(...), env.roledefs.update({...}): the dicts the host lists come from
            args, kwargs = resolver.arguments(node)
            for arg in args:
                if isinstance(arg, dict):
                    base_value.update(arg)
            base_value.update(kwargs)
            target = node.func.value if isinstance(node.func, ast.Attribute) else None
            if target is not None and self._env_key(target) == "roledefs" and node.args:
                self._note_roles(node.args[0])
            return None
        if isinstance(base_value, list) and attr in ("append", "extend"):
            args, _ = resolver.arguments(node)
            if args:
                base_value.extend(_flatten([args[0]]) if attr == "extend" else [args[0]])
            return None
        if isinstance(base_value, Unknown) and base_value.name.startswith("fabric.") and attr in _FAB1_NAMES:
            return self._fab1(attr, node, resolver)
        return NOT_HANDLED

    def _fab1_op(self, func: str, node: ast.Call) -> str | None:
        last = func.rsplit(".", 1)[-1]
        if last not in _FAB1_NAMES:
            return None
        if func.startswith("fabric.") and not func.startswith(("fabric.connection", "fabric.group")):
            return last
        bare = isinstance(node.func, ast.Name) and node.func.id not in self.aliases
        return last if bare and func == last and self.flavor == "fabric1" else None

    def _call_function(self, name: str, args: list[Any], kwargs: dict[str, Any], caller: Resolver) -> Any:
        fn = self.functions.get(name)
        if fn is None or name in self.stack or len(self.stack) >= _MAX_DEPTH:
            return Unknown(name)
        plain = Resolver(caller.names, self.aliases)
        local = _bind(fn, args, kwargs, plain)
        if self.flavor != "fabric1" and not self.stack and fn.args.args:
            # the task's context argument: a Connection (Fabric 2) or a local Context (Invoke)
            first = fn.args.args[0].arg
            if not isinstance(local.get(first), Conn):
                local[first] = Conn(local=self.flavor == "invoke")
        scope = ChainMap(local, self.globals)
        frame = Frame()
        self.stack.append(name)
        saved = self.ctx
        try:
            self._block(fn.body, caller.with_names(scope), frame)
        finally:
            self.stack.pop()
            self.ctx = saved
        if any(self._deco_name(d) == "contextmanager" for d in fn.decorator_list):
            return frame.yielded or CtxChange()
        return frame.returned

    def _fab1(self, op: str, node: ast.Call, r: Resolver) -> Any:
        args, kwargs = r.arguments(node)

        def arg(i: int, name: str) -> Any:
            return args[i] if len(args) > i else kwargs.get(name)

        line = node.lineno
        if op in _FAB1_COMMANDS:
            user = _string(kwargs.get("user")) if op == "sudo" else None
            # run(..., pty=False) is the Fabric 1 idiom for starting a daemon that outlives the session
            detached = kwargs.get("pty") is False and op != "local"
            self._command(op, arg(0, "command"), line, user=user, conn=None, detached=detached)
            return Unknown(f"{op}_result")
        if op == "cd":
            return CtxChange(cwd=_string_or_text(arg(0, "path")))
        if op == "lcd":
            return CtxChange(lcwd=_string_or_text(arg(0, "path")))
        if op == "prefix":
            return self._prefix(arg(0, "command"), line)
        if op == "shell_env":
            self._env_vars(kwargs, line)
            return CtxChange()
        if op == "settings":
            changes = [c for a in args for c in _changes(a) if isinstance(c, CtxChange)]
            merged = CtxChange(user=_string(kwargs.get("user")), sudo_user=_string(kwargs.get("sudo_user")))
            for c in changes:
                merged = _merge(merged, c)
            return merged
        if op in _FAB1_CONTEXTS:
            return CtxChange()
        if op in ("put", "upload_template"):
            template_dir = _string(kwargs.get("template_dir"))
            self._deploy_file(op, arg(0, "local_path" if op == "put" else "filename"),
                              arg(1, "remote_path" if op == "put" else "destination"), line, template_dir)
            return Unknown(op)
        if op in ("rsync_project", "upload_project"):
            remote, local = (arg(0, "remote_dir"), arg(1, "local_dir")) if op == "rsync_project" else (
                arg(1, "remote_dir"), arg(0, "local_dir"))
            self._host_files(op, local, remote, line, "file copy to hosts: the image carries the code")
            return Unknown(op)
        if op in _EDITS:
            self._host_files(op, None, arg(0, "filename"), line, "edits a file on the host: set up in the image")
            return Unknown(op)
        if op == "execute":
            return self._execute(node, args, kwargs, r)
        return Unknown(op)

    def _execute(self, node: ast.Call, args: list[Any], kwargs: dict[str, Any], r: Resolver) -> Any:
        if not args:
            return None
        target = args[0]
        name = target.name if isinstance(target, FuncRef) else target if isinstance(target, str) else None
        if name is None or name not in self.functions:
            return None
        env = self._env()
        task_env = r.names.get("env") if isinstance(r.names.get("env"), Namespace) else env
        saved = self.ctx
        hosts: HostSpec | None = None
        if kwargs.get("roles") and isinstance(task_env, Namespace):
            hosts = self._roles_spec(_flatten([kwargs["roles"]]), task_env, node.lineno)
        elif kwargs.get("hosts"):
            hosts = HostSpec(len(_flatten([kwargs["hosts"]])), "execute(hosts=...)", node.lineno)
        else:
            # execute() honours the helper's own @roles/@hosts
            own_env = task_env if isinstance(task_env, Namespace) else None
            change, _, _ = self._decorators(self.functions[name], r, own_env)
            hosts = change.hosts
        self.ctx = replace(self.ctx, hosts=hosts or self.ctx.hosts)
        try:
            extra = {k: v for k, v in kwargs.items() if k not in ("roles", "hosts", "exclude_hosts")}
            self._call_function(name, args[1:], extra, r)
        finally:
            self.ctx = saved
        return Unknown("execute")

    def _connection(self, kind: str, node: ast.Call, r: Resolver) -> Conn:
        args, kwargs = r.arguments(node)
        hosts = _flatten(args) if kind in _GROUPS else args[:1] or [kwargs.get("host")]
        user = _string(kwargs.get("user"))
        first = hosts[0] if hosts else None
        if user is None and isinstance(first, str) and "@" in first:
            user = first.split("@", 1)[0]
        spec = HostSpec(len(hosts), f"{kind}(...)", node.lineno) if kind in _GROUPS and hosts else None
        return Conn(hosts=spec, user=user)

    def _conn_method(self, conn: Conn, attr: str, node: ast.Call, r: Resolver) -> Any:
        args, kwargs = r.arguments(node)
        line = node.lineno
        if attr in ("run", "sudo", "local"):
            op = "local" if attr == "local" or conn.local else attr
            user = _string(kwargs.get("user")) if attr == "sudo" else None
            env = kwargs.get("env")
            if isinstance(env, dict):
                self._env_vars({str(k): v for k, v in env.items()}, line)
            self._command(op, args[0] if args else kwargs.get("command"), line, user=user, conn=conn)
            return Unknown(f"{attr}_result")
        if attr == "cd":
            return CtxChange(cwd=_string_or_text(args[0] if args else kwargs.get("path")))
        if attr == "prefix":
            return self._prefix(args[0] if args else kwargs.get("command"), line)
        if attr == "put":
            remote = args[1] if len(args) > 1 else kwargs.get("remote")
            self._deploy_file("put", args[0] if args else kwargs.get("local"), remote, line, None)
            return Unknown("put")
        return Unknown(attr)


def _bind(fn: ast.FunctionDef, args: list[Any], kwargs: dict[str, Any], r: Resolver) -> dict[str, Any]:
    """Parameters bound to the call's values; missing ones take their default or stay unknown."""
    a = fn.args
    params = [p.arg for p in (*a.posonlyargs, *a.args)]
    defaults: dict[str, ast.expr] = dict(zip(params[len(params) - len(a.defaults):], a.defaults, strict=True))
    defaults.update({p.arg: d for p, d in zip(a.kwonlyargs, a.kw_defaults, strict=False) if d is not None})
    local: dict[str, Any] = {}
    for i, name in enumerate([*params, *(p.arg for p in a.kwonlyargs)]):
        if i < len(params) and i < len(args):
            local[name] = _named(args[i], name)
        elif name in kwargs:
            local[name] = _named(kwargs[name], name)
        elif name in defaults:
            local[name] = _named(r.value(defaults[name]), name)
        else:
            local[name] = Unknown(name)
    if a.vararg:
        local[a.vararg.arg] = tuple(args[len(params):])
    if a.kwarg:
        local[a.kwarg.arg] = {k: v for k, v in kwargs.items() if k not in local}
    return local
