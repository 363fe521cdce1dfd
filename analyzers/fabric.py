"""Fabric 1.x, Fabric 2/3 and Invoke task files: the deploy knowledge of hand-deployed Python apps.

Everything is read through :mod:`ast`; nothing from the repo is imported or run. Starting from each
task, the analyzer walks the task body and the helpers it calls (directly or via ``execute``), keeping
the context a command runs in (``cd``, ``prefix``, ``settings``, ``shell_env``, the user, the hosts),
resolves command strings statically (:mod:`analyzers.pyresolve`), splits ``&&``/``;`` lists and hands
each command to :func:`analyzers.deploy_commands.interpret`. On top of that it reports files copied to
the hosts (``put``/``upload_template``), the run-as user of processes started by hand, a replicas hint
from the number of hosts a web-deploying task targets, and hard-coded secrets (``env.password``).
"""

from __future__ import annotations

import ast
import copy
import posixpath
import re
from collections import ChainMap
from collections.abc import Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from analyzers import base
from analyzers.base import H, Item, Src
from analyzers.commands import basename, meaning
from analyzers.deploy_commands import interpret, parse_at
from analyzers.pyast import parse_source
from analyzers.pyresolve import NOT_HANDLED, Hooks, Namespace, Resolver, Unknown, label, text
from analyzers.shelltext import split_list
from migrator.commands import ParsedCommand
from migrator.model import Finding, Kind, ProcessRole, SecretFinding
from migrator.repo import RepoView, normalize
from migrator.secrets import REDACTED, scrub, value_secret_kind

NAME = "fabric"

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
_STEP_FIELDS = {Kind.RELEASE_STEP, Kind.BUILD_STEP, Kind.HOST_STEP, Kind.PROCESS, Kind.UNCLASSIFIED}
_REPO = "/__repo__"  # what __file__ resolves under, so paths built from it map back to repo files
_MAX_DEPTH = 25
_MAX_LOOP = 10
_BUDGET = 20000  # statements walked per file: helpers shared by many tasks must not explode the walk

_WEB_ROLE = re.compile(r"^(web|www|app|apps|application|frontend|front|webservers?|appservers?|wsgi|django)\d*$", re.I)
_WEB_CMD = re.compile(r"\b(gunicorn|uwsgi|uvicorn|daphne|hypercorn|waitress-serve|runserver|nginx|apache2|apachectl"
                      r"|httpd|passenger)\b")
_RESTART = re.compile(r"(\b(supervisorctl|systemctl|service)\b|/etc/init\.d/).*(?<![-\w])(restart|reload|start)\b")
_NOT_WEB = re.compile(r"(worker|celery|beat|\brq\b|cron|queue|scheduler|clock|redis|postgres|mysql|memcache)", re.I)
_HEALTH = re.compile(r"\b(curl|wget)\b.*https?://\S+/(health|healthz|ping|status|ready)")


# -- values the walk passes around ----------------------------------------------------------------


class _OutOfBudget(Exception):
    """The walk visited more statements than :data:`_BUDGET`."""


@dataclass(frozen=True)
class FuncRef:
    """A module-level function used as a value (``execute(deploy)``, ``pre=[build]``)."""

    name: str


@dataclass(frozen=True)
class HostSpec:
    """The hosts a task targets, and where they were declared."""

    count: int
    where: str
    line: int | None
    web_role: bool = False
    file: str | None = None  # set when declared in another module of a fabfile package

    @property
    def hint(self) -> str:
        return f"{self.count} host{'s' if self.count != 1 else ''} in {self.where}"


@dataclass(frozen=True)
class Conn:
    """A Fabric 2 Connection/Group or an Invoke Context (``local``: commands run on the local machine)."""

    hosts: HostSpec | None = None
    user: str | None = None
    local: bool = False


@dataclass(frozen=True)
class CtxChange:
    """What a context manager changes: ``cd``, ``prefix``, ``settings(user=...)``, ``shell_env`` ..."""

    cwd: str | None = None
    lcwd: str | None = None
    prefixes: tuple[str, ...] = ()
    user: str | None = None
    sudo_user: str | None = None
    hosts: HostSpec | None = None


