"""``migrate pr`` on checkouts built to hurt it: FIFOs git reads, committed symlinks at generated paths,
git commands that never return. Each run is bounded by a timeout and checks a canary tree beside it."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.cli import main
from migrator.pr import PrOptions, open_pr
from migrator.pr import git as pr_git
from migrator.pr.git import GitError, Repo
from migrator.pr.git_inputs import BlockingGitInput
from migrator.safe_fs import UnsafePath
from tests.pr.conftest import git, make_repo
from tests.safety import Canary, assert_one_line_error, call_with_timeout, cli, make_canary

BRANCH = "migrate/containerize"


@pytest.fixture(autouse=True)
def canary(tmp_path: Path) -> Iterator[Canary]:
    """Every test here: a canary tree beside the checkout, unchanged by content and mtime at the end."""
    tree = make_canary(tmp_path)
    yield tree
    tree.assert_unchanged()


def commit_all(checkout: Path, message: str) -> None:
    git(checkout, "add", "--all")
    git(checkout, "commit", "--quiet", "-m", message)


@pytest.mark.parametrize("where", [".gitignore", "shop/.gitignore", ".gitattributes", ".git/info/exclude"])
def test_pr_dry_run_refuses_a_fifo_git_would_read_instead_of_hanging(tmp_path, canary, where):
    checkout, remote = make_repo(tmp_path)
    fifo = checkout / where
    if fifo.exists():
        fifo.unlink()
    os.mkfifo(fifo)
    proc = cli("pr", str(checkout), "--dry-run", "--allow-dirty", "--repo", "acme/shop", timeout=90)
    assert_one_line_error(proc, 1, f"{where} is a FIFO (named pipe), not a regular file: git would block")
    assert git(checkout, "for-each-ref", "--format=%(refname)", "refs/heads") == "refs/heads/main"  # no branch was made
    canary.assert_unchanged()


def test_a_git_command_that_blocks_is_stopped_with_a_one_line_error(repo, tmp_path, monkeypatch):
    # the timeout is the backstop for what git_inputs cannot know: here a FIFO named by the user's config
    checkout, _ = repo
    fifo = tmp_path / "global-excludes"
    os.mkfifo(fifo)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(f"[core]\n\texcludesFile = {fifo}\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setattr(pr_git, "LOCAL_TIMEOUT", 3.0)
    started = time.monotonic()
    with pytest.raises(GitError, match=r"^git status did not finish within 3s and was stopped"):
        call_with_timeout(open_pr, checkout, PrOptions(repo="acme/shop", dry_run=True), env={}, timeout=60,
                          fifos=[fifo])
    assert time.monotonic() - started < 30
    result = CliRunner().invoke(main, ["pr", str(checkout), "--dry-run", "--repo", "acme/shop"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.count("\n") == 1 and "did not finish within 3s" in result.output


def test_committed_symlinks_at_generated_paths_are_refused_before_anything_is_written(tmp_path, canary):
    checkout, remote = make_repo(tmp_path)
    os.symlink(canary.absent, checkout / "MIGRATION.md")
    os.symlink(canary.outdir, checkout / "deploy")
    commit_all(checkout, "links")
    with pytest.raises(UnsafePath) as caught:
        call_with_timeout(open_pr, checkout, PrOptions(repo="acme/shop", dry_run=True), env={}, timeout=120)
    message = str(caught.value)
    assert message.startswith(f"MIGRATION.md is a symlink (to {canary.absent})")
    assert message.endswith(f"(in the files of commit {git(checkout, 'rev-parse', 'HEAD')[:12]})")
    canary.assert_unchanged()
    assert git(checkout, "for-each-ref", "--format=%(refname)", "refs/heads") == "refs/heads/main"
    assert git(checkout, "worktree", "list").count("\n") == 0  # the temporary worktree is gone
    os.unlink(checkout / "MIGRATION.md")
    commit_all(checkout, "one link left")
    proc = cli("pr", str(checkout), "--dry-run", "--repo", "acme/shop", timeout=120)
    assert_one_line_error(proc, 1, f"deploy is a symlink (to {canary.outdir}), not a directory")
    canary.assert_unchanged()
    assert list(canary.outdir.iterdir()) == []


def test_an_app_directory_that_is_a_symlink_on_the_branch_is_refused(tmp_path, canary):
    from tests.pr.conftest import APP

    checkout, _ = make_repo(tmp_path, {**APP, "../README.md": "monorepo\n"}, app_dir="services/shop")
    # the branch to build on (a local one, with --dry-run) has services/shop replaced by a link out
    git(checkout, "switch", "--quiet", "-c", BRANCH)
    git(checkout, "rm", "-r", "--quiet", "services/shop")
    os.symlink(canary.outdir, checkout / "services/shop")
    commit_all(checkout, "hostile branch")
    git(checkout, "switch", "--quiet", "main")
    with pytest.raises(UnsafePath, match=r"^services/shop is a symlink"):
        call_with_timeout(open_pr, checkout / "services/shop", PrOptions(repo="acme/mono", dry_run=True), env={},
                          timeout=120)
    canary.assert_unchanged()


def test_repo_refuses_a_fifo_git_dir_file_before_running_git(repo):
    checkout, _ = repo
    (checkout / ".git/info").mkdir(exist_ok=True)
    os.mkfifo(checkout / ".git/info/attributes")
    with pytest.raises(BlockingGitInput, match=r"^\.git/info/attributes is a FIFO"):
        call_with_timeout(Repo, checkout, timeout=30, fifos=[checkout / ".git/info/attributes"])


def test_a_fifo_repos_list_is_refused(tmp_path):
    listing = tmp_path / "repos.txt"
    os.mkfifo(listing)
    proc = cli("pr", "--repos", str(listing), "--dry-run", timeout=60)
    assert_one_line_error(proc, 1, "repos.txt: it is a FIFO (named pipe), not a regular file")
