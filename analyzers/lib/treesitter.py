"""Load tree-sitter grammars lazily and parse with a time bound.

The grammars are imported only when a file needs one (``tree_sitter_bash`` is imported the first time
a shell script defeats bashlex), so a repo without such files pays nothing. Parsing goes through
:func:`parse`, which cancels a parse that runs past its deadline: tree-sitter is fast (a 200 kB script
parses in well under a second) but a pathological input must never stall the analysis.

The Python API is that of ``tree-sitter`` 0.26.1 and later: ``Language(capsule)``, ``Parser(language)``
and ``Parser.parse(read_callback, progress_callback=...)``. 0.25 deprecated ``timeout_micros`` and 0.26
removed it; a progress callback only runs when the source comes from a read callback; 0.25.2 and 0.26.0
crash (SIGSEGV) when a parse is cancelled that way, hence the lower bound. The progress callback is not
called during every phase of error recovery, so callers also bound the size of what they parse.
"""

from __future__ import annotations

import importlib
import time
from functools import cache
from typing import Any

# Grammar packages by language name: the module exposes language() -> PyCapsule (tree-sitter >= 0.22).
_GRAMMARS = {"bash": "tree_sitter_bash"}
_CHUNK = 64 * 1024
DEFAULT_DEADLINE = 2.0  # seconds
# A bound that holds even where the progress callback does not run: a 200 kB pathological shell
# text parses in under a second here.
MAX_BYTES = 512 * 1024


class Unavailable(Exception):
    """The tree-sitter runtime or the grammar is not installed (or too old for this API)."""


@cache
def language(name: str) -> Any:
    """The tree-sitter ``Language`` for ``name`` (imported on first use, then cached: it is immutable)."""
    try:
        import tree_sitter

        grammar = importlib.import_module(_GRAMMARS[name])
        return tree_sitter.Language(grammar.language())
    except (ImportError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise Unavailable(f"tree-sitter grammar for {name} is not available: {exc}") from exc


def parse(name: str, data: bytes, deadline: float = DEFAULT_DEADLINE) -> Any | None:
    """The syntax tree of ``data`` in language ``name``, or None when parsing took longer than
    ``deadline`` seconds or ``data`` is larger than :data:`MAX_BYTES`. Raises :class:`Unavailable`
    when the grammar cannot be loaded."""
    if len(data) > MAX_BYTES:
        return None
    import tree_sitter

    parser = tree_sitter.Parser(language(name))  # a parser holds state: one per parse, never shared
    stop = time.monotonic() + deadline

    def read(offset: int, _point: tuple[int, int]) -> bytes:
        return data[offset : offset + _CHUNK]

    def progress(*_state: Any) -> bool:
        return time.monotonic() > stop  # True cancels the parse

    try:
        return parser.parse(read, progress_callback=progress)
    except ValueError:  # "Parsing failed": the progress callback cancelled it
        return None
