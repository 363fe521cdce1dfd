"""Laravel Envoy task files (``Envoy.blade.php``, ``Envoy.php``): read line by line, never run.

No Blade grammar exists, so the directives are read as lines: ``@servers([...])`` (a PHP array, read by
:mod:`analyzers.deploy.deployer.phpvalues`: role -> hosts), ``@setup ... @endsetup`` (PHP: literal
assignments become the values of ``{{ $var }}`` in the task bodies; what is not literal stays ``${var}``),
``@include``/``@import`` (a repo file's assignments, another Envoy file's tasks), ``@task('name', ['on' =>
'web', 'parallel' => true, 'confirm' => true]) ... @endtask`` (the body is shell, walked by
:class:`analyzers.deploy.shellwalk.ShellWalker` at its own lines), ``@story ... @endstory`` (the tasks a
deploy runs, in order), the hooks ``@before``/``@after``/``@error``/``@success``/``@finished`` (``@slack``,
``@discord``, ``@telegram``, ``@microsoftTeams`` notifications: their webhook URLs are secrets, reported
where, never what), and ``@if``/``@elseif``/``@else``/``@endif`` inside a body (both branches are read; their
commands say which condition they run under). Each command becomes the findings the other deploy readers
give (placed by :class:`analyzers.deploy.capistrano.emit.Emitter`: task, roles, local runs, flow point);
the hosts per role give replicas hints.

The deploy flow is the story named ``deploy`` (else the first story), else the task ``deploy``; other
tasks are run by hand (``envoy run <task>``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from analyzers import base
from analyzers.base import H, Item, Src
from analyzers.deploy.capistrano.emit import Emitter, dedupe
from analyzers.deploy.capistrano.model import Ctx
from analyzers.deploy.deployer.phpvalues import PhpFile, Unknown, expression, render
from analyzers.deploy.shellwalk import ShellWalker
from analyzers.lib import php
from migrator.model import Finding
from migrator.repo import RepoView, normalize
from migrator.secrets import value_secret_kind

NAME = "envoy"
FILES = ("Envoy.blade.php", "Envoy.php")
_DIRECTIVE = re.compile(r"^\s*@(\w+)\b\s*(.*)$")
_ECHO = re.compile(r"\{\{\s*(.*?)\s*\}\}|\{!!\s*(.*?)\s*!!\}")
_VAR = re.compile(r"^\$(\w+)$")
_HOOKS = ("before", "after", "error", "success", "finished")
_NOTIFY = ("slack", "discord", "telegram", "microsoftTeams", "teams")
_LOCAL = {"localhost", "127.0.0.1", "::1", "local"}
_MANUAL = ("run by hand (envoy run {task}), not by every deploy: review whether it belongs in the release Job, "
           "the image build, or nowhere")
_NOTIFIES = "deploy notification: the CI/CD pipeline that rolls out the image notifies instead"
_MAX_IMPORTS = 10


@dataclass
class _Task:
    name: str
    file: str
    line: int
    body: list[tuple[int, str]] = field(default_factory=list)  # (line, text), directive lines blanked
    conditions: dict[int, str] = field(default_factory=dict)  # line -> the @if it runs under
    roles: tuple[str, ...] = ()
    options: dict[str, Any] = field(default_factory=dict)


@dataclass
class _File:
    servers: dict[str, list[str]] = field(default_factory=dict)
    servers_at: tuple[str, int] | None = None
    scope: dict[str, Any] = field(default_factory=dict)
    tasks: dict[str, _Task] = field(default_factory=dict)
    stories: dict[str, tuple[list[str], str, int]] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    secret_vars: set[str] = field(default_factory=set)
    read: list[str] = field(default_factory=list)


def envoy_file(repo: RepoView) -> str | None:
    return next((f for f in FILES if repo.exists(f)), None)


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings from the repo's Envoy file (empty when there is none)."""
    rel = envoy_file(repo)
    if rel is None:
        return
    envoy = _File()
    _read(repo, rel, envoy)
    emitter = Emitter(repo, secret_values=set(envoy.secrets), manual=_MANUAL)
    flow, story_src = _flow(envoy)
    for name in flow:
        task = envoy.tasks.get(name)
        if task is None:
            at = story_src or Src(NAME, rel, 1)
            emitter.out.append(base.warning(at, f"the story runs task {name!r}, which no @task defines"))
            continue
        _walk(task, envoy, emitter, Ctx(phase="deploy", task=name))
    for name, task in envoy.tasks.items():
        if name not in flow:
            _walk(task, envoy, emitter, Ctx(task=name))
    items: list[Item] = [*envoy.items, *emitter.out]
    items.append(base.runtime(Src(NAME, rel, 1), base.D, deploy_tool="envoy"))
    items += _replicas(envoy, emitter.process_roles)
    yield from dedupe([emitter.clean(i) for i in items])


