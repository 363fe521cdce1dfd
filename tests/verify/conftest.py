"""Helpers for verify's tests: the tiny app's tree, copies to break, and one shared verified run."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
APP = DATA / "app"


@pytest.fixture
def app_copy(tmp_path: Path) -> Callable[[dict[str, tuple[str, str]] | None], Path]:
    """A copy of the tiny app; ``{rel: (old, new)}`` edits files of the copy."""

    def make(edits: dict[str, tuple[str, str]] | None = None) -> Path:
        root = tmp_path / "app"
        shutil.copytree(APP, root)
        for rel, (old, new) in (edits or {}).items():
            path = root / rel
            text = path.read_text(encoding="utf-8")
            assert old in text, f"{old!r} not in {rel}"
            path.write_text(text.replace(old, new), encoding="utf-8")
        return root

    return make
