"""NestJS decorators: ``@Get(path)`` under ``@Controller(prefix)`` as routes, ``@Processor('q')`` classes (with
``@Process({ concurrency })``) as queue workers, ``@Cron``/``@Interval`` as in-process schedules.

Decorators sit on the ``class_declaration`` (or on its ``export_statement``); a method's decorators are its
siblings in the class body, so both are tied to their class by the class node.
"""

from __future__ import annotations

from typing import Any

from analyzers.lib import treesitter
from analyzers.lib.jsobject import Evaluator
from analyzers.lib.jsvalue import JsObject, as_int, as_str
from analyzers.providers.node import queries, workers
from analyzers.providers.node.facts import Route, Schedule, Worker


def decorators(ev: Evaluator, grammar: str) -> tuple[list[Route], list[Worker], list[Schedule], bool]:
    """NestJS: ``@Get(path)`` under ``@Controller(prefix)``, ``@Processor('q')`` classes, ``@Cron``/``@Interval``."""
    found = treesitter.matches(grammar, ev.root, queries.DECORATORS)
    controllers: dict[int, str] = {}
    processors: dict[int, tuple[str | None, int]] = {}
    concurrency: dict[int, int | None] = {}
    pending: list[tuple[str, Any, Any]] = []
    schedules: list[Schedule] = []
    for m in found:
        name, node = ev.text(m.node("name")), m.node("decorator")
        args = m.node("args")
        first = ev.value(args.named_children[0]) if args is not None and args.named_children else None
        if name == "Controller":
            prefix = as_str(first.get("path")) if isinstance(first, JsObject) else as_str(first)
            controllers[_class_id(node)] = prefix or ""
        elif name == "Process" and isinstance(first, JsObject):
            concurrency[_method_class(node)] = as_int(first.get("concurrency"))
        elif name == "Processor":
            processors[_class_id(node)] = (as_str(first.get("name")) if isinstance(first, JsObject) else as_str(first),
                                           treesitter.line(node))
        elif name in ("Cron", "Interval"):
            written = as_str(first) if name == "Cron" else None
            every = as_int(first) if name == "Interval" else None
            schedules.append(workers.schedule("@nestjs/schedule", written, treesitter.line(node)) if name == "Cron"
                             else Schedule("@nestjs/schedule", None, str(every) if every else None,
                                           treesitter.line(node), "an interval in ms: not a CronJob"))
        else:
            pending.append((name, node, first))
    routes = []
    for name, node, first in pending:
        owner = _method_class(node)
        if name in ("Get", "All", "Head") and owner in controllers:
            sub = as_str(first) or ""
            path = "/" + "/".join(p.strip("/") for p in (controllers[owner], sub) if p.strip("/"))
            routes.append(Route(name.lower(), path, treesitter.line(node), "controller"))
    queue_workers = [Worker("@nestjs/bull", q, line, concurrency.get(cls)) for cls, (q, line) in processors.items()]
    return routes, queue_workers, schedules, found.complete


def _method_class(decorator: Any) -> int:
    """The class node a method decorator sits in (decorators are siblings of the method in the class body)."""
    body = decorator.parent
    return int(body.parent.id) if body is not None and body.type == "class_body" and body.parent is not None else 0


def _class_id(decorator: Any) -> int:
    """The class node a class decorator belongs to (``export class`` puts decorators on the export)."""
    parent = decorator.parent
    if parent is not None and parent.type == "export_statement":
        declaration = parent.child_by_field_name("declaration")
        return int(declaration.id) if declaration is not None else int(parent.id)
    return int(parent.id) if parent is not None else 0
