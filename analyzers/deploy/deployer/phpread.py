"""``deploy.php`` (Deployer 6 and 7) into a :class:`~analyzers.deploy.deployer.model.Config`, read through
tree-sitter-php (:mod:`analyzers.deploy.deployer.phpvalues`), never run.

Top-level calls: ``require 'recipe/laravel.php'`` / ``import('contrib/npm.php')`` (recipes; a repo file is
read in turn), ``set``/``add``, ``host('a')->set(...)->setLabels([...])`` (Deployer 6's ``->hostname()``,
``->user()``, ``->stage()``, ``->roles()``), ``localhost()``, ``inventory('hosts.yml')``, ``task('x',
function () {...})`` / ``task('x', ['a', 'b'])`` / ``task('x', 'shell command')`` / ``task('x',
artisan('cmd'))`` with ``->onRoles()``, ``->select()``, ``->once()``, ``->local()``; ``before``/``after``/``fail``.
Task bodies: ``run``/``runLocally`` (inside ``cd(...)``, ``within(path, fn)``, ``on(host, fn)``, ``if``
branches), ``invoke``, ``upload``; ``$x = '...'`` locals interpolate into later commands. A stretch that
does not parse is a warning with its line; the calls around it are still read.
"""

from __future__ import annotations

import posixpath
from typing import Any

from analyzers import base
from analyzers.base import Src
from analyzers.deploy.deployer.model import NAME, Config, Hook, Host, Invoke, Run, Setting, Task, Upload
from analyzers.deploy.deployer.phpvalues import Call, PhpFile, Unknown, known, render
from analyzers.deploy.deployer.recipes import RECIPE_PATH
from migrator.repo import RepoView, normalize
from migrator.secrets import value_secret_kind

_MAX_FILES = 20
_MAX_DEPTH = 30
_IGNORED = {"desc", "writeln", "write", "info", "warning", "output", "option", "argument", "namespace",
            "currentHost", "get", "has", "test", "ask", "askConfirmation", "askChoice", "askHiddenResponse",
            "parse", "which", "commandExist", "isVerbose", "isDebug", "input", "set_time_limit"}
_HOST_KEYS = {"hostname": "hostname", "setHostname": "hostname", "user": "remote_user", "setRemoteUser": "remote_user",
              "port": "port", "setPort": "port", "setDeployPath": "deploy_path", "setBranch": "branch"}


