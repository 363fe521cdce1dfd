"""The one writer never follows a symlink below the output root, never opens a special file, and
writes atomically; a crafted state file cannot change that. Every test checks a canary tree beside
the repository, by content and mtime, and runs under a timeout where a FIFO could hang it."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from generators.output import OutputFile
from migrator import safe_fs
from migrator.errors import UserError
from migrator.safe_fs import SafeDir, UnsafePath, write_file
from migrator.writer import STATE_FILE, diff, plan, write
from tests.safety import CANARY_TEXT, Canary, call_with_timeout, make_canary

DOCKERFILE = "FROM python:3.11-slim\n"
DEPLOY = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n"


def files() -> list[OutputFile]:
    return [
        OutputFile("Dockerfile", DOCKERFILE, "dockerfile"),
        OutputFile("deploy/k8s/base/deployment-web.yaml", DEPLOY, "yaml"),
        OutputFile("migrate.toml", "# defaults\n", "toml", create_only=True),
    ]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "Procfile").write_text("web: gunicorn app:app\n")
    return root


@pytest.fixture(autouse=True)
def canary(tmp_path: Path) -> Iterator[Canary]:
    """Every test here: a canary tree beside the repo, unchanged by content and mtime at the end."""
    tree = make_canary(tmp_path)
    yield tree
    tree.assert_unchanged()


def every_mode(repo: Path, fifos: tuple[Path, ...] = ()) -> list[str]:
    """Run write (plain, --force, dry-run), plan and diff; return each refusal's message."""
    messages = []
    calls = [
        lambda: write(files(), repo), lambda: write(files(), repo, force=True),
        lambda: write(files(), repo, dry_run=True), lambda: plan(files(), repo), lambda: diff(files(), repo),
    ]
    for call in calls:
        with pytest.raises(UnsafePath) as caught:
            call_with_timeout(call, fifos=fifos)
        messages.append(str(caught.value))
    return messages


def repo_entries(repo: Path) -> set[str]:
    return {str(p.relative_to(repo)) for p in repo.rglob("*")}


# -- symlinks -------------------------------------------------------------------------------------


def test_symlinked_target_is_refused_in_every_mode(repo, canary):
    os.symlink(canary.target, repo / "Dockerfile")
    before = repo_entries(repo)
    for message in every_mode(repo):
        assert message.startswith(f"{repo}/Dockerfile is a symlink (to {canary.target})")
        assert "\n" not in message
    canary.assert_unchanged()
    assert repo_entries(repo) == before  # refused while planning: nothing else was written either


def test_dangling_symlink_is_not_created_through(repo, canary):
    os.symlink(canary.absent, repo / "Dockerfile")
    every_mode(repo)
    assert not canary.absent.exists()
    canary.assert_unchanged()


def test_symlinked_parent_directory_is_refused(repo, canary):
    os.symlink(canary.outdir, repo / "deploy")
    for message in every_mode(repo):
        assert message.startswith(f"{repo}/deploy is a symlink (to {canary.outdir}), not a directory, "
                                  "on the way to deploy/k8s/base/deployment-web.yaml")
    assert list(canary.outdir.iterdir()) == []
    canary.assert_unchanged()


def test_a_symlink_that_stays_inside_the_root_is_refused_too(repo, canary):
    # the documented rule: no symlink below the output root is followed, wherever it points
    (repo / "infra/k8s").mkdir(parents=True)
    (repo / "deploy").mkdir()
    os.symlink("../infra/k8s", repo / "deploy/k8s")
    messages = every_mode(repo)
    assert all(m.startswith(f"{repo}/deploy/k8s is a symlink (to ../infra/k8s)") for m in messages)
    assert list((repo / "infra/k8s").iterdir()) == []
    canary.assert_unchanged()


