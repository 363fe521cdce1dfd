"""Walk a shell script's syntax tree (bashlex) and turn each simple command into findings.

The walker follows what the shell would run: lists (``&&``, ``||``, ``;``, ``&``), pipelines, subshells,
``if``/``for``/``while`` bodies, function bodies (at their call, with ``$1``... bound, or at the end when
never called), command substitutions, and the command strings handed to another shell:
``ssh host "..."``, ``bash -c '...'``, ``su - app -c "..."``, ``sudo -u app sh -c ...`` and heredocs fed to
``ssh host <<EOF`` / ``bash <<'EOF'``. Simple assignments are tracked so later ``$X`` are substituted
where static. Where bashlex cannot parse a region, that region is read line by line (with a warning)
and the rest of the file is still walked. Nothing is ever executed.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from analyzers import base, shelltext
from analyzers.base import H, Item, Src
from analyzers.commands import basename, split
from analyzers.deploy_commands import interpret
from migrator.model import Finding, Kind
from migrator.secrets import scrub

CommandHandler = Callable[[str, Src, bool], Iterable[Item]]

_SHELLS = {"sh", "bash", "dash", "zsh", "ksh", "ash"}
_SSH_VALUE_OPTS = set("bcDEeFIiJLlmOopQRSWw")
_ASSIGN = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$", re.S)
_DECLARE = {"export", "readonly", "local", "declare", "typeset"}
_HOSTS_VAR = re.compile(r"^(?:WEB_|APP_|DEPLOY_|TARGET_|PROD_|PRODUCTION_)?(?:HOSTS|SERVERS|NODES)$")
_MAX_DEPTH = 6
# Variables a deploy script exports for its own shell and tools on the host, not app configuration:
# PATH=/srv/app/venv/bin:$PATH in a manifest would break the image's own PATH.
HOST_ENV = re.compile(r"^(PATH|HOME|USER|LOGNAME|SHELL|TERM|PWD|OLDPWD|PS[1-4]|IFS|LANG|LANGUAGE|LC_\w+|TZ|TMPDIR"
                       r"|DEBIAN_FRONTEND|VIRTUAL_ENV|PYENV_\w+|NVM_DIR|GIT_SSH(_COMMAND)?|SSH_\w+|EDITOR|PAGER)$")


@dataclass
class _Ctx:
    """One piece of text being walked: node offsets are relative to ``text``, whose first line is ``first_line``."""

    text: str
    first_line: int
    heredocs: dict[int, list[shelltext.Heredoc]]
    _breaks: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        # newline offsets, so a line lookup is a bisect (big scripts have thousands of commands)
        self._breaks = [i for i, ch in enumerate(self.text) if ch == "\n"]

    def line(self, offset: int) -> int:
        return self.first_line + bisect.bisect_left(self._breaks, offset)

    def raw(self, node: Any) -> str:
        return self.text[node.pos[0] : node.pos[1]]


@dataclass
class _Loop:
    var: str
    hosts: tuple[str, ...] | None
    line: int
    used: bool = False


@dataclass
class ShellWalker:
    """Walks the scripts of one file; findings collect in :attr:`items` (deduplicated, scrubbed)."""

    src: Src
    on_command: CommandHandler | None = None
    values: dict[str, str] = field(default_factory=dict)
    _items: list[Item] = field(default_factory=list)
    _functions: dict[str, tuple[Any, _Ctx]] = field(default_factory=dict)
    _called: set[str] = field(default_factory=set)
    _calling: list[str] = field(default_factory=list)
    _loops: list[_Loop] = field(default_factory=list)
    _user: str | None = None
    _depth: int = 0

    # -- entry points --------------------------------------------------------------------------

    def walk_text(self, text: str, first_line: int = 1, background: bool = False) -> None:
        """Walk ``text`` (a whole script or a string handed to a shell) starting at ``first_line``;
        ``background``: the shell running it was itself started with ``&`` / nohup."""
        if self._depth > _MAX_DEPTH:
            return
        self._depth += 1
        try:
            clean, heredocs = shelltext.blank_heredocs(text, first_line)
            ctx = _Ctx(clean, first_line, heredocs)
            nodes = _parse(clean)
            if nodes is not None:
                self._walk_all(nodes, ctx, background)
                return
            for start, end in shelltext.chunks(clean):
                piece = _Ctx(clean[start:end], ctx.line(start), heredocs)
                nodes = _parse(piece.text)
                if nodes is not None:
                    self._walk_all(nodes, piece, background)
                    continue
                last = piece.line(len(piece.text.rstrip()))
                self._items.append(base.warning(
                    self.src.at(piece.first_line),
                    f"bashlex could not parse lines {piece.first_line}-{last} "
                    f"({shelltext.likely_construct(piece.text)}); they were read line by line",
                ))
                self._line_by_line(piece, background)
        finally:
            self._depth -= 1

    def finish(self) -> list[Item]:
        """Walk the functions never called, then return every item once, with secrets scrubbed."""
        for name, (body, ctx) in list(self._functions.items()):
            if name not in self._called:
                self._called.add(name)
                self._walk(body, ctx, False)
        seen: set[str] = set()
        out: list[Item] = []
        for item in self._items:
            item = _scrubbed(item)
            key = repr(item)
            if key not in seen:
                seen.add(key)
                out.append(item)
        return out

    # -- the tree ------------------------------------------------------------------------------

    def _walk_all(self, nodes: list[Any], ctx: _Ctx, background: bool = False) -> None:
        for node in nodes:
            self._walk(node, ctx, background)

    def _walk(self, node: Any, ctx: _Ctx, background: bool) -> None:
        kind = getattr(node, "kind", None)
        if kind == "list":
            parts = node.parts
            for i, part in enumerate(parts):
                if part.kind == "operator":
                    continue
                nxt = parts[i + 1] if i + 1 < len(parts) else None
                bg = background or (nxt is not None and nxt.kind == "operator" and nxt.op == "&")
                self._walk(part, ctx, bg)
        elif kind == "pipeline":
            for part in node.parts:
                if part.kind != "pipe":
                    self._walk(part, ctx, background)
        elif kind == "compound":
            for part in node.list:
                self._walk(part, ctx, background)
        elif kind in ("if", "while", "until"):
            for part in node.parts:
                self._walk(part, ctx, background)
        elif kind == "for":
            self._for(node, ctx, background)
        elif kind == "function":
            name = node.parts[0].word
            self._functions[name] = (node.parts[-1], ctx)
        elif kind == "command":
            self._command(node, ctx, background)

    def _for(self, node: Any, ctx: _Ctx, background: bool) -> None:
        parts = node.parts
        var = parts[1].word if len(parts) > 1 and parts[1].kind == "word" else ""
        words: list[Any] = []
        if len(parts) > 2 and parts[2].kind == "reservedword" and parts[2].word == "in":
            for p in parts[3:]:
                if p.kind != "word":
                    break
                words.append(p)
        hosts: list[str] | None = [] if words else None
        for w in words:
            raw = shelltext.substitute(ctx.raw(w), self.values)
            if hosts is None or "$" in raw or "`" in raw:
                hosts = None
                continue
            quoted = raw.startswith(('"', "'")) and "[@]" not in ctx.raw(w)  # "${HOSTS[@]}" is still many words
            for item in _unquote(raw).split() if not quoted else [_unquote(raw)]:
                hosts.extend(shelltext.brace_expand(item) if not quoted else [item])
        loop = _Loop(var, tuple(hosts) if hosts else None, ctx.line(node.pos[0]))
        saved = self.values.pop(var, None)
        self._loops.append(loop)
        try:
            do = next((i for i, p in enumerate(parts) if p.kind == "reservedword" and p.word == "do"), len(parts))
            for p in parts[do + 1 :]:
                self._walk(p, ctx, background)
        finally:
            self._loops.pop()
            if saved is not None:
                self.values[var] = saved
        if loop.used and loop.hosts:
            self._replicas_hint(len(loop.hosts), f"deploy loop over hosts {', '.join(loop.hosts)}", loop.line)

    def _replicas_hint(self, count: int, why: str, line: int) -> None:
        self._items.append(base.process("web", self.src.at(line), H, replicas=count, replicas_hint_from=why))

    # -- one simple command --------------------------------------------------------------------

    def _command(self, node: Any, ctx: _Ctx, background: bool) -> None:
        words = [p for p in node.parts if p.kind in ("word", "assignment")]
        for p in words:
            for sub in getattr(p, "parts", []):
                if sub.kind in ("commandsubstitution", "processsubstitution"):
                    self._walk(sub.command, ctx, False)
        if not words:
            return
        line = ctx.line(node.pos[0])
        raws = [_substitute(ctx.raw(w), self.values) for w in words]
        argv = [_unquote(r) for r in raws]
        heredoc = self._heredoc(ctx, node)
        src = self.src.at(line)
        if all(w.kind == "assignment" for w in words):
            for raw in raws:
                self._assign(raw, src)
            self._emit(" ".join(raws), src, background)
            return
        head = basename(argv[0])
        if head in _DECLARE:
            self._declare(head, raws[1:], src)
            return
        if head in self._functions and head not in self._calling:
            self._call(head, argv[1:])
            return
        core, user, bg_wrapper = _unwrap(argv)
        if user:
            user_saved, self._user = self._user, user
        try:
            if self._nested(argv, raws, core, words, ctx, heredoc, background or bg_wrapper):
                return
        finally:
            if user:
                self._user = user_saved
        self._mark_hosts(argv[core:])
        self._emit(" ".join(raws), src, background or bg_wrapper)

    def _emit(self, command: str, src: Src, background: bool) -> None:
        handler = self.on_command or _default_handler
        for item in handler(command, src, background):
            if self._user and isinstance(item, Finding) and item.kind is Kind.PROCESS and "role" in item.fields:
                # started through sudo -u / su: the user it ran as
                item = Finding(item.kind, item.key, {**item.fields, "user": self._user}, item.source)
            self._items.append(item)

    def _assign(self, raw: str, src: Src) -> None:
        m = _ASSIGN.match(raw)
        if not m:
            return
        name, value = m.group(1), _unquote(m.group(2))
        if "$" in value or "`" in value or base.check_assignment(src, name, value) is not None:
            # unknown when read (kept as written), or a secret we must never copy into other commands
            self.values.pop(name, None)
            return
        self.values[name] = value
        if _HOSTS_VAR.match(name) and "$" not in value and len(value.split()) > 1:
            self._replicas_hint(len(value.split()), f"{name} lists {len(value.split())} hosts", src.line or 0)

    def _declare(self, head: str, raws: list[str], src: Src) -> None:
        for raw in raws:
            if raw.startswith("-"):
                continue
            self._assign(raw, src)
            if "=" in raw:
                # export is an env var (unless it is host plumbing); the rest still get the secret check
                app_env = head == "export" and not HOST_ENV.match(raw.split("=", 1)[0])
                self._emit(f"export {raw}" if app_env else raw, src, False)

    def _call(self, name: str, args: list[str]) -> None:
        body, fctx = self._functions[name]
        self._called.add(name)
        saved = {k: self.values.pop(k) for k in [str(i) for i in range(1, 10)] if k in self.values}
        for i, arg in enumerate(args[:9], start=1):
            self.values[str(i)] = arg  # "$h" stays a reference, so ssh $1 still names the loop's host
        self._calling.append(name)
        try:
            self._walk(body, fctx, False)
        finally:
            self._calling.pop()
            for i in range(1, 10):
                self.values.pop(str(i), None)
            self.values.update(saved)

    def _heredoc(self, ctx: _Ctx, node: Any) -> shelltext.Heredoc | None:
        for line in range(ctx.line(node.pos[0]), ctx.line(node.pos[1]) + 1):
            pending = ctx.heredocs.get(line)
            if pending:
                return pending.pop(0)
        return None

    def _nested(self, argv: list[str], raws: list[str], core: int, words: list[Any], ctx: _Ctx,
                heredoc: shelltext.Heredoc | None, background: bool) -> bool:
        """Walk the script a command hands to another shell; True when it was one of those."""
        if core >= len(argv):
            return False
        prog, args = basename(argv[core]), argv[core + 1 :]
        if prog == "ssh":
            rest = _ssh_remote(args)
            if rest is None:
                return False
            host = args[rest - 1] if rest > 0 else ""
            self._mark_hosts([host + ":"])
            remote = core + 1 + rest
            if remote == len(argv) - 1:
                self.walk_text(argv[remote], ctx.line(words[remote].pos[0]), background)
            elif remote < len(argv):
                self.walk_text(" ".join(raws[remote:]), ctx.line(words[remote].pos[0]), background)
            if heredoc is not None and (remote >= len(argv) or basename(argv[remote]) in _SHELLS):
                self.walk_text(heredoc.body, heredoc.body_line, background)
            return True
        if prog in _SHELLS or prog in ("su", "runuser"):
            index = _dash_c(args, prog)
            user = _su_user(args) if prog in ("su", "runuser") else None
            if user:
                user_saved, self._user = self._user, user
            try:
                if index is not None:
                    at = core + 1 + index
                    self.walk_text(argv[at], ctx.line(words[at].pos[0]), background)
                    return True
                if heredoc is not None and not any(a.endswith((".sh", ".bash")) for a in args):
                    self.walk_text(heredoc.body, heredoc.body_line, background)
                    return True
            finally:
                if user:
                    self._user = user_saved
        return False

    def _mark_hosts(self, args: list[str]) -> None:
        """Note when ssh/rsync/scp target the host variable of an enclosing ``for`` loop."""
        for loop in self._loops:
            ref = re.compile(r"\$\{?" + re.escape(loop.var) + r"\b")
            if any(ref.search(a) and ":" in a for a in args):
                loop.used = True

    # -- what bashlex cannot parse ---------------------------------------------------------------

    def _line_by_line(self, ctx: _Ctx, background: bool = False) -> None:
        for start, end in shelltext.logical_lines(ctx.text, 0, len(ctx.text)):
            text = ctx.text[start:end]
            if not shelltext.has_code(text):
                continue
            line = ctx.line(start)
            array = shelltext.array_assignment(text)
            if array is not None:
                words = shelltext.substitute(array[1], self.values, defaults=True)
                self._assign(f"{array[0]}={words}", self.src.at(line))
                continue
            sub = _Ctx(text, line, ctx.heredocs)
            nodes = _parse(text) if not _opens_block(text) else None
            if nodes is not None:
                self._walk_all(nodes, sub, background)
                continue
            stripped = shelltext.strip_keywords(" ".join(text.split("\\\n")))
            if not stripped:
                continue
            nodes = _parse(stripped)
            if nodes is not None:
                self._walk_all(nodes, _Ctx(stripped, line, ctx.heredocs), background)
                continue
            for piece, bg in shelltext.split_operators(stripped):
                piece = shelltext.strip_keywords(piece)
                nodes = _parse(piece) if piece else None
                if nodes is not None:
                    for node in nodes:
                        self._walk(node, _Ctx(piece, line, ctx.heredocs), bg or background)
                elif piece:
                    self._emit(shelltext.substitute(piece, self.values), self.src.at(line), bg or background)


def _substitute(raw: str, values: dict[str, str]) -> str:
    return shelltext.substitute(raw, values, defaults=bool(_ASSIGN.match(raw)))


def _default_handler(command: str, src: Src, background: bool) -> Iterable[Item]:
    return interpret(command, src, background=background)


def _opens_block(text: str) -> bool:
    """A line that only opens a block (``case x in``, ``if ...; then``) parses as an error anyway."""
    opens = re.match(r"^\s*(case|if|while|until|for|select)\b", text)
    return bool(opens) and not re.search(r"\b(esac|fi|done)\s*$", text)


def _parse(text: str) -> list[Any] | None:
    if not shelltext.has_code(text):
        return []
    try:
        import bashlex  # deferred: its parser tables cost ~80 ms to import, and most repos have no scripts

        nodes: list[Any] = bashlex.parse(text)
    except Exception:  # bashlex raises ParsingError, NotImplementedError and assorted internal errors
        return None
    return nodes


def _unquote(raw: str) -> str:
    parts = split(raw)
    return " ".join(parts) if parts else ""


def _unwrap(argv: list[str]) -> tuple[int, str | None, bool]:
    """Index of the real program after wrappers, the user it runs as (sudo -u), and whether a wrapper
    detaches it from the script (nohup, setsid) or the script becomes it (exec)."""
    i, user, detached = 0, None, False
    while i < len(argv):
        a, b = argv[i], basename(argv[i])
        if _ASSIGN.match(a):
            i += 1
        elif b in ("nohup", "setsid", "daemonize", "exec"):
            detached = True
            i += 1
        elif b in ("time", "nice", "ionice", "stdbuf", "env", "timeout", "command"):
            i += 1
            while i < len(argv) and (argv[i].startswith("-") or _ASSIGN.match(argv[i])):
                i += 1
            if b == "timeout" and i < len(argv):
                i += 1
        elif b == "sudo":
            i += 1
            while i < len(argv) and argv[i].startswith("-") and argv[i] != "--":
                opt = argv[i]
                i += 1
                if opt.startswith("--user="):
                    user = opt.split("=", 1)[1]
                elif opt[-1] in "ugCpDhrtU" and not opt.startswith("--") and i < len(argv):
                    if opt.endswith("u"):
                        user = argv[i]
                    i += 1
            if i < len(argv) and argv[i] == "--":
                i += 1
        else:
            break
    return i, user, detached


def _ssh_remote(args: list[str]) -> int | None:
    """Index in ``args`` where ssh's remote command starts (len(args) when none); None without a host."""
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            i += 1
            break
        if a.startswith("-") and len(a) > 1:
            i += 2 if (len(a) == 2 and a[1] in _SSH_VALUE_OPTS) else 1
            continue
        break
    if i >= len(args):
        return None
    return i + 1


def _dash_c(args: list[str], prog: str) -> int | None:
    """Index of the command string given with ``-c`` (``bash -lc "..."``, ``su - app -c "..."``)."""
    for i, a in enumerate(args):
        if a.startswith("--command="):
            return None
        if a == "--command" or (a.startswith("-") and not a.startswith("--") and a.endswith("c")):
            return i + 1 if i + 1 < len(args) else None
        if prog in _SHELLS and not a.startswith("-"):
            return None  # bash script.sh: a file, not a command string
    return None


def _su_user(args: list[str]) -> str | None:
    """The user of ``su - app -c ...`` / ``su -c ... app`` / ``runuser -l app -c ...``."""
    skip = False
    for a in args:
        if skip:
            skip = False
        elif a in ("-c", "--command", "-s", "--shell", "-g", "--group"):
            skip = True
        elif not a.startswith("-"):
            return a
    return None


def _scrubbed(item: Item) -> Item:
    """A last line of defence: a substituted value never carries a secret into a command field."""
    if not isinstance(item, Finding):
        return item
    fields = {k: scrub(v) if isinstance(v, str) else v for k, v in item.fields.items()}
    return Finding(item.kind, scrub(item.key), fields, item.source)
