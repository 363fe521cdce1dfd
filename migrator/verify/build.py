"""Build the generated Dockerfile with the docker SDK (classic builder, never pulls).

The build log is streamed to the progress callback; on failure the error names the failing step
(``Step 4/9 : RUN pip install ...``) and carries its last output lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from migrator.verify.report import LOG_TAIL, StepFailed


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
    dockerfile: str = "Dockerfile",
    progress: Callable[[str], None] | None = None,
    timeout: int = 1800,
) -> BuildResult:
    """Build ``context`` into ``tag``; raise :class:`StepFailed` with the failing step on error."""
    if not (context / dockerfile).is_file():
        raise StepFailed(f"no {dockerfile} in {context} (run `migrate generate` first)")
    t0 = time.monotonic()
    step = "(before the first step)"
    step_lines: list[str] = []
    steps = cached = 0
    image_id = ""
    stream = client.api.build(
        path=str(context), dockerfile=dockerfile, tag=tag, rm=True, forcerm=True, pull=False,
        decode=True, labels=labels or {}, timeout=timeout,
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
