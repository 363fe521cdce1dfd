"""Hosts, roles and env: Fabric 1's ``env`` (``env.hosts``, ``env.roledefs``, ``env.user``, also set
in a stage task such as ``production()``), the ``@roles``/``@hosts``/``@task(hosts=...)``/``@with_settings``
decorators, and how many hosts a task targets (the replicas hint).
"""

from __future__ import annotations

import ast
import re
from collections import ChainMap
from typing import Any

from analyzers.deploy.fabric.model import CtxChange, FuncRef, HostSpec, _flatten, _named, _string
from analyzers.deploy.fabric.output import Output
from analyzers.pyresolve import Namespace, Resolver, label

_WEB_ROLE = re.compile(r"^(web|www|app|apps|application|frontend|front|webservers?|appservers?|wsgi|django)\d*$", re.I)


class Hosts(Output):
    """The env namespace, the decorators and the host lists they name."""

    def _env(self) -> Namespace | None:
        env = self.names.get("env")
        return env if isinstance(env, Namespace) else None

    def _deco_name(self, deco: ast.expr) -> str:
        node = deco.func if isinstance(deco, ast.Call) else deco
        dotted = label(node)
        head, _, rest = dotted.partition(".")
        dotted = self.aliases.get(head, head) + ("." + rest if rest else "")
        return dotted.rsplit(".", 1)[-1]

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