def _flow(envoy: _File) -> tuple[list[str], Src | None]:
    if envoy.stories:
        name = "deploy" if "deploy" in envoy.stories else next(iter(envoy.stories))
        tasks, file, line = envoy.stories[name]
        return tasks, Src(NAME, file, line)
    return (["deploy"] if "deploy" in envoy.tasks else []), None


# -- reading -------------------------------------------------------------------------------------------

def _read(repo: RepoView, rel: str, envoy: _File) -> None:
    if rel in envoy.read or len(envoy.read) > _MAX_IMPORTS:
        return
    envoy.read.append(rel)
    lines = (repo.read_text(rel) or "").split("\n")
    i = 0
    while i < len(lines):
        m = _DIRECTIVE.match(lines[i])
        if not m:
            i += 1
            continue
        name, rest = m.group(1), m.group(2)
        start = i + 1
        args, i = _args(lines, i, rest)
        if name == "servers":
            _servers(args, rel, start, envoy)
        elif name == "setup":
            i = _setup(lines, i, rel, envoy)
        elif name in ("include", "import"):
            _include(repo, rel, name, args, start, envoy)
        elif name == "task":
            i = _task(lines, i, rel, start, args, envoy)
        elif name in ("story", "macro"):
            i = _story(lines, i, rel, start, args, name, envoy)
        elif name in _HOOKS:
            i = _hook(lines, i, rel, name, envoy)
        elif name in _NOTIFY:
            _notify(name, args, rel, start, envoy)
        i += 1


def _args(lines: list[str], i: int, rest: str) -> tuple[str, int]:
    """The text between a directive's parentheses (which may span lines) and the line it ends on."""
    if not rest.startswith("("):
        return "", i
    text, j = rest, i
    while True:
        end = _close(text)
        if end < len(text):
            return text[1:end], j
        j += 1
        if j >= len(lines) or j - i > 50:
            return "", i
        text += "\n" + lines[j]


def _close(text: str) -> int:
    end = php.closing_paren(text)
    return len(text) if end is None else end


def _values(args: str, line: int, envoy: _File) -> list[Any]:
    value = expression(f"[{args}]", line, envoy.scope) if args.strip() else []
    return value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else []


def _servers(args: str, rel: str, line: int, envoy: _File) -> None:
    values = _values(args, line, envoy)
    if not values or not isinstance(values[0], dict):
        envoy.items.append(base.warning(Src(NAME, rel, line), "@servers is not a literal array; hosts not known"))
        return
    for role, hosts in values[0].items():
        envoy.servers[str(role)] = [render(h) for h in (hosts if isinstance(hosts, list) else [hosts])]
    envoy.servers_at = (rel, line)


def _setup(lines: list[str], i: int, rel: str, envoy: _File) -> int:
    end = _end(lines, i, ("endsetup",))
    _php_scope("\n".join(lines[i + 1:end]), rel, i + 2, envoy)
    return end


def _php_scope(text: str, rel: str, first_line: int, envoy: _File) -> None:
    """The literal assignments of a PHP text (``@setup``, an ``@include``d file) into the scope; a secret
    literal is reported where it is and never substituted."""
    php = PhpFile(text, first_line, snippet=True)
    if php.root is None:
        return
    if php.errors():
        envoy.items.append(base.warning(Src(NAME, rel, php.errors()[0]), "PHP that does not parse (in @setup or an "
                                        "included file); the assignments around it were read"))
    for name, node, line in php.assignments():
        value = php.value(node, envoy.scope)
        if isinstance(value, Unknown):
            value = value if value.name.isupper() else Unknown(name)
        if isinstance(value, str) and _secret(Src(NAME, rel, line), name, value, envoy):
            envoy.secret_vars.add(name)
            value = Unknown(name)
        envoy.scope[name] = value