@dataclass(frozen=True)
class Ctx:
    """The context a command runs in."""

    cwd: str | None = None
    lcwd: str | None = None
    prefixes: tuple[str, ...] = ()
    user: str | None = None
    sudo_user: str | None = None
    hosts: HostSpec | None = None

    def apply(self, change: CtxChange) -> Ctx:
        return replace(
            self,
            cwd=_cd(self.cwd, change.cwd),
            lcwd=_cd(self.lcwd, change.lcwd),
            prefixes=self.prefixes + change.prefixes,
            user=change.user or self.user,
            sudo_user=change.sudo_user or self.sudo_user,
            hosts=change.hosts or self.hosts,
        )


@dataclass
class Frame:
    """One function activation: what it returned first, and the context at its first ``yield``."""

    returned: Any = None
    has_returned: bool = False
    yielded: Ctx | None = None


def _cd(cwd: str | None, path: str | None) -> str | None:
    if path is None:
        return cwd
    if cwd is None or path.startswith(("/", "~", "$")):
        return path
    return posixpath.normpath(posixpath.join(cwd, path))


def _string(value: Any) -> str | None:
    """A fully known string (no placeholders), else None."""
    if isinstance(value, str) and "${" not in value:
        return value
    return None


# -- discovery ------------------------------------------------------------------------------------


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings for every Fabric/Invoke task file in the repo."""
    loader = Loader(repo)
    for rel in _candidates(repo):
        source = repo.read_text(rel)
        if source is None:
            continue
        # Fabric 1 is Python 2 only, so a fabfile is often Python 2 (parse_source reads both). Its
        # syntax says which Python the operator's machine ran, not the servers: the app's version is
        # read from the app's own files (python_code, python_version), never from the fabfile's syntax.
        parsed = parse_source(source, rel)
        tree = parsed.tree
        if tree is None:
            message = f"cannot parse Python ({parsed.reason}); fabfile not analyzed"
            yield base.warning(Src(NAME, rel, parsed.line), message)
            continue
        flavor = _flavor(tree, rel)
        if flavor is None:
            continue
        module = Module(repo, rel, tree, flavor, loader)
        try:
            found = list(module.items())
        except (RecursionError, _OutOfBudget):
            found = [base.warning(Src(NAME, rel), "code nested too deeply to follow; fabfile not analyzed")]
        yield from found


class Loader:
    """Module-level facts (constants, ``env``) of sibling modules a task file imports, read once."""

    def __init__(self, repo: RepoView) -> None:
        self.repo = repo
        self.cache: dict[str, Module | None] = {}
        self.loading: set[str] = set()

    def facts(self, rel: str) -> Module | None:
        if rel in self.cache:
            return self.cache[rel]
        if rel in self.loading:
            return None  # an import cycle: the module in progress sees what it has so far
        self.loading.add(rel)
        module: Module | None = None
        try:
            tree = parse_source(self.repo.read_text(rel) or "", rel).tree
            if tree is not None:
                module = Module(self.repo, rel, tree, _flavor(tree, rel) or "fabric1", self)
                module.prepare()
        except (RecursionError, _OutOfBudget):
            module = None
        finally:
            self.loading.discard(rel)
        self.cache[rel] = module
        return module


def _candidates(repo: RepoView) -> list[str]:
    out: list[str] = []
    for rel in repo.with_suffix(".py"):
        parts = rel.split("/")
        name = parts[-1]
        in_package = name == "fabfile.py" or "fabfile" in parts[:-1]
        maybe = name == "tasks.py" or len(parts) == 1 or parts[0] == "deploy"
        if in_package or (maybe and _imports_fabric(repo, rel)):
            out.append(rel)
    return out


_IMPORT_RE = re.compile(r"^\s*(from\s+(fabric|invoke)[\s.]|import\s+(fabric|invoke)\b)", re.M)


def _imports_fabric(repo: RepoView, rel: str) -> bool:
    return bool(_IMPORT_RE.search(repo.read_text(rel) or ""))


def _flavor(tree: ast.Module, rel: str) -> str | None:
    """"fabric1", "fabric2" or "invoke"; None when the file is no task file after all."""
    found: set[str] = set()
    for node in ast.walk(tree):
        modules: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        for mod in modules:
            if mod.startswith("fabric.") and not mod.startswith(("fabric.connection", "fabric.group")):
                found.add("fabric1")
            elif mod in ("fabric", "fabric.connection", "fabric.group"):
                found.add("fabric2")
            elif mod == "invoke" or mod.startswith("invoke."):
                found.add("invoke")
    for flavor in ("fabric1", "fabric2", "invoke"):
        if flavor in found:
            return flavor
    parts = rel.split("/")
    # a fabfile that gets Fabric's names through a star import of a sibling module
    return "fabric1" if parts[-1] == "fabfile.py" or "fabfile" in parts[:-1] else None


# -- one module -----------------------------------------------------------------------------------


class Module(Hooks):
    """Walks the tasks of one task file and collects what their commands mean."""

    def __init__(self, repo: RepoView, rel: str, tree: ast.Module, flavor: str, loader: Loader) -> None:
        self.repo = repo
        self.loader = loader
        self.rel = rel
        self.tree = tree
        self.flavor = flavor
        self.aliases: dict[str, str] = {}
        self.functions: dict[str, ast.FunctionDef] = {}
        self.names: dict[str, Any] = {"__file__": f"{_REPO}/{rel}", "__name__": "fabfile"}
        self.env_lines: dict[str, tuple[str, int]] = {}
        self.role_lines: dict[str, tuple[str, int]] = {}
        self.out: list[Item] = []
        self.secret_values: set[str] = set()
        self.hints: dict[str, HostSpec] = {}
        self.ctx = Ctx()
        self.stack: list[str] = []
        self.globals: MutableMapping[str, Any] = self.names
        self.budget = _BUDGET

    # entry ----------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Module-level state: imports, functions, constants and ``env`` (also of imported siblings)."""
        self._imports()
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef):
                self.functions[node.name] = node
                self.names[node.name] = FuncRef(node.name)
        if self.flavor == "fabric1" and ("env" not in self.aliases or self.aliases["env"].startswith("fabric.")):
            self.names["env"] = Namespace("env")
        self._link_siblings()
        self.out.extend(self._secrets())
        module = Resolver(self.names, self.aliases, self)
        self._block(self.tree.body, module, Frame())
        self._env_from_functions()

    def items(self) -> Iterator[Item]:
        self.loader.loading.add(self.rel)
        try:
            self.prepare()
        finally:
            self.loader.loading.discard(self.rel)
        try:
            for fn in self._tasks():
                self._run_task(fn)
        except _OutOfBudget:
            self.out.append(base.warning(Src(NAME, self.rel), "too many paths through the tasks and their helpers; "
                                         f"stopped after {_BUDGET} statements (results are partial)"))
        for spec in self.hints.values():
            src = Src(NAME, spec.file or self.rel, spec.line)
            self.out.append(base.process("web", src, H, role=ProcessRole.WEB.value, replicas=spec.count,
                                         replicas_hint_from=spec.hint))
        yield from _dedupe(self._clean(i) for i in self.out)

    def _imports(self) -> None:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom):
                mod = ("." * node.level) + (node.module or "")
                for a in node.names:
                    if a.name != "*":
                        self.aliases[a.asname or a.name] = f"{mod}.{a.name}"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        self.aliases[a.asname] = a.name
                    else:
                        root = a.name.split(".")[0]
                        self.aliases[root] = root

    def _link_siblings(self) -> None:
        # Fabric 1's env is one global: a fabfile/ package sets it in __init__.py for every submodule
        dirs = self.rel.split("/")[:-1]
        package_init = "/".join([*dirs, "__init__.py"])
        if "fabfile" in dirs and self.rel != package_init and self.repo.exists(package_init):
            init = self.loader.facts(package_init)
            if init is not None:
                self._adopt(init, [])
        for node in ast.walk(self.tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                path = self._local_module(node.module, node.level)
                sibling = self.loader.facts(path) if path else None
                if sibling is not None:
                    self._adopt(sibling, node.names)

    def _local_module(self, module: str, level: int) -> str | None:
        dirs = self.rel.split("/")[:-1]
        if level > len(dirs) + 1:
            return None
        bases = [dirs[: len(dirs) - (level - 1)]] if level else [dirs, []]
        for b in bases:
            for cand in ("/".join([*b, *module.split(".")]) + ".py", "/".join([*b, *module.split("."), "__init__.py"])):
                if cand != self.rel and self.repo.exists(cand):
                    return cand
        return None

    def _adopt(self, sibling: Module, names: list[ast.alias]) -> None:
        """Constants named in ``from sibling import ...`` (or all of ``*``) and the sibling's env."""
        for alias in names:
            if alias.name == "*":
                for key, value in sibling.names.items():
                    if not key.startswith("_") and key != "env" and not isinstance(value, FuncRef):
                        self.names.setdefault(key, value)
            elif alias.name != "env" and not isinstance(sibling.names.get(alias.name, FuncRef("")), FuncRef):
                self.names[alias.asname or alias.name] = sibling.names[alias.name]
        env, theirs = self._env(), sibling._env()
        if env is not None and theirs is not None:
            for key, value in theirs.items():
                env.setdefault(key, value)
            for lines, their_lines in ((self.env_lines, sibling.env_lines), (self.role_lines, sibling.role_lines)):
                for key, where in their_lines.items():
                    lines.setdefault(key, where)
        self.secret_values |= sibling.secret_values

    def _env(self) -> Namespace | None:
        env = self.names.get("env")
        return env if isinstance(env, Namespace) else None

    def _tasks(self) -> list[ast.FunctionDef]:
        decorated = [f for f in self.functions.values() if any(self._deco_name(d) == "task" for d in f.decorator_list)]
        if decorated or self.flavor != "fabric1":
            return decorated
        # Fabric 1 without any @task: every public module-level function is a task
        return [f for name, f in self.functions.items() if not name.startswith("_")]

    def _deco_name(self, deco: ast.expr) -> str:
        node = deco.func if isinstance(deco, ast.Call) else deco
        dotted = label(node)
        head, _, rest = dotted.partition(".")
        dotted = self.aliases.get(head, head) + ("." + rest if rest else "")
        return dotted.rsplit(".", 1)[-1]

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

    def _decorators(
        self, fn: ast.FunctionDef, r: Resolver, env: Namespace | None
    ) -> tuple[CtxChange, list[str], list[str]]:
        hosts: HostSpec | None = None
        user: str | None = None
        pre: list[str] = []
        post: list[str] = []
        for deco in fn.decorator_list:
            if not isinstance(deco, ast.Call):
                continue
            name = self._deco_name(deco)
            plain = Resolver(r.names, self.aliases)  # decorators are not run: no hooks
            args, kwargs = plain.arguments(deco)
            if name == "roles" and env is not None:
                hosts = self._roles_spec(_flatten(args), env, deco.lineno) or hosts
            elif name == "hosts":
                listed = _flatten(args)
                hosts = HostSpec(len(listed), "@hosts(...)", deco.lineno) if listed else hosts
            elif name == "task":
                listed = _flatten([kwargs.get("hosts")]) if kwargs.get("hosts") else []
                if listed:
                    hosts = HostSpec(len(listed), "@task(hosts=...)", deco.lineno)
                pre += [a.name for a in _flatten([*args, kwargs.get("pre")]) if isinstance(a, FuncRef)]
                post += [a.name for a in _flatten([kwargs.get("post")]) if isinstance(a, FuncRef)]
            elif name == "with_settings":
                user = _string(kwargs.get("user")) or user
        return CtxChange(user=user, hosts=hosts), pre, post

    def _default_hosts(self, env: Namespace) -> HostSpec | None:
        roles = _flatten([env.get("roles")]) if env.get("roles") else []
        if roles:
            return self._roles_spec(roles, env, self.env_lines.get("roles", (self.rel, 0))[1] or None)
        hosts = env.get("hosts")
        if isinstance(hosts, str):
            hosts = [h for h in hosts.split(",") if h.strip()]
        listed = _flatten([hosts]) if hosts else []
        if listed:
            file, line = self.env_lines.get("hosts", (self.rel, None))
            return HostSpec(len(listed), "env.hosts", line, file=file)
        return None

    def _roles_spec(self, roles: list[Any], env: Namespace, line: int | None) -> HostSpec | None:
        roledefs = env.get("roledefs")
        if not isinstance(roledefs, dict):
            return None
        names = [r for r in roles if isinstance(r, str)]
        hosts: list[Any] = []
        for role in names:
            entry = roledefs.get(role)
            if isinstance(entry, dict):
                entry = entry.get("hosts")
            hosts += _flatten([entry]) if entry else []
        if not hosts:
            return None
        unique = list(dict.fromkeys(str(h) for h in hosts))
        where = " + ".join(f"env.roledefs[{r!r}]" for r in names)
        declared = next((self.role_lines[r] for r in names if r in self.role_lines), None)
        file, decl = declared or self.env_lines.get("roledefs") or (self.rel, line)
        return HostSpec(len(unique), where, decl, web_role=any(_WEB_ROLE.match(r) for r in names), file=file)

    def _env_from_functions(self) -> None:
        """``env.hosts = [...]`` in a stage task (``fab production deploy``) counts for every task."""
        env = self._env()
        if env is None:
            return
        plain = Resolver(ChainMap({}, self.names), self.aliases)
        ordered = sorted(self.functions.values(), key=lambda f: not re.search(r"prod|live", f.name, re.I))
        for fn in ordered:
            for node in ast.walk(fn):
                if not isinstance(node, ast.Assign):
                    continue
                for target in node.targets:
                    key = self._env_key(target)
                    if key and key not in env:
                        env[key] = _named(plain.value(node.value), f"env.{key}")
                        self._note_env(key, node)

    def _env_key(self, target: ast.expr) -> str | None:
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "env":
            return target.attr
        if (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id == "env"
                and isinstance(target.slice, ast.Constant) and isinstance(target.slice.value, str)):
            return target.slice.value
        return None

    def _note_env(self, key: str, node: ast.Assign) -> None:
        self.env_lines.setdefault(key, (self.rel, node.lineno))
        if key == "roledefs":
            self._note_roles(node.value)

    def _note_roles(self, value: ast.expr) -> None:
        if isinstance(value, ast.Dict):
            for k, v in zip(value.keys, value.values, strict=False):
                if isinstance(k, ast.Constant) and isinstance(k.value, str):
                    self.role_lines.setdefault(k.value, (self.rel, v.lineno))

    # statements -----------------------------------------------------------------------------

    def _block(self, body: list[ast.stmt], r: Resolver, frame: Frame) -> None:
        for st in body:
            self.budget -= 1
            if self.budget < 0:
                raise _OutOfBudget
            if isinstance(st, ast.Return):
                value = r.value(st.value) if st.value is not None else None
                if not frame.has_returned:
                    frame.returned, frame.has_returned = value, True
                return
            self._statement(st, r, frame)

    def _statement(self, st: ast.stmt, r: Resolver, frame: Frame) -> None:
        if isinstance(st, ast.Expr) and isinstance(st.value, (ast.Yield, ast.YieldFrom)):
            # a @contextmanager helper: the body of the caller's with-block runs here
            if st.value.value is not None:
                r.value(st.value.value)
            if frame.yielded is None:
                frame.yielded = self.ctx
        elif isinstance(st, ast.Expr):
            r.value(st.value)
        elif isinstance(st, ast.Assign):
            value = r.value(st.value)
            for target in st.targets:
                self._assign(target, value, st, r)
        elif isinstance(st, ast.AnnAssign) and st.value is not None:
            self._assign(st.target, r.value(st.value), st, r)
        elif isinstance(st, ast.AugAssign):
            value = r.value(st.value)
            if isinstance(st.target, ast.Name):
                current = r.names.get(st.target.id)
                if isinstance(st.op, ast.Add) and isinstance(current, str):
                    r.names[st.target.id] = current + text(value)
                else:
                    r.names[st.target.id] = Unknown(st.target.id)
        elif isinstance(st, ast.If):
            r.value(st.test)
            self._block(st.body, r, frame)
            self._block(st.orelse, r, frame)
        elif isinstance(st, ast.For):
            self._for(st, r, frame)
        elif isinstance(st, ast.While):
            r.value(st.test)
            self._block(st.body, r, frame)
        elif isinstance(st, ast.With):
            self._with(st, r, frame)
        elif isinstance(st, ast.Try):
            for block in (st.body, *(h.body for h in st.handlers), st.orelse, st.finalbody):
                self._block(block, r, frame)

    def _assign(self, target: ast.expr, value: Any, st: ast.stmt, r: Resolver) -> None:
        if isinstance(target, ast.Name):
            r.names[target.id] = _named(value, target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            values = value if isinstance(value, (list, tuple)) and len(value) == len(target.elts) else None
            for i, elt in enumerate(target.elts):
                self._assign(elt, values[i] if values is not None else Unknown(label(elt)), st, r)
        elif isinstance(target, (ast.Attribute, ast.Subscript)):
            holder = r.value(target.value)
            key = target.attr if isinstance(target, ast.Attribute) else r.value(target.slice)
            if isinstance(holder, dict) and isinstance(key, str):
                holder[key] = _named(value, label(target))
            if self._env_key(target) and isinstance(st, ast.Assign):
                self._note_env(str(key), st)
            elif (isinstance(target, ast.Subscript) and isinstance(target.value, ast.Attribute)
                  and self._env_key(target.value) == "roledefs" and isinstance(key, str)):
                self.role_lines.setdefault(key, (self.rel, st.lineno))

    def _for(self, st: ast.For, r: Resolver, frame: Frame) -> None:
        iterable = r.value(st.iter)
        if isinstance(iterable, (list, tuple)) and 0 < len(iterable) <= _MAX_LOOP:
            for item in iterable:
                self._assign(st.target, item, st, r)
                self._block(st.body, r, frame)
        else:
            # iterating a Group yields its connections: keep the group so its hosts stay known
            self._assign(st.target, iterable if isinstance(iterable, Conn) else Unknown(label(st.target)), st, r)
            self._block(st.body, r, frame)
        self._block(st.orelse, r, frame)

    def _with(self, st: ast.With, r: Resolver, frame: Frame) -> None:
        saved = self.ctx
        for item in st.items:
            value = r.value(item.context_expr)
            for change in _changes(value):
                self.ctx = change if isinstance(change, Ctx) else self.ctx.apply(change)
            if item.optional_vars is not None:
                self._assign(item.optional_vars, value, st, r)
        try:
            self._block(st.body, r, frame)
        finally:
            self.ctx = saved

    # calls ----------------------------------------------------------------------------------

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

    # what commands mean -------------------------------------------------------------------------

    def _command(
        self, op: str, command: Any, line: int, *, user: str | None, conn: Conn | None, detached: bool = False
    ) -> None:
        if command is None:
            return
        cmd = text(command).replace(_REPO + "/", "")
        src = Src(NAME, self.rel, line)
        cwd = self.ctx.lcwd if op == "local" else self.ctx.cwd
        hosts = conn.hosts if conn is not None and conn.hosts is not None else self.ctx.hosts
        for part, background in split_list(cmd):
            parsed = parse_at(part, src, cwd=cwd, background=background or detached, origin=f"{op}()")
            if parsed.argv[:1] == ("cd",):
                cwd = _cd(cwd, parsed.argv[1] if len(parsed.argv) > 1 else "~")
                continue
            emitted_secret = False
            for item in interpret(parsed, src):
                if isinstance(item, Finding) and item.kind in _STEP_FIELDS and "command" in item.fields:
                    extra: dict[str, Any] = {"cwd": cwd}
                    if op == "local":
                        extra["runs_on"] = "local"
                    item = replace(item, fields={**item.fields, **{k: v for k, v in extra.items() if v}})
                    if item.kind is Kind.PROCESS and "role" in item.fields:
                        self._process_user(item.key, parsed, op, user, conn, src)
                emitted_secret |= isinstance(item, SecretFinding)
                self.out.append(item)
            kind = value_secret_kind(part)
            if kind and not emitted_secret:
                self.out.append(base.hardcoded_secret(src, f"{op} command", kind))
            elif scrub(part) != part and not emitted_secret:
                self.out.append(base.hardcoded_secret(src, f"{op} command", "password"))
            if hosts is not None and op != "local" and (hosts.web_role or _webish(parsed)):
                self.hints.setdefault(hosts.where, hosts)

    def _process_user(self, key: str, part: ParsedCommand, op: str, user: str | None, conn: Conn | None,
                      src: Src) -> None:
        who = _sudo_user(part.argv)
        if who is None and op == "sudo":
            who = user or self.ctx.sudo_user
        elif who is None and op == "run":
            who = (conn.user if conn is not None else None) or self.ctx.user
        if who:
            self.out.append(base.process(key, src, H, user=who))

    def _prefix(self, command: Any, line: int) -> CtxChange:
        cmd = text(command)
        src = Src(NAME, self.rel, line)
        cwd: str | None = None
        for part, _ in split_list(cmd):
            parsed = parse_at(part, src, origin="prefix()")
            if parsed.argv[:1] == ("cd",) and len(parsed.argv) > 1:
                cwd = _cd(cwd, parsed.argv[1])  # prefix("cd /srv/app") is how old fabfiles chdir
            else:
                self.out.extend(interpret(parsed, src))
        return CtxChange(cwd=cwd, prefixes=(cmd,))

    def _env_vars(self, values: dict[str, Any], line: int) -> None:
        src = Src(NAME, self.rel, line)
        for name, value in values.items():
            known = str(value) if isinstance(value, (int, float)) else _string(value)
            self.out.append(base.env_var(name, src, base.D, default=known, set_by="fabric shell_env"))

    def _deploy_file(self, op: str, local: Any, remote: Any, line: int, template_dir: str | None) -> None:
        repo_file = self._repo_file(text(local), template_dir) if local is not None else None
        self._host_files(op, local, remote, line, "file copied to the hosts: the image or a ConfigMap carries it",
                         repo_file=repo_file)

    def _host_files(
        self, op: str, local: Any, remote: Any, line: int, reason: str, repo_file: str | None = None
    ) -> None:
        local_text = text(local).replace(_REPO + "/", "") if local is not None else None
        remote_text = text(remote) if remote is not None else None
        command = " ".join(p for p in (op, local_text, remote_text) if p)
        step = base.host_step(command, Src(NAME, self.rel, line), reason)
        extra = {"local_path": local_text, "remote_path": remote_text, "repo_file": repo_file}
        self.out.append(Finding(step.kind, step.key, {**step.fields, **{k: v for k, v in extra.items() if v}},
                                step.source))

    def _repo_file(self, local: str, template_dir: str | None) -> str | None:
        if "${" in local or any(c in local for c in "*?["):
            return None
        if local.startswith(_REPO + "/"):
            rel = normalize(local[len(_REPO) + 1:])
            return rel if self.repo.exists(rel) else None
        if local.startswith("/"):
            return None
        paths = [posixpath.join(template_dir, local)] if template_dir else []
        if self.ctx.lcwd and not self.ctx.lcwd.startswith("/"):
            paths.append(posixpath.join(self.ctx.lcwd, local))
        paths.append(local)
        # fab runs from the fabfile's directory (or the one above a fabfile/ package)
        dirs = self.rel.split("/")[:-1]
        for path in paths:
            for depth in range(len(dirs), -1, -1):
                rel = normalize("/".join([*dirs[:depth], path]))
                if self.repo.exists(rel):
                    return rel
        return None

    # secrets and output -----------------------------------------------------------------------

    def _secrets(self) -> Iterator[SecretFinding]:
        """Hard-coded secret literals: ``env.password = "..."``, ``password="..."``, ``{"password": "..."}``."""
        for node in ast.walk(self.tree):
            pairs: list[tuple[str, ast.expr]] = []
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    name = self._target_name(t)
                    if name and isinstance(node.value, ast.Dict):
                        pairs += [(name, v) for v in node.value.values]  # env.passwords = {host: pw}
                    elif name:
                        pairs.append((name, node.value))
            elif isinstance(node, ast.Call):
                pairs += [(kw.arg, kw.value) for kw in node.keywords if kw.arg]
            elif isinstance(node, ast.Dict):
                pairs += [(k.value, v) for k, v in zip(node.keys, node.values, strict=False)
                          if isinstance(k, ast.Constant) and isinstance(k.value, str)]
            for name, value in pairs:
                if name.endswith("key_filename"):
                    yield from self._committed_keys(name, value)
                elif isinstance(value, ast.Constant) and isinstance(value.value, str):
                    found = base.check_assignment(Src(NAME, self.rel, value.lineno), name, value.value)
                    if found is not None:
                        self.secret_values.add(value.value)
                        yield found

    def _committed_keys(self, name: str, value: ast.expr) -> Iterator[SecretFinding]:
        """``env.key_filename`` / ``connect_kwargs={"key_filename": ...}`` naming a key file in the repo."""
        paths = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
        for path in paths:
            if isinstance(path, ast.Constant) and isinstance(path.value, str) and self._repo_file(path.value, None):
                yield base.hardcoded_secret(Src(NAME, self.rel, path.lineno), name, "private_key")

    def _target_name(self, target: ast.expr) -> str | None:
        if isinstance(target, (ast.Name, ast.Attribute)):
            return label(target)
        if isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
            return str(target.slice.value)
        return None

    def _clean(self, item: Item) -> Item:
        """Scrub every string a finding carries; values known to be secrets are cut out too."""
        if not isinstance(item, Finding):
            return item
        fields = {k: self._redact(v) if isinstance(v, str) else v for k, v in item.fields.items()}
        return base.with_fields(item, fields, key=self._redact(item.key))

    def _redact(self, value: str) -> str:
        out = scrub(value)
        for secret in self.secret_values:
            if len(secret) >= 4:
                out = out.replace(secret, REDACTED)
        return out


# -- small helpers --------------------------------------------------------------------------------


def _named(value: Any, name: str) -> Any:
    """An unknown value bound to a name is best shown by that name: ``${release}``."""
    return Unknown(name) if isinstance(value, Unknown) else value


def _string_or_text(value: Any) -> str | None:
    return None if value is None else text(value)


def _flatten(values: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, (list, tuple)):
            out += _flatten(v)
        elif v is not None:
            out.append(v)
    return out


def _changes(value: Any) -> list[CtxChange | Ctx]:
    if isinstance(value, (CtxChange, Ctx)):
        return [value]
    if isinstance(value, (list, tuple)):
        return [c for v in value for c in _changes(v)]
    return []


def _merge(a: CtxChange, b: CtxChange) -> CtxChange:
    return CtxChange(
        cwd=_cd(a.cwd, b.cwd), lcwd=_cd(a.lcwd, b.lcwd), prefixes=a.prefixes + b.prefixes,
        user=b.user or a.user, sudo_user=b.sudo_user or a.sudo_user, hosts=b.hosts or a.hosts,
    )


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


def _sudo_user(argv: Sequence[str]) -> str | None:
    if not argv or basename(argv[0]) != "sudo":
        return None
    for i, tok in enumerate(argv[1:], 1):
        if not tok.startswith("-"):
            break
        if tok in ("-u", "--user") and i + 1 < len(argv):
            return argv[i + 1]
        if tok.startswith("--user="):
            return tok.split("=", 1)[1]
        if tok.startswith("-u") and len(tok) > 2:
            return tok[2:]
    return None


def _webish(cmd: ParsedCommand) -> bool:
    """Does this command deploy, restart or check the web tier?"""
    part = cmd.text
    if meaning(cmd).role is ProcessRole.WEB or _WEB_CMD.search(part) or _HEALTH.search(part):
        return True
    return bool(_RESTART.search(part)) and not _NOT_WEB.search(part)


def _dedupe(items: Iterable[Item]) -> Iterator[Item]:
    """The same finding reached through two tasks (a shared helper) is reported once."""
    seen: set[str] = set()
    for item in items:
        key = repr((type(item).__name__, getattr(item, "kind", None), getattr(item, "key", None),
                    sorted(item.fields.items()) if isinstance(item, Finding) else item, getattr(item, "source", None)))
        if key not in seen:
            seen.add(key)
            yield item
