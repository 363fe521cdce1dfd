"""Makefiles: the deploy/release/run targets and what their recipes do.

Reads ``Makefile`` / ``makefile`` / ``GNUmakefile`` / ``*.mk`` with a small line-aware parser (never runs
make): variables (``VAR = value``, ``:=``, ``?=``, ``+=``), rules and their tab-indented recipe lines
(``@``/``-``/``+`` prefixes dropped, ``$(VAR)``/``${VAR}``/``$@`` expanded, ``$$`` unescaped). Recipes of
targets named like deploy/release/migrate/run/serve/start/build (and what they depend on or ``$(MAKE)``)
are walked as shell by :class:`analyzers.deploy.shellwalk.ShellWalker`, so each command becomes findings through
:func:`analyzers.deploy.deploy_commands.interpret`. A ``run``/``serve``/``start`` target that starts an app
server in the foreground declares that process's command.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from analyzers import base
from analyzers.base import DEF, H, I, Item, Src
from analyzers.commands import meaning
from analyzers.deploy.deploy_commands import interpret
from analyzers.deploy.shellwalk import HOST_ENV, CommandHandler, ShellWalker
from migrator.commands import ParsedCommand
from migrator.model import Finding, Kind
from migrator.repo import RepoView

NAME = "makefile"

_ASSIGN = re.compile(r"^(?P<export>(?:export|override)\s+)*(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\s*"
                     r"(?P<op>:::=|::=|:=|\?=|\+=|!=|=)\s*(?P<value>.*)$", re.S)
_RULE = re.compile(r"^(?P<targets>[^:=#\t][^:=#]*?)\s*::?(?!=)\s*(?P<rest>.*)$", re.S)
_DIRECTIVE = re.compile(r"^\s*(ifeq|ifneq|ifdef|ifndef|else|endif|include|-include|sinclude|vpath|unexport|undefine)\b")
_REF = re.compile(r"\$(?:\((?P<p>[A-Za-z_][A-Za-z0-9_.-]*)\)|\{(?P<b>[A-Za-z_][A-Za-z0-9_.-]*)\}|(?P<auto>[@<^*?]))")
_SUBMAKE = re.compile(r"(?:\$[({]MAKE[)}]|\bmake)\s+(?:-\S+\s+)*(?P<targets>[A-Za-z0-9_.-]+(?:\s+[A-Za-z0-9_.-]+)*)")
_WORDS = re.compile(r"[-_:./]")

# Target names (or parts of them: deploy-prod, db-migrate) whose recipes describe the deployment.
DEPLOY_WORDS = {"deploy", "release", "migrate", "migrations", "run", "serve", "server", "start", "build", "install",
                "setup", "provision", "collectstatic", "static", "assets", "up", "prod", "production", "web",
                "worker", "celery", "upgrade", "rollout", "restart", "publish", "ship", "bootstrap"}
# Targets whose foreground app server is the process itself (``make run`` -> gunicorn ...).
RUN_WORDS = {"run", "serve", "server", "start", "web", "worker", "celery", "prod", "production", "up"}


@dataclass
class _Rule:
    line: int
    prereqs: list[str]
    recipe: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class _Makefile:
    variables: dict[str, str] = field(default_factory=dict)
    rules: dict[str, _Rule] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)


def analyze(repo: RepoView) -> Iterator[Item]:
    """Findings from every Makefile in the repo (an empty result: no Makefile or no deployment targets)."""
    for rel in repo.named("Makefile", "makefile", "GNUmakefile", "*.mk"):
        text = repo.read_text(rel)
        if text is None:
            continue
        mk = parse(text, Src(NAME, rel))
        yield from mk.items
        yield from _walk_targets(mk, Src(NAME, rel))


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """(first line number, text) with backslash-newline continuations kept inside the text."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        start, buf = i, lines[i]
        while buf.endswith("\\") and not buf.endswith("\\\\") and i + 1 < len(lines):
            i += 1
            buf += "\n" + lines[i]
        yield start + 1, buf
        i += 1


def parse(text: str, src: Src) -> _Makefile:
    """Variables, rules and recipes of one Makefile; assignments are checked for hard-coded secrets."""
    mk = _Makefile()
    current: list[str] = []
    in_define = False
    for line_no, line in _logical_lines(text):
        stripped = line.strip()
        if in_define:
            in_define = not stripped.startswith("endef")
            continue
        if line.startswith("\t"):
            if current and stripped and not stripped.startswith("#"):
                for target in current:
                    mk.rules[target].recipe.append((line_no, line[1:]))
            continue
        if not stripped or stripped.startswith("#") or _DIRECTIVE.match(line):
            continue
        if re.match(r"^\s*define\b", line):
            in_define, current = True, []
            continue
        m = _ASSIGN.match(line)
        if m:
            current = []
            _assign(mk, m, src.at(line_no))
            continue
        m = _RULE.match(line)
        if m:
            targets = [t for t in m.group("targets").split() if not t.startswith(".")]
            rest = m.group("rest")
            prereqs, _, inline = rest.partition(";")
            for target in targets:
                rule = mk.rules.setdefault(target, _Rule(line_no, []))
                rule.prereqs.extend(p for p in prereqs.split("|")[0].split() if not p.startswith("."))
                if inline.strip():
                    rule.recipe.append((line_no, inline.strip()))
            current = targets
            continue
        current = []
    return mk


