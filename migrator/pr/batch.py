"""``migrate pr --repos FILE``: the organisation-wide run, one repository after another.

The file lists one repository per line, ``OWNER/NAME [PATH]`` (``#`` starts a comment). A PATH (relative
to the file) is an existing checkout; without one the repository is cloned from ``clone_url``
(``{repo}`` is replaced by OWNER/NAME) into ``workdir``. A failure is recorded and the run goes on;
the summary table says what happened to each.
"""

from __future__ import annotations

import dataclasses
import os
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from tempfile import TemporaryDirectory

from migrator.errors import MigrateError, UserError
from migrator.pr import PrOptions, PrResult, open_pr
from migrator.pr.git import clone
from migrator.safe_fs import printable, read_file
from migrator.secrets import scrub

MAX_LIST_BYTES = 4 * 1024 * 1024  # one line per repository: an organisation's list is a few hundred KiB


@dataclass(frozen=True)
class Entry:
    repo: str
    path: Path | None
    line: int


@dataclass(frozen=True)
class Outcome:
    repo: str
    ok: bool
    action: str  # opened | updated | dry-run | failed
    url: str = ""
    detail: str = ""


def read_list(file: Path) -> list[Entry]:
    """The repositories named in ``file``; a malformed line is a :class:`UserError` naming it."""
    data = read_file(file, limit=MAX_LIST_BYTES)  # a FIFO or a device is refused, never waited on
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{printable(str(file))}: not UTF-8 text (byte {exc.start})") from exc
    entries = []
    for number, raw in enumerate(text.splitlines(), 1):
        parts = raw.split("#", 1)[0].split()
        if not parts:
            continue
        if len(parts) > 2 or parts[0].count("/") != 1:
            raise UserError(f"{file}:{number}: expected 'OWNER/NAME [PATH]', got {raw.strip()!r}")
        path = (file.parent / parts[1]) if len(parts) == 2 else None
        entries.append(Entry(parts[0], path, number))
    if not entries:
        raise UserError(f"{file} lists no repositories")
    return entries


def default_clone_url(api_url: str) -> str:
    """``https://github.com/{repo}.git``, or the Enterprise host of ``api_url`` (``/api/v3``)."""
    parts = urllib.parse.urlsplit(api_url)
    host = "github.com" if parts.netloc in ("api.github.com", "") else parts.netloc
    return f"{parts.scheme or 'https'}://{host}/{{repo}}.git"


def run_batch(file: Path, options: PrOptions, *, clone_url: str | None = None, workdir: Path | None = None,
              env: Mapping[str, str] | None = None, progress: Callable[[str], None] | None = None,
              runner: Callable[..., PrResult] = open_pr) -> list[Outcome]:
    """Run the bot for every repository in ``file``; never stops at a failure."""
    env = os.environ if env is None else env
    say = progress or (lambda _msg: None)
    entries = read_list(file)
    template = clone_url or default_clone_url(options.api_url)
    outcomes = []
    with TemporaryDirectory(prefix="migrate-batch-") as tmp:
        base_dir = workdir or Path(tmp)
        for entry in entries:
            say(f"== {entry.repo}")
            try:
                path = entry.path
                if path is None:
                    path = base_dir / entry.repo.replace("/", "__") / entry.repo.split("/")[1]
                    if not path.exists():
                        clone(template.replace("{repo}", entry.repo), path, env.get(options.token_env))
                result = runner(path, dataclasses.replace(options, repo=entry.repo), env=env, progress=say)
                url = result.pull.url if result.pull else ""
                detail = "committed" if result.committed else "no change"
                outcomes.append(Outcome(entry.repo, True, result.action, url, detail))
            except MigrateError as exc:
                outcomes.append(Outcome(entry.repo, False, "failed", detail=scrub(str(exc))))
            except Exception as exc:  # one broken repository must not stop the organisation-wide run
                outcomes.append(Outcome(entry.repo, False, "failed", detail=f"internal error: {type(exc).__name__}"))
    return outcomes


def summary(outcomes: list[Outcome]) -> str:
    """A plain-text table, one row per repository, and a count line."""
    rows = [("repository", "result", "pull request", "detail")]
    rows += [(o.repo, o.action, o.url or "-", o.detail.replace("\n", " ")) for o in outcomes]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:3], widths, strict=True)) + "  " + r[3] for r in rows]
    failed = sum(1 for o in outcomes if not o.ok)
    lines.append(f"{len(outcomes)} repositories: {len(outcomes) - failed} ok, {failed} failed")
    return "\n".join(line.rstrip() for line in lines) + "\n"
