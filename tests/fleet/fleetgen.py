"""A fleet of legacy repositories made from fixtures/ (copies with variations), built in a tmp dir.

Each fixture is copied ``copies`` times; every copy is its own git repository with one commit, and
each copy varies: a README note, a stale deploy script with a cron line, a dotenv file with a
planted credential, a hostile directory name (``<b>&"x"</b>`` ends up in every report). Then the
injected failures: a listed path that is a regular file (unreadable as a repository), a clone URL
that cannot be cloned, and a repository whose migrate.toml is invalid (analysis refuses it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import fixture_dirs, fixture_path

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"
HOSTILE = '<b>&"x"</b>'
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid", "GIT_CONFIG_GLOBAL": "/dev/null"}


@dataclass(frozen=True)
class Fleet:
    root: Path
    list_file: Path
    repos: tuple[str, ...]  # the list's lines: repository ids
    good: tuple[str, ...]  # ids expected to produce a record without errors
    unreadable: str
    bad_clone: str
    bad_config: str


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, env=GIT_ENV, check=True, capture_output=True,
                          text=True).stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-verify", "-m", message)


def fixture_names() -> list[str]:
    return [p.name for p in fixture_dirs() if (p / "README.md").is_file()]


def _vary(repo: Path, index: int) -> None:
    kind = index % 3
    readme = repo / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + f"\n\nFleet copy {index}: handed over in 2019.\n",
                      encoding="utf-8")
    if kind == 1:
        script = repo / "ops" / "old-cleanup.sh"
        script.parent.mkdir(exist_ok=True)
        script.write_text("#!/bin/sh\n# left from the 2017 box; nobody knows if it still runs\n"
                          "find /var/tmp/app -mtime +7 -delete\n", encoding="utf-8")
    if kind == 2:
        (repo / ".env.production").write_text("# copied from the old server\nMAIL_PASSWORD=Fl33tCopy-"
                                              f"{index}-n0t-real\n", encoding="utf-8")


def make_fleet(root: Path, copies: int = 2) -> Fleet:
    """``copies`` variations of every fixture plus the injected failures, listed in ``root/fleet.txt``."""
    root.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    index = 0
    for name in fixture_names():
        for copy in range(copies):
            dirname = f"{name}-{copy}" if index != 5 else f"{name}-{HOSTILE}"
            dest = root / "repos" / dirname
            shutil.copytree(fixture_path(name), dest, symlinks=True)
            _vary(dest, index)
            git(dest, "init", "-q", "-b", "main")
            commit_all(dest, f"import {name}")
            lines.append(f"repos/{dirname}")
            index += 1
    good = tuple(lines)
    (root / "not-a-repo.txt").write_text("a path that is a file, not a repository\n", encoding="utf-8")
    bad_config = root / "repos" / "broken-config"
    shutil.copytree(fixture_path("flask-gunicorn"), bad_config)
    (bad_config / "migrate.toml").write_text("[processes.web]\nreplicas = 'many'\n", encoding="utf-8")
    git(bad_config, "init", "-q", "-b", "main")
    commit_all(bad_config, "import")
    bad_clone = (root / "gone" / "missing.git").as_uri()
    lines += ["not-a-repo.txt", bad_clone, "repos/broken-config"]
    list_file = root / "fleet.txt"
    list_file.write_text("# the platform team's inventory, exported from the old wiki\n" + "\n".join(lines) + "\n",
                         encoding="utf-8")
    return Fleet(root, list_file, tuple(lines), good, "not-a-repo.txt", bad_clone, "repos/broken-config")