class Reader:
    def __init__(self, repo: RepoView, config: Config) -> None:
        self.repo = repo
        self.config = config
        self.read_files: list[str] = []
        self.scope: dict[str, Any] = {}

    def read(self, rel: str) -> None:
        if rel in self.read_files or len(self.read_files) >= _MAX_FILES:
            return
        self.read_files.append(rel)
        text = self.repo.read_text(rel)
        if text is None:
            return
        php = PhpFile(text)
        if php.root is None:
            self.config.items.append(base.warning(Src(NAME, rel, 1), "deploy file is too large or too slow to "
                                                  "parse as PHP; not read"))
            return
        errors = php.errors()
        if errors:
            self.config.items.append(base.warning(Src(NAME, rel, errors[0]), f"PHP syntax error at line {errors[0]} "
                                                  "(not parsed); the calls around it were read"))
        for stmt in php.statements():
            self._statement(php, rel, stmt)

    # -- top level ---------------------------------------------------------------------------------

    def _statement(self, php: PhpFile, rel: str, stmt: Any) -> None:
        if stmt.type != "expression_statement" or not stmt.named_children:
            return
        expr = stmt.named_children[0]
        if expr.type in ("require_expression", "require_once_expression", "include_expression",
                         "include_once_expression"):
            if expr.named_children:
                self._require(render(php.value(expr.named_children[-1], self.scope)), rel, php.line(expr))
            return
        if expr.type == "assignment_expression":
            left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
            if left is not None and left.type == "variable_name":
                self.scope[php.text(left).lstrip("$")] = php.value(right, self.scope)
                self._secret_literal(php, rel, php.text(left).lstrip("$"), right)
            return
        calls = php.chain(expr)
        if calls:
            self._top_call(php, rel, calls)

    def _require(self, path: str, rel: str, line: int) -> None:
        m = RECIPE_PATH.search(path)
        if m and not self.repo.exists(self._local(path, rel)):
            self.config.recipes.append((m.group(2).rsplit("/", 1)[-1], line))
            return
        if path.endswith((".yml", ".yaml")):
            self.config.inventories.append((self._local(path, rel), line))
            return
        if "vendor/autoload" in path or "${" in path:
            return
        local = self._local(path, rel)
        if self.repo.exists(local):
            self.read(local)

    def _local(self, path: str, rel: str) -> str:
        return normalize(posixpath.join(posixpath.dirname(rel), path.lstrip("/")))

    def _top_call(self, php: PhpFile, rel: str, calls: list[Call]) -> None:
        head = calls[0]
        args = [php.value(a, self.scope) for a in head.args]
        name = head.name
        if name in ("set", "add") and args and isinstance(args[0], str):
            value = args[1] if len(args) > 1 else None
            lines = _item_lines(php, head.args[1]) if len(head.args) > 1 else ()
            self.config.settings.append(Setting(name, args[0], value, rel, head.line, lines))
            if len(head.args) > 1:
                self._secret_literal(php, rel, args[0], head.args[1])
        elif name in ("host", "localhost", "server", "localServer"):
            self._hosts(php, rel, calls, args)
        elif name == "task" and args and isinstance(args[0], str):
            self._task(php, rel, calls, args[0])
        elif name in ("before", "after", "fail") and len(args) >= 2 and isinstance(args[0], str):
            self._hook(php, rel, name, args[0], head)
        elif name == "import" and args:
            self._require(render(args[0]), rel, head.line)
        elif name == "inventory" and args:
            self.config.inventories.append((self._local(render(args[0]), rel), head.line))

    def _hook(self, php: PhpFile, rel: str, when: str, point: str, call: Call) -> None:
        target = call.args[1]
        if php.closure_body(target) is not None:  # after('deploy', function () {...}): an anonymous task
            name = f"{when}:{point}:{call.line}"
            task = self.config.tasks.setdefault(name, Task(name, rel, call.line))
            self._body(php, rel, php.closure_body(target), task, None, False, 0)
            self.config.hooks.append(Hook(when, point, name, rel, call.line))
            return
        value = php.value(target, self.scope)
        for name in value if isinstance(value, list) else [value]:
            if isinstance(name, str):
                self.config.hooks.append(Hook(when, point, name, rel, call.line))

    def _hosts(self, php: PhpFile, rel: str, calls: list[Call], args: list[Any]) -> None:
        head = calls[0]
        local = head.name in ("localhost", "localServer")
        names = [render(a) for a in (args[:1] if head.name == "server" else args) if known(a)] or \
            (["localhost"] if local else [])
        hosts = [Host(n, rel, head.line, local=local) for n in names]
        if head.name == "server" and len(args) > 1 and known(args[1]):
            for h in hosts:
                h.settings["hostname"] = render(args[1])
        for call in calls[1:]:
            values = [php.value(a, self.scope) for a in call.args]
            for h in hosts:
                _host_method(h, call.name, values)
            if call.name == "set" and len(call.args) > 1 and isinstance(values[0], str):
                self._secret_literal(php, rel, values[0], call.args[1])
        self.config.hosts += hosts

    def _task(self, php: PhpFile, rel: str, calls: list[Call], name: str) -> None:
        head = calls[0]
        body = head.args[1] if len(head.args) > 1 else None
        if body is None:  # task('x')->once(): configures a task defined before (a recipe's: not replaced)
            task = self.config.tasks.get(name) or Task(name, rel, head.line)
        else:
            task = Task(name, rel, head.line)
            self.config.tasks[name] = task  # a redefinition replaces the task (Deployer's TaskCollection::set)
        if body is not None:
            closure = php.closure_body(body)
            if closure is not None:
                self._body(php, rel, closure, task, None, False, 0)
            elif body.type == "array_creation_expression":
                task.group = [render(v) for v in _list(php.value(body, self.scope))]
                task.group_lines = dict(_item_lines(php, body))
            elif body.type == "function_call_expression":
                inner = php.chain(body)
                if inner and inner[0].name == "artisan" and inner[0].args:  # Deployer 7: task('x', artisan('y'))
                    command = render(php.value(inner[0].args[0], self.scope))
                    task.actions.append(Run("{{bin/php}} {{release_or_current_path}}/artisan " + command, rel,
                                            head.line))
            else:  # Deployer 6: task('x', 'shell command')
                task.actions.append(Run(render(php.value(body, self.scope)), rel, head.line))
        for call in calls[1:]:
            values = [php.value(a, self.scope) for a in call.args]
            if call.name in ("onRoles", "onStage", "onHosts"):
                task.roles = tuple(render(v) for v in _flat(values))
            elif call.name == "select" and values:
                task.select = render(values[0])
            elif call.name == "once":
                task.once = values[0] is not False if values else True
            elif call.name == "local":
                task.local = True

    # -- task bodies ----------------------------------------------------------------------------------

    def _body(self, php: PhpFile, rel: str, node: Any, task: Task, cwd: str | None, local: bool, depth: int) -> None:
        if node is None or depth > _MAX_DEPTH:
            return
        scope = dict(self.scope)
        if node.type != "compound_statement":  # fn () => run('x')
            self._expr(php, rel, node, task, [cwd], local, scope, depth)
            return
        where = [cwd]
        for stmt in php.statements(node):
            if stmt.type == "expression_statement" and stmt.named_children:
                expr = stmt.named_children[0]
                if expr.type == "assignment_expression":
                    left, right = expr.child_by_field_name("left"), expr.child_by_field_name("right")
                    self._expr(php, rel, right, task, where, local, scope, depth)
                    if left is not None and left.type == "variable_name" and right is not None:
                        scope[php.text(left).lstrip("$")] = _local_value(php, right, scope)
                    continue
                self._expr(php, rel, expr, task, where, local, scope, depth)
            elif stmt.type in ("return_statement", "echo_statement"):
                for child in stmt.named_children:
                    self._expr(php, rel, child, task, where, local, scope, depth)

    def _expr(self, php: PhpFile, rel: str, node: Any, task: Task, where: list[str | None], local: bool,
              scope: dict[str, Any], depth: int) -> None:
        """The calls in expression ``node`` in source order; ``where[0]`` is the body's ``cd``."""
        if node is None or depth > _MAX_DEPTH:
            return
        calls = php.chain(node) if node.type in ("function_call_expression", "member_call_expression") else []
        call = calls[0] if calls else None
        if call is None:
            for child in node.named_children:
                if child.type not in ("anonymous_function", "arrow_function"):
                    self._expr(php, rel, child, task, where, local, scope, depth + 1)
            return
        values = [php.value(a, scope) for a in call.args]
        name = call.name
        if name in ("run", "runLocally") and values:
            task.actions.append(Run(render(values[0]), rel, call.line, local or name == "runLocally", where[0]))
        elif name == "cd" and values:
            where[0] = render(values[0])
        elif name in ("within", "on") and call.args:
            inner = php.closure_body(call.args[-1])
            path = render(values[0]) if name == "within" and values else where[0]
            self._body(php, rel, inner, task, path, local, depth + 1)
        elif name == "invoke" and values and isinstance(values[0], str):
            task.actions.append(Invoke(values[0], rel, call.line))
        elif name == "upload" and len(values) >= 2:
            task.actions.append(Upload(render(values[0]), render(values[1]), rel, call.line))
        elif name not in _IGNORED:
            for arg in call.args:
                self._expr(php, rel, arg, task, where, local, scope, depth + 1)

    def _secret_literal(self, php: PhpFile, rel: str, name: str, node: Any) -> None:
        """A hard-coded secret among a setting's literals: where (never what); the value is cut from output."""
        for key, value, line in _literals(php, node, name):
            secret = base.check_assignment(Src(NAME, rel, line), key, value) if value else None
            if secret is None and value and value_secret_kind(value):
                secret = base.hardcoded_secret(Src(NAME, rel, line), key, value_secret_kind(value) or "secret")
            if secret is not None:
                self.config.items.append(base.hardcoded_secret(Src(NAME, rel, line), name if key == name else
                                                               f"{name}[{key}]", secret.kind))
                self.config.secret_values.add(value)


