"""The Python provider: Python's analyzers, its detection, its servers and step rules, and how its
commands look on a legacy host (virtualenv paths, ``python -m``, project runners).

The analyzers still live at their old paths (``analyzers/providers/python/requirements.py`` ...: other branches edit
them); this package is where the registry finds them, and their NAMEs are unchanged because reports
print them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from analyzers.base import Analyzer
from analyzers.lib.argv import basename
from analyzers.providers import common
from analyzers.providers.protocol import PrunedDirs, ServerSpec, StepRule, Tier
from analyzers.providers.python import (
    appserver_config,
    ci_python,
    pipenv,
    pyproject,
    python_code,
    python_entrypoints,
    python_hosts,
    python_version,
    python_writes,
    requirements,
    servers,
    setuptools,
    steps,
)
from analyzers.providers.python.detect import detect as detect
from analyzers.providers.python.runners import run_wrapper
from migrator.commands import CommandMeaning, ParsedCommand
from migrator.repo import RepoView

NAME = "python"
HEROKU_BUILDPACKS: tuple[str, ...] = ("python",)
SOURCE_SUFFIXES: tuple[str, ...] = (".py", ".pyw")
# virtualenvs, caches and build output: never the app's own source (a directory holding pyvenv.cfg is
# a virtualenv whatever its name: migrator.repo checks that on the walk)
PRUNED = PrunedDirs(frozenset({
    "__pycache__", ".tox", ".nox", ".venv", "venv", ".virtualenv", "virtualenv", "site-packages", ".eggs",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "htmlcov",
}))
ANALYZERS: Mapping[Tier, tuple[Analyzer, ...]] = {
    Tier.SERVER_CONFIG: (appserver_config,),
    Tier.PACKAGING: (python_version, requirements, pipenv, pyproject, setuptools, ci_python),
    Tier.CODE: (python_code, python_entrypoints, python_writes, python_hosts),
}
SERVERS: Mapping[str, ServerSpec] = servers.SERVERS
STEP_RULES: tuple[StepRule, ...] = steps.STEP_RULES
# Python's servers and queue workers install their own SIGTERM handlers (gunicorn, uwsgi, celery ...), and a
# bare `python app.py` dies of SIGTERM's KeyboardInterrupt-free default only when not PID 1: none listed yet
INIT_PROGRAMS: frozenset[str] = frozenset()

INTERPRETER = re.compile(r"^python[0-9.]*$")
# Programs a virtualenv installs: a host path to one (/srv/app/env/bin/celery) is the bare name in the image.
PROGRAMS = frozenset({"gunicorn", "uwsgi", "uvicorn", "daphne", "hypercorn", "celery", "rq", "rqworker", "dramatiq",
                      "waitress-serve", "flask", "alembic", "django-admin", "pip", "pip3", "huey_consumer"})
_VENV_BIN = re.compile(r"(^|/)(\.?venv|env|virtualenv|\.virtualenvs/[^/]+|pyenv/[^/]+)/bin/")


def unwrap(argv: Sequence[str]) -> tuple[tuple[str, ...], str, str | None] | None:
    """``uv run --extra dev x`` / ``poetry run x`` / ``newrelic-admin run-program x`` / ``ddtrace-run x`` -> x,
    with the runner's words and what its options imply for the image (:mod:`analyzers.providers.python.runners`)."""
    if not argv:
        return None
    head = basename(argv[0])
    if head == "ddtrace-run":
        return tuple(argv[1:]), head, None
    if head == "newrelic-admin" and len(argv) > 1 and argv[1] == "run-program":
        return tuple(argv[2:]), "newrelic-admin run-program", None
    runner = run_wrapper(list(argv))
    if runner is not None:
        return runner.command, " ".join(runner.wrapper), runner.note()
    return None


def resolve(repo: RepoView, cmd: ParsedCommand) -> tuple[str, str] | None:
    """None: Python has no script table whose entries a deploy command names by key (a console script
    such as ``celery`` is the program itself, which the image's virtualenv has on its PATH)."""
    return None


def program(core: Sequence[str]) -> tuple[str, tuple[str, ...]] | None:
    """(program, arguments) through the interpreter: ``python -m celery x`` -> celery, ``python3 -u
    manage.py migrate`` -> manage.py; None when ``core`` does not start with a Python interpreter."""
    if not core or not INTERPRETER.match(basename(core[0])):
        return None
    args = list(core[1:])
    while args and args[0].startswith("-") and args[0] != "-m":  # interpreter options: -u, -O, -W ignore
        opt = args.pop(0)
        if opt in ("-W", "-X") and args:
            args.pop(0)
    if args and args[0] == "-m" and len(args) > 1:
        return args[1].split(".")[0], tuple(args[2:])
    if args:
        return basename(args[0]), tuple(args[1:])
    return basename(core[0]), ()


def classify(cmd: ParsedCommand) -> CommandMeaning | None:
    """The meaning of a Python server, queue or management command; a bare ``CommandMeaning("python")``
    for any other command run by the Python interpreter; None when the program is not Python's."""
    if not cmd.core:
        return None
    through = program(cmd.core)
    prog, args = through if through is not None else (basename(cmd.core[0]), cmd.core[1:])
    handler = servers.HANDLERS.get(prog)
    if handler is not None:
        return handler(args)
    if through is not None or prog in PROGRAMS:
        return CommandMeaning(NAME)
    return None


def host_program(argv0: str) -> str | None:
    """``/srv/app/venv/bin/gunicorn`` -> ``gunicorn``; ``/usr/bin/python3.8`` and ``python3`` -> ``python``."""
    name = basename(argv0)
    if "/" in argv0 and not (_VENV_BIN.search(argv0) or name in PROGRAMS or INTERPRETER.match(name)):
        return None
    if INTERPRETER.match(name):
        return "python"
    return name if "/" in argv0 else None


def container_argv(meaning: CommandMeaning, port: int | None) -> tuple[tuple[str, ...], str | None]:
    """(argv, note): a Python command as its container runs it: its server listening on 0.0.0.0:``port``,
    no log or pid files (the root filesystem is read-only), celery beat's schedule file in /tmp."""
    spec = SERVERS.get(meaning.server) if meaning.server else None
    argv, listen = common.listen_note(meaning, spec, list(meaning.container), port)
    argv, files = common.file_note(spec, argv)
    notes = [n for n in (listen, files) if n]
    if _celery_beat(meaning, argv) and not any(_is_schedule_option(a) for a in argv[1:]):
        # beat keeps its schedule state in ./celerybeat-schedule by default: the app dir is read-only
        argv = [*argv, "--schedule", "/tmp/celerybeat-schedule"]  # noqa: S108 - the pod's emptyDir
        notes.append("beat's schedule file moved to /tmp (the root filesystem is read-only)")
    return tuple(argv), "; ".join(notes) or None


def _celery_beat(meaning: CommandMeaning, argv: list[str]) -> bool:
    return meaning.server == "celery" and (meaning.name == "beat" or "-B" in argv or "--beat" in argv)


def _is_schedule_option(arg: str) -> bool:
    return arg in ("-s", "--schedule") or arg.startswith("--schedule=") or (arg.startswith("-s") and arg[2:3] != "-")
