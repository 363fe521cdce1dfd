"""Real git through subprocess argument lists: the migration branch, its commit and its push.

The user's checkout is never switched or modified: the branch is built in a temporary
``git worktree`` (so :mod:`migrator.writer` merges hand edits already on the branch exactly as it does
on disk), only the generated paths are staged and committed, and the worktree is removed afterwards.

The token never reaches argv, the environment of anything but the push, or a config file: the push
gets an ``http.extraHeader`` through ``GIT_CONFIG_COUNT``/``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n``
(git >= 2.31), which lives only in that one process's environment.
"""

from __future__ import annotations

import base64
import os
import subprocess
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from migrator.errors import UserError
from migrator.pr import git_inputs
from migrator.repo import check_root
from migrator.safe_fs import printable

# Seconds, never forever. Local commands on a large checkout take seconds; waiting minutes means git is
# blocked (on a FIFO it reads, a lock, a prompt). Network commands get longer for slow links.
LOCAL_TIMEOUT = 120.0
NETWORK_TIMEOUT = 300.0


class GitError(UserError):
    """A git command failed; the message is git's own last line (never the token)."""


@dataclass(frozen=True)
class Author:
    """Who the commit is by (``Name <email>``); also the committer, so bot commits look alike."""

    name: str = "migrate-bot"
    email: str = "migrate-bot@users.noreply.github.com"

    @classmethod
    def parse(cls, text: str) -> Author:
        name, sep, rest = text.partition("<")
        if not sep or not rest.endswith(">") or not name.strip():
            raise UserError(f"--author must look like 'Name <email>', got {text!r}")
        return cls(name.strip(), rest[:-1].strip())

    def env(self) -> dict[str, str]:
        return {"GIT_AUTHOR_NAME": self.name, "GIT_AUTHOR_EMAIL": self.email,
                "GIT_COMMITTER_NAME": self.name, "GIT_COMMITTER_EMAIL": self.email}


def _base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(GIT_TERMINAL_PROMPT="0", LC_ALL="C")  # never hang on a password prompt; stable messages
    for key in [k for k in env if k.startswith("GIT_CONFIG_")]:
        del env[key]  # our own GIT_CONFIG_COUNT must not mix with an inherited one
    return env


def run(args: Sequence[str], cwd: Path, *, env: Mapping[str, str] | None = None, check: bool = True,
        secret: str | None = None, timeout: float | None = None) -> subprocess.CompletedProcess[str]:
    """``git <args>`` in ``cwd``; a failure (with ``check``) is a :class:`GitError` with git's message.

    ``timeout`` defaults to :data:`LOCAL_TIMEOUT`; running out of it is a one-line :class:`GitError`.
    """
    full_env = _base_env()
    full_env.update(env or {})
    limit = LOCAL_TIMEOUT if timeout is None else timeout
    command = next((a for a in args if not a.startswith("-")), "git")
    try:
        # stdin from /dev/null: nothing may wait for a terminal that the bot does not have
        proc = subprocess.run(["git", *args], cwd=cwd, env=full_env, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=limit, check=False)
    except FileNotFoundError as exc:
        raise UserError("git is not installed (or not on PATH)") from exc
    except subprocess.TimeoutExpired as exc:
        raise GitError(f"git {command} did not finish within {limit:g}s and was stopped (a FIFO among the "
                       "files git reads, a stale lock, or a remote that does not answer?)") from exc
    if check and proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).splitlines() if ln.strip()]
        # git's first fatal/error line says what went wrong; its last is often advice ("... and the
        # repository exists.") that names nothing
        fatal = [ln for ln in lines if ln.lstrip().startswith(("fatal:", "error:"))]
        message = (fatal or lines)[0 if fatal else -1].strip() if lines else f"exit code {proc.returncode}"
        if secret:
            message = message.replace(secret, "***")
        raise GitError(f"git {command} failed: {printable(message)}")
    return proc


def auth_env(token: str | None, url: str) -> dict[str, str]:
    """Config for one process: an Authorization header for an HTTP(S) remote, nothing otherwise."""
    if not token or not url.startswith(("https://", "http://")):
        return {}
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    parts = urllib.parse.urlsplit(url)
    # scoped to the remote's host: a redirect elsewhere does not carry the token along
    return {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": f"http.{parts.scheme}://{parts.netloc}/.extraHeader",
            "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}"}


