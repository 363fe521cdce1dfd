"""RepoView: pruning, symlinks, unreadable and odd files become warnings, never exceptions."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from migrator.errors import UserError
from migrator.repo import MAX_FILE_BYTES, RepoView, join, normalize


def test_walk_prunes_vendored_trees_and_virtualenvs(tree):
    root = tree(
        {
            "app.py": "x = 1\n",
            "pkg/mod.py": "y = 2\n",
            ".git/config": "[core]\n",
            "node_modules/left-pad/index.js": "module.exports = 1\n",
            "venv/lib/python3.11/site-packages/foo.py": "",
            "myenv/pyvenv.cfg": "home = /usr/bin\n",
            "myenv/lib/thing.py": "",
            "pkg/__pycache__/mod.cpython-311.pyc": b"\x00\x01",
        }
    )
    assert RepoView(root).files() == ("app.py", "pkg/mod.py")


def test_symlink_out_of_repo_is_not_followed(tree, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("SECRET_KEY=from-outside\n")
    root = tree({"app.py": ""})
    os.symlink(outside, root / "link.txt")
    os.symlink(tmp_path, root / "linkdir")
    repo = RepoView(root)
    assert "link.txt" not in repo.files()
    assert repo.read_text("link.txt") is None
    messages = {(w.file, w.message) for w in repo.warnings}
    assert ("link.txt", "symlink points outside the repository; not followed") in messages
    assert ("linkdir", "symlink points outside the repository; not followed") in messages


def test_symlink_inside_repo_is_read(tree):
    root = tree({"real.txt": "hello\n"})
    os.symlink(root / "real.txt", root / "alias.txt")
    repo = RepoView(root)
    assert repo.read_text("alias.txt") == "hello\n"


def test_path_escape_is_refused(tree):
    repo = RepoView(tree({"a.txt": "x"}))
    assert repo.read_text("../a.txt") is None
    assert any("leaves the repository" in w.message for w in repo.warnings)


def test_binary_big_and_invalid_utf8_files_warn(tree):
    root = tree(
        {
            "bin.dat": b"\x00\x01\x02",
            "big.txt": "a" * (MAX_FILE_BYTES + 1),
            "latin.txt": b"ok\nname = caf\xe9\n",
        }
    )
    repo = RepoView(root)
    assert repo.read_text("bin.dat") is None
    assert repo.read_text("big.txt") is None
    assert repo.read_text("latin.txt") == "ok\nname = caf\ufffd\n"
    by_file = {w.file: w for w in repo.warnings}
    assert by_file["bin.dat"].message == "binary file; skipped"
    assert "larger than" in by_file["big.txt"].message
    assert by_file["latin.txt"].message.startswith("invalid UTF-8") and by_file["latin.txt"].line == 2


def test_permission_denied_warns(tree, monkeypatch):
    # CI runs as root, which reads any file, so the OS error is injected where the view reads.
    root = tree({"secret.txt": "x", "ok.txt": "fine"})
    import builtins

    import migrator.repo as repo_module

    def fake_open(path, *args, **kwargs):
        if str(path).endswith("secret.txt"):
            raise PermissionError(13, "Permission denied")
        return builtins.open(path, *args, **kwargs)

    monkeypatch.setattr(repo_module, "open", fake_open, raising=False)
    repo = RepoView(root)
    assert repo.read_text("secret.txt") is None
    assert repo.read_text("ok.txt") == "fine"
    assert [(w.file, w.message) for w in repo.warnings] == [("secret.txt", "permission denied; skipped")]


def test_bad_roots_are_user_errors(tmp_path: Path):
    with pytest.raises(UserError, match="no such directory"):
        RepoView(tmp_path / "missing")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(UserError, match="not a directory"):
        RepoView(tmp_path / "f.txt")


def test_queries(tree):
    repo = RepoView(tree({"a/Procfile": "", "b/x.service": "", "c.service.j2": ""}))
    assert repo.named("Procfile") == ["a/Procfile"]
    assert repo.glob("*.service*") == ["b/x.service", "c.service.j2"]
    assert repo.with_suffix(".service") == ["b/x.service"]
    assert repo.exists("a/Procfile") and not repo.exists("Procfile")


def test_path_helpers():
    assert normalize("./a//b/") == "a/b"
    assert join("deploy/req.txt", "../base.txt") == "base.txt"
    assert join("req.txt", "sub/x.txt") == "sub/x.txt"
    assert join("req.txt", "../../etc/passwd").startswith("../")