def _assign(mk: _Makefile, m: re.Match[str], src: Src) -> None:
    name, op = m.group("name"), m.group("op")
    value = " ".join(m.group("value").replace("\\\n", " ").split("#", 1)[0].split())
    secret = base.check_assignment(src, name, value)
    if secret is not None:
        mk.items.append(secret)
        mk.variables.pop(name, None)  # never copy a secret into recipe commands
    elif op == "!=":
        mk.variables.pop(name, None)  # a shell command's output: unknown
    elif op == "?=":
        mk.variables.setdefault(name, value)
    elif op == "+=":
        mk.variables[name] = f"{mk.variables[name]} {value}".strip() if name in mk.variables else value
    else:
        mk.variables[name] = value
    if m.group("export") and "export" in m.group("export") and op != "!=" and not HOST_ENV.match(name):
        mk.items.append(base.env_var(name, src, I, default=None if secret else _expand(value, mk.variables)))


def _expand(text: str, variables: dict[str, str], target: str = "", prereqs: list[str] | None = None,
            depth: int = 0) -> str:
    """Make's expansion where static: ``$(VAR)``, ``${VAR}``, ``$@``, ``$<``, ``$^``; others stay as written."""
    parts = text.split("$$")

    def ref(m: re.Match[str]) -> str:
        auto = m.group("auto")
        if auto == "@" and target:
            return target
        if auto in ("<", "^") and prereqs:
            return prereqs[0] if auto == "<" else " ".join(prereqs)
        name = m.group("p") or m.group("b")
        if name and name in variables and depth < 10:
            return _expand(variables[name], variables, target, prereqs, depth + 1)
        return m.group(0)

    return "$".join(_REF.sub(ref, part) for part in parts)


def _words(target: str) -> set[str]:
    return {w.lower() for w in _WORDS.split(target) if w}


def _walk_targets(mk: _Makefile, src: Src) -> Iterator[Item]:
    todo = [t for t in mk.rules if _words(t) & DEPLOY_WORDS]
    runs = {t for t in todo if _words(t) & RUN_WORDS}
    done: set[str] = set()
    items: list[Item] = []
    while todo:
        target = todo.pop(0)
        if target in done or target not in mk.rules:
            continue
        done.add(target)
        rule = mk.rules[target]
        todo.extend(rule.prereqs)
        handler = _run_handler(target) if target in runs else None
        for line_no, raw in rule.recipe:
            command = _expand(raw.lstrip("@-+ \t"), mk.variables, target, rule.prereqs)
            sub = _SUBMAKE.search(command)
            if sub:
                todo.extend(sub.group("targets").split())
            walker = ShellWalker(src, on_command=handler)
            walker.walk_text(command, line_no)
            items.extend(walker.finish())
    seen: set[str] = set()
    for item in items:
        if repr(item) not in seen:
            seen.add(repr(item))
            yield item


def _run_handler(target: str) -> CommandHandler:
    """A ``run`` target's foreground app server is the process's declared command."""

    def handle(cmd: ParsedCommand, src: Src, background: bool) -> Iterator[Item]:
        info = meaning(cmd)
        if info.role is None or info.role.value == "release" or info.name is None:
            yield from interpret(cmd, src, background=background)
            return
        # a dev server (flask run, runserver) is how developers run it, not how production should
        confidence = H if info.dev_server else base.D
        yield base.stating(base.process(
            info.name, src, confidence, role=info.role.value, command=info.text or cmd.text.strip(),
            port=info.port if info.port_declared else None, app_server=info.server, workers=info.workers,
            threads=info.threads, timeout=info.timeout, legacy_name=f"make {target}",
            dev_server=True if info.dev_server else None,
        ), cmd, info)
        if info.port is not None and not info.port_declared:
            yield base.process(info.name, src, DEF, port=info.port)
        # the process above is this command's bucket; interpret adds its secrets and env, not a second one
        foreground = replace(cmd, background=False)
        yield from (i for i in interpret(foreground, src)
                    if not (isinstance(i, Finding) and i.kind in (Kind.PROCESS, Kind.UNCLASSIFIED)))

    return handle