class Repo:
    """A local git checkout, checked on construction: a repo, on a branch (not detached)."""

    def __init__(self, path: Path) -> None:
        path = check_root(path)
        git_inputs.check(path)  # before the first git command: a FIFO git reads would block it
        proc = run(["rev-parse", "--show-toplevel"], path, check=False)
        if proc.returncode != 0:
            raise UserError(f"{printable(str(path))} is not a git repository (git init, or run in a clone)")
        self.root = Path(proc.stdout.strip())
        # the analysed directory may be a sub-directory of the repository (a monorepo app)
        try:
            self.prefix = path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError as exc:
            raise UserError(f"{printable(str(path))} is not inside the work tree of {self.root}") from exc
        self.prefix = "" if self.prefix == "." else self.prefix

    def git(self, *args: str, check: bool = True) -> str:
        return run(args, self.root, check=check).stdout.strip()

    def current_branch(self) -> str:
        proc = run(["symbolic-ref", "--quiet", "--short", "HEAD"], self.root, check=False)
        if proc.returncode != 0:
            raise UserError("HEAD is detached: check out the branch the migration should start from (or pass --base)")
        return proc.stdout.strip()

    def head_commit(self) -> str:
        proc = run(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], self.root, check=False)
        if proc.returncode != 0:
            raise UserError("the repository has no commit yet: commit the legacy app first")
        return proc.stdout.strip()

    def dirty_paths(self) -> list[str]:
        """Changed, staged or untracked paths (ignored files do not count)."""
        out = run(["status", "--porcelain=v1", "--untracked-files=normal"], self.root).stdout
        return [line[3:] for line in out.splitlines() if line.strip()]

    def remote_url(self, remote: str) -> str:
        proc = run(["remote", "get-url", remote], self.root, check=False)
        if proc.returncode != 0:
            known = self.git("remote").split()
            raise UserError(f"unknown git remote {remote!r} (known: {', '.join(known) or 'none'})")
        return proc.stdout.strip()

    def local_commit(self, ref: str) -> str | None:
        proc = run(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], self.root, check=False)
        return proc.stdout.strip() if proc.returncode == 0 else None

    def fetch_branch(self, remote: str, branch: str, token: str | None) -> str | None:
        """The remote's commit of ``branch`` (fetched), or None when the remote has no such branch."""
        url = self.remote_url(remote)
        env = auth_env(token, url)
        listing = run(["ls-remote", "--heads", remote, f"refs/heads/{branch}"], self.root, env=env,
                      secret=token, timeout=NETWORK_TIMEOUT).stdout.split()
        if not listing:
            return None
        run(["fetch", "--no-tags", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}"], self.root,
            env=env, secret=token, timeout=NETWORK_TIMEOUT)
        return listing[0]

    @contextmanager
    def worktree(self, start: str) -> Iterator[Path]:
        """A temporary detached worktree at ``start``, removed afterwards (even on failure)."""
        with TemporaryDirectory(prefix="migrate-pr-") as tmp:
            where = Path(tmp) / "tree"
            run(["worktree", "add", "--detach", "--quiet", str(where), start], self.root)
            try:
                yield where
            finally:
                run(["worktree", "remove", "--force", str(where)], self.root, check=False)
                run(["worktree", "prune"], self.root, check=False)

    def ignored(self, tree: Path, paths: Sequence[str]) -> list[str]:
        """Which of ``paths`` the repository's .gitignore files exclude (tracked files never are)."""
        if not paths:
            return []
        proc = run(["check-ignore", "--", *paths], tree, check=False)
        return proc.stdout.split() if proc.returncode == 0 else []

    def commit_paths(self, tree: Path, paths: Sequence[str], message: str, author: Author) -> str | None:
        """Stage exactly ``paths`` in ``tree`` and commit them; None when nothing changed."""
        for i in range(0, len(paths), 100):
            run(["add", "--", *paths[i:i + 100]], tree)
        staged = run(["diff", "--cached", "--quiet"], tree, check=False)
        if staged.returncode == 0:
            return None
        run(["commit", "--quiet", "--no-verify", "-m", message], tree, env=author.env())
        return run(["rev-parse", "HEAD"], tree).stdout.strip()

    def set_branch(self, branch: str, commit: str) -> None:
        """Point ``refs/heads/<branch>`` at ``commit`` (creating it); the checkout is not touched."""
        run(["update-ref", "-m", "migrate pr", f"refs/heads/{branch}", commit], self.root)

    def push(self, remote: str, branch: str, token: str | None) -> None:
        url = self.remote_url(remote)
        run(["push", "--quiet", remote, f"refs/heads/{branch}:refs/heads/{branch}"], self.root,
            env=auth_env(token, url), secret=token, timeout=NETWORK_TIMEOUT)


def clone(url: str, dest: Path, token: str | None) -> None:
    """``git clone`` (the token, for HTTP(S), only in that process's environment)."""
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserError(f"cannot create {printable(str(dest.parent))}: {exc.strerror or exc}") from exc
    run(["clone", "--quiet", url, str(dest)], dest.parent, env=auth_env(token, url), secret=token,
        timeout=NETWORK_TIMEOUT)
