"""Walk a shell script and turn each simple command into findings.

The script is parsed by :mod:`analyzers.lib.shellparse` (bashlex first, tree-sitter-bash for what
bashlex cannot parse: ``case``, ``[[ ]]``, arrays, ``(( ))`` ...) into the nodes of
:mod:`analyzers.lib.shellsyntax`, which this walker reads whichever parser made them. It follows what
the shell would run: lists (``&&``, ``||``, ``;``, ``&``), pipelines, subshells, ``if``/``case``/``for``/
``while`` bodies, function bodies (at their call, with ``$1``... bound, or at the end when never
called), command substitutions, and the command strings handed to another shell: ``ssh host "..."``,
``bash -c '...'``, ``su - app -c "..."``, ``sudo -u app sh -c ...`` and heredocs fed to ``ssh host <<EOF``
/ ``bash <<'EOF'``. Simple assignments are tracked so later ``$X`` are substituted where static, and
``cd`` so steps and processes carry the directory they ran in. A stretch neither parser can read (a
genuine syntax error) is read line by line with a warning; the rest of the file is still walked.
Nothing is ever executed.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from analyzers import base
from analyzers.base import H, Item, Src
from analyzers.commands import parse_argv, split
from analyzers.deploy.deploy_commands import command_secrets, interpret, parse_at
from analyzers.deploy.step_accounting import HEREDOC_WRITE_REASON
from analyzers.lib import shellargv, shellparse, shelltext
from analyzers.lib.shellargv import ASSIGN, SHELLS, basename
from analyzers.lib.shellsyntax import Command, For, Function, Heredocs, Node, Region, Seq
from migrator.commands import ParsedCommand
from migrator.model import Finding, Kind
from migrator.secrets import scrub

CommandHandler = Callable[[ParsedCommand, Src, bool], Iterable[Item]]

_DECLARE = {"export", "readonly", "local", "declare", "typeset"}
_PRINTS = {"echo", "printf"}
_HOSTS_VAR = re.compile(r"^(?:WEB_|APP_|DEPLOY_|TARGET_|PROD_|PRODUCTION_)?(?:HOSTS|SERVERS|NODES)$")
_MAX_DEPTH = 6  # shells handing strings to shells (ssh "bash -c '...'"): deeper is not a deploy script
# Findings that run a command in the image, where the directory it ran in on the host matters.
_CWD_KINDS = {Kind.RELEASE_STEP, Kind.BUILD_STEP, Kind.PROCESS, Kind.UNCLASSIFIED}
# Findings that say what a command does on the hosts: none for an assignment or a declaration.
_STEP_KINDS = {Kind.HOST_STEP, Kind.UNCLASSIFIED}
# Variables a deploy script exports for its own shell and tools on the host, not app configuration:
# PATH=/srv/app/venv/bin:$PATH in a manifest would break the image's own PATH.
HOST_ENV = re.compile(r"^(PATH|HOME|USER|LOGNAME|SHELL|TERM|PWD|OLDPWD|PS[1-4]|IFS|LANG|LANGUAGE|LC_\w+|TZ|TMPDIR"
                       r"|DEBIAN_FRONTEND|VIRTUAL_ENV|PYENV_\w+|NVM_DIR|GIT_SSH(_COMMAND)?|SSH_\w+|EDITOR|PAGER)$")


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
    _functions: dict[str, Node] = field(default_factory=dict)
    _called: set[str] = field(default_factory=set)
    _calling: list[str] = field(default_factory=list)
    _loops: list[_Loop] = field(default_factory=list)
    _user: str | None = None
    _cwd: str | None = None
    _depth: int = 0

    # -- entry points --------------------------------------------------------------------------

    def walk_text(self, text: str, first_line: int = 1, background: bool = False) -> None:
        """Walk ``text`` (a whole script or a string handed to a shell) starting at ``first_line``;
        ``background``: the shell running it was itself started with ``&`` / nohup."""
        if self._depth > _MAX_DEPTH:
            return
        self._depth += 1
        try:
            clean, found = shelltext.blank_heredocs(text, first_line)
            heredocs = Heredocs(found)
            for region in shellparse.parse(clean, first_line, heredocs):
                self._region(region, heredocs, background)
        finally:
            self._depth -= 1

    def finish(self) -> list[Item]:
        """Walk the functions never called, then return every item once, with secrets scrubbed."""
        for name, body in list(self._functions.items()):
            if name not in self._called:
                self._called.add(name)
                self._user, self._cwd = None, None
                self._walk(body, False)
        seen: set[str] = set()
        out: list[Item] = []
        for item in self._items:
            item = _scrubbed(item)
            key = repr(item)
            if key not in seen:
                seen.add(key)
                out.append(item)
        return out

    def _region(self, region: Region, heredocs: Heredocs, background: bool) -> None:
        if region.truncated:
            self._items.append(base.warning(self.src.at(region.first_line),
                                            "the script nests too deeply to read; the innermost part was skipped"))
        if region.nodes is not None:
            self._walk_items(region.nodes, background)
            return
        first = region.first_line + _leading_blank_lines(region.text)
        self._items.append(base.warning(
            self.src.at(first),
            f"could not parse lines {first}-{region.last_line} as shell ({region.reason}); "
            "they were read line by line",
        ))
        self._line_by_line(region, heredocs, background)

    # -- the tree ------------------------------------------------------------------------------

    def _walk_items(self, items: Iterable[tuple[Node, bool]], background: bool) -> None:
        for node, bg in items:
            self._walk(node, background or bg)

    def _walk(self, node: Node, background: bool) -> None:
        if isinstance(node, Command):
            self._command(node, background)
        elif isinstance(node, Seq):
            saved = self._cwd
            for item, bg in node.items:
                if node.alternatives:
                    self._cwd = saved  # each case arm starts where the case did
                self._walk(item, background or bg)
            if node.subshell or node.alternatives:
                self._cwd = saved  # ( cd x && ... ): the cd ends with the subshell
        elif isinstance(node, For):
            self._for(node, background)
        elif isinstance(node, Function):
            self._functions[node.name] = node.body

    def _for(self, node: For, background: bool) -> None:
        hosts: list[str] | None = [] if node.words else None
        for w in node.words or ():
            raw = shelltext.substitute(w.raw, self.values)
            if hosts is None or "$" in raw or "`" in raw:
                hosts = None
                continue
            quoted = raw.startswith(('"', "'")) and "[@]" not in w.raw  # "${HOSTS[@]}" is still many words
            for item in unquote(raw).split() if not quoted else [unquote(raw)]:
                hosts.extend(shelltext.brace_expand(item) if not quoted else [item])
        loop = _Loop(node.var, tuple(hosts) if hosts else None, node.line)
        saved = self.values.pop(node.var, None)
        self._loops.append(loop)
        try:
            self._walk(node.body, background)
        finally:
            self._loops.pop()
            if saved is not None:
                self.values[node.var] = saved
        if loop.used and loop.hosts:
            self._replicas_hint(len(loop.hosts), f"deploy loop over hosts {', '.join(loop.hosts)}", loop.line)

    def _replicas_hint(self, count: int, why: str, line: int) -> None:
        self._items.append(base.process("web", self.src.at(line), H, replicas=count, replicas_hint_from=why))

    # -- one simple command --------------------------------------------------------------------

    def _command(self, node: Command, background: bool) -> None:
        for sub in [s for w in node.words for s in w.subs] + list(node.subs):
            self._walk(sub, False)
        if not node.words:
            return
        words = node.words
        skip = shellargv.coproc([w.raw for w in words])
        if skip:
            words, background = words[skip:], True  # a coprocess runs beside the script
            if not words:
                return
        raws = [_substitute(w.assign_text() if w.assignment else w.raw, self.values) for w in words]
        argv = [unquote(r) for r in raws]
        src = self.src.at(node.line)
        if all(w.assignment for w in words):
            for raw in raws:
                self._assign(raw, src)
            # H=(a b) only sets an array, it runs nothing
            plain = [(r, a) for r, a, w in zip(raws, argv, words, strict=True) if w.array is None]
            if plain:
                self._emit(" ".join(r for r, _ in plain), src, background, [a for _, a in plain], step=False)
            return
        head = basename(argv[0])
        if head in _DECLARE:
            self._declare(head, raws[1:], src)
            return
        if head in self._functions and head not in self._calling:
            self._call(head, argv[1:])
            return
        core, user, bg_wrapper = shellargv.unwrap(argv)
        if core < len(argv) and basename(argv[core]) in ("cd", "pushd"):
            self._cwd = shellargv.chdir(self._cwd, argv[core + 1] if core + 1 < len(argv) else None)
            return
        if core < len(argv) and basename(argv[core]) in _PRINTS:
            # echo "usage: $0 deploy|crontab": its words are printed, never run; only a secret in them counts
            self._items.extend(command_secrets(" ".join(raws), src))
            return
        if core < len(argv) and basename(argv[core]) in ("cat", "tee") and node.heredoc is not None:
            # cat > /etc/nginx/sites-enabled/app <<EOF: a file written on the host (redirections are not kept)
            self._items.append(base.host_step(" ".join(raws), src, HEREDOC_WRITE_REASON))
            self._items.extend(command_secrets(" ".join(raws), src))
            return
        saved_user = self._user
        self._user = user or self._user
        try:
            if self._nested(argv, raws, core, node, background or bg_wrapper):
                return
            self._mark_hosts(argv[core:])
            self._emit(" ".join(raws), src, background or bg_wrapper)
        finally:
            self._user = saved_user

    def _emit(self, command: str, src: Src, background: bool, words: list[str] | None = None,
              step: bool = True) -> None:
        """Hand one simple command to the handler, parsed once (from its ``words`` when the walk has them);
        ``step=False`` (assignments, declarations) keeps the env and secret findings of the words but makes
        no deploy step of them."""
        handler = self.on_command or _default_handler
        if words is not None:
            cmd = parse_argv(command.strip(), words, src(), cwd=self._cwd, user=self._user, background=background)
        else:
            cmd = parse_at(command, src, cwd=self._cwd, user=self._user, background=background)
        note = cmd.notes[0] if cmd.notes else None  # what a runner's options imply (uv run --extra dev)
        for item in handler(cmd, src, background):
            if isinstance(item, Finding):
                if item.kind in _STEP_KINDS and not step:
                    continue
                item = self._in_context(item, note)
            self._items.append(item)

    def _in_context(self, item: Finding, note: str | None) -> Finding:
        """The user (sudo -u / su), directory (cd) and runner options the command ran with."""
        extra: dict[str, str] = {}
        if self._user and item.kind is Kind.PROCESS and "role" in item.fields:
            extra["user"] = self._user
        if item.kind in _CWD_KINDS and "command" in item.fields:
            if self._cwd and "cwd" not in item.fields:
                extra["cwd"] = self._cwd
            if note and "note" not in item.fields:
                extra["note"] = note
        if not extra:
            return item
        return base.with_fields(item, {**item.fields, **extra})

    def _assign(self, raw: str, src: Src) -> None:
        m = ASSIGN.match(raw)
        if not m:
            return
        name, value = m.group(1), unquote(m.group(2))
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
                self._emit(f"export {raw}" if app_env else raw, src, False, step=app_env)

    def _call(self, name: str, args: list[str]) -> None:
        body = self._functions[name]
        self._called.add(name)
        saved = {k: self.values.pop(k) for k in [str(i) for i in range(1, 10)] if k in self.values}
        for i, arg in enumerate(args[:9], start=1):
            self.values[str(i)] = arg  # "$h" stays a reference, so ssh $1 still names the loop's host
        self._calling.append(name)
        try:
            self._walk(body, False)
        finally:
            self._calling.pop()
            for i in range(1, 10):
                self.values.pop(str(i), None)
            self.values.update(saved)

    def _nested(self, argv: list[str], raws: list[str], core: int, node: Command, background: bool) -> bool:
        """Walk the script a command hands to another shell; True when it was one of those."""
        if core >= len(argv):
            return False
        prog, args = basename(argv[core]), argv[core + 1 :]
        if prog == "ssh":
            rest = shellargv.ssh_remote(args)
            if rest is None:
                return False
            self._mark_hosts([args[rest - 1] + ":"] if rest > 0 else [])
            remote = core + 1 + rest
            saved_cwd, self._cwd = self._cwd, None  # the remote shell starts in the login's home
            try:
                if remote == len(argv) - 1:
                    self.walk_text(argv[remote], node.words[remote].line, background)
                elif remote < len(argv):
                    self.walk_text(" ".join(raws[remote:]), node.words[remote].line, background)
                if node.heredoc is not None and (remote >= len(argv) or basename(argv[remote]) in SHELLS):
                    self.walk_text(node.heredoc.body, node.heredoc.body_line, background)
            finally:
                self._cwd = saved_cwd
            return True
        if prog not in SHELLS and prog not in ("su", "runuser"):
            return False
        index = shellargv.dash_c(args, prog)
        user = shellargv.su_user(args) if prog in ("su", "runuser") else None
        saved_user, saved_cwd = self._user, self._cwd
        self._user = user or self._user
        if user and shellargv.su_login(args):
            self._cwd = None
        try:
            if index is not None:
                at = core + 1 + index
                self.walk_text(argv[at], node.words[at].line, background)
                return True
            if node.heredoc is not None and not any(a.endswith((".sh", ".bash")) for a in args):
                self.walk_text(node.heredoc.body, node.heredoc.body_line, background)
                return True
            return False
        finally:
            self._user, self._cwd = saved_user, saved_cwd

    def _mark_hosts(self, args: list[str]) -> None:
        """Note when ssh/rsync/scp target the host variable of an enclosing ``for`` loop."""
        for loop in self._loops:
            ref = re.compile(r"\$\{?" + re.escape(loop.var) + r"\b")
            if any(ref.search(a) and ":" in a for a in args):
                loop.used = True

    # -- what neither parser can read ------------------------------------------------------------

    def _line_by_line(self, region: Region, heredocs: Heredocs, background: bool) -> None:
        text = region.text
        breaks = [i for i, ch in enumerate(text) if ch == "\n"]  # a line lookup is then a bisect
        for start, end in shelltext.logical_lines(text, 0, len(text)):
            piece = text[start:end]
            if not shelltext.has_code(piece):
                continue
            line = region.first_line + bisect.bisect_left(breaks, start)
            nodes = shellparse.parse_nodes(piece, line, heredocs) if not _opens_block(piece) else None
            if nodes is not None:
                self._walk_items(nodes, background)
                continue
            stripped = shelltext.strip_keywords(" ".join(piece.split("\\\n")))
            if not stripped:
                continue
            nodes = shellparse.parse_nodes(stripped, line, heredocs)
            if nodes is not None:
                self._walk_items(nodes, background)
                continue
            for part, bg in shelltext.split_operators(stripped):
                part = shelltext.strip_keywords(part)
                nodes = shellparse.parse_nodes(part, line, heredocs) if part else None
                if nodes is not None:
                    self._walk_items(nodes, bg or background)
                elif part:
                    self._emit(shelltext.substitute(part, self.values), self.src.at(line), bg or background)


def _substitute(raw: str, values: dict[str, str]) -> str:
    return shelltext.substitute(raw, values, defaults=bool(ASSIGN.match(raw)))


def _default_handler(cmd: ParsedCommand, src: Src, background: bool) -> Iterable[Item]:
    return interpret(cmd, src, background=background)


def _opens_block(text: str) -> bool:
    """A line that only opens a block (``case x in``, ``if ...; then``) parses as an error anyway."""
    opens = re.match(r"^\s*(case|if|while|until|for|select)\b", text)
    return bool(opens) and not re.search(r"\b(esac|fi|done)\s*$", text)


def _leading_blank_lines(text: str) -> int:
    """How many lines at the start of ``text`` hold no code (a region starts after the last statement)."""
    count = 0
    for line in text.split("\n"):
        if line.strip() and not line.lstrip().startswith("#"):
            break
        count += 1
    return count


def unquote(raw: str) -> str:
    """A shell word's value with its quotes removed (several words joined by one space)."""
    if not any(c in raw for c in "'\"\\"):
        return " ".join(raw.split())  # nothing to unquote (shlex would give the same, ~100 times slower)
    parts = split(raw)
    return " ".join(parts) if parts else ""


def _scrubbed(item: Item) -> Item:
    """A last line of defence: a substituted value never carries a secret into a command field."""
    if not isinstance(item, Finding):
        return item
    fields = {k: scrub(v) if isinstance(v, str) else v for k, v in item.fields.items()}
    return base.with_fields(item, fields, key=scrub(item.key))
