"""App-server config files: gunicorn (``gunicorn.conf.py`` ...) through ``ast``; uWSGI ini via uwsgi_ini.

Both describe the ``web`` process: bind/port, workers, threads, timeouts, user, the WSGI app and
env vars. Nothing is imported or executed: a small static evaluator understands literals, string
building and ``os.environ.get("PORT", "8000")`` (the default is the port; ``port_env`` names the
variable); anything it cannot evaluate (``multiprocessing.cpu_count() * 2 + 1``) is kept as text in
a ``*_expr`` field, never guessed.

Confidence: a config file says how gunicorn *would* run, not that gunicorn is what runs (a stale
config next to a systemd unit that starts uwsgi is common), so its process facts are never DECLARED:
they must lose to the command that really starts the app, or the merged process would mix two app
servers. The root ``gunicorn.conf.py`` is INFERRED (gunicorn loads ``./gunicorn.conf.py`` by itself);
a config under another name only applies when a command passes ``-c``: INFERRED when a launcher
(Procfile, unit, supervisor conf, script) does so, else HEURISTIC. The env vars the
file reads are DECLARED.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import DEF, D, H, I, Item, Src
from analyzers.commands import parse_bind
from analyzers.deploy.deploy_commands import export
from analyzers.providers.python.pyast import parse_source
from analyzers.providers.python.pyconst import Val, as_int, module_values
from analyzers.providers.python.uwsgi_ini import uwsgi
from migrator.model import Confidence
from migrator.repo import RepoView

NAME = "appserver_config"

GUNICORN_NAMES = ("gunicorn.conf.py", "gunicorn_config.py", "gunicorn_conf.py", "gunicorn.py", "*gunicorn*.py")
_GUNICORN_SETTINGS = {"bind", "workers", "threads", "timeout", "graceful_timeout", "worker_class", "user",
                      "raw_env", "wsgi_app"}
_INT_FIELDS = {"workers": "workers", "threads": "threads", "timeout": "timeout", "graceful_timeout": "stop_timeout"}
_TESTS = re.compile(r"(^|/)(tests?|testing)/|(^|/)test_[^/]*$")
FALLBACK_PORT = 8000  # a port that comes only from an env var still needs a number in the container


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings for every gunicorn config module and every uWSGI ini in the repo."""
    for rel in repo.named(*GUNICORN_NAMES):
        if not _TESTS.search(rel):
            yield from gunicorn(repo, rel)
    for rel in repo.with_suffix(".ini"):
        if not _TESTS.search(rel):
            yield from uwsgi(repo, rel, NAME)


# -- gunicorn ------------------------------------------------------------------------------------


def gunicorn(repo: RepoView, rel: str) -> Iterator[Item]:
    """Facts about process ``web`` from one gunicorn config module."""
    text = repo.read_text(rel)
    if text is None:
        return
    src = Src(NAME, rel, 1)
    parsed = parse_source(text, rel)  # a gunicorn.conf.py of the Python 2 era may print or use 0777
    if parsed.tree is None:
        yield base.warning(src.at(parsed.line or src.line), f"cannot parse gunicorn config: {parsed.reason}")
        return
    try:
        values = module_values(parsed.tree)
    except RecursionError:
        yield base.warning(src, "gunicorn config is nested too deeply to read; not read")
        return
    settings = {k: v for k, v in values.items() if k in _GUNICORN_SETTINGS}
    if not settings:
        return  # a module that merely has "gunicorn" in its name
    conf = I if rel == "gunicorn.conf.py" or _passed_with_c(repo, rel) else H
    first = min(v.line for v in settings.values())
    yield base.process("web", src.at(first), conf, role="web", app_server="gunicorn", config_file=rel)
    for name, val in settings.items():
        at = src.at(val.line)
        yield from _gunicorn_setting(name, val, at, conf, rel)
    for env_name, default, line in _env_reads(values):
        yield base.env_var(env_name, src.at(line), D, default=default)


_LAUNCHERS = ("Procfile", "*.service", "*.conf", "*.sh", "Makefile", "fabfile.py", "*.yml", "*.yaml", "Dockerfile")


def _passed_with_c(repo: RepoView, rel: str) -> bool:
    """True when a launcher (Procfile, unit, supervisor conf, script ...) runs gunicorn with ``-c <this file>``."""
    name = re.escape(rel.rsplit("/", 1)[-1])
    pattern = re.compile(r"(?:\s-c\s*|--config[=\s]+)['\"]?(?:python:)?\S*?" + name.replace(r"\.py", r"(?:\.py)?")
                         + r"(?=$|[\s'\"])", re.MULTILINE)
    for launcher in repo.named(*_LAUNCHERS):
        text = repo.read_text(launcher)
        if text and "gunicorn" in text and pattern.search(text):
            return True
    return False


def _gunicorn_setting(name: str, val: Val, src: Src, conf: Confidence, rel: str) -> Iterator[Item]:
    value = val.value
    if name == "bind":
        bind = value[0] if isinstance(value, tuple) and value else value
        if not isinstance(bind, str):
            yield base.process("web", src, conf, bind_expr=val.expr)
            return
        yield from _bind("web", bind, val, src, conf)
    elif name in _INT_FIELDS:
        field = _INT_FIELDS[name]
        number = as_int(value)
        if number is None:
            yield base.process("web", src, conf, **{f"{field}_expr": val.expr})
        else:
            yield base.process("web", src, conf, **{field: number})
        if val.env:
            yield base.process("web", src, conf, **{f"{field}_env": val.env[0][0]})
    elif name in ("worker_class", "user"):
        yield base.process("web", src, conf, **{name: str(value) if value is not None else None})
    elif name == "wsgi_app" and isinstance(value, str):
        yield base.process("web", src, conf, wsgi_app=value)
        yield base.process("web", src, conf, command=f"gunicorn --config {rel}")
    elif name == "raw_env":
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, str) and "=" in item:
                key, _, default = item.partition("=")
                yield from export(key.strip(), default, src)  # env var + secret check


def _bind(key: str, bind: str, val: Val, src: Src, conf: Confidence) -> Iterator[Item]:
    host, port, sock = parse_bind(bind)
    if sock:
        yield base.process(key, src, conf, unix_socket=sock)
        return
    port_env = _port_env(val)
    if port_env:
        yield base.process(key, src, conf, port_env=port_env)
    if port is not None:
        yield base.process(key, src, conf, port=port)
    elif port_env:
        yield base.process(key, src, DEF, port=FALLBACK_PORT)


def _port_env(val: Val) -> str | None:
    names = [name for name, _ in val.env]
    return next((n for n in names if "PORT" in n.upper()), names[0] if names else None)


def _env_reads(values: dict[str, Val]) -> Iterator[tuple[str, str | None, int]]:
    seen: set[str] = set()
    for val in values.values():
        for name, default in val.env:
            if name not in seen:
                seen.add(name)
                yield name, default, val.line