def _secret(src: Src, name: str, value: str, envoy: _File) -> bool:
    found = base.check_assignment(src, name, value)
    kind = found.kind if found is not None else value_secret_kind(value)
    if kind is None:
        return False
    envoy.items.append(base.hardcoded_secret(src, f"${name}", kind))
    envoy.secrets.add(value)
    return True


def _include(repo: RepoView, rel: str, name: str, args: str, line: int, envoy: _File) -> None:
    values = _values(args, line, envoy)
    path = render(values[0]) if values else ""
    local = normalize(path.removeprefix("./")) if path and "${" not in path else ""
    if not local or not repo.exists(local):
        if "vendor/" not in path:
            envoy.items.append(base.warning(Src(NAME, rel, line), f"@{name}({path!r}) is not a file of the repo; "
                                            "what it adds is not known"))
        return
    if name == "import" or local.endswith(("Envoy.blade.php", ".blade.php")):
        _read(repo, local, envoy)
    else:
        _php_scope(repo.read_text(local) or "", local, 1, envoy)


def _task(lines: list[str], i: int, rel: str, line: int, args: str, envoy: _File) -> int:
    values = _values(args, line, envoy)
    end = _end(lines, i, ("endtask",))
    if not values or not isinstance(values[0], str):
        envoy.items.append(base.warning(Src(NAME, rel, line), "@task without a literal name; not read"))
        return end
    options = values[1] if len(values) > 1 and isinstance(values[1], dict) else {}
    on = options.get("on")
    task = _Task(values[0], rel, line, roles=tuple(render(r) for r in (on if isinstance(on, list) else [on] if on
                                                                      else [])), options=options)
    conditions: list[str] = []
    for k in range(i + 1, end):
        m = _DIRECTIVE.match(lines[k])
        if m and m.group(1) in ("if", "elseif", "unless", "isset", "empty"):
            if m.group(1) != "elseif":
                conditions.append(f"@{m.group(1)} {m.group(2).strip()}")
            else:
                conditions[-1:] = [f"@elseif {m.group(2).strip()}"]
            task.body.append((k + 1, ""))
        elif m and m.group(1) == "else":
            conditions[-1:] = [f"not ({conditions[-1]})" if conditions else "@else"]
            task.body.append((k + 1, ""))
        elif m and m.group(1) in ("endif", "endunless", "endisset", "endempty"):
            conditions = conditions[:-1]
            task.body.append((k + 1, ""))
        elif m and m.group(1) in _NOTIFY:
            _notify(m.group(1), _args(lines, k, m.group(2))[0], rel, k + 1, envoy)
            task.body.append((k + 1, ""))
        else:
            task.body.append((k + 1, _echoes(lines[k], envoy)))
            if conditions:
                task.conditions[k + 1] = conditions[-1]
    envoy.tasks[task.name] = task
    return end


def _echoes(text: str, envoy: _File) -> str:
    """``{{ $var }}`` / ``{!! $var !!}`` as the value @setup gave it, else ``${var}``."""
    def fill(m: re.Match[str]) -> str:
        code = m.group(1) if m.group(1) is not None else m.group(2)
        var = _VAR.match(code)
        if var and var.group(1) in envoy.scope:
            value = envoy.scope[var.group(1)]
            return render(value) if not isinstance(value, (list, dict)) else render(value)
        value = expression(code, 1, envoy.scope)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        first = re.search(r"\$(\w+)", code)
        return "${" + (first.group(1) if first else "value") + "}"
    return _ECHO.sub(fill, text)


def _story(lines: list[str], i: int, rel: str, line: int, args: str, name: str, envoy: _File) -> int:
    values = _values(args, line, envoy)
    end = _end(lines, i, (f"end{name}",))
    tasks = [t.strip() for t in lines[i + 1:end] if t.strip() and not t.strip().startswith(("#", "//", "{{--"))]
    if values and isinstance(values[0], str):
        envoy.stories[values[0]] = (tasks, rel, line)
    return end


