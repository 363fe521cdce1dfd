"""supervisord configs: ``[program:x]`` -> processes, ``[group:x]``, ``[include]`` files, env, secrets.

configparser loses line numbers, so this module parses supervisor's INI dialect itself: ``;``/``#``
comments (inline ones after whitespace), ``key = value`` or ``key: value``, indented continuation
lines, and supervisor's ``%(name)s`` expansions: ``%(here)s`` (the config file's folder, repo-relative),
``%(program_name)s``, ``%(process_num)d`` (0: one container per replica), ``%(group_name)s`` and
``%(ENV_X)s`` (kept as the shell reference ``${X}``: its value comes from the host environment).

Choices: the process key is the classifier's canonical name (``web``, ``worker`` ...) or else the
program name, which is kept as ``legacy_name``; ``numprocs`` -> ``replicas``; ``stopwaitsecs`` ->
``stop_timeout``; a program whose command is a release step (``manage.py migrate``) is a release
step, not a process.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from analyzers import base
from analyzers.base import DEF, D, H, I, Item, Src
from analyzers.commands import host_only, meaning
from analyzers.deploy import devenv
from analyzers.deploy.deploy_commands import command_secrets, export, parse_at
from analyzers.deploy.hostcfg import collapse_jinja, host_glob, strip_template
from migrator.commands import StepKind
from migrator.repo import RepoView, join, normalize
from migrator.secrets import lift_secrets, scrub

NAME = "supervisor"

_SECTION_MARK = re.compile(r"^\s*\[(program:|group:|fcgi-program:|supervisord\])", re.MULTILINE)
_OPTION = re.compile(r"^(?P<key>[^=:\s][^=:]*?)\s*[=:]\s*(?P<value>.*)$")
_INLINE_COMMENT = re.compile(r"\s[;#].*$")
_EXPANSION = re.compile(r"%\((?P<name>[A-Za-z_][A-Za-z0-9_]*)\)(?P<fmt>[-#0 +]*\d*[sd])")
_ENV_PAIR = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|[^,]*?)\s*(?:,|$)")
_RESTART = {"true": "always", "unexpected": "on-failure", "false": "no"}


@dataclass(frozen=True)
class Option:
    key: str
    value: str
    line: int


@dataclass
class Section:
    name: str
    line: int
    options: dict[str, Option] = field(default_factory=dict)


def parse_ini(lines: list[str]) -> tuple[list[Section], list[tuple[int, str]]]:
    """(sections, problems as (line, message)) for supervisor's INI dialect, keeping line numbers."""
    sections: list[Section] = []
    problems: list[tuple[int, str]] = []
    current: Section | None = None
    last: Option | None = None
    for lineno, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith((";", "#", "{%", "{#")):
            last = None if not stripped else last
            continue
        text = collapse_jinja(_INLINE_COMMENT.sub("", stripped))
        if raw[:1].isspace() and last is not None and current is not None:
            last = Option(last.key, f"{last.value}\n{text}".strip(), last.line)
            current.options[last.key] = last
            continue
        if stripped.startswith("["):
            if not stripped.endswith("]"):
                problems.append((lineno, "section header without ']'; ignored"))
                current, last = None, None
                continue
            current, last = Section(stripped[1:-1].strip(), lineno), None
            sections.append(current)
            continue
        m = _OPTION.match(text)
        if m is None or current is None:
            problems.append((lineno, "not a 'key = value' line inside a [section]; ignored"))
            last = None
            continue
        key = m.group("key").strip().lower()
        if key in current.options:
            problems.append((lineno, f"{key} set again in [{current.name}] (first at line "
                                     f"{current.options[key].line}); the last one is used"))
        last = Option(key, m.group("value").strip(), lineno)
        current.options[key] = last
    return sections, problems


def config_files(repo: RepoView) -> list[str]:
    """Supervisor configs: ``supervisord.conf`` and ``*.conf``/``*.ini`` (or templates) with supervisor sections."""
    out = []
    for rel in repo.files():
        path = strip_template(rel)
        if not path.endswith((".conf", ".ini")):
            continue
        if path.rsplit("/", 1)[-1] == "supervisord.conf":
            out.append(rel)
            continue
        text = repo.read_text(rel)
        if text is not None and _SECTION_MARK.search(text):
            out.append(rel)
    return out


