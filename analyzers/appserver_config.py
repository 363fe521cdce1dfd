"""App-server config files: gunicorn (``gunicorn.conf.py`` ...) through ``ast``, uWSGI ``.ini`` line by line.

Both describe the ``web`` process: bind/port, workers, threads, timeouts, user, the WSGI app and
env vars. Nothing is imported or executed: a small static evaluator understands literals, string
building and ``os.environ.get("PORT", "8000")`` (the default is the port; ``port_env`` names the
variable); anything it cannot evaluate (``multiprocessing.cpu_count() * 2 + 1``) is kept as text in
a ``*_expr`` field, never guessed.

Confidence: gunicorn reads ``./gunicorn.conf.py`` by itself, so the root file's settings are
DECLARED; a config under another name only applies when a command passes ``-c``, so its settings are
INFERRED. A uWSGI ini is DECLARED, and the container command is ``uwsgi --ini <path>``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator

from analyzers import base
from analyzers.base import DEF, D, I, Item, Src
from analyzers.commands import parse_bind
from analyzers.pyconst import Val, module_values
from migrator.model import Confidence, Value
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
            yield from uwsgi(repo, rel)


# -- gunicorn ------------------------------------------------------------------------------------


def gunicorn(repo: RepoView, rel: str) -> Iterator[Item]:
    """Facts about process ``web`` from one gunicorn config module."""
    text = repo.read_text(rel)
    if text is None:
        return
    src = Src(NAME, rel, 1)
    try:
        tree = ast.parse(text, filename=rel)
        values = module_values(tree)
    except (SyntaxError, ValueError) as exc:
        line = getattr(exc, "lineno", None)
        yield base.warning(src.at(line), f"cannot parse gunicorn config: {getattr(exc, 'msg', exc)}")
        return
    except RecursionError:
        yield base.warning(src, "gunicorn config is nested too deeply to read; not read")
        return
    settings = {k: v for k, v in values.items() if k in _GUNICORN_SETTINGS}
    if not settings:
        return  # a module that merely has "gunicorn" in its name
    conf = D if rel == "gunicorn.conf.py" else I
    first = min(v.line for v in settings.values())
    yield base.process("web", src.at(first), conf, role="web", app_server="gunicorn", config_file=rel)
    for name, val in settings.items():
        at = src.at(val.line)
        yield from _gunicorn_setting(name, val, at, conf, rel)
    for env_name, default, line in _env_reads(values):
        yield base.env_var(env_name, src.at(line), D, default=default)


def _gunicorn_setting(name: str, val: Val, src: Src, conf: Confidence, rel: str) -> Iterator[Item]:
    value = val.value
    env_conf = I if val.env else conf  # a value that is an env var's fallback is only inferred
    if name == "bind":
        bind = value[0] if isinstance(value, tuple) and value else value
        if not isinstance(bind, str):
            yield base.process("web", src, conf, bind_expr=val.expr)
            return
        yield from _bind("web", bind, val, src, conf)
    elif name in _INT_FIELDS:
        field = _INT_FIELDS[name]
        number = _as_int(value)
        if number is None:
            yield base.process("web", src, conf, **{f"{field}_expr": val.expr})
        else:
            yield base.process("web", src, env_conf, **{field: number})
        if val.env:
            yield base.process("web", src, conf, **{f"{field}_env": val.env[0][0]})
    elif name in ("worker_class", "user"):
        yield base.process("web", src, env_conf, **{name: str(value) if value is not None else None})
    elif name == "wsgi_app" and isinstance(value, str):
        yield base.process("web", src, conf, wsgi_app=value)
        yield base.process("web", src, I, command=f"gunicorn --config {rel}")
    elif name == "raw_env":
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, str) and "=" in item:
                key, _, default = item.partition("=")
                yield from _env_assignment(key.strip(), default, src)


def _bind(key: str, bind: str, val: Val, src: Src, conf: Confidence) -> Iterator[Item]:
    host, port, sock = parse_bind(bind)
    if sock:
        yield base.process(key, src, conf, unix_socket=sock)
        return
    port_env = _port_env(val)
    if port_env:
        yield base.process(key, src, conf, port_env=port_env)
    if port is not None:
        yield base.process(key, src, I if port_env else conf, port=port)
    elif port_env:
        yield base.process(key, src, DEF, port=FALLBACK_PORT)


def _port_env(val: Val) -> str | None:
    names = [name for name, _ in val.env]
    return next((n for n in names if "PORT" in n.upper()), names[0] if names else None)


def _as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _env_reads(values: dict[str, Val]) -> Iterator[tuple[str, str | None, int]]:
    seen: set[str] = set()
    for val in values.values():
        for name, default in val.env:
            if name not in seen:
                seen.add(name)
                yield name, default, val.line


def _env_assignment(name: str, value: str, src: Src) -> Iterator[Item]:
    found = base.check_assignment(src, name, value)
    if found is not None:
        yield found
    yield base.env_var(name, src, D, default=None if found else value)


# -- uWSGI ---------------------------------------------------------------------------------------

_SECTION = re.compile(r"^\[([^\]]+)\]\s*$")
_KV = re.compile(r"^([A-Za-z0-9_.-]+)\s*(?:=\s*(.*))?$")
_ENV_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
_SELF_REF = re.compile(r"%\(([A-Za-z0-9_-]+)\)")
_TRUE = {"", "true", "1", "yes", "on", "y"}
# Options whose absolute paths point into the legacy host's layout (code checkout, virtualenv).
_HOST_PATH_OPTIONS = ("chdir", "home", "virtualenv", "venv", "pyhome", "pythonpath")


def uwsgi(repo: RepoView, rel: str) -> Iterator[Item]:
    """Facts about process ``web`` from the ``[uwsgi]`` section of one ini file."""
    options: list[tuple[str, str, int]] = []
    section: str | None = None
    header = 1
    for lineno, raw in enumerate(repo.lines(rel), start=1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        m = _SECTION.match(line)
        if m:
            section = m.group(1).strip()
            header = lineno if section == "uwsgi" else header
            continue
        if section != "uwsgi":
            continue
        kv = _KV.match(line)
        if not kv:
            yield base.warning(Src(NAME, rel, lineno), "not a 'key = value' line in the [uwsgi] section; ignored")
            continue
        options.append((kv.group(1).replace("_", "-").lower(), (kv.group(2) or "").strip(), lineno))
    if not options:
        return
    yield from _uwsgi_facts(rel, options, header)


def _uwsgi_facts(rel: str, options: list[tuple[str, str, int]], header: int) -> Iterator[Item]:
    first: dict[str, tuple[str, int]] = {}
    for key, value, line in options:
        first.setdefault(key, (value, line))

    def expand(value: str) -> str:
        # %(key) refers to another option of the section (uWSGI's magic variables are left alone)
        return _SELF_REF.sub(lambda m: first.get(m.group(1), (m.group(0), 0))[0], value)

    src = Src(NAME, rel, options[0][2])
    yield base.process("web", src, D, role="web", app_server="uwsgi", config_file=rel,
                       command=f"uwsgi --ini {rel}")
    for key, protocol in (("http", "http"), ("http-socket", "http"), ("socket", "uwsgi"), ("uwsgi-socket", "uwsgi")):
        if key in first:
            value, line = first[key]
            yield from _uwsgi_bind(expand(value), protocol, src.at(line))
            break
    simple = {"processes": "workers", "workers": "workers", "threads": "threads", "harakiri": "timeout"}
    for key, field in simple.items():
        if key in first:
            value, line = first[key]
            number = _as_int(expand(value))
            yield base.process("web", src.at(line), D, **{field: number, f"{field}_expr": None if number else value})
    app = _uwsgi_app(first, expand)
    if app:
        yield base.process("web", src.at(app[1]), D, wsgi_app=app[0])
    for key, field in (("uid", "user"), ("chdir", "chdir")):
        if key in first:
            yield base.process("web", src.at(first[key][1]), D, **{field: expand(first[key][0])})
    for key in _HOST_PATH_OPTIONS:
        if key in first and expand(first[key][0]).startswith("/"):
            yield base.warning(src.at(first[key][1]), f"uWSGI {key} = {expand(first[key][0])} is a path on the old "
                                                      "host; the image lays files out differently: override or drop it")
    for key in ("master", "die-on-term"):
        if key in first:
            flag = first[key][0].lower() in _TRUE
            yield base.process("web", src.at(first[key][1]), D, **{key.replace("-", "_"): flag})
    if first.get("die-on-term", ("false", 0))[0].lower() not in _TRUE:
        yield base.warning(src.at(header), "uWSGI without die-on-term reloads on SIGTERM (before 2.1): pods "
                                           "would only stop when killed; add 'die-on-term = true'")
    for key, value, line in options:
        if key == "env" and "=" in value:
            name, _, default = value.partition("=")
            yield from _env_assignment(name.strip(), default.strip(), src.at(line))


def _uwsgi_bind(value: str, protocol: str, src: Src) -> Iterator[Item]:
    fields: dict[str, Value] = {"protocol": protocol}
    if protocol == "uwsgi":
        yield base.warning(src, "uWSGI speaks the binary uwsgi protocol on this socket (for nginx uwsgi_pass), not "
                                "HTTP: HTTP probes and Services need 'http-socket' (or an nginx sidecar)")
    refs = _ENV_REF.findall(value)
    host, port, sock = parse_bind(_ENV_REF.sub("", value) if refs else value)
    if sock or (not refs and port is None and "/" in value):
        yield base.process("web", src, D, unix_socket=sock or value, **fields)
        return
    if refs:
        port_env = next((r for r in refs if "PORT" in r.upper()), refs[0])
        yield base.process("web", src, D, port_env=port_env, **fields)
        yield base.process("web", src, DEF, port=FALLBACK_PORT)
    elif port is not None:
        yield base.process("web", src, D, port=port, **fields)


def _uwsgi_app(first: dict[str, tuple[str, int]], expand: Callable[[str], str]) -> tuple[str, int] | None:
    for key in ("module", "wsgi", "wsgi-file", "mount"):
        if key in first:
            value, line = first[key]
            app = expand(value)
            if "callable" in first and ":" not in app:
                app = f"{app}:{expand(first['callable'][0])}"
            return app, line
    return None
