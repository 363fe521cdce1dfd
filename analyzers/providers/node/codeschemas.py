"""Env variables declared through config-schema libraries: envalid and convict.

envalid: ``cleanEnv(process.env, { PORT: port({ default: 3000 }), JWT_SECRET: str({ devDefault: 'x' }) })``:
each key is a variable; ``default`` is its default; ``devDefault`` applies outside production only, so it is
no production default (a secret literal there is still reported). convict: ``convict({ db: { url: { doc,
format, default, env: 'DATABASE_URL', sensitive: true } } })``: every object with an ``env`` key declares
that variable, ``sensitive: true`` makes it a secret.
"""

from __future__ import annotations

from analyzers.lib import treesitter
from analyzers.lib.jsobject import Evaluator
from analyzers.lib.jsvalue import JsObject, JsValue, Unknown, as_bool, as_str
from analyzers.providers.node.codecalls import Call
from analyzers.providers.node.codeenv import make
from analyzers.providers.node.facts import EnvRead


def schema_reads(ev: Evaluator, calls: list[Call], imports: set[str]) -> list[EnvRead]:
    out: list[EnvRead] = []
    for call in calls:
        if call.name == "cleanEnv" and "envalid" in imports and len(call.args) >= 2:
            out.extend(_envalid(ev, call))
        elif call.name == "convict" and "convict" in imports and call.args:
            schema = ev.value(call.args[0])
            if isinstance(schema, JsObject):
                out.extend(_convict(schema, 0))
    return out


def _envalid(ev: Evaluator, call: Call) -> list[EnvRead]:
    spec_node = call.args[1]
    if spec_node.type != "object":
        return []
    out = []
    for pair in spec_node.named_children:
        key, value = pair.child_by_field_name("key"), pair.child_by_field_name("value")
        if pair.type != "pair" or key is None or value is None:
            continue
        name = ev.text(key).strip("'\"")
        options: JsValue | None = None
        args = value.child_by_field_name("arguments") if value.type == "call_expression" else None
        if args is not None and args.named_children:
            options = ev.value(args.named_children[0])
        default = options.get("default") if isinstance(options, JsObject) else None
        dev = options.get("devDefault") if isinstance(options, JsObject) else None
        read = make(name, treesitter.line(key), default, "envalid")
        if read.hardcoded is None and dev is not None and not isinstance(dev, Unknown):
            hard = make(name, treesitter.line(key), dev, "envalid").hardcoded  # a secret written as devDefault
            read = EnvRead(read.name, read.line, read.default, read.default_line, read.secret or hard is not None,
                           hard, read.via)
        out.append(read)
    return out


def _convict(schema: JsObject, depth: int) -> list[EnvRead]:
    if depth > 16:
        return []
    out: list[EnvRead] = []
    name = as_str(schema.get("env"))
    if name:
        read = make(name, schema.line, schema.get("default"), "convict")
        if as_bool(schema.get("sensitive")) and not read.secret:
            read = EnvRead(read.name, read.line, None, None, True, None, read.via)
        out.append(read)
    for _, value in schema.entries:
        if isinstance(value, JsObject):
            out.extend(_convict(value, depth + 1))
    return out