def analyze(repo: RepoView) -> Iterator[Item]:
    """Processes, release steps, env and secrets from every supervisor config in the repo."""
    queue = config_files(repo)
    done: set[str] = set()
    parsed: list[tuple[str, list[Section]]] = []
    while queue:
        rel = queue.pop(0)
        if rel in done:
            continue
        done.add(rel)
        dev = devenv.inside(repo, rel)
        if dev is not None:
            yield base.warning(Src(NAME, rel), f"{dev}: its programs are not the production processes")
            continue
        sections, problems = parse_ini(repo.lines(rel))
        for line, message in problems:
            yield base.warning(Src(NAME, rel, line), message)
        parsed.append((rel, sections))
        for section in sections:
            if section.name == "include":
                found, items = _include(repo, rel, section)
                queue.extend(found)
                yield from items
    keys: dict[str, str] = {}
    for rel, sections in parsed:
        for section in sections:
            kind, _, name = section.name.partition(":")
            if kind in ("program", "fcgi-program") and name:
                yield from _program(rel, name.strip(), section, keys)
    for rel, sections in parsed:
        for section in sections:
            kind, _, name = section.name.partition(":")
            if kind == "group" and "programs" in section.options:
                opt = section.options["programs"]
                for program in re.split(r"[,\s]+", opt.value):
                    if keys.get(program) == "":
                        continue  # a host daemon: no process to group
                    if program in keys:
                        yield base.process(keys[program], Src(NAME, rel, opt.line), D, group=name.strip())
                    elif program:
                        yield base.warning(Src(NAME, rel, opt.line),
                                           f"group {name.strip()!r} lists unknown program {program!r}")


def _include(repo: RepoView, rel: str, section: Section) -> tuple[list[str], list[Item]]:
    """Repo files an ``[include] files=`` names (globs relative to the config file, host paths by tail)."""
    opt = section.options.get("files")
    if opt is None:
        return [], []
    found: list[str] = []
    items: list[Item] = []
    for pattern in opt.value.split():
        matches = _resolve_glob(repo, rel, pattern)
        if not matches:
            items.append(base.warning(Src(NAME, rel, opt.line), f"include {pattern} matches no file in the repository"))
        found.extend(matches)
    return found, items


def _resolve_glob(repo: RepoView, rel: str, pattern: str) -> list[str]:
    pattern = _expand(pattern, {"here": "."}, {})  # relative to the including file, as supervisor does
    if not pattern.startswith("/"):
        target = join(rel, pattern)
        return [] if target.startswith("../") else repo.glob(normalize(target))
    return host_glob(repo, pattern)  # a host path: found again by its tails


def _here(rel: str) -> str:
    return rel.rsplit("/", 1)[0] if "/" in rel else "."


def _expand(text: str, names: dict[str, str], problems: dict[str, None]) -> str:
    """Apply supervisor's ``%(name)s`` expansions; unknown names are kept and reported."""

    def one(m: re.Match[str]) -> str:
        name, fmt = m.group("name"), m.group("fmt")
        if name.startswith("ENV_"):
            return "${" + name[4:] + "}"
        if name not in names:
            problems[name] = None
            return m.group(0)
        value = names[name]
        if fmt.endswith("d") and _is_number(value):
            return ("%" + fmt) % int(value)
        return value

    return _EXPANSION.sub(one, text).replace("%%", "%")


