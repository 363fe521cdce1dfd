"""Build the generated Dockerfile with the docker SDK (classic builder, never pulls).

Which file: always the one ``migrate generate`` wrote (``deploy/image/Dockerfile``), never a Dockerfile
of the repository's own (often ``FROM`` a private base, or half finished). Its build context is the
repository root, filtered by the ignore file that goes with it: ``deploy/image/Dockerfile.dockerignore``
(what BuildKit reads beside a Dockerfile), else the root ``.dockerignore`` (what the classic builder
reads). The build log is streamed to the progress callback; on failure the error names the failing
step (``Step 4/9 : RUN pip install ...``) and carries its last output lines.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generators.image.dockerfile import DOCKERFILE, GENERATED_MARK, ROOT_IGNORE
from migrator.errors import UserError
from migrator.verify.report import LOG_TAIL, StepFailed

STATE_FILE = ".migrate/state.json"


@dataclass(frozen=True)
class BuildFiles:
    """What verify builds: the Dockerfile and the ignore file of its context (repo-relative)."""

    dockerfile: str
    ignore: str | None

    def describe(self) -> str:
        return f"{self.dockerfile} (context ., ignore file {self.ignore or 'none'})"


def build_files(root: Path, dockerfile: str = DOCKERFILE) -> BuildFiles:
    """The generated Dockerfile under ``root`` and its ignore file; a user error when it is missing or is
    not ours (a file of the user's at that path, which generate left alone)."""
    path = root / dockerfile
    if not path.is_file():
        raise UserError(f"no {dockerfile} in {root}: run `migrate generate` first (verify builds only the "
                        "Dockerfile migrate generated, never the repository's own)")
    if not _generated(root, dockerfile, path):
        raise UserError(f"{dockerfile} in {root} was not written by `migrate generate`; verify builds only the "
                        f"generated Dockerfile (generate left yours alone and wrote {dockerfile}.new)")
    for ignore in (f"{dockerfile}.dockerignore", ROOT_IGNORE):
        if (root / ignore).is_file():
            return BuildFiles(dockerfile, ignore)
    return BuildFiles(dockerfile, None)


def _generated(root: Path, rel: str, path: Path) -> bool:
    """Recorded in the writer's state (then hand edits are the user's own), or carrying our header."""
    try:
        state = json.loads((root / STATE_FILE).read_text(encoding="utf-8"))
        if rel in (state.get("files") or {}):
            return True
    except (OSError, ValueError, AttributeError):
        pass
    try:
        head = path.read_text(encoding="utf-8", errors="replace").splitlines()[:5]
    except OSError:
        return False
    return GENERATED_MARK in "\n".join(head)


@dataclass(frozen=True)
class BuildResult:
    image_id: str
    tag: str
    seconds: float
    steps: int
    cached_steps: int


def build_image(
    client: Any,
    context: Path,
    tag: str,
    labels: dict[str, str] | None = None,
    files: BuildFiles | None = None,
    progress: Callable[[str], None] | None = None,
    timeout: int = 1800,
) -> BuildResult:
    """Build ``files`` (default: :func:`build_files` of ``context``) into ``tag``; raise
    :class:`StepFailed` with the failing step on error."""
    files = files or build_files(context)
    if not (context / files.dockerfile).is_file():
        raise StepFailed(f"no {files.dockerfile} in {context} (run `migrate generate` first)")
    t0 = time.monotonic()
    step = "(before the first step)"
    step_lines: list[str] = []
    steps = cached = 0
    image_id = ""
    tarball = _context(context, files)
    stream = client.api.build(
        fileobj=tarball, custom_context=True, dockerfile=files.dockerfile, tag=tag, rm=True, forcerm=True,
        pull=False, decode=True, labels=labels or {}, timeout=timeout,
    )
    for chunk in stream:
        if "error" in chunk or "errorDetail" in chunk:
            message = (chunk.get("errorDetail") or {}).get("message") or chunk.get("error", "build failed")
            raise StepFailed(f"image build failed at {step}: {message.strip()}", logs={"build": step_lines[-LOG_TAIL:]})
        if "aux" in chunk and isinstance(chunk["aux"], dict):
            image_id = chunk["aux"].get("ID", image_id)
        text = chunk.get("stream") or ""
        for line in text.splitlines():
            if line.startswith("Step "):
                step, step_lines, steps = line.strip(), [], steps + 1
            elif "Using cache" in line:
                cached += 1
            if line.strip():
                step_lines.append(line.rstrip())
                if progress is not None:
                    progress(f"    {line.rstrip()}")
    if not image_id:
        image_id = client.images.get(tag).id
    return BuildResult(image_id, tag, time.monotonic() - t0, steps, cached)


def _context(root: Path, files: BuildFiles) -> Any:
    """The build context as a tar stream, filtered by the ignore file that goes with the Dockerfile (the SDK
    itself would only read the root ``.dockerignore``, which may be the repository's own)."""
    from docker.utils.build import tar

    patterns: list[str] = []
    if files.ignore is not None:
        text = (root / files.ignore).read_text(encoding="utf-8", errors="replace")
        patterns = [p.strip() for p in text.splitlines() if p.strip() and not p.lstrip().startswith("#")]
    return tar(str(root), exclude=patterns, dockerfile=(files.dockerfile, None))