def test_a_symlink_in_the_path_below_the_trusted_directory_is_refused(tmp_path, canary):
    # pr writes into <worktree>/<app dir>: the app dir comes from the repository and is walked too
    tree = tmp_path / "tree"
    (tree / "services").mkdir(parents=True)
    os.symlink(canary.outdir, tree / "services/shop")
    with pytest.raises(UnsafePath, match=r"^services/shop is a symlink"):
        write(files(), tree, inside="services/shop", label="")
    canary.assert_unchanged()
    (tree / "services/shop").unlink()
    (tree / "services/shop").mkdir()
    write(files(), tree, inside="services/shop")
    assert (tree / "services/shop/Dockerfile").read_text() == DOCKERFILE


def test_the_directory_the_user_names_may_itself_be_a_symlink(tmp_path):
    # the output root is the user's choice (on macOS /tmp itself is a link): only what is below it is checked
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(real, tmp_path / "alias")
    write(files(), tmp_path / "alias")
    assert (real / "Dockerfile").read_text() == DOCKERFILE


def test_a_symlink_to_a_device_is_refused(repo, canary):
    os.symlink("/dev/null", repo / "Dockerfile")
    for message in every_mode(repo):
        assert "Dockerfile is a symlink (to /dev/null)" in message
    canary.assert_unchanged()


# -- special files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Dockerfile", "MIGRATION.md", "migrate.toml", ".dockerignore",
                                  "deploy/k8s/base/deployment-web.yaml", "Dockerfile.new", STATE_FILE])
def test_a_fifo_is_refused_without_blocking(repo, canary, name):
    fs = [*files(), OutputFile("MIGRATION.md", "# m\n", "markdown"), OutputFile(".dockerignore", ".git\n")]
    fifo = repo / name
    fifo.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(fifo)
    if name == "Dockerfile.new":  # reached only when Dockerfile is hand-edited
        (repo / "Dockerfile").write_text("FROM scratch\n")
    for call in (lambda: write(fs, repo), lambda: write(fs, repo, dry_run=True), lambda: diff(fs, repo)):
        with pytest.raises(UnsafePath, match=f"{name} is a FIFO \\(named pipe\\), not a regular file"):
            call_with_timeout(call, fifos=[fifo])
    if name != "Dockerfile.new":  # --force overwrites the hand edit and never needs the .new path
        with pytest.raises(UnsafePath):
            call_with_timeout(lambda: write(fs, repo, force=True), fifos=[fifo])
    assert stat.S_ISFIFO((repo / name).lstat().st_mode)
    canary.assert_unchanged()


def test_a_directory_where_a_file_goes_is_refused(repo):
    (repo / "Dockerfile").mkdir()
    for message in every_mode(repo):
        assert message.startswith(f"{repo}/Dockerfile is a directory, not a regular file")


def test_a_file_where_a_directory_goes_is_refused(repo):
    (repo / "deploy").write_text("not a dir\n")
    for message in every_mode(repo):
        assert message.startswith(f"{repo}/deploy is a regular file, not a directory")


def test_a_character_device_is_refused(repo, canary):
    try:
        os.mknod(repo / "Dockerfile", stat.S_IFCHR | 0o600, os.makedev(1, 3))  # /dev/null's numbers
    except PermissionError:
        pytest.skip("this machine cannot create device nodes (no CAP_MKNOD)")
    for message in every_mode(repo):
        assert "Dockerfile is a character device" in message
    canary.assert_unchanged()


def test_a_socket_is_refused(repo, tmp_path):
    import socket

    sock = socket.socket(socket.AF_UNIX)
    try:
        os.chdir(repo)  # AF_UNIX paths are limited to ~100 bytes: bind relative
        sock.bind("Dockerfile")
    finally:
        os.chdir(tmp_path)
    try:
        for message in every_mode(repo):
            assert "Dockerfile is a socket" in message
    finally:
        sock.close()


# -- the state file ---------------------------------------------------------------------------------


def test_crafted_state_with_the_targets_hash_cannot_overwrite_it(repo, canary):
    os.symlink(canary.target, repo / "Dockerfile")
    (repo / ".migrate").mkdir()
    sha = hashlib.sha256(CANARY_TEXT).hexdigest()
    (repo / STATE_FILE).write_text(json.dumps({"version": 1, "files": {"Dockerfile": {"sha256": sha}}}))
    every_mode(repo)
    canary.assert_unchanged()


