"""What a shell script needs in the image when a workload runs it: programs, writable paths, its peers.

The deploy-script reading (:mod:`analyzers.deploy.shell`) says what a script does on the hosts. A script
that a schedule, a process or a release step runs in the pod (``15 1 * * * scripts/backup.sh``) needs
more than that in the container: a CronJob running such a script failed three ways at once.

- ``curl: command not found``: every program it calls that the slim images lack
  (:mod:`analyzers.deploy.script_tools`) -> a runtime system package;
- ``tar: /backup/notes-inc.tgz: Cannot open``: every absolute path it writes (``> file``,
  ``tar -cf``, ``cp``/``mv``/``rsync`` destinations, ``mkdir``, ``touch``, ``tee``, ``pg_dump -f``,
  ``curl -o``, ``wget -O``/``-P``) -> a volume at that directory (the root filesystem is read-only),
  a PersistentVolumeClaim for backups and data, an ``emptyDir`` for the rest;
- ``curl http://127.0.0.1:8090/ping``: in its own pod, localhost is the job itself, not the web process
  -> a warning naming the line (the script is the user's to change; the Service name is the way).

These findings only hold for a script a workload runs: the planner keeps them for those scripts
(``run_by_workload``) and drops them for the rest (``deploy.sh``'s ``curl localhost`` after a restart
is a host step, not something the image needs). Nothing is executed; values come from the script's
own constant assignments and ``${VAR:-default}`` defaults.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from analyzers import base
from analyzers.base import H, Item, Src
from analyzers.deploy.script_tools import TOOLS
from analyzers.deploy.shell import MAX_SCRIPT_CHARS, script_files
from analyzers.deploy.shellwalk import unquote
from analyzers.lib import shellargv, shellparse, shelltext
from analyzers.lib.shellargv import ASSIGN, SHELLS, basename
from analyzers.lib.shellsyntax import Command, For, Function, Heredocs, Node, Seq
from analyzers.providers.python.python_writes import storage_of
from migrator.model import Warning
from migrator.repo import RepoView

NAME = "script_needs"

_SCRATCH = ("/tmp/", "/dev/", "/proc/", "/sys/", "/var/tmp/")  # noqa: S108 - /tmp is an emptyDir already
_LOCAL_URL = re.compile(r"\b(?:https?|tcp|redis|postgres(?:ql)?|mysql)://(?:[^@/\s]*@)?"
                        r"(?P<host>127\.0\.0\.1|localhost|0\.0\.0\.0|\[::1\])(?::(?P<port>\d+))?")
_DEST_LAST = {"cp", "mv", "rsync", "install", "ln"}
_EACH_DIR = {"mkdir"}
_EACH_FILE = {"touch", "tee"}
# options whose value is a file the program writes
_FILE_OPTS = {
    "pg_dump": ("-f", "--file"), "pg_dumpall": ("-f", "--file"), "mysqldump": ("-r", "--result-file"),
    "mariadb-dump": ("-r", "--result-file"), "curl": ("-o", "--output"),
    "wget": ("-O", "--output-document", "-o", "--output-file", "-a", "--append-output"),
    "sqlite3": (), "tar": ("-f", "--file"),
}
_DIR_OPTS = {"wget": ("-P", "--directory-prefix"), "tar": ("-C", "--directory")}


@dataclass
class _Needs:
    src: Src
    values: dict[str, str] = field(default_factory=dict)
    items: list[Item] = field(default_factory=list)
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def walk(self, node: Node) -> None:
        todo: list[Node] = [node]
        while todo:
            current = todo.pop()
            if isinstance(current, Seq):
                todo.extend(reversed([n for n, _ in current.items]))
            elif isinstance(current, (For, Function)):
                todo.append(current.body)
            elif isinstance(current, Command):
                for sub in [s for w in current.words for s in w.subs] + list(current.subs):
                    self.walk(sub)
                self.command(current)

    def command(self, node: Command) -> None:
        raws = [shelltext.substitute(w.assign_text() if w.assignment else w.raw, self.values,
                                     defaults=True) for w in node.words]
        src = self.src.at(node.line)
        if node.words and all(w.assignment for w in node.words):  # only values: the words are not a command
            for raw in raws:
                m = ASSIGN.match(raw)
                if m:
                    value = unquote(m.group(2))
                    if "$" in value or "`" in value:
                        self.values.pop(m.group(1), None)
                    else:
                        self.values[m.group(1)] = value
            return
        argv = [unquote(r) for r in raws]  # quote-free words are not re-tokenised
        for target in node.writes:
            self.write(shelltext.substitute(target, self.values, defaults=True).strip("'\""), False, src,
                       "an output redirection")
        core, _, _ = shellargv.unwrap(argv)
        argv = [a for a in argv[core:] if not ASSIGN.match(a)] if core < len(argv) else []
        for word in raws:
            self.local_url(word, src)
        if not argv:
            return
        program = basename(argv[0])
        if program in SHELLS and len(argv) > 2 and argv[1] == "-c":
            return  # the string is a script of its own, read where the shell analyzer reads it
        if program in TOOLS:
            self.package(program, src)
        self.writes_of(program, argv[1:], src)

    def package(self, program: str, src: Src) -> None:
        name = TOOLS[program]
        if ("pkg", name) in self._seen:
            return
        self._seen.add(("pkg", name))
        self.items.append(base.system_package(name, src, H, stage="runtime", needed_by=self.src.file,
                                              reason=f"the script calls {program}, which the slim image lacks"))

    def writes_of(self, program: str, args: list[str], src: Src) -> None:
        positional = [a for a in args if not a.startswith("-")]
        what = f"{program} in the script"
        if program == "tar":
            self._tar(args, src)
        elif program in _DEST_LAST and len(positional) >= 2:
            self.write(positional[-1], program in ("cp", "rsync") and positional[-1].endswith("/"), src, what)
        elif program in _EACH_DIR:
            for p in positional:
                self.write(p, True, src, what)
        elif program in _EACH_FILE:
            for p in positional:
                self.write(p, False, src, what)
        for value in _option_values(args, _FILE_OPTS.get(program, ())):
            if program != "tar":
                self.write(value, False, src, what)
        for value in _option_values(args, _DIR_OPTS.get(program, ())):
            if program != "tar":
                self.write(value, True, src, what)

    def _tar(self, args: list[str], src: Src) -> None:
        bundled = args[0].lstrip("-") if args and not args[0].startswith("--") else ""
        creating = "c" in bundled or "r" in bundled or any(a in ("--create", "--append") for a in args) or \
            any(a.startswith("-") and not a.startswith("--") and "c" in a for a in args)
        extracting = "x" in bundled or "--extract" in args or any(
            a.startswith("-") and not a.startswith("--") and "x" in a for a in args)
        if creating:
            files = list(_option_values(args, ("-f", "--file")))
            if not files and bundled.endswith("f") and len(args) > 1:
                files = [args[1]]
            for f in files:
                self.write(f, False, src, "tar in the script")
        if extracting:
            for d in _option_values(args, ("-C", "--directory")):
                self.write(d, True, src, "tar in the script")

    def write(self, path: str, is_dir: bool, src: Src, what: str) -> None:
        if not path.startswith("/") or not path.isprintable() or any(c in path for c in "$`*?[{") \
                or ":" in path.split("/", 2)[1]:
            return
        path = posixpath.normpath(path)
        directory = path if is_dir else posixpath.dirname(path)
        if directory in ("/", "") or (directory + "/").startswith(_SCRATCH):
            return
        if ("dir", directory) in self._seen:
            return
        self._seen.add(("dir", directory))
        purpose, storage = storage_of(path if not is_dir else directory + "/")
        self.items.append(base.volume(directory, src, H, purpose=purpose, storage=storage, written=path,
                                      written_by=what, needed_by=self.src.file))

    def local_url(self, word: str, src: Src) -> None:
        for m in _LOCAL_URL.finditer(word):
            where = m.group("host") + (f":{m.group('port')}" if m.group("port") else "")
            if ("url", where) in self._seen:
                continue
            self._seen.add(("url", where))
            self.items.append(Warning(
                f"reaches {where}: in its own pod (a CronJob, a Job, a worker Deployment) localhost is that pod, "
                "not the web process; point it at the web Service's name instead", src.file, src.line,
                scope="run_by_workload"))


def _option_values(args: list[str], names: Iterable[str]) -> Iterator[str]:
    names = tuple(names)
    for i, a in enumerate(args):
        for name in names:
            if a == name and i + 1 < len(args):
                yield args[i + 1]
            elif name.startswith("--") and a.startswith(name + "="):
                yield a[len(name) + 1:]
            elif not name.startswith("--") and a.startswith(name) and len(a) > len(name) and a[1] != "-":
                yield a[len(name):]  # -f/backup/x.sql


def analyze(repo: RepoView) -> Iterator[Item]:
    """Programs, written paths and localhost peers of every shell script (kept by the planner only for
    scripts a workload runs)."""
    for rel in script_files(repo):
        text = repo.read_text(rel)
        if text is None or len(text) > MAX_SCRIPT_CHARS:
            continue  # the shell analyzer says why
        needs = _Needs(Src(NAME, rel))
        clean, found = shelltext.blank_heredocs(text, 1)
        try:
            for region in shellparse.parse(clean, 1, Heredocs(found)):
                for node, _ in region.nodes or ():
                    needs.walk(node)
        except RecursionError:
            continue  # the shell analyzer warns about the nesting
        yield from needs.items