def _hook(lines: list[str], i: int, rel: str, name: str, envoy: _File) -> int:
    end = _end(lines, i, (f"end{name}",))
    for k in range(i + 1, end):
        m = _DIRECTIVE.match(lines[k])
        if m and m.group(1) in _NOTIFY:
            _notify(m.group(1), _args(lines, k, m.group(2))[0], rel, k + 1, envoy, f"@{name}")
    return end


def _notify(name: str, args: str, rel: str, line: int, envoy: _File, hook: str | None = None) -> None:
    """``@slack('https://hooks.slack.com/...', '#deploys')``: a host step (the pipeline notifies); the URL
    (or a token) is a secret when literal: reported at its line, never copied."""
    src = Src(NAME, rel, line)
    values = _values(args, line, envoy)
    for value in values[:2]:
        if isinstance(value, str) and value and (value_secret_kind(value) or value.startswith("http")):
            kind = value_secret_kind(value) or f"{name}_webhook"
            envoy.items.append(base.hardcoded_secret(src, f"@{name} webhook", kind))
            envoy.secrets.add(value)
    step = base.host_step(f"@{name}", src, _NOTIFIES)
    envoy.items.append(base.with_fields(step, {**step.fields, **({"hook": hook} if hook else {})}))


def _end(lines: list[str], i: int, names: tuple[str, ...]) -> int:
    for k in range(i + 1, len(lines)):
        m = _DIRECTIVE.match(lines[k])
        if m and m.group(1) in names:
            return k
    return len(lines)


# -- walking -----------------------------------------------------------------------------------------

def _walk(task: _Task, envoy: _File, emitter: Emitter, ctx: Ctx) -> None:
    hosts = [h for r in task.roles or tuple(envoy.servers)[:1] for h in envoy.servers.get(r, [])]
    local = bool(hosts) and all(_host(h) in _LOCAL for h in hosts)
    here = replace(ctx, roles=task.roles or None, local=local)
    if not task.body:
        return
    first = task.body[0][0]
    walker = ShellWalker(Src(NAME, task.file))
    walker.walk_text("\n".join(text for _, text in task.body), first)
    extra: dict[str, Any] = {"parallel": True} if task.options.get("parallel") else {}
    for item in walker.finish():
        line = item.source.line if isinstance(item, Finding) else None
        more = {**extra, **({"condition": task.conditions[line]} if line in task.conditions else {})}
        emitter.out.append(emitter.place(item, here, None, more))


def _host(spec: str) -> str:
    """``deploy@10.0.0.1:2222 -p 22`` -> ``10.0.0.1``; ``::1`` and ``[::1]:22`` stay IPv6."""
    words = spec.strip().rsplit("@", 1)[-1].split()
    host = words[0] if words else ""
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.split(":", 1)[0] if host.count(":") == 1 else host


def _replicas(envoy: _File, process_roles: dict[str, tuple[tuple[str, ...], str, int]]) -> Iterator[Item]:
    if envoy.servers_at is None:
        return
    file, line = envoy.servers_at
    remote = {r: [h for h in hs if _host(h) not in _LOCAL] for r, hs in envoy.servers.items()}
    remote = {r: hs for r, hs in remote.items() if hs}
    web = [r for r in remote if r in ("web", "app", "www", "production", "prod")] or \
        (list(remote)[:1] if len(remote) == 1 else [])
    if web:
        hosts = {h for r in web for h in remote[r]}
        yield base.process("web", Src(NAME, file, line), H, role="web", replicas=len(hosts),
                           replicas_hint_from=f"{len(hosts)} host{'s' if len(hosts) != 1 else ''} in @servers "
                                              f"{', '.join(web)}")
    for key, (roles, _f, _l) in process_roles.items():
        hosts = {h for r in roles for h in remote.get(r, [])}
        if hosts and key != "web":
            yield base.process(key, Src(NAME, file, line), H, replicas=len(hosts),
                               replicas_hint_from=f"{len(hosts)} host{'s' if len(hosts) != 1 else ''} in @servers "
                                                  f"{', '.join(roles)}")
