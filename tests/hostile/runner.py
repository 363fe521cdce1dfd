"""Run migrate on one hostile case in subprocesses, under a timeout, and record everything a test checks.

Commands are grouped into jobs that share a tree: the read-only ones (every ``analyze`` format,
``generate --dry-run`` and ``--diff``) run one after another on one tree, which they must leave as it
was; each writing command (``generate``, ``generate --force``, ``pr --dry-run``) gets a fresh tree.
Each command runs in its own process, as ``python -m migrator.cli`` with cwd and PYTHONPATH at the code
under test, its own HOME and TMPDIR, and no stdin; one that outlives its timeout is killed with its
session and recorded as a hang. By default that process is forked from a fork server that imported
migrate once (tests/hostile/forkserver.py: the imports are most of a command's time);
MIGRATE_HOSTILE_EXEC=python starts a fresh interpreter for each command instead.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests.hostile.tree import Tree

ROOT = Path(__file__).resolve().parents[2]
COMMANDS: dict[str, tuple[str, ...]] = {
    "analyze": ("analyze",),
    "analyze-explain": ("analyze", "--explain"),
    "analyze-markdown": ("analyze", "--format", "markdown"),
    "analyze-json": ("analyze", "--format", "json"),
    "generate-dry-run": ("generate", "--dry-run"),
    "generate-diff": ("generate", "--diff"),
    "generate": ("generate",),
    "generate-force": ("generate", "--force"),
    "pr-dry-run": ("pr", "--dry-run"),
}
READ_ONLY = ("analyze", "analyze-explain", "analyze-markdown", "analyze-json", "generate-dry-run", "generate-diff")
GROUPS: dict[str, tuple[str, ...]] = {
    "read-only": READ_ONLY, "generate": ("generate",), "generate-force": ("generate-force",),
    "pr": ("pr-dry-run",),
}
GROUP_OF = {command: group for group, commands in GROUPS.items() for command in commands}
MAX_READ = 4 << 20  # bytes of one written file kept for the leak checks
GIT_ENV = {"GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "dev",
           "GIT_COMMITTER_EMAIL": "dev@example.com", "GIT_CONFIG_NOSYSTEM": "1"}

Entry = tuple[object, ...]
Snapshot = dict[str, Entry]


@dataclass(frozen=True)
class Outcome:
    """What one command did: exit code (None: killed after the timeout), output, and side effects."""

    command: str
    argv: tuple[str, ...]
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    outside_changes: tuple[str, ...]  # canary paths created, changed or removed
    repo_changes: tuple[str, ...]  # repo paths created, changed or removed (.git aside)
    written: dict[str, bytes] = field(default_factory=dict)  # content of repo files created or changed
    extra: str = ""  # pr: the branch's diff and commit message

    @property
    def timed_out(self) -> bool:
        return self.returncode is None


def snapshot(root: Path, *, content: bool) -> Snapshot:
    """Every path under ``root`` (links not followed, FIFOs never opened, the top .git skipped)."""
    out: Snapshot = {}
    stack = [("", str(root))]
    while stack:
        prefix, folder = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if rel == ".git":
                    continue
                st = entry.stat(follow_symlinks=False)
                if stat.S_ISLNK(st.st_mode):
                    out[rel] = ("link", os.readlink(entry.path))
                elif stat.S_ISREG(st.st_mode):
                    digest = _sha256(entry.path) if content else ""
                    out[rel] = ("file", st.st_size, st.st_mtime_ns, st.st_ino, digest)
                elif stat.S_ISDIR(st.st_mode):
                    out[rel] = ("dir",)
                    stack.append((rel + "/", entry.path))
                else:
                    out[rel] = ("special", stat.S_IFMT(st.st_mode), st.st_rdev)
    return out


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def changed(before: Snapshot, after: Snapshot) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def environment(job: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "GITHUB_", "MIGRATE_"))}
    for name in ("home", "tmp"):
        (job / name).mkdir(exist_ok=True)
    env.update(PYTHONPATH=str(ROOT), HOME=str(job / "home"), TMPDIR=str(job / "tmp"), LC_ALL="C.UTF-8",
               TERM="dumb", COLUMNS="120", GIT_CONFIG_NOSYSTEM="1")
    return env


class ForkServer:
    """A client of tests/hostile/forkserver.py: one per worker thread, one command at a time."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "LC_ALL": "C.UTF-8"}
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.hostile.forkserver"], cwd=ROOT, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None and self.proc.stdin is not None
        if json.loads(self.proc.stdout.readline() or "{}").get("ready") is not True:
            raise RuntimeError("the hostile fork server did not start")

    def run(self, argv: list[str], env: dict[str, str], out: Path, err: Path, timeout: float) -> int | None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        request = {"argv": argv, "cwd": str(ROOT), "env": env, "stdout": str(out), "stderr": str(err),
                   "timeout": timeout}
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline()
        if not answer:
            raise RuntimeError(f"the hostile fork server died (exit {self.proc.poll()})")
        code: int | None = json.loads(answer)["returncode"]
        return code

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