def test_crafted_state_paths_outside_the_root_are_ignored(repo, canary):
    (repo / ".migrate").mkdir()
    rel_out = os.path.relpath(canary.target, repo)
    crafted = {rel_out: {"sha256": "0"}, str(canary.target): {"sha256": "0"}, "a/../../x": {}, "": {}}
    (repo / STATE_FILE).write_text(json.dumps({"version": 1, "files": crafted}))
    actions = write(files(), repo)
    assert not any(a.action == "stale" for a in actions)  # never even looked at
    state = json.loads((repo / STATE_FILE).read_text())["files"]
    assert set(state) == {"Dockerfile", "deploy/k8s/base/deployment-web.yaml", "migrate.toml"}
    canary.assert_unchanged()


def test_a_symlinked_state_file_or_state_directory_is_refused(repo, canary):
    os.symlink(canary.outdir, repo / ".migrate")
    for message in every_mode(repo):
        assert message.startswith(f"{repo}/.migrate is a symlink")
    (repo / ".migrate").unlink()
    (repo / ".migrate").mkdir()
    os.symlink(canary.target, repo / STATE_FILE)
    for message in every_mode(repo):
        assert message.startswith(f"{repo}/.migrate/state.json is a symlink")
    canary.assert_unchanged()


def test_a_state_file_nested_too_deep_for_json_is_just_broken(repo):
    (repo / ".migrate").mkdir()
    (repo / STATE_FILE).write_text("[" * 100_000 + "]" * 100_000)
    write(files(), repo)
    assert json.loads((repo / STATE_FILE).read_text())["version"] == 1


# -- atomicity ---------------------------------------------------------------------------------------


