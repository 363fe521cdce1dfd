"""Walking statements: a task's or helper's body statement by statement (assignments, ``if``/``for``/
``while``/``try``, ``with`` blocks whose context managers change the cwd, prefixes, user or hosts), within
a statement budget.
"""

from __future__ import annotations

import ast
from typing import Any

from analyzers.deploy.fabric.hosts import Hosts
from analyzers.deploy.fabric.model import Conn, Ctx, Frame, _changes, _named, _OutOfBudget
from analyzers.pyresolve import Resolver, Unknown, label, text

_MAX_LOOP = 10


class Statements(Hosts):
    """The statement walk; calls inside expressions reach :class:`Calls` through the resolver's hooks."""

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