def _program(rel: str, name: str, section: Section, keys: dict[str, str]) -> Iterator[Item]:
    src = Src(NAME, rel)
    opts = section.options
    numprocs = opts["numprocs"].value if "numprocs" in opts else "1"
    names = {"here": _here(rel), "program_name": name, "process_num": "0", "group_name": name,
             "host_node_name": "localhost", "numprocs": numprocs}
    unknown: dict[str, None] = {}
    command_opt = opts.get("command")
    if command_opt is None:
        yield base.warning(src.at(section.line), f"[program:{name}] has no command=; ignored")
        return
    at = src.at(command_opt.line)
    command = _expand(" ".join(command_opt.value.split()), names, unknown)
    for missing in unknown:
        yield base.warning(at, f"%({missing})s is not a supervisor expansion; kept as written")
    yield from command_secrets(command, at)
    workdir = _expand(opts["directory"].value, names, {}) if "directory" in opts else None
    user = _expand(opts["user"].value, names, {}) if "user" in opts else None
    cmd = parse_at(command, at, cwd=workdir, user=user, origin="command=")
    info = meaning(cmd)
    run = info.in_dir(workdir)
    hosted = host_only(cmd.core)
    if hosted is not None:
        # caddy/nginx/haproxy, cron, docker compose up ...: the Ingress, CronJobs or the compose
        # services replace it; it is no workload of the app image
        keys[name] = ""
        clean = scrub(run.text or cmd.text)  # secrets were reported above
        yield base.host_step(clean, at, f"[program:{name}] {hosted.reason}")
        if hosted.service:
            yield base.service(hosted.service, at, I, note=f"run by supervisord as [program:{name}]")
        return
    key = info.name or re.sub(r"[^a-z0-9-]+", "-", name.lower()).strip("-") or name
    keys[name] = key
    clean = lift_secrets(run.text or cmd.text)  # secrets were declared above
    if info.role is not None and info.role.value == "release" or (info.role is None and info.step is StepKind.RELEASE):
        yield base.stating(base.release_step(clean, at, D, legacy_name=name), cmd, run)
    else:
        role, confidence = (info.role.value, I) if info.role else ("worker", H)
        yield base.stating(base.process(key, at, D, command=clean, legacy_name=name,
                                        app_server=info.server, workers=info.workers, threads=info.threads,
                                        timeout=info.timeout, port=info.port if info.port_declared else None),
                           cmd, run)
        yield base.process(key, at, confidence, role=role)
        if info.port is not None and not info.port_declared:
            yield base.process(key, at, DEF, port=info.port)
        yield from _settings(key, src, opts, names)
    env = opts.get("environment")
    if env is not None:
        yield from _environment(src, env, names)


def _settings(key: str, src: Src, opts: dict[str, Option], names: dict[str, str]) -> Iterator[Item]:
    for option, fld in (("numprocs", "replicas"), ("stopwaitsecs", "stop_timeout"), ("priority", "priority")):
        opt = opts.get(option)
        if opt is None:
            continue
        if _is_number(opt.value):
            yield base.process(key, src.at(opt.line), D, **{fld: int(opt.value)})
        else:
            yield base.warning(src.at(opt.line), f"{option}= is not a number; ignored")
    for option, fld in (("user", "user"), ("directory", "working_dir"), ("process_name", "process_name")):
        opt = opts.get(option)
        if opt is not None and opt.value:
            value = opt.value if option == "process_name" else _expand(opt.value, names, {})
            yield base.process(key, src.at(opt.line), D, **{fld: value})
    opt = opts.get("stopsignal")
    if opt is not None:
        yield base.process(key, src.at(opt.line), D, stop_signal=opt.value.upper().removeprefix("SIG"))
    opt = opts.get("autorestart")
    if opt is not None and opt.value.lower() in _RESTART:
        yield base.process(key, src.at(opt.line), D, restart=_RESTART[opt.value.lower()])


def _environment(src: Src, opt: Option, names: dict[str, str]) -> Iterator[Item]:
    """``A="1",B='2',C=3`` (possibly over several lines): one env var per pair, on its own line."""
    text = opt.value
    pos = 0
    while pos < len(text):
        m = _ENV_PAIR.match(text, pos)
        if m is None or m.end() == pos:
            yield base.warning(src.at(opt.line + text.count("\n", 0, pos)), "environment= not understood from here on")
            return
        name, value = m.group(1), m.group(2)
        line = opt.line + text.count("\n", 0, m.start(1))
        if value[:1] in ("'", '"') and value[-1:] == value[:1]:
            value = value[1:-1]
        yield from export(name, _expand(value, names, {}), src.at(line))
        pos = m.end()


def _is_number(text: str) -> bool:
    """ASCII digits only (str.isdigit() also takes '²', which int() refuses), and few enough for int()."""
    return text.isascii() and text.isdigit() and len(text) <= 18
