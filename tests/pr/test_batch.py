"""Batch mode: many repositories one after another, past failures, with a summary table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.cli import main
from migrator.errors import UserError
from migrator.pr import PrOptions
from migrator.pr.batch import default_clone_url, read_list, run_batch, summary
from tests.pr.conftest import git, make_repo

TOKEN = "ghp_TESTtoken0123456789abcdefghijklmnopqrs"


@pytest.fixture
def org(tmp_path: Path) -> Path:
    """A repos file: a local checkout, a directory that is not a repository, and one to clone."""
    make_repo(tmp_path / "shop")
    _, remote = make_repo(tmp_path / "billing")
    (tmp_path / "remotes/acme").mkdir(parents=True)
    shutil.move(remote, tmp_path / "remotes/acme/billing.git")
    (tmp_path / "notrepo").mkdir()
    listing = tmp_path / "repos.txt"
    listing.write_text("# organisation-wide migration\nacme/shop shop/work\n\nacme/legacy notrepo  # broken\n"
                       "acme/billing\n")
    return listing


def test_batch_continues_past_failures_and_summarises(org, prism_url, tmp_path):
    options = PrOptions(api_url=prism_url)
    outcomes = run_batch(org, options, clone_url=f"{tmp_path}/remotes/{{repo}}.git", workdir=tmp_path / "clones",
                         env={"GITHUB_TOKEN": TOKEN})
    assert [(o.repo, o.ok, o.action) for o in outcomes] == [
        ("acme/shop", True, "updated"), ("acme/legacy", False, "failed"), ("acme/billing", True, "updated")]
    assert "is not a git repository" in outcomes[1].detail
    assert outcomes[0].url == "https://github.com/octocat/Hello-World/pull/1347"
    # the cloned repository got its branch pushed back to its remote
    assert git(tmp_path / "remotes/acme/billing.git", "rev-parse", "--verify", "refs/heads/migrate/containerize")
    table = summary(outcomes).splitlines()
    assert table[0].split() == ["repository", "result", "pull", "request", "detail"]
    assert table[1].split()[:2] == ["acme/shop", "updated"] and table[1].endswith("committed")
    assert table[2].startswith("acme/legacy ") and " failed " in table[2] and "not a git repository" in table[2]
    assert table[-1] == "3 repositories: 2 ok, 1 failed"


def test_batch_cli_exits_1_when_any_repository_failed(org, prism_url, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    result = CliRunner().invoke(main, ["pr", "--repos", str(org), "--api-url", prism_url, "--dry-run",
                                       "--clone-url", f"{tmp_path}/remotes/{{repo}}.git"])
    assert result.exit_code == 1, result.output
    assert "3 repositories: 2 ok, 1 failed" in result.stdout
    assert result.stderr.strip().splitlines()[-1] == "migrate: error: 1 of 3 repositories failed"
    assert TOKEN not in result.output


def test_malformed_list_names_the_line(tmp_path):
    listing = tmp_path / "repos.txt"
    listing.write_text("acme/shop\nnot-a-slug\n")
    with pytest.raises(UserError, match=r"repos.txt:2: expected 'OWNER/NAME \[PATH\]'"):
        read_list(listing)
    listing.write_text("# nothing\n")
    with pytest.raises(UserError, match="lists no repositories"):
        read_list(listing)
    with pytest.raises(UserError, match="cannot read"):
        read_list(tmp_path / "missing.txt")


def test_clone_url_follows_the_api_host():
    assert default_clone_url("https://api.github.com") == "https://github.com/{repo}.git"
    assert default_clone_url("https://ghe.acme.test/api/v3") == "https://ghe.acme.test/{repo}.git"
