"""migrator/fleet/sources.py: the list file."""

from __future__ import annotations

from pathlib import Path

import pytest

from migrator.errors import UserError
from migrator.fleet.sources import FleetRepo, parse_list, read_list


def test_urls_and_paths(tmp_path: Path) -> None:
    text = ("# exported from the wiki, 2019\n\nhttps://git.example.test/acme/billing.git\n"
            "git@git.example.test:acme/site.git   # the old PHP site\nssh://git@host/acme/ops\n"
            "file:///srv/mirror/legacy.git\n../checkouts/reports\nhttps://git.example.test/acme/billing.git\n")
    repos = parse_list(text, tmp_path)
    assert [r.id for r in repos] == ["https://git.example.test/acme/billing.git", "git@git.example.test:acme/site.git",
                                     "ssh://git@host/acme/ops", "file:///srv/mirror/legacy.git", "../checkouts/reports"]
    assert repos[-1].path == tmp_path / "../checkouts/reports" and repos[-1].url is None
    assert [r.name for r in repos] == ["acme/billing", "acme/site", "acme/ops", "mirror/legacy", "reports"]


def test_a_line_with_spaces_is_refused_naming_the_line(tmp_path: Path) -> None:
    with pytest.raises(UserError, match=r"list:3: one clone URL or path per line"):
        parse_list("a\nb\nacme/x some/path\n", tmp_path)


def test_an_empty_list_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="lists no repositories"):
        parse_list("# nothing yet\n\n", tmp_path)


def test_read_list_refuses_non_utf8_and_fifos(tmp_path: Path) -> None:
    bad = tmp_path / "list.txt"
    bad.write_bytes(b"repo-\xff\n")
    with pytest.raises(UserError, match="not UTF-8"):
        read_list(bad)
    import os

    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(UserError):
        read_list(fifo)  # refused, never waited on


def test_name_of_a_bare_path() -> None:
    assert FleetRepo("x", path=Path("/a/b/c")).name == "c"
