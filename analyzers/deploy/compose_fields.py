"""The fields of one compose service, with the line each is written on (see :mod:`analyzers.deploy.compose`).

ruamel.yaml's round-trip loader keeps positions; a key merged in with ``<<:`` has none of its own, so its
line is where the anchor writes it. Values get compose's interpolation (``${X:-default}``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from analyzers import base
from analyzers.base import H, I, Item, Src
from analyzers.deploy import dotenv
from analyzers.deploy.deploy_commands import interpret
from analyzers.deploy.dockerfile_run import IMAGE_ENV
from analyzers.deploy.image_command import in_image
from analyzers.deploy.systemd import memory_quantity
from migrator.model import Finding, Kind
from migrator.repo import RepoView, normalize

_INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}")
_MEDIA = re.compile(r"(^|/)(media|uploads?|user[-_]?files|attachments)(/|$)", re.IGNORECASE)
_HOST_PATHS = ("/var/run", "/run", "/tmp", "/etc", "/dev", "/sys", "/proc")  # noqa: S108 - compared, not used


def line_of(node: Any, key: Any) -> int | None:
    """The 1-based line where ``key`` of mapping ``node`` is written, through ``<<:`` merges."""
    lc = getattr(node, "lc", None)
    if lc is not None:
        try:
            return int(lc.key(key)[0]) + 1
        except (KeyError, TypeError, AttributeError):
            pass
    for merged in getattr(node, "merge", None) or []:
        if isinstance(merged, tuple):  # ruamel.yaml < 0.18 keeps (position, mapping) pairs
            merged = merged[-1]
        found = line_of(merged, key)
        if found is not None:
            return found
    return int(lc.line) + 1 if lc is not None and lc.line is not None else None


def item_line(seq: Any, index: int, fallback: int | None) -> int | None:
    try:
        return int(seq.lc.item(index)[0]) + 1
    except (KeyError, TypeError, AttributeError, IndexError):
        return fallback


def interpolate(value: str) -> str | None:
    """Compose's ``${X:-default}``/``${X-default}`` -> default; None when a variable has no default."""
    missing = False

    def one(m: re.Match[str]) -> str:
        nonlocal missing
        if m.group("op") in (":-", "-"):
            return m.group("arg") or ""
        missing = True
        return m.group(0)

    out = _INTERPOLATION.sub(one, value.replace("$$", "\0"))
    return None if missing else out.replace("\0", "$")


def pairs(env: Any) -> Iterator[tuple[str, str | None, int | None]]:
    """(name, value or None, line) of an ``environment:`` mapping or list."""
    if isinstance(env, dict):
        for name, value in env.items():
            yield str(name), None if value is None else str(value), line_of(env, name)
    elif isinstance(env, list):
        for index, entry in enumerate(env):
            name, eq, value = str(entry).partition("=")
            yield name.strip(), value if eq else None, item_line(env, index, None)


def port(svc: dict[str, Any]) -> tuple[int | None, int | None]:
    """The container port of ``ports:`` (``"8000:8000"``, ``"127.0.0.1:8000:8000"``, ``{target: 8000}``)
    or ``expose:``, and its line."""
    for key in ("ports", "expose"):
        entries = svc.get(key)
        if not isinstance(entries, list):
            continue
        for index, entry in enumerate(entries):
            if isinstance(entry, dict):
                text = str(entry.get("target") or "")
            else:
                text = interpolate(str(entry)) or ""
                text = text.rsplit(":", 1)[-1]
            number = text.split("/", 1)[0].split("-", 1)[0].strip()
            if number.isdigit() and 0 < int(number) < 65536:
                return int(number), item_line(entries, index, line_of(svc, key))
    return None, None


def environment(repo: RepoView, src: Src, svc: dict[str, Any], services: set[str]) -> Iterator[Item]:
    """Env vars of ``environment:`` (list and map forms) and the names in ``env_file:`` files."""
    for name, value, line in pairs(svc.get("environment")):
        at = src.at(line)
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name) or IMAGE_ENV.match(name):
            continue
        resolved = interpolate(value) if value is not None else None
        found = base.check_assignment(at, name, resolved) if resolved else None
        if found is not None:
            yield found
        points_at = _service_host(resolved, services) if resolved else None
        default = None if found or points_at or not resolved else resolved
        note = f"points at compose service {points_at!r}: set it for the cluster" if points_at else None
        yield base.env_var(name, at, H, default=default, secret=True if found else None, note=note)
    files = svc.get("env_file")
    listed = files if isinstance(files, list) else [files] if files else []
    for index, entry in enumerate(listed):
        path = str(entry.get("path") if isinstance(entry, dict) else entry)
        line = item_line(listed, index, line_of(svc, "env_file"))
        optional = isinstance(entry, dict) and not entry.get("required", True)
        yield from _env_file(repo, path, src.at(line), optional)


