"""RepoView: pruning, symlinks, unreadable and odd files become warnings, never exceptions."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from migrator.errors import UserError
from migrator.repo import MAX_FILE_BYTES, RepoView, UnreadableFile, check_root, join, normalize
from tests.safety import call_with_timeout, make_canary


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
    # CI runs as root, which reads any file, so the OS error is injected where the view opens files.
    root = tree({"secret.txt": "x", "ok.txt": "fine"})
    import migrator.repo as repo_module

    real_open = repo_module._open_file

    def fake_open(path: str) -> int:
        if path.endswith("secret.txt"):
            raise PermissionError(13, "Permission denied")
        return real_open(path)

    monkeypatch.setattr(repo_module, "_open_file", fake_open)
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
    with pytest.raises(UserError, match="no such directory"):
        RepoView(tmp_path / "f.txt" / "below")
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(UserError, match="not a directory"):
        RepoView(tmp_path / "pipe")


def test_a_root_that_cannot_be_listed_is_a_user_error(tmp_path, monkeypatch):
    # root passes os.access for any chmod 000 directory, so the refusal is injected where it is asked
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(UserError, match=r"cannot read this directory \(permission denied\)"):
        check_root(tmp_path)


def test_a_root_that_even_root_cannot_list_is_a_user_error():
    # /proc/1/map_files answers os.access with yes and then refuses the listing without CAP_SYS_ADMIN
    target = "/proc/1/map_files"
    try:
        os.listdir(target)
    except PermissionError:
        pass
    else:
        pytest.skip(f"{target} is listable here (the process has CAP_SYS_ADMIN)")
    assert os.access(target, os.R_OK | os.X_OK)
    with pytest.raises(UserError, match=r"cannot read this directory \(permission denied\)"):
        RepoView(target)


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


# -- hostile trees: FIFOs, devices, sockets, loops ------------------------------------------------------


def test_a_symlink_to_a_fifo_inside_the_repo_is_skipped_without_blocking(tree):
    root = tree({"app.py": ""})
    os.mkfifo(root / "pipe")
    os.symlink("pipe", root / "Procfile")
    (root / "bin").mkdir()
    os.symlink("../pipe", root / "bin/deploy.sh")
    repo = RepoView(root)
    files = call_with_timeout(repo.files, fifos=[root / "pipe"])
    assert files == ("app.py",)
    for rel in ("Procfile", "bin/deploy.sh", "pipe"):
        assert call_with_timeout(repo.read_text, rel, fifos=[root / "pipe"]) is None
    messages = {(w.file, w.message) for w in repo.warnings}
    assert ("Procfile", "symlink to a FIFO (named pipe), not a regular file; skipped") in messages
    assert ("bin/deploy.sh", "symlink to a FIFO (named pipe), not a regular file; skipped") in messages
    assert ("pipe", "a FIFO (named pipe), not a regular file; skipped") in messages


def test_the_whole_analysis_does_not_hang_on_fifos(tree, tmp_path):
    from migrator.planner import analyze

    canary = make_canary(tmp_path)

    root = tree({"requirements.txt": "flask\ngunicorn\n",
                 "app.py": "from flask import Flask\napp = Flask(__name__)\n"})
    os.mkfifo(root / "real-pipe")
    os.symlink("real-pipe", root / "Procfile")
    os.mkfifo(root / "deploy.sh")
    os.mkfifo(root / "app.json")
    model = call_with_timeout(analyze, root, timeout=60, fifos=[root / "real-pipe", root / "deploy.sh"])
    assert {"Procfile", "deploy.sh", "app.json"} <= {w.file for w in model.warnings}
    canary.assert_unchanged()


def test_read_text_of_a_fifo_the_walk_never_saw_does_not_block(tree):
    # analyzers may name a file directly (a path from a config) before or without the walk
    root = tree({})
    os.mkfifo(root / "Procfile")
    repo = RepoView(root)
    assert call_with_timeout(repo.read_text, "Procfile", fifos=[root / "Procfile"]) is None
    assert [w.message for w in repo.warnings] == ["a FIFO (named pipe), not a regular file; skipped"]


def test_a_symlink_loop_is_reported_as_a_loop(tree):
    root = tree({"app.py": ""})
    os.symlink("b", root / "a")
    os.symlink("a", root / "b")
    os.symlink("self", root / "self")
    (root / "d").mkdir()
    os.symlink("../d/loop", root / "d/loop")
    repo = RepoView(root)
    assert repo.files() == ("app.py",)
    assert repo.read_text("a") is None
    by_file = {w.file: w.message for w in repo.warnings}
    assert by_file == {name: "symlink loop; not followed" for name in ("a", "b", "self", "d/loop")}


def test_a_dangling_symlink_says_so(tree, tmp_path):
    root = tree({})
    os.symlink("missing.txt", root / "Procfile")
    os.symlink(tmp_path / "nowhere", root / "out")
    repo = RepoView(root)
    assert repo.files() == ()
    by_file = {w.file: w.message for w in repo.warnings}
    assert by_file == {"Procfile": "symlink to a missing file; skipped",
                       "out": "symlink points outside the repository; not followed"}


def test_sockets_and_devices_are_warnings(tree, tmp_path):
    import socket

    root = tree({"app.py": ""})
    sock = socket.socket(socket.AF_UNIX)
    os.chdir(root)
    try:
        sock.bind("app.sock")
    finally:
        os.chdir(tmp_path)
    expected = {"app.sock": "a socket, not a regular file; skipped"}
    try:
        os.mknod(root / "null", 0o600 | stat.S_IFCHR, os.makedev(1, 3))
        expected["null"] = "a character device, not a regular file; skipped"
    except PermissionError:
        pass  # no CAP_MKNOD here: the socket still shows the rule
    os.symlink("/dev/zero", root / "zero")
    expected["zero"] = "symlink points outside the repository; not followed"
    try:
        repo = RepoView(root)
        assert repo.files() == ("app.py",)
        assert {w.file: w.message for w in repo.warnings} == expected
        assert all(repo.read_text(name) is None for name in expected)
    finally:
        sock.close()


def test_a_directory_that_cannot_be_listed_is_a_warning(tree, monkeypatch):
    root = tree({"app.py": "", "private/x.py": ""})
    real_scandir = os.scandir

    def scandir(path):  # root reads any chmod 000 directory, so the refusal is injected
        if str(path).endswith("private"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    repo = RepoView(root)
    assert repo.files() == ("app.py",)
    assert [(w.file, w.message) for w in repo.warnings] == [("private", "cannot list directory: Permission denied")]


def test_read_bytes_refuses_what_read_text_warns_about_without_walking(tree, tmp_path):
    canary = make_canary(tmp_path)
    root = tree({"migrate.toml": "[generate]\n", "big.toml": "x" * 2048})
    os.symlink(canary.target, root / "out.toml")
    os.mkfifo(root / "pipe.toml")
    os.symlink("pipe.toml", root / "alias.toml")
    os.symlink("loop.toml", root / "loop.toml")
    repo = RepoView(root)
    assert repo.read_bytes("migrate.toml") == b"[generate]\n"
    assert repo.read_bytes("missing.toml") is None
    cases = {"out.toml": "symlink points outside the repository",
             "pipe.toml": "a FIFO (named pipe), not a regular file",
             "alias.toml": "symlink to a FIFO (named pipe), not a regular file", "loop.toml": "symlink loop",
             "../x.toml": "path leaves the repository"}
    for rel, reason in cases.items():
        with pytest.raises(UnreadableFile) as caught:
            call_with_timeout(repo.read_bytes, rel, fifos=[root / "pipe.toml"])
        assert isinstance(caught.value, UserError) and str(caught.value) == f"{rel}: {reason}"
    with pytest.raises(UnreadableFile, match="^big.toml: file is larger than 1 KiB$"):
        repo.read_bytes("big.toml", limit=1024)
    assert repo._files is None  # none of this walked the tree
    assert "migrate.toml" in repo.files_read
    canary.assert_unchanged()


def test_a_file_name_that_is_not_utf8_is_skipped_with_an_escaped_warning(tmp_path):
    root = tmp_path / "repo"
    (root / "deploy").mkdir(parents=True)
    (root / "Procfile").write_text("web: gunicorn app:app\n")
    bad = os.fsdecode(b"deploy/caf\xe9.sh")
    (root / bad).write_text("gunicorn app:app\n")
    repo = RepoView(root)
    assert repo.files() == ("Procfile",)
    [warning] = [w for w in repo.warnings if "UTF-8" in w.message]
    assert warning.file == "deploy/caf\\xe9.sh"
    warning.file.encode("utf-8")  # printable anywhere