_local = threading.local()
_servers: list[ForkServer] = []
_servers_lock = threading.Lock()


def _server() -> ForkServer:
    server: ForkServer | None = getattr(_local, "server", None)
    if server is None:
        server = ForkServer()
        _local.server = server
        with _servers_lock:
            _servers.append(server)
    return server


def close_servers() -> None:
    with _servers_lock:
        while _servers:
            _servers.pop().close()


def run_command(command: str, repo: Path, env: dict[str, str], timeout: float) -> tuple[int | None, bytes, bytes]:
    """``migrate <command> <repo>``: forked from the fork server, or a fresh interpreter with
    MIGRATE_HOSTILE_EXEC=python."""
    args = [*COMMANDS[command], str(repo)]
    if os.environ.get("MIGRATE_HOSTILE_EXEC") != "python":
        out, err = Path(env["TMPDIR"]).parent / "stdout", Path(env["TMPDIR"]).parent / "stderr"
        code = _server().run(args, env, out, err, timeout)
        return code, out.read_bytes(), err.read_bytes()
    argv = [sys.executable, "-m", "migrator.cli", *args]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
        return proc.returncode, stdout, stderr
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # our own child's group: it may have started git
        stdout, stderr = proc.communicate()
        return None, stdout, stderr


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=repo, env={**os.environ, **GIT_ENV}, capture_output=True,
                          timeout=120, check=True)
    return proc.stdout.decode("utf-8", "replace")


def commit_all(repo: Path) -> None:
    """Make ``repo`` a git checkout with everything committed on ``main`` (what ``pr`` needs)."""
    git(repo, "init", "--quiet", "--initial-branch=main")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "--allow-empty", "-m", "legacy app")


def branch_text(repo: Path) -> str:
    """The migration branch's diff against main and its commit message ('' when there is no branch)."""
    try:
        git(repo, "rev-parse", "--verify", "--quiet", "refs/heads/migrate/containerize")
    except subprocess.CalledProcessError:
        return ""
    return (git(repo, "log", "-1", "--format=%B", "migrate/containerize")
            + git(repo, "diff", "--no-color", "--text", "main", "migrate/containerize"))


def run_job(build: Callable[[Tree], None], group: str, job: Path, timeout: float, *,
            keep: bool = False) -> dict[str, Outcome]:
    """Build the case in ``job``, run the group's commands, and return what each did."""
    tree = Tree(job)
    if group == "pr":
        tree.defer_specials()
    build(tree)
    if group == "pr":
        commit_all(tree.repo)
        tree.make_specials()
    env = environment(job)
    outcomes: dict[str, Outcome] = {}
    try:
        for command in GROUPS[group]:
            outcomes[command] = _run_one(command, tree, env, timeout)
    finally:
        if not keep:
            shutil.rmtree(job, ignore_errors=True)
    return outcomes


def _run_one(command: str, tree: Tree, env: dict[str, str], timeout: float) -> Outcome:
    outside_before = snapshot(tree.outside, content=True)
    beside_before = set(os.listdir(tree.repo.parent)) | {"stdout", "stderr"}
    repo_before = snapshot(tree.repo, content=False)
    start = time.monotonic()
    code, out, err = run_command(command, tree.repo, env, timeout)
    seconds = time.monotonic() - start
    repo_after = snapshot(tree.repo, content=False)
    repo_changes = changed(repo_before, repo_after)
    written = {}
    for rel in repo_changes:
        entry = repo_after.get(rel)
        if entry is not None and entry[0] == "file":
            with open(tree.repo / rel, "rb") as fh:
                written[rel] = fh.read(MAX_READ)
    return Outcome(
        command=command, argv=COMMANDS[command], returncode=code,
        stdout=out.decode("utf-8", "replace"), stderr=err.decode("utf-8", "replace"), seconds=seconds,
        outside_changes=tuple(changed(outside_before, snapshot(tree.outside, content=True))
                              + sorted(f"../{n}" for n in set(os.listdir(tree.repo.parent)) - beside_before)),
        repo_changes=tuple(repo_changes), written=written,
        extra=branch_text(tree.repo) if command == "pr-dry-run" else "",
    )
