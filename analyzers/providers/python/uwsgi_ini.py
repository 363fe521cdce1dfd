"""uWSGI ini files, read line by line: the ``[uwsgi]`` section as facts about process ``web``.

``configparser`` cannot be used: uWSGI repeats keys (``env = A=1`` / ``env = B=2``) and evidence
needs line numbers. ``%(key)`` refers to another option of the section; ``$(VAR)`` is an env var.
The container command is ``uwsgi --ini <path>``. Process facts are INFERRED, not DECLARED: the file
says how uWSGI would run, not that uWSGI is what runs (a systemd unit may start gunicorn next to a
stale uwsgi.ini), so the command that really starts the app must win every field. The ``env =``
lines are DECLARED env vars.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from analyzers import base
from analyzers.base import DEF, I, Item, Src
from analyzers.commands import parse_bind
from analyzers.deploy.deploy_commands import export
from analyzers.providers.python.pyconst import as_int
from migrator.model import Value
from migrator.repo import RepoView

FALLBACK_PORT = 8000  # a port that comes only from an env var still needs a number in the container

_SECTION = re.compile(r"^\[([^\]]+)\]\s*$")
_KV = re.compile(r"^([A-Za-z0-9_.-]+)\s*(?:=\s*(.*))?$")
_ENV_REF = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")
_SELF_REF = re.compile(r"%\(([A-Za-z0-9_-]+)\)")
_TRUE = {"", "true", "1", "yes", "on", "y"}
# Options whose absolute paths point into the legacy host's layout (code checkout, virtualenv).
_HOST_PATH_OPTIONS = ("chdir", "home", "virtualenv", "venv", "pyhome", "pythonpath")


def uwsgi(repo: RepoView, rel: str, analyzer: str) -> Iterator[Item]:
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
            yield base.warning(Src(analyzer, rel, lineno), "not a 'key = value' line in the [uwsgi] section; ignored")
            continue
        options.append((kv.group(1).replace("_", "-").lower(), (kv.group(2) or "").strip(), lineno))
    if not options:
        return
    yield from _uwsgi_facts(Src(analyzer, rel, options[0][2]), options, header)


def _uwsgi_facts(src: Src, options: list[tuple[str, str, int]], header: int) -> Iterator[Item]:
    first: dict[str, tuple[str, int]] = {}
    for key, value, line in options:
        first.setdefault(key, (value, line))

    def expand(value: str) -> str:
        # %(key) refers to another option of the section (uWSGI's magic variables are left alone)
        return _SELF_REF.sub(lambda m: first.get(m.group(1), (m.group(0), 0))[0], value)

    rel = src.file
    yield base.process("web", src, I, role="web", app_server="uwsgi", config_file=rel,
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
            number = as_int(expand(value))
            yield base.process("web", src.at(line), I, **{field: number, f"{field}_expr": None if number else value})
    app = _uwsgi_app(first, expand)
    if app:
        yield base.process("web", src.at(app[1]), I, wsgi_app=app[0])
    for key, field in (("uid", "user"), ("chdir", "chdir")):
        if key in first:
            yield base.process("web", src.at(first[key][1]), I, **{field: expand(first[key][0])})
    for key in _HOST_PATH_OPTIONS:
        if key in first and expand(first[key][0]).startswith("/"):
            yield base.warning(src.at(first[key][1]), f"uWSGI {key} = {expand(first[key][0])} is a path on the old "
                                                      "host; the image lays files out differently: override or drop it")
    for key in ("master", "die-on-term"):
        if key in first:
            flag = first[key][0].lower() in _TRUE
            yield base.process("web", src.at(first[key][1]), I, **{key.replace("-", "_"): flag})
    if first.get("die-on-term", ("false", 0))[0].lower() not in _TRUE:
        yield base.warning(src.at(header), "uWSGI without die-on-term reloads on SIGTERM (before 2.1): pods "
                                           "would only stop when killed; add 'die-on-term = true'")
    for key, value, line in options:
        if key == "env" and "=" in value:
            name, _, default = value.partition("=")
            yield from export(name.strip(), default.strip(), src.at(line))


def _uwsgi_bind(value: str, protocol: str, src: Src) -> Iterator[Item]:
    fields: dict[str, Value] = {"protocol": protocol}
    if protocol == "uwsgi":
        yield base.warning(src, "uWSGI speaks the binary uwsgi protocol on this socket (for nginx uwsgi_pass), not "
                                "HTTP: HTTP probes and Services need 'http-socket' (or an nginx sidecar)")
    refs = _ENV_REF.findall(value)
    host, port, sock = parse_bind(_ENV_REF.sub("", value) if refs else value)
    if sock or (not refs and port is None and "/" in value):
        yield base.process("web", src, I, unix_socket=sock or value, **fields)
        return
    if refs:
        port_env = next((r for r in refs if "PORT" in r.upper()), refs[0])
        yield base.process("web", src, I, port_env=port_env, **fields)
        yield base.process("web", src, DEF, port=FALLBACK_PORT)
    elif port is not None:
        yield base.process("web", src, I, port=port, **fields)


def _uwsgi_app(first: dict[str, tuple[str, int]], expand: Callable[[str], str]) -> tuple[str, int] | None:
    for key in ("module", "wsgi", "wsgi-file", "mount"):
        if key in first:
            value, line = first[key]
            app = expand(value)
            if "callable" in first and ":" not in app:
                app = f"{app}:{expand(first['callable'][0])}"
            return app, line
    return None