def test_a_failure_mid_write_leaves_the_old_file_and_no_temporary(repo, monkeypatch):
    write(files(), repo)
    (repo / "Dockerfile").chmod(0o640)
    before = set(os.listdir(repo))

    def half_then_disk_full(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safe_fs, "_write_all", half_then_disk_full)
    new = [OutputFile("Dockerfile", "FROM python:3.12-slim\n" * 100, "dockerfile")]
    with pytest.raises(UserError, match=r"cannot write .*Dockerfile: No space left on device"):
        write(new, repo)
    assert (repo / "Dockerfile").read_text() == DOCKERFILE
    assert set(os.listdir(repo)) == before

    def interrupted(fd: int, data: bytes) -> None:
        os.write(fd, data[:10])
        raise KeyboardInterrupt

    monkeypatch.setattr(safe_fs, "_write_all", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write(new, repo)
    assert (repo / "Dockerfile").read_text() == DOCKERFILE
    assert set(os.listdir(repo)) == before
    monkeypatch.undo()
    write(new, repo)
    assert (repo / "Dockerfile").read_text() == new[0].content
    assert stat.S_IMODE((repo / "Dockerfile").stat().st_mode) == 0o640  # a rewrite keeps permissions


def test_a_hard_link_to_a_file_outside_is_replaced_not_written_through(repo, canary):
    # the rename replaces the directory entry: the inode the link shares with the outside file is untouched
    os.link(canary.target, repo / "Dockerfile")
    write(files(), repo, force=True)
    assert (repo / "Dockerfile").read_text() == DOCKERFILE
    assert canary.target.read_bytes() == CANARY_TEXT and canary.target.stat().st_nlink == 1


# -- reads for change detection ------------------------------------------------------------------------


def test_a_hand_written_file_that_is_not_utf8_is_hand_edited(repo):
    latin1 = "# Migration\n\nÉquipe: café\n".encode("latin-1")
    (repo / "MIGRATION.md").write_bytes(latin1)
    fs = [OutputFile("MIGRATION.md", "# Migration\n", "markdown")]
    found = {a.path: a for a in write(fs, repo)}
    assert found["MIGRATION.md"].action == "conflict" and "not UTF-8" in found["MIGRATION.md"].detail
    assert (repo / "MIGRATION.md").read_bytes() == latin1
    assert (repo / "MIGRATION.md.new").read_text() == "# Migration\n"
    assert "+++ b/MIGRATION.md.new" not in diff(fs, repo)  # .new already holds it
    write(fs, repo, force=True)
    assert (repo / "MIGRATION.md").read_text() == "# Migration\n"


def test_a_yaml_file_that_is_not_utf8_is_not_merged_but_kept(repo):
    write(files(), repo)
    path = repo / "deploy/k8s/base/deployment-web.yaml"
    path.write_bytes(DEPLOY.encode() + "# caf\xe9\n".encode("latin-1"))
    found = {a.path: a for a in write([files()[1]], repo)}
    assert found[files()[1].path].action == "conflict" and "not UTF-8" in found[files()[1].path].detail


def test_an_alias_bomb_is_not_merged_and_does_not_hang(repo):
    write(files(), repo)
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    levels += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    bomb = DEPLOY + "\n".join(levels) + "\n"
    (repo / "deploy/k8s/base/deployment-web.yaml").write_text(bomb)
    state = json.loads((repo / STATE_FILE).read_text())
    state["files"]["deploy/k8s/base/deployment-web.yaml"]["content"] = bomb  # the ancestor too
    (repo / STATE_FILE).write_text(json.dumps(state))
    new = [OutputFile("deploy/k8s/base/deployment-web.yaml", DEPLOY.replace("web", "api"), "yaml")]
    found = call_with_timeout(write, new, repo, timeout=30)
    assert found[0].action == "conflict" and "too large to merge" in found[0].detail


def test_an_oversized_file_is_not_ours_and_not_read(repo):
    big = b"# " + b"x" * (3 * 1024 * 1024) + b"\n"
    (repo / "Dockerfile").write_bytes(big)
    found = {a.path: a for a in write(files(), repo)}
    assert found["Dockerfile"].action == "conflict" and "over 2 MiB" in found["Dockerfile"].detail
    assert (repo / "Dockerfile").read_bytes() == big


# -- SafeDir and single files ---------------------------------------------------------------------------


def test_paths_that_leave_the_root_are_a_bug_not_a_write(repo):
    with SafeDir.open(repo) as directory:  # type: ignore[union-attr]
        for bad in ("../x", "/etc/passwd", "a/../../x", "a//b", ""):
            with pytest.raises(ValueError):
                directory.write(bad, b"x")


def test_control_characters_in_refused_names_are_escaped(repo, canary):
    os.symlink(canary.target, repo / "Dockerfile")
    os.symlink("\x1b]0;pwned\x07", repo / "MIGRATION.md")
    with pytest.raises(UnsafePath) as caught:
        write([OutputFile("MIGRATION.md", "x\n")], repo)
    assert "\x1b" not in str(caught.value) and "\\x1b]0;pwned\\x07" in str(caught.value)


def test_write_file_refuses_a_symlink_or_a_fifo_and_replaces_a_regular_file(tmp_path, canary):
    link = tmp_path / "report.json"
    os.symlink(canary.target, link)
    with pytest.raises(UnsafePath, match="report.json is a symlink"):
        write_file(link, b"{}")
    fifo = tmp_path / "report.fifo"
    os.mkfifo(fifo)
    with pytest.raises(UnsafePath, match="is a FIFO"):
        call_with_timeout(write_file, fifo, b"{}", fifos=[fifo])
    canary.assert_unchanged()
    plain = tmp_path / "plain.json"
    plain.write_text("old")
    write_file(plain, b"{}")
    assert plain.read_text() == "{}" and not [p for p in os.listdir(tmp_path) if "migrate-tmp" in p]


def test_read_file_refuses_a_fifo_without_blocking(tmp_path):
    fifo = tmp_path / "repos.txt"
    os.mkfifo(fifo)
    with pytest.raises(UnsafePath, match="is a FIFO"):
        call_with_timeout(safe_fs.read_file, fifo, limit=100, fifos=[fifo])
    (tmp_path / "big.txt").write_bytes(b"x" * 101)
    with pytest.raises(UserError, match="larger than 100 bytes"):
        safe_fs.read_file(tmp_path / "big.txt", limit=100)
