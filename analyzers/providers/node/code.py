"""Read one JS/TS file into :class:`CodeFacts`: env reads, listen calls, routes, mounts, constructors,
imports, SIGTERM handlers, workers and schedules, NestJS decorators. Nothing is executed or imported.

A file is parsed only when it holds a trigger substring (most of a repo's JS is components and helpers
that say none of this), with the size and time bounds of :mod:`analyzers.lib.treesitter`.
:func:`health_routes` joins routes across files through ``app.use(prefix, require('./routes/x'))``.
"""

from __future__ import annotations

import posixpath
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from analyzers.lib import treesitter
from analyzers.lib.jsobject import Evaluator
from analyzers.lib.jsvalue import as_str
from analyzers.providers.node import codecalls, codeenv, codeschemas, nest, queries, workers
from analyzers.providers.node.facts import CodeFacts
from analyzers.providers.python.python_routes import judge
from migrator.model import Confidence

TRIGGERS = (b"process.env", b"listen(", b".get(", b".route(", b".use(", b"Queue", b"Worker(", b"schedule", b"CronJob",
            b"Agenda", b"@Controller", b"@Get", b"@Cron", b"@Processor", b"SIGTERM", b"SIGINT", b"createServer",
            b"NestFactory", b"createTerminus", b"Hapi", b"cleanEnv", b"convict")
_SUFFIXES = (".js", ".ts", ".mjs", ".cjs", ".jsx", ".tsx", "/index.js", "/index.ts")


@dataclass(frozen=True)
class HealthRoute:
    path: str  # the full path, mount prefixes joined
    file: str
    line: int
    confidence: Confidence
    probe: str | None  # readiness | liveness | None (both)


def read_code(rel: str, data: bytes) -> CodeFacts | None:
    """The facts of file ``rel``; None when it is not JS/TS or holds no trigger. Raises
    :class:`treesitter.Unavailable` when the grammar is not installed."""
    grammar = treesitter.grammar_for(rel)
    if grammar is None or not any(t in data for t in TRIGGERS):
        return None
    tree = treesitter.parse(grammar, data)
    if tree is None:
        return CodeFacts(rel, complete=False)
    ev = Evaluator(grammar, tree, data, rel)
    env, env_complete = codeenv.env_reads(ev, grammar)
    calls, calls_complete = codecalls.calls(ev, grammar)
    imported = treesitter.matches(grammar, tree, queries.IMPORTS)
    imports = [(ev.text(m.node("module")), treesitter.line(m.node("import"))) for m in imported]
    imports += [(s, c.line) for c in calls if c.callee == ("require",) and c.args
                and (s := as_str(ev.value(c.args[0]))) is not None]
    required = _required_names(ev)
    modules = {m for m, _ in imports}
    found_workers, schedules = workers.read(ev, calls, modules)
    env = sorted(env + codeschemas.schema_reads(ev, calls, modules), key=lambda r: r.line)
    deco_routes, deco_workers, deco_schedules, deco_complete = nest.decorators(ev, grammar)
    dotenv = next((line for m, line in imports if m == "dotenv/config"), None) or next(
        (c.line for c in calls if c.name == "config" and c.obj is not None and "dotenv" in ev.text(c.obj)), None)
    listens = [x for c in calls if (x := codecalls.listen(ev, c)) is not None]
    routes = [r for c in calls if (r := codecalls.route(ev, c)) is not None] + deco_routes
    mounts = [m for c in calls if (m := codecalls.mount(ev, c, required)) is not None]
    constructs = [k for c in calls if (k := codecalls.construct(c)) is not None]
    return CodeFacts(
        rel, tuple(env), tuple(listens), tuple(sorted(routes, key=lambda r: r.line)), tuple(mounts),
        tuple(constructs), tuple(sorted(imports, key=lambda i: i[1])),
        tuple(c.line for c in calls if codecalls.handles_signal(ev, c)),
        tuple(c.line for c in calls if codecalls.handles_signal(ev, c, "SIGINT")),
        tuple(found_workers + deco_workers), tuple(schedules + deco_schedules), dotenv,
        env_complete and calls_complete and imported.complete and deco_complete)


def _required_names(ev: Evaluator) -> dict[str, str]:
    """Top-level ``const x = require('./routes/x')`` and ``import x from './routes/x'``: name -> module."""
    out = {name: m for name, node in ev.scopes[0].items() if (m := codecalls.require_target(ev, node))}
    for stmt in ev.root.named_children:
        source = stmt.child_by_field_name("source") if stmt.type == "import_statement" else None
        clause = next((c for c in stmt.named_children if c.type == "import_clause"), None)
        default = next((c for c in clause.named_children if c.type == "identifier"), None) if clause else None
        spec = as_str(ev.value(source)) if source is not None else None
        module = codecalls.local_module(ev.rel, spec) if spec else None
        if default is not None and module is not None:
            out[ev.text(default)] = module
    return out


def health_routes(facts: Mapping[str, CodeFacts], files: Collection[str]) -> list[HealthRoute]:
    """Health-check routes across files: a router file's routes get the prefix it is mounted under."""
    prefixes: dict[str, str] = {}
    for f in facts.values():
        for mount in f.mounts:
            target = _existing(mount.module, files) if mount.module else None
            if target is not None:
                prefixes[target] = mount.prefix
    out = []
    for rel, f in sorted(facts.items()):
        for r in f.routes:
            full = posixpath.join(prefixes.get(rel, "/"), r.path.lstrip("/")) if rel in prefixes else r.path
            verdict = judge(full)
            if verdict is not None:
                out.append(HealthRoute(full, rel, r.line, verdict[0], verdict[1]))
    return out


def _existing(module: str, files: Collection[str]) -> str | None:
    if module in files:
        return module
    return next((module + s for s in _SUFFIXES if module + s in files), None)
