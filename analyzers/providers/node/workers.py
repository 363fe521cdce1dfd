"""Queue consumers and in-process schedules in Node code (design §5.8).

The evidence is always an import (``require`` or ``import``) of the library in the same file **and** the
consuming call: bull / bee-queue ``new Queue('q')`` + ``q.process(...)``, bullmq ``new Worker('q', fn)``,
kue ``createQueue()`` + ``.process('type')``, agenda ``.define('job')`` and ``.every('5 minutes', 'job')``,
node-cron ``cron.schedule(expr)``, cron ``new CronJob(expr)`` / ``CronJob.from({cronTime})``, node-schedule
``scheduleJob(expr)``. A producer alone (``new Queue`` without ``process``) is no worker.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analyzers.lib.jsobject import Evaluator
from analyzers.lib.jsvalue import JsObject, as_int, as_str, as_text
from analyzers.providers.node.codecalls import Call
from analyzers.providers.node.facts import Schedule, Worker

_QUEUE_LIBS = ("bull", "bee-queue")
_HUMAN = re.compile(r"(?:every\s+)?(\d+|one|a|an)?\s*(minute|hour|day)s?", re.IGNORECASE)


def cron_of(written: str) -> tuple[str | None, str | None]:
    """(five-field cron, note) for a cron text: six fields lose a ``0`` seconds field; other seconds and
    shapes get a note instead."""
    fields = written.split()
    if len(fields) == 5:
        return " ".join(fields), None
    if len(fields) == 6:
        if fields[0] in ("0", "00"):
            return " ".join(fields[1:]), None
        return None, "a seconds field: CronJobs have minute resolution"
    return None, "not a cron expression"


def human_cron(written: str) -> tuple[str | None, str | None]:
    """agenda's human intervals: ``5 minutes``, ``1 hour``, ``one day``; others are a note."""
    m = _HUMAN.fullmatch(written.strip())
    if not m:
        return cron_of(written) if len(written.split()) in (5, 6) else (None, "an interval cron cannot express")
    n = 1 if m.group(1) in (None, "one", "a", "an") else int(m.group(1))
    unit = m.group(2).lower()
    if unit == "minute" and 60 % n == 0:
        return ("* * * * *" if n == 1 else f"*/{n} * * * *"), None
    if unit == "hour" and 24 % n == 0:
        return ("0 * * * *" if n == 1 else f"0 */{n} * * *"), None
    if unit == "day" and n == 1:
        return "0 0 * * *", None
    return None, "an interval cron cannot express"


def schedule(library: str, written: str | None, line: int, human: bool = False) -> Schedule:
    if written is None:
        return Schedule(library, None, None, line, "the schedule is not a literal")
    cron, note = human_cron(written) if human else cron_of(written)
    return Schedule(library, cron, written, line, note)


def _bound_name(ev: Evaluator, call: Call) -> str | None:
    """The variable a call's result is assigned to (``const q = new Queue(...)``)."""
    parent = call.node.parent
    while parent is not None and parent.type in ("await_expression", "parenthesized_expression"):
        parent = parent.parent
    name = parent.child_by_field_name("name") if parent is not None and parent.type == "variable_declarator" else None
    return ev.text(name) if name is not None else None


def read(ev: Evaluator, calls: Sequence[Call], imports: set[str]) -> tuple[list[Worker], list[Schedule]]:
    """Workers and schedules of one file (``imports`` holds the modules it imports or requires)."""
    workers: list[Worker] = []
    schedules: list[Schedule] = []
    queues: dict[str, str | None] = {}  # variable -> queue name
    queue_lib = next((lib for lib in _QUEUE_LIBS if lib in imports), None)
    for call in calls:
        first = ev.value(call.args[0]) if call.args else None
        if queue_lib and call.name in ("Queue", "Bull") and len(call.callee) == 1:
            queues[_bound_name(ev, call) or ""] = as_str(first)
        elif "kue" in imports and call.name == "createQueue":
            queues[_bound_name(ev, call) or ""] = None
        elif "bullmq" in imports and call.new and call.name == "Worker":
            options = ev.value(call.args[2]) if len(call.args) > 2 else None
            n = as_int(options.get("concurrency")) if isinstance(options, JsObject) else None
            workers.append(Worker("bullmq", as_str(first), call.line, n))
        elif "agenda" in imports and call.name == "define" and call.obj is not None:
            workers.append(Worker("agenda", as_str(first), call.line))
        elif "agenda" in imports and call.name == "every" and call.obj is not None:
            schedules.append(schedule("agenda", as_text(first), call.line, human=True))
        elif "node-cron" in imports and call.name == "schedule" and call.obj is not None:
            schedules.append(schedule("node-cron", as_str(first), call.line))
        elif "cron" in imports and (call.name == "CronJob" or (call.name == "job" and call.obj is not None)):
            schedules.append(schedule("cron", as_str(first), call.line))
        elif "cron" in imports and call.callee == ("CronJob", "from") and isinstance(first, JsObject):
            schedules.append(schedule("cron", as_str(first.get("cronTime")), call.line))
        elif "node-schedule" in imports and call.name == "scheduleJob":
            rule = ev.value(call.args[1]) if len(call.args) > 2 else first  # scheduleJob('name', rule, fn)
            schedules.append(schedule("node-schedule", as_str(rule), call.line))
    for call in calls:
        if call.name != "process" or call.obj is None or ev.text(call.obj) == "process":
            continue
        owner = ev.text(call.obj)
        if owner in queues or (len(queues) == 1 and "" in queues):
            lib = queue_lib or "kue"
            args = [ev.value(a) for a in call.args]
            named = as_str(args[0]) if args else None  # .process('jobname', n, fn) / kue's job type
            n = next((as_int(a) for a in args[:2] if as_int(a) is not None), None)
            queue = queues.get(owner, queues.get("")) if lib != "kue" else named
            workers.append(Worker(lib, queue, call.line, n))
    return workers, schedules