def _host_method(h: Host, method: str, values: list[Any]) -> None:
    if method in _HOST_KEYS and values and known(values[0]):
        h.settings[_HOST_KEYS[method]] = render(values[0])
    elif method == "set" and len(values) > 1 and isinstance(values[0], str):
        h.settings[values[0]] = values[1]
    elif method in ("stage", "setStage") and values:  # Deployer 6
        h.labels["stage"] = render(values[0])
    elif method in ("roles", "setRoles"):
        h.roles = tuple(render(v) for v in _flat(values))
    elif method in ("setLabels", "addLabels") and values and isinstance(values[0], dict):
        h.labels.update({k: render(v) for k, v in values[0].items()})
        if "role" in values[0] or "roles" in values[0]:
            h.roles = tuple(render(v) for v in _flat([values[0].get("role"), values[0].get("roles")]))


def _local_value(php: PhpFile, node: Any, scope: dict[str, Any]) -> Any:
    """A body local: its literal value, or (``$out = run('...')``) unknown."""
    value = php.value(node, scope)
    return value if not isinstance(value, Unknown) else Unknown(php.text(node)[:20] if node is not None else "x")


def _literals(php: PhpFile, node: Any, name: str, depth: int = 0) -> list[tuple[str, str, int]]:
    """Each string literal of a setting's value with the key it sits under: (key, value, line)."""
    if node is None or depth > _MAX_DEPTH:
        return []
    if node.type in ("string", "encapsed_string", "heredoc", "nowdoc"):
        value = php.value(node)
        return [(name, value, php.line(node))] if isinstance(value, str) else []
    out: list[tuple[str, str, int]] = []
    if node.type == "array_creation_expression":
        for element in node.named_children:
            parts = element.named_children
            keyed = any(not c.is_named and php.text(c) == "=>" for c in element.children) and len(parts) >= 2
            key = render(php.value(parts[0])) if keyed else name
            if parts:
                out += _literals(php, parts[-1], key, depth + 1)
    return out


def _item_lines(php: PhpFile, node: Any) -> tuple[tuple[str, int], ...]:
    if node is None or node.type != "array_creation_expression":
        return ()
    out = []
    for element in node.named_children:
        if element.named_children:
            value = php.value(element.named_children[-1])
            if isinstance(value, str):
                out.append((value, php.line(element)))
    return tuple(out)


def _list(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return list(value.values())
    return value if isinstance(value, list) else [value]


def _flat(values: list[Any]) -> list[Any]:
    out: list[Any] = []
    for v in values:
        if isinstance(v, list):
            out += _flat(v)
        elif v is not None:
            out.append(v)
    return out
