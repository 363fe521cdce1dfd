"""Write OutputFiles, never silently destroying a hand edit, never through a symlink.

``.migrate/state.json`` records what ``generate`` last wrote: the sha256 of every file and, for YAML,
its content (the common ancestor a three-way merge needs). For each file:

- missing, or unchanged since we wrote it -> written (``created`` / ``updated`` / ``unchanged``);
- edited by hand (its hash differs from the recorded one, or we never wrote it) -> YAML is merged:
  the user's changes relative to what we last generated are replayed onto the new version through a
  ruamel round trip (comments and key order survive); when both sides changed the same value, or the
  file is not YAML (or not UTF-8, or too big to be ours), the new version goes beside it as
  ``<file>.new`` and the action says so. Contents are compared as bytes, so a hand-written file in
  latin-1 is simply "edited by hand";
- ``create_only`` files (migrate.toml) are written once and then belong to the user;
- ``force`` overwrites everything.

Nothing is written with ``dry_run``; :func:`diff` shows what would change as a unified diff.

Every read and write here, the state file's included, goes through :class:`migrator.safe_fs.SafeDir`:
the output directory is trusted as given, but below it **no symlink is ever followed, even one that
stays inside** (the simple rule: in-repo links can be retargeted between check and use, and git does
not stage paths below a link), and a FIFO, device, socket or directory where a file goes is refused.
All of that is checked while planning, before the first byte is written, and raises
:class:`~migrator.safe_fs.UnsafePath` (exit 1) naming the path; so ``--dry-run`` and ``--diff`` refuse
exactly what a real run would, and never block on a FIFO. Each file is replaced atomically. The state
file is only advice about *which* in-root regular files are ours: a crafted one cannot point a write
anywhere else (its paths are checked like every other and unplain ones are dropped).
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.error import YAMLError

from generators.k8s.yamlout import yaml
from generators.output import OutputFile
from migrator.safe_fs import Existing, SafeDir, parts_of

STATE_FILE = ".migrate/state.json"
STATE_VERSION = 1
MAX_EXISTING = 2 * 1024 * 1024  # generated files are a few KiB: anything bigger on disk is not ours
MERGE_BUDGET = 200_000  # YAML nodes a merge may visit: aliases can make a small file exponentially big


@dataclass(frozen=True)
class Action:
    """What happened (or would happen) to one file."""

    path: str
    action: str  # created | updated | unchanged | merged | conflict | kept | stale
    size: int = 0
    detail: str = ""
    content: str | None = None  # what ends up at ``written_path`` (None: nothing written)
    written_path: str | None = None

    def describe(self) -> str:
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.action:<9} {self.path}{extra}"


class Conflict(Exception):
    """Both the user and the generator changed the same value."""


@contextmanager
def _output(out_dir: str | os.PathLike[str], inside: str, label: str | None, *,
            create: bool) -> Iterator[SafeDir | None]:
    """The output directory, opened; ``inside`` (a path below ``out_dir``, e.g. the app's directory in
    ``pr``'s worktree) is walked like any other untrusted path. Messages name paths below ``label``
    (default: ``out_dir`` as given; "" for repo-relative). None: it does not exist (yet)."""
    top = SafeDir.open(out_dir, create=create, label=label)
    if top is None:
        yield None
        return
    with top:
        if not inside:
            yield top
            return
        sub = top.subdir(inside, create=create)
        if sub is None:
            yield None
            return
        with sub:
            yield sub


def plan(files: Iterable[OutputFile], out_dir: str | os.PathLike[str], *, force: bool = False,
         inside: str = "", label: str | None = None) -> list[Action]:
    """Decide, without writing, what to do with each file (raises UnsafePath as a real write would)."""
    with _output(out_dir, inside, label, create=False) as out:
        return _plan(list(files), out, force)[0]


def _plan(files: list[OutputFile], out: SafeDir | None, force: bool) -> tuple[list[Action], dict[str, Any]]:
    state = _load_state(out)
    actions = [_decide(f, out, state, force) for f in files]
    if out is None:
        return actions, state
    for action in actions:
        if action.written_path is not None and action.written_path != action.path:
            out.check(action.written_path)  # the .new sibling must be as safe as the file itself
    generated = {a.path for a in actions}
    for path in sorted(set(state) - generated):
        if out.is_regular(path):  # below a link, or not a file: not something we wrote
            actions.append(Action(path, "stale", detail="generated earlier, not any more: delete it if unused"))
    return actions, state


def _decide(f: OutputFile, out: SafeDir | None, state: dict[str, Any], force: bool) -> Action:
    disk = out.read(f.path, limit=MAX_EXISTING) if out is not None else None
    if disk is None:
        return Action(f.path, "created", f.size, content=f.content, written_path=f.path)
    if disk.data == f.content.encode("utf-8"):
        return Action(f.path, "unchanged", f.size)
    if f.create_only and not force:
        return Action(f.path, "kept", disk.size, "yours once it exists: not rewritten")
    record = state.get(f.path)
    edited = not isinstance(record, dict) or disk.data is None or record.get("sha256") != _sha256(disk.data)
    if force or not edited:
        return Action(f.path, "updated", f.size, "forced" if force and edited else "", f.content, f.path)
    text = _utf8(disk)
    base = record.get("content") if isinstance(record, dict) else None
    if f.format == "yaml" and isinstance(base, str) and text is not None:
        try:
            merged = merge_yaml(base, text, f.content)
        except (Conflict, YAMLError, RecursionError) as exc:
            reason = str(exc) if isinstance(exc, Conflict) else "your version is not valid YAML"
            return _beside(f, f"edited by hand and {reason}")
        if merged == text:
            return Action(f.path, "unchanged", disk.size, "your edits kept")
        return Action(f.path, "merged", len(merged.encode()), "your edits kept", merged, f.path)
    why = "not generated by migrate" if record is None else "edited by hand"
    if disk.data is None:
        why += f" (over {MAX_EXISTING // (1024 * 1024)} MiB)"
    elif text is None:
        why += " (not UTF-8)"
    return _beside(f, why)


def _beside(f: OutputFile, why: str) -> Action:
    return Action(f.path, "conflict", f.size, f"{why}: new version written to {f.path}.new", f.content,
                  f.path + ".new")


def write(
    files: Iterable[OutputFile], out_dir: str | os.PathLike[str], *, force: bool = False, dry_run: bool = False,
    inside: str = "", label: str | None = None,
) -> list[Action]:
    """Write ``files`` under ``out_dir`` (see the module docstring) and return what was done.

    ``inside``: the real output directory is ``out_dir/inside``, and ``inside`` is as untrusted as the
    generated paths. ``label``: how refusals name ``out_dir`` ("" for repo-relative messages).
    """
    files = list(files)
    if dry_run:
        return plan(files, out_dir, force=force, inside=inside, label=label)
    with _output(out_dir, inside, label, create=True) as out:
        assert out is not None  # created when missing
        actions, state = _plan(files, out, force)  # every refusal happens here, before any write
        by_path = {f.path: f for f in files}
        for action in actions:
            if action.content is not None and action.written_path is not None:
                out.write(action.written_path, action.content.encode("utf-8"))
            f = by_path.get(action.path)
            if f is None or action.action in ("conflict", "kept"):
                continue  # keep the old ancestor: the edit is still unmerged
            # the ancestor of the next merge is always what we generated, never the merged result
            entry: dict[str, Any] = {"sha256": f.sha256}
            if f.format == "yaml":
                entry["content"] = f.content
            state[f.path] = entry
        _save_state(out, state)
    return actions


def diff(files: Iterable[OutputFile], out_dir: str | os.PathLike[str], *, force: bool = False,
         inside: str = "", label: str | None = None) -> str:
    """A unified diff between what is on disk and what ``write`` would write."""
    chunks: list[str] = []
    with _output(out_dir, inside, label, create=False) as out:
        for action in _plan(list(files), out, force)[0]:
            if action.content is None or action.written_path is None:
                continue
            old = out.read(action.written_path, limit=MAX_EXISTING) if out is not None else None
            old_text = "" if old is None else (old.data or b"").decode("utf-8", "replace")
            chunks.extend(difflib.unified_diff(
                old_text.splitlines(keepends=True), action.content.splitlines(keepends=True),
                fromfile=f"a/{action.written_path}", tofile=f"b/{action.written_path}",
            ))
    return "".join(chunks)


# -- three-way YAML merge -----------------------------------------------------------------------


def merge_yaml(base: str, mine: str, new: str) -> str:
    """Replay the user's changes (``base`` -> ``mine``) onto ``new``; raise Conflict when both changed."""
    y = yaml()
    base_docs, mine_docs, new_docs = (list(y.load_all(t)) for t in (base, mine, new))
    if not (len(base_docs) == len(mine_docs) == len(new_docs)):
        raise Conflict("the number of YAML documents changed")
    for docs in (base_docs, mine_docs):
        _check_size(docs)
    merged = [_merge(b, m, n, "") for b, m, n in zip(base_docs, mine_docs, new_docs, strict=True)]
    out = io.StringIO()
    if len(merged) == 1:
        y.dump(merged[0], out)
    else:
        y.dump_all(merged, out)
    return out.getvalue()


_MISSING = object()


def _check_size(docs: list[Any]) -> None:
    """Refuse to merge documents with more than MERGE_BUDGET nodes, counting an aliased node once per
    reference: that is what the merge and its comparisons visit, and aliases make it exponential."""
    stack = list(docs)
    seen = 0
    while stack:
        node = stack.pop()
        seen += 1
        if seen > MERGE_BUDGET:
            raise Conflict(f"too large to merge (over {MERGE_BUDGET} nodes, counting aliases)")
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _merge(base: Any, mine: Any, new: Any, where: str) -> Any:
    if isinstance(base, dict) and isinstance(mine, dict) and isinstance(new, dict):
        for key in [*mine.keys(), *(k for k in base if k not in mine)]:
            b, m, n = base.get(key, _MISSING), mine.get(key, _MISSING), new.get(key, _MISSING)
            path = f"{where}.{key}"
            value = _merge(b, m, n, path)
            if value is _MISSING:
                if key in new:
                    del new[key]
                continue
            new[key] = value
            comments = getattr(mine, "ca", None)
            if value is m and comments is not None and key in comments.items and hasattr(new, "ca"):
                new.ca.items[key] = comments.items[key]  # the user's own comment travels with their value
        return new
    if (isinstance(base, list) and isinstance(mine, list) and isinstance(new, list)
            and len(base) == len(mine) == len(new)):
        for i, (b, m, n) in enumerate(zip(base, mine, new, strict=True)):
            new[i] = _merge(b, m, n, f"{where}[{i}]")
        return new
    if _same(mine, base):
        return new
    if _same(new, base) or _same(new, mine):
        return mine
    raise Conflict(f"both changed {where.lstrip('.')}")


def _same(a: Any, b: Any) -> bool:
    if a is _MISSING or b is _MISSING:
        return a is b
    return bool(a == b)


# -- files ----------------------------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _utf8(disk: Existing) -> str | None:
    if disk.data is None:
        return None
    try:
        return disk.data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _plain(rel: object) -> bool:
    if not isinstance(rel, str):
        return False
    try:
        parts_of(rel)
    except ValueError:
        return False
    return True


def _load_state(out: SafeDir | None) -> dict[str, Any]:
    existing = out.read(STATE_FILE, limit=MAX_EXISTING) if out is not None else None
    if existing is None or existing.data is None:
        return {}
    try:
        data = json.loads(existing.data.decode("utf-8"))
    except (ValueError, RecursionError):
        return {}  # a broken state file only means every existing file counts as hand-edited
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    # only plain relative paths: a crafted '../x' or '/etc/x' key must not even be looked at
    return {k: v for k, v in files.items() if _plain(k)}


def _save_state(out: SafeDir, files: dict[str, Any]) -> None:
    text = json.dumps({"version": STATE_VERSION, "files": dict(sorted(files.items()))}, indent=2) + "\n"
    data = text.encode("utf-8")
    existing = out.read(STATE_FILE, limit=MAX_EXISTING)
    if existing is None or existing.data != data:
        out.write(STATE_FILE, data)
