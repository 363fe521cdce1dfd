"""Ruby app-server config files: Puma (``config/puma.rb``, ``config/puma/<env>.rb``), Unicorn
(``config/unicorn.rb``, ``config/unicorn/<env>.rb``) and Thin (``config/thin.yml``), read statically
(:mod:`analyzers.lib.rb`; YAML for Thin), as facts about process ``web`` with the field names of
Python's :mod:`analyzers.providers.python.appserver_config`.

Per server: ``app_server`` and ``config_file``; ``port`` (and ``port_env`` when an env var chooses it:
``port ENV.fetch("PORT") { 3000 }``, ``ENV['PORT'] || 3000``; the default is the port), ``unix_socket``
for a socket behind nginx (``bind "unix://..."``, ``listen "/x/unicorn.sock"``), ``workers`` and
``workers_env``, ``threads`` (Puma's maximum) and ``threads_env``, ``timeout`` (``worker_timeout``,
Unicorn's ``timeout``), ``user``; the env vars the file reads (DECLARED, their defaults HEURISTIC); the
legacy app dir (Unicorn's ``working_directory``, Puma's ``directory``, Thin's ``chdir``: the release
directory on the old host, ``.../current``) as the runtime's ``legacy_app_dir``. A proposed command
(``bundle exec puma -C config/puma.rb``) is HEURISTIC: a Procfile, unit or Capistrano declaration wins.

What a read-only root filesystem changes: a pid or state file (``pidfile``, ``state_path``, ``pid``) needs
its directory writable (an ``emptyDir``); log files (``stdout_redirect``, ``stderr_path``/``stdout_path``,
Thin's ``log``) are a warning (the container logs to stdout: drop the setting) and an ``emptyDir`` so the
server still starts; ``daemonize`` is a warning (a daemon leaves PID 1 and the container exits).
``preload_app!``/``preload_app true`` and ``plugin :tmp_restart`` change nothing in a container.

Confidence (as for gunicorn): a config file says how the server *would* run, so process facts are never
DECLARED. Puma loads ``config/puma/<env>.rb`` for its environment, else ``config/puma.rb``, by itself:
INFERRED (``config/puma.rb`` is HEURISTIC beside a ``config/puma/production.rb``, which production
loads instead); Unicorn and Thin load a file only when passed ``-c``/``-C``: INFERRED when a launcher
(Procfile, unit, script, Capistrano file) names the file, else HEURISTIC.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from analyzers import base
from analyzers.base import DEF, D, H, I, Item, Src
from analyzers.commands import meaning, parse_command
from analyzers.lib.rb import Call, EnvRef, Interp, RbValue, RubyFile, Unavailable, text_of
from analyzers.providers.ruby.app_rb import (
    Locals,
    as_int,
    env_of,
    key_line,
    literal_text,
    load_yaml,
    production_calls,
    read_ruby,
    written,
)
from migrator.model import Confidence, Finding
from migrator.repo import RepoView

NAME = "ruby_server_config"

_PUMA = re.compile(r"^config/puma(\.rb|/[A-Za-z0-9_-]+\.rb)$")
_UNICORN = re.compile(r"^config/unicorn(\.rb|/[A-Za-z0-9_-]+\.rb)$|^unicorn(\.conf)?\.rb$")
_THIN = re.compile(r"^config/thin(\.ya?ml|/[A-Za-z0-9_-]+\.ya?ml)$")
_PRODUCTION = ("production", "prod")
_LAUNCHERS = ("Procfile", "Procfile.*", "*.service", "*.conf", "*.sh", "*.rb", "*.rake", "Capfile", "Makefile",
              "*.yml", "Dockerfile", "*.erb")
RACK_ENVS = frozenset({"RAILS_ENV", "RACK_ENV", "APP_ENV"})
FALLBACK_PORT = 3000  # Puma's, Thin's and `rails server`'s default; a port only an env var names still needs one


def analyze(repo: RepoView) -> Iterator[Item]:
    files = repo.files()
    try:
        for rel in files:
            if _PUMA.match(rel):
                yield from _ruby_config(repo, rel, "puma", _puma_confidence(repo, rel))
            elif _UNICORN.match(rel):
                yield from _ruby_config(repo, rel, "unicorn", I if _launched(repo, rel) else H)
    except Unavailable as exc:
        yield base.warning(Src(NAME, "Gemfile"), f"the Ruby grammar is not installed ({exc}); app-server "
                                                 "configs were not read")
    for rel in files:
        if _THIN.match(rel):
            yield from _thin(repo, rel, I if _launched(repo, rel) else H)


def owns(rel: str) -> bool:
    """Whether ``rel`` is an app-server config this analyzer reads."""
    return bool(_PUMA.match(rel) or _UNICORN.match(rel))


def _puma_confidence(repo: RepoView, rel: str) -> Confidence:
    if rel == "config/puma.rb":
        return H if any(repo.exists(f"config/puma/{env}.rb") for env in _PRODUCTION) else I
    env = posixpath.splitext(posixpath.basename(rel))[0]
    return I if env in _PRODUCTION else H


def _launched(repo: RepoView, rel: str) -> bool:
    """A launcher (Procfile, unit, script, Capistrano file ...) names the config file."""
    name = posixpath.basename(rel)
    for launcher in repo.named(*_LAUNCHERS):
        if launcher == rel or launcher.startswith(("vendor/", "app/", "spec/", "test/")):
            continue
        text = repo.read_text(launcher)
        if text and name in text and (rel in text or f"config/{name}" in text or re.search(r"-[cC]\b", text)):
            return True
    return False


# -- Puma and Unicorn -----------------------------------------------------------------------------


def _ruby_config(repo: RepoView, rel: str, server: str, conf: Confidence) -> Iterator[Item]:
    parsed, warnings = read_ruby(repo, rel, NAME, f"{server} config")
    yield from warnings
    if parsed is None:
        return
    src = Src(NAME, rel, 1)
    local = Locals(parsed)
    calls = list(production_calls(parsed))
    if not calls:
        return
    yield base.process("web", src.at(calls[0].line), conf, role="web", app_server=server, config_file=rel)
    flag = "-C" if server == "puma" else "-c"
    command = f"bundle exec {server} {flag} {rel}"
    cmd = parse_command(command, src(H))
    yield base.stating(base.process("web", src, H, command=command), cmd, meaning(cmd))
    tcp = False
    for call in calls:
        at = src.at(call.line)
        if call.method in ("port", "bind", "listen"):
            if not tcp:
                found = list(_listen(parsed, local, call, at, conf))
                tcp = any(isinstance(f, Finding) and "port" in f.fields for f in found)
                yield from found
            elif call.method == "listen":
                yield base.warning(at, f"unicorn listens on several addresses; the container listens on one port "
                                       f"({written(local.value(call.args[0])) if call.args else '?'} is dropped)")
        else:
            yield from _setting(parsed, local, call, at, conf, server)
    yield from _env_reads(parsed, src)


def _listen(parsed: RubyFile, local: Locals, call: Call, src: Src, conf: Confidence) -> Iterator[Item]:
    if not call.args:
        return
    value = local.value(call.args[0])
    if call.method == "port":  # puma: port 3000 / port ENV.fetch("PORT") { 3000 }
        yield from _port(value, src, conf)
        return
    env = env_of(value)
    if env is not None:
        yield from _port(env, src, conf)
        return
    port_read = _port_read(value)
    text = literal_text(value) or (value.template if isinstance(value, Interp) else None)
    if isinstance(value, int) and not isinstance(value, bool):
        yield base.process("web", src, conf, port=value)
        return
    if text is None:
        yield base.process("web", src, conf, bind_expr=written(value))
        return
    address = text.removeprefix("tcp://").removeprefix("ssl://")
    if text.startswith("unix://") or (call.method == "listen" and "/" in text and ":" not in text):
        yield base.process("web", src, conf, unix_socket=text.removeprefix("unix://"))
        yield base.warning(src, f"the server listens on the unix socket {text.removeprefix('unix://')} (for nginx on "
                                "the same host): in a pod it must listen on TCP for the Service and probes; the "
                                "container command binds tcp://0.0.0.0")
        return
    host, _, port = address.rpartition(":") if ":" in address else ("", "", address)
    if port_read is not None:  # "tcp://0.0.0.0:#{ENV.fetch('PORT', 3000)}"
        yield base.process("web", src, conf, port_env=port_read.name)
    if port.isdigit():
        yield base.process("web", src, conf, port=int(port))
    elif port_read is not None:
        yield base.process("web", src, DEF, port=FALLBACK_PORT)
    if host in ("127.0.0.1", "localhost", "[::1]"):
        yield base.warning(src, f"the server listens on {host} (loopback): a pod must listen on every interface; "
                                "the container command binds 0.0.0.0")


def _port_read(value: RbValue) -> EnvRef | None:
    """The env read that is the last part of an interpolated address (its port)."""
    if isinstance(value, Interp) and value.parts and isinstance(value.parts[-1], EnvRef):
        return value.parts[-1]
    return None


def _port(value: RbValue, src: Src, conf: Confidence) -> Iterator[Item]:
    env = env_of(value)
    if env is not None:
        yield base.process("web", src, conf, port_env=env.name)
    number = as_int(value)
    if number is not None:
        yield base.process("web", src, conf, port=number)
    elif env is not None:
        yield base.process("web", src, DEF, port=FALLBACK_PORT)
    else:
        yield base.process("web", src, conf, bind_expr=written(value))


_COUNTS = {"workers": "workers", "worker_processes": "workers", "worker_timeout": "timeout", "timeout": "timeout"}
_FILES = {"pidfile": "pid", "state_path": "pid", "pid": "pid", "stdout_redirect": "logs", "stderr_path": "logs",
          "stdout_path": "logs"}


def _setting(parsed: RubyFile, local: Locals, call: Call, src: Src, conf: Confidence, server: str) -> Iterator[Item]:
    method = call.method
    values = [local.value(a) for a in call.args]
    first = values[0] if values else None
    if method in _COUNTS:
        yield from _count(_COUNTS[method], first, src, conf)
    elif method == "threads" and values:
        yield from _count("threads", values[-1], src, conf)  # threads min, max: each worker runs up to max
    elif method in ("working_directory", "directory"):
        path = literal_text(first)
        if path and path.startswith("/"):
            yield base.runtime(src, I, legacy_app_dir=path.rstrip("/"))
    elif method in _FILES:
        seen: set[str] = set()
        for value in values if method == "stdout_redirect" else values[:1]:
            for item in _file(value, _FILES[method], method, src, server):
                if isinstance(item, Finding) and item.key in seen:
                    continue  # stdout_redirect's two logs in one directory: one volume
                seen.add(item.key if isinstance(item, Finding) else "")
                yield item
    elif method == "daemonize" and first is not False:
        yield base.warning(src, f"{server} daemonizes: a daemon leaves PID 1 and the container exits at once; "
                                "the setting must go (Puma 5 removed it)")
    elif method == "user" and text_of(first):
        yield base.process("web", src, conf, user=text_of(first))
    elif method == "environment" and text_of(first) and env_of(first) is None:
        yield base.process("web", src, conf, environment=text_of(first))


def _count(field: str, value: RbValue, src: Src, conf: Confidence) -> Iterator[Item]:
    number = as_int(value)
    if number is not None:
        yield base.process("web", src, conf, **{field: number})
    else:
        yield base.process("web", src, conf, **{f"{field}_expr": written(value)})
    env = env_of(value)
    if env is not None:
        yield base.process("web", src, conf, **{f"{field}_env": env.name})


def _file(value: RbValue, purpose: str, setting: str, src: Src, server: str) -> Iterator[Item]:
    # pidfile ENV.fetch("PIDFILE") { "tmp/pids/server.pid" }, "#{shared_dir}/tmp/pids/puma.pid": as by default
    path = literal_text(value)
    if path is None:
        if isinstance(value, Interp):
            yield base.warning(src, f"{server} {setting} {value.template!r} is built from code; its directory must "
                                    "be writable in the pod (or drop the setting)")
        return
    if path.startswith(("/dev/", "/proc/")):
        return
    if purpose == "logs":
        yield base.warning(src, f"{server} {setting} writes logs to {path}: in a container logs go to stdout, "
                                "where the cluster collects them; drop the setting")
    directory = posixpath.dirname(posixpath.normpath(path))
    if directory.startswith("/tmp") or directory in ("", "."):  # noqa: S108 - /tmp is the pod's emptyDir already
        return
    yield base.volume(directory, src, I, purpose=purpose, storage="emptyDir", written=path,
                      written_by=f"{server} {setting}", relative_to=None if path.startswith("/") else "repo")


def _env_reads(parsed: RubyFile, src: Src) -> Iterator[Item]:
    seen: set[str] = set()
    for ref in parsed.env_reads():
        if ref.name in seen:
            continue
        seen.add(ref.name)
        yield from env_findings(ref, src.at(ref.line))


def env_findings(ref: EnvRef, src: Src, secret: bool | None = None) -> Iterator[Item]:
    """An env read (DECLARED, required when ``ENV.fetch`` has no default) and its literal default
    (HEURISTIC); a default that is a real secret is reported by file and line only."""
    default = _scalar(ref.default)
    yield base.env_var(ref.name, src, D, required=ref.required, secret=secret)
    if secret or (ref.name in RACK_ENVS and default != "production"):
        return  # ENV.fetch("RAILS_ENV") { "development" } is the developer's fallback, never the pod's
    if default is None:
        return
    found = base.check_assignment(src, ref.name, default)
    if found is not None:
        yield found  # the read above stands; the secret fallback is reported by place only
        return
    yield base.env_var(ref.name, src, H, default=default)


def _scalar(value: RbValue) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return text_of(value)


# -- Thin -----------------------------------------------------------------------------------------


def _thin(repo: RepoView, rel: str, conf: Confidence) -> Iterator[Item]:
    text = repo.read_text(rel)
    if text is None:
        return
    src = Src(NAME, rel, 1)
    data, error = load_yaml(text)
    if error is not None:
        yield base.warning(src.at(error[0]), f"thin config {error[1]}")
        return
    if not isinstance(data, dict):
        return
    yield base.process("web", src, conf, role="web", app_server="thin", config_file=rel)
    command = f"bundle exec thin start -C {rel}"
    cmd = parse_command(command, src(H))
    yield base.stating(base.process("web", src, H, command=command), cmd, meaning(cmd))
    for key, value in data.items():
        at = src.at(key_line(data, key))
        if key == "port" and as_int(value) is not None:
            yield base.process("web", at, conf, port=as_int(value))
        elif key == "socket" and isinstance(value, str):
            yield base.process("web", at, conf, unix_socket=value)
        elif key == "timeout" and as_int(value) is not None:
            yield base.process("web", at, conf, timeout=as_int(value))
        elif key == "servers" and (as_int(value) or 0) > 1:
            yield base.warning(at, f"thin starts {value} servers on consecutive ports: a pod runs one; scale "
                                   "with replicas instead")
        elif key == "chdir" and isinstance(value, str) and value.startswith("/"):
            yield base.runtime(at, I, legacy_app_dir=value.rstrip("/"))
        elif key == "daemonize" and value is True:
            yield base.warning(at, "thin daemonizes: a daemon leaves PID 1 and the container exits at once; the "
                                   "setting must go")
        elif key in ("pid", "log") and isinstance(value, str):
            yield from _file(value, "pid" if key == "pid" else "logs", key, at, "thin")
        elif key == "user" and isinstance(value, str):
            yield base.process("web", at, conf, user=value)
        elif key == "environment" and isinstance(value, str):
            yield base.process("web", at, conf, environment=value)