def _service_host(value: str, services: set[str]) -> str | None:
    """The compose service a value points at (``postgres://u:p@db:5432/x``, ``redis:6379``), if any."""
    for service in services:
        if re.search(rf"(^|[/@]){re.escape(service)}(:\d+|/|$)", value):
            return service
    return None


def _env_file(repo: RepoView, path: str, src: Src, optional: bool) -> Iterator[Item]:
    folder = src.file.rsplit("/", 1)[0] if "/" in src.file else ""
    target = normalize(f"{folder}/{path}" if folder and not path.startswith("/") else path)
    if not repo.exists(target):
        if not optional:
            yield base.warning(src, f"env_file {path} is not in the repository: its variables must be provided")
        return
    if dotenv.file_kind(target.rsplit("/", 1)[-1]) is not None:
        return  # the dotenv analyzer reads it (names, never secret values)
    entries, _ = dotenv.parse(repo.read_text(target) or "")
    for entry in entries:
        at = Src(src.analyzer, target, entry.line)
        found = base.check_assignment(at, entry.name, entry.value)
        if found is not None:
            yield found
        yield base.env_var(entry.name, at, H, secret=True if found else None)


def settings(src: Src, svc: dict[str, Any], key: str, workdir: str | None) -> Iterator[Item]:
    """user, working_dir, depends_on, volumes, deploy replicas and limits, healthcheck of process ``key``."""
    for option, fld in (("user", "user"), ("working_dir", "working_dir")):
        value = svc.get(option)
        if value and (option != "user" or re.fullmatch(r"[a-z_][a-z0-9_-]*", str(value).split(":")[0])):
            yield base.process(key, src.at(line_of(svc, option)), I, **{fld: str(value).split(":")[0]})
    depends = svc.get("depends_on")
    if depends:
        yield base.process(key, src.at(line_of(svc, "depends_on")), I, depends_on=tuple(str(d) for d in depends))
    yield from _volumes(src, svc, workdir)
    yield from _deploy(src, svc, key)
    check = svc.get("healthcheck")
    test = check.get("test") if isinstance(check, dict) else None
    if test:
        argv = [str(t) for t in test] if isinstance(test, list) else ["CMD-SHELL", str(test)]
        if argv[0] in ("CMD", "CMD-SHELL"):
            argv = argv[1:]
        command = " ".join(argv)
        for item in interpret(command.split("||")[0], src.at(line_of(check, "test"))):
            if isinstance(item, Finding) and item.kind is Kind.HEALTH_CHECK:
                yield item


def _volumes(src: Src, svc: dict[str, Any], workdir: str | None) -> Iterator[Item]:
    """Named volumes and bind mounts of upload dirs; code mounts (``.:/code``), static files and host
    paths are not data the app keeps."""
    entries = svc.get("volumes")
    if not isinstance(entries, list):
        return
    for index, entry in enumerate(entries):
        at = src.at(item_line(entries, index, line_of(svc, "volumes")))
        if isinstance(entry, dict):
            source, target = str(entry.get("source") or ""), str(entry.get("target") or "")
        else:
            parts = str(entry).split(":")
            source, target = (parts[0], parts[1]) if len(parts) > 1 else ("", parts[0])
        named = bool(source) and not source.startswith((".", "/", "~", "$"))
        path = in_image(target, workdir)
        if not target or "static" in path or target.startswith(_HOST_PATHS):
            continue  # collected static files are built into the image; sockets and tmp are the host's
        if named or _MEDIA.search(target) or _MEDIA.search(source):
            purpose = "media" if _MEDIA.search(target) or _MEDIA.search(source) else None
            yield base.volume(path, at, I, purpose=purpose, compose_volume=source or None)


def _deploy(src: Src, svc: dict[str, Any], key: str) -> Iterator[Item]:
    deploy = svc.get("deploy")
    if not isinstance(deploy, dict):
        return
    replicas = deploy.get("replicas")
    if isinstance(replicas, int):
        yield base.process(key, src.at(line_of(deploy, "replicas")), I, replicas=replicas)
    limits = (deploy.get("resources") or {}).get("limits") if isinstance(deploy.get("resources"), dict) else None
    if isinstance(limits, dict):
        if limits.get("memory"):
            memory, _ = memory_quantity(str(limits["memory"]).upper().removesuffix("B"))
            if memory:
                yield base.process(key, src.at(line_of(limits, "memory")), I, memory_limit=memory)
        cpus = str(limits.get("cpus") or "")
        if re.fullmatch(r"\d+(\.\d+)?", cpus):
            yield base.process(key, src.at(line_of(limits, "cpus")), I, cpu_limit=f"{round(float(cpus) * 1000)}m")


