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

Queries (:func:`matches`) run a compiled :func:`query` over a tree. ``QueryCursor.matches`` takes a
``progress_callback`` too, but in 0.26.1 passing one crashes the interpreter (SIGSEGV) on any tree with
more than one match, whatever the callback returns; so the deadline is checked between the top-level
statements instead, each queried on its own, and the number of matches is bounded. The parse bound
(:data:`MAX_BYTES`) keeps one statement's query short: 500 kB of Express routes take 0.13 s here.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from typing import Any

# Grammar by language name: (module, function returning the PyCapsule). Each wheel is imported the first
# time a file of its language is parsed, so a repo without JavaScript never imports tree_sitter_javascript.
_GRAMMARS: dict[str, tuple[str, str]] = {
    "bash": ("tree_sitter_bash", "language"),
    "javascript": ("tree_sitter_javascript", "language"),  # JSX is part of this grammar
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),  # TypeScript's grammar rejects JSX, tsx accepts it
    "ruby": ("tree_sitter_ruby", "language"),
    "php": ("tree_sitter_php", "language_php"),  # PHP with its HTML text (templates); scripts parse the same
}
# File suffix -> grammar, for the languages whose files are found by name (shell scripts are found by content).
_SUFFIXES: dict[str, str] = {
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".mts": "typescript", ".cts": "typescript", ".tsx": "tsx",
    ".php": "php",
}
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

        module, function = _GRAMMARS[name]
        grammar = importlib.import_module(module)
        return tree_sitter.Language(getattr(grammar, function)())
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


# At most this many matches per query run: a generated bundle can hold tens of thousands of calls, and no
# fact we read needs more.
MAX_MATCHES = 5000
# in-progress matches the cursor keeps; past it tree-sitter drops the oldest (did_exceed_match_limit)
_MATCH_LIMIT = 256


def grammar_for(rel: str) -> str | None:
    """The grammar for a repo file by its suffix (``src/app.tsx`` -> ``tsx``), or None when none applies.
    A TypeScript declaration file (``*.d.ts``) has no code to read and gives None."""
    name = PurePosixPath(rel).name.lower()
    if name.endswith((".d.ts", ".d.mts", ".d.cts")):
        return None
    return _SUFFIXES.get(PurePosixPath(name).suffix)


@cache
def query(name: str, source: str) -> Any:
    """The compiled ``Query`` for ``source`` in grammar ``name`` (compiled once per pair: queries are
    immutable). Raises :class:`Unavailable` when the grammar cannot be loaded; a query that does not
    compile is a bug in our query text and raises tree-sitter's ``QueryError``."""
    import tree_sitter

    return tree_sitter.Query(language(name), source)


@dataclass(frozen=True)
class Match:
    """One match of one pattern: its index in the query text and its captures (nodes in source order).
    Captures whose name starts with ``_`` are helpers for predicates and are left out."""

    pattern: int
    captures: Mapping[str, tuple[Any, ...]]

    def node(self, name: str) -> Any | None:
        """The first node captured as ``name``, or None."""
        nodes = self.captures.get(name, ())
        return nodes[0] if nodes else None


@dataclass(frozen=True)
class Matches:
    """What one query run found. ``complete`` is False when the deadline, :data:`MAX_MATCHES` or the
    cursor's match limit cut it short: the caller should warn that the file was read in part."""

    items: tuple[Match, ...]
    complete: bool

    def __iter__(self) -> Iterator[Match]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def matches(name: str, tree: Any, source: str, deadline: float = DEFAULT_DEADLINE,
            limit: int = MAX_MATCHES) -> Matches:
    """Run query ``source`` of grammar ``name`` over ``tree`` (a ``Tree`` or a ``Node``), statement by
    top-level statement, stopping once ``deadline`` seconds have passed or ``limit`` matches were found.
    A pattern must therefore fit inside one top-level statement (every pattern we write does)."""
    import tree_sitter

    root = tree.root_node if hasattr(tree, "root_node") else tree
    compiled = query(name, source)
    stop = time.monotonic() + deadline
    found: list[Match] = []
    complete = True
    for part in root.children or [root]:
        if time.monotonic() > stop or len(found) >= limit:
            complete = False
            break
        cursor = tree_sitter.QueryCursor(compiled, match_limit=_MATCH_LIMIT)
        for pattern, captures in cursor.matches(part):
            kept = {k: tuple(v) for k, v in captures.items() if not k.startswith("_")}
            found.append(Match(pattern, kept))
        complete = complete and not cursor.did_exceed_match_limit
    if len(found) > limit:
        found, complete = found[:limit], False
    return Matches(tuple(found), complete)


def line(node: Any) -> int:
    """The 1-based line where ``node`` starts."""
    return int(node.start_point[0]) + 1


def text(node: Any, data: bytes) -> str:
    """The source text of ``node``, cut from the bytes that were parsed (``Node.text`` re-reads through the
    parse's read callback; slicing is cheaper and cannot fail)."""
    return data[node.start_byte : node.end_byte].decode("utf-8", "replace")
